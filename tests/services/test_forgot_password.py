""" "Forgot password?": a reset link by e-mail, the same answer for every name, throttled."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, col, select

from core.accounts.registration import set_password_with_link
from core.mail.models import MailOutbox
from core.mail.password_reset import ACCOUNT_LIMIT, SENT, request_password_reset
from core.models import Role
from core.platform.db import write_transaction
from core.platform.settings import Settings
from tests.factories import make_user

SETTINGS = Settings(cookie_key="", client_max_failures=5, login_window_minutes=10)
BASE = "https://mentoring.example.edu"
NEW_PASSWORD = "lantern orchard velvet compass"


def _ask(engine, identifier: str, *, client: str | None = "203.0.113.7", settings=SETTINGS) -> str:
    with write_transaction(engine) as session:
        return request_password_reset(
            session, identifier=identifier, base_url=BASE, settings=settings, client=client
        )


def _mails(engine, user_id: int | None = None) -> list[MailOutbox]:
    with Session(engine) as session:
        statement = select(MailOutbox).where(MailOutbox.kind == "account.password_reset")
        if user_id is not None:
            statement = statement.where(MailOutbox.user_id == user_id)
        return list(session.exec(statement.order_by(col(MailOutbox.id))))


def test_a_known_name_gets_a_working_link_by_e_mail_only(engine):
    with write_transaction(engine) as session:
        person = make_user(session, Role.STUDENT, username="forgetful")
    assert _ask(engine, "Forgetful") == SENT
    [mail] = _mails(engine, person.id)
    assert mail.secret_url and mail.secret_url.startswith(f"{BASE}/?reset=")
    assert mail.secret_url not in mail.text  # the link travels only as the e-mail's button
    token = parse_qs(urlsplit(mail.secret_url).query)["reset"][0]
    with write_transaction(engine) as session:
        set_password_with_link(
            session, token=token, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
        )


def test_an_e_mail_address_finds_the_account_too(engine):
    with write_transaction(engine) as session:
        person = make_user(session, Role.ALUMNI, email="Ada@Example.org")
    assert _ask(engine, "ada@example.org") == SENT
    assert len(_mails(engine, person.id)) == 1


def test_an_unknown_name_gets_the_same_answer_and_no_mail(engine):
    assert _ask(engine, "nobody-at-all") == SENT
    assert _ask(engine, "nul\x00name") == SENT
    assert _mails(engine) == []


def test_an_account_gets_at_most_a_few_links_an_hour(engine):
    with write_transaction(engine) as session:
        person = make_user(session, Role.STUDENT)
    for n in range(ACCOUNT_LIMIT + 2):
        assert _ask(engine, person.username, client=f"198.51.100.{n}") == SENT
    assert len(_mails(engine, person.id)) == ACCOUNT_LIMIT


def test_one_client_cannot_flood_many_mailboxes(engine):
    with write_transaction(engine) as session:
        people = [make_user(session, Role.STUDENT) for _ in range(8)]
    for person in people:
        assert _ask(engine, person.username) == SENT
    assert len(_mails(engine)) == SETTINGS.client_max_failures


def test_an_account_of_a_single_sign_on_domain_is_told_to_use_it(engine):
    with write_transaction(engine) as session:
        person = make_user(session, Role.STUDENT, email="sam@uni.example.edu")
    required = Settings(
        cookie_key="",
        oidc_server_metadata_url="https://login.example.edu/.well-known/openid-configuration",
        oidc_required_domains="uni.example.edu",
    )
    answer = _ask(engine, person.username, settings=required)
    assert "university account" in answer and answer != SENT
    assert _mails(engine) == []
