"""SSO rules in core (no Streamlit), on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from core.accounts import attempt_login, create_user, sso
from core.accounts.passwords import is_correct_password
from core.accounts.registration import (
    LinkNotUsable,
    change_own_password,
    find_usable_reset,
    make_set_password_link,
)
from core.models import AuditEntry, AuthSession, FacultyInvite, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from core.platform.settings import Settings
from core.platform.types import utcnow

ISSUER = "https://idp.uni.example/realms/uni"
PASSWORD = "a long enough password 42"


def settings(**extra: object) -> Settings:
    values: dict[str, object] = {
        "oidc_server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
        "oidc_client_id": "portal",
        "oidc_student_domains": "students.uni.example",
        "oidc_required_domains": "staff.uni.example",
        "base_url": "https://portal.uni.example",
        **extra,
    }
    return Settings.model_validate(values)


def identity(email: str | None, *, verified: bool = True, sub: str | None = None, **claims):
    base: dict[str, object] = {
        "iss": ISSUER,
        "sub": sub or secrets.token_hex(6),
        "nonce": secrets.token_hex(8),
        "iat": int(utcnow().timestamp()),
        "email_verified": verified,
        **claims,
    }
    if email:
        base["email"] = email
    return sso.Identity.from_claims(base)


def account(engine: Engine, email: str, role: Role = Role.ALUMNI, *, active=True) -> User:
    with write_transaction(engine) as session:
        user = create_user(
            session,
            username=email.split("@")[0],
            email=email,
            display_name="Someone",
            role=role,
            password=PASSWORD,
        )
        user.is_active = active
        session.add(user)
    return user


def admin(engine: Engine) -> User:
    return account(engine, "boss@example.edu", Role.ADMIN)


def login(engine: Engine, who: sso.Identity, config: Settings | None = None) -> sso.SsoLogin:
    with write_transaction(engine) as session:
        return sso.start_or_resume(session, identity=who, settings=config or settings())


def test_the_provider_subject_finds_the_linked_account_even_after_an_email_change(engine):
    user = account(engine, "ana@alumni.example")
    first = login(engine, identity("ana@alumni.example", sub="ana-1"))
    assert first.user is not None and first.user.id == user.id and first.how == "linked_by_email"
    later = login(engine, identity("ana.new@elsewhere.example", sub="ana-1"))
    assert later.user is not None and later.user.id == user.id and later.how == "linked"


def test_an_unverified_email_never_links_an_account(engine):
    account(engine, "bob@alumni.example")
    result = login(engine, identity("bob@alumni.example", verified=False))
    assert result.user is None and result.error is not None
    assert "not verified" in result.error.message
    with read_session(engine) as session:
        assert session.exec(select(sso.SsoIdentity)).all() == []


def test_the_string_true_counts_as_verified():
    assert identity("x@y.example", email_verified="true").email_verified


def test_a_student_domain_creates_a_student_without_a_password(engine):
    result = login(engine, identity("Cy.Dee@Students.Uni.Example", name="Cy Dee"))
    assert result.user is not None and result.how == "created"
    assert result.user.role is Role.STUDENT and result.user.email == "cy.dee@students.uni.example"
    assert not sso.has_password(result.user)
    with read_session(engine) as session:
        methods = sso.sign_in_methods(session, [result.user])
    assert methods[result.user.id] == "SSO"


def test_an_unverified_student_domain_address_creates_nothing(engine):
    result = login(engine, identity("dee@students.uni.example", verified=False))
    assert result.user is None
    with read_session(engine) as session:
        assert session.exec(select(User)).all() == []


def test_usernames_of_new_students_never_collide(engine):
    account(engine, "eve@alumni.example")
    result = login(engine, identity("eve@students.uni.example"))
    assert result.user is not None and result.user.username == "eve-2"


def test_outside_the_domains_nobody_is_created_and_the_refusal_is_audited(engine):
    result = login(engine, identity("fay@elsewhere.example"))
    assert result.user is None and result.error is not None
    assert "faculty accounts come from an invite" in result.error.message
    with read_session(engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert [row.action for row in refused] == ["login.failed"]


def test_an_invite_to_the_verified_email_makes_the_faculty_account(engine):
    boss = admin(engine)
    with write_transaction(engine) as session:
        session.add(
            FacultyInvite(
                token_hash="y" * 64,
                email="gus@staff.uni.example",
                department="Physics",
                program_wide=True,
                created_by=boss.id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    result = login(engine, identity("gus@staff.uni.example"))
    assert result.user is not None and result.how == "invite"
    assert (result.user.role, result.user.department, result.user.program_wide) == (
        Role.FACULTY,
        "Physics",
        True,
    )
    again = login(engine, identity("gus@staff.uni.example", sub="other-subject"))
    assert again.user is not None and again.user.id == result.user.id, "one account only"


def test_an_expired_invite_is_not_accepted(engine):
    boss = admin(engine)
    with write_transaction(engine) as session:
        session.add(
            FacultyInvite(
                token_hash="z" * 64,
                email="hal@staff.uni.example",
                created_by=boss.id,
                expires_at=utcnow() - timedelta(minutes=1),
            )
        )
    assert login(engine, identity("hal@staff.uni.example")).user is None


def test_a_deactivated_account_is_refused_by_subject_and_by_email(engine):
    user = account(engine, "ivy@alumni.example")
    assert login(engine, identity("ivy@alumni.example", sub="ivy")).user is not None
    with write_transaction(engine) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.is_active = False
        session.add(row)
    by_subject = login(engine, identity("ivy@alumni.example", sub="ivy"))
    by_email = login(engine, identity("ivy@alumni.example", sub="ivy-2"))
    for result in (by_subject, by_email):
        assert result.user is None and result.error is not None
        assert "deactivated" in result.error.message


def test_a_stale_or_nonce_less_identity_starts_no_session(engine):
    old = identity("jo@students.uni.example", iat=int((utcnow() - timedelta(hours=1)).timestamp()))
    assert "too old" in (login(engine, old).error or Exception("")).args[0]
    bare = sso.Identity.from_claims(
        {"iss": ISSUER, "sub": "s", "email": "jo@students.uni.example", "email_verified": True}
    )
    assert login(engine, bare).user is None


def test_repeated_refusals_of_one_subject_are_throttled(engine):
    config = settings(login_max_failures=3)
    for _ in range(3):
        assert login(engine, identity("kay@elsewhere.example", sub="kay"), config).user is None
    account(engine, "kay@alumni.example")
    result = login(engine, identity("kay@alumni.example", sub="kay"), config)
    assert result.user is None and result.error is not None
    assert "Too many refused sign-ins" in result.error.message


def test_the_session_is_the_same_server_side_session_as_a_password_login(engine):
    who = identity("lu@students.uni.example")
    first = login(engine, who)
    assert first.session_id is not None
    resumed = login(engine, who)
    assert resumed.session_id == first.session_id and resumed.how == "resumed"
    with write_transaction(engine) as session:
        record = session.get(AuthSession, first.session_id)
        assert record is not None
        record.revoked_at = utcnow()
        session.add(record)
    ended = login(engine, who)
    assert ended.user is None and ended.error is not None, "an ended sign-in starts nothing"


def test_required_domains_refuse_a_correct_password_and_a_reset_link(engine, monkeypatch):
    monkeypatch.setenv("OIDC_REQUIRED_DOMAINS", "staff.uni.example")
    from core.platform.settings import get_settings

    get_settings.cache_clear()
    try:
        user = account(engine, "max@staff.uni.example", Role.FACULTY)
        with write_transaction(engine) as session:
            result = attempt_login(session, username="max", password=PASSWORD, settings=settings())
        assert result.user is None and result.error is not None
        assert "sign in with the university account" in result.error.message
        assert user.id is not None
        with write_transaction(engine) as session:
            link = make_set_password_link(session, user_id=user.id, created_by=None)
        with read_session(engine) as session, pytest.raises(LinkNotUsable):
            find_usable_reset(session, link.token)
        # Other domains keep their passwords.
        account(engine, "ned@alumni.example")
        with write_transaction(engine) as session:
            fine = attempt_login(session, username="ned", password=PASSWORD, settings=settings())
        assert fine.user is not None
    finally:
        get_settings.cache_clear()


def test_an_sso_only_account_has_no_password_of_its_own_to_change(engine):
    user = account(engine, "ora@staff.uni.example", Role.FACULTY)
    new = "a brand new passphrase for ora"
    with (
        pytest.raises(sso.SsoRequired, match="university account"),
        write_transaction(engine) as session,
    ):
        change_own_password(
            session,
            actor=user,
            current_password=PASSWORD,
            new_password=new,
            password_confirmation=new,
            settings=settings(),
        )
    with read_session(engine) as session:
        assert is_correct_password(PASSWORD, session.get(User, user.id).password_hash)


def test_an_admin_sees_how_each_account_signs_in_and_can_unlink_sso(engine):
    boss = admin(engine)
    both = account(engine, "ole@alumni.example")
    only_password = account(engine, "pat@alumni.example")
    login(engine, identity("ole@alumni.example"))
    with read_session(engine) as session:
        methods = sso.sign_in_methods(session, [both, only_password])
    assert methods == {both.id: "both", only_password.id: "password"}
    assert both.id is not None
    with write_transaction(engine) as session:
        assert sso.unlink(session, actor=boss, user_id=both.id) == 1
    with read_session(engine) as session:
        assert sso.sign_in_methods(session, [both])[both.id] == "password"
        assert sso.last_audit(session, "admin.unlink_sso") is not None


def test_only_an_admin_may_unlink_sso(engine):
    user = account(engine, "quin@alumni.example")
    login(engine, identity("quin@alumni.example"))
    assert user.id is not None
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        sso.unlink(session, actor=user, user_id=user.id)
