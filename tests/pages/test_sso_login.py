"""University sign-in against a real OpenID Connect provider on loopback.

Each test signs a person in at oidc-provider-mock through Streamlit's own `/auth/login` and
`/oauth2callback` routes (a real `streamlit run` server, Authlib checking state, nonce and the
ID token), then opens the app in AppTest with the identity Streamlit stored, exactly as the
next browser session's `st.user` would hold it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import select
from streamlit import config as st_config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from core.accounts import create_user
from core.accounts.registration import make_set_password_link
from core.accounts.sso import SsoIdentity
from core.models import AuditEntry, AuthSession, FacultyInvite, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.settings import get_settings
from core.platform.types import utcnow
from core.seed import DEMO_PASSWORD
from tests.pages.conftest import new_app
from tests.pages.screens import open_screen, shown_tables
from tests.sso_support import (
    IDENTITY_COOKIE,
    PortalServer,
    oidc_provider,
    portal_server,
    set_provider_user,
    sign_in,
    sso_env,
)

PASSWORD = "a long enough password 42"


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += (
        [s.value for s in at.subheader] + [h.value for h in at.header] + [e.value for e in at.error]
    )
    parts += [c.value for c in at.caption] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def portal(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """The Streamlit server whose login and callback routes the flows go through."""
    from core.platform.db import create_db_engine
    from core.platform.migrate import upgrade_to_head

    folder = tmp_path_factory.mktemp("sso-portal")
    url = f"sqlite:///{folder / 'portal.db'}"
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    with portal_server(provider, folder, url) as server:
        yield server


@pytest.fixture
def sso_app(
    app_env: Engine,
    provider: str,
    portal: PortalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Engine]:
    """The demo app with SSO configured against the loopback provider."""
    for name, value in sso_env(provider, portal.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    files = list(st_config.get_option("secrets.files"))
    yield app_env
    st_config.set_option("secrets.files", files)
    secrets_singleton._reset()
    get_settings.cache_clear()


def _person(provider: str, **claims: object) -> str:
    sub = "p-" + secrets.token_hex(4)
    set_provider_user(provider, sub, **claims)
    return sub


def open_with_identity(portal: PortalServer, sub: str) -> AppTest:
    """Sign `sub` in at the provider, then open the app as the browser would next."""
    flow = sign_in(portal, sub)
    assert flow.identity is not None, portal.log.read_text()[-2000:]
    at = new_app()
    at.user = flow.identity
    return at.run()


def _user(engine: Engine, email: str) -> User | None:
    with read_session(engine) as session:
        return session.exec(select(User).where(User.email == email)).first()


def _account(engine: Engine, email: str, *, role: Role = Role.ALUMNI) -> User:
    with write_transaction(engine) as session:
        return create_user(
            session,
            username=email.split("@")[0].replace("+", "-"),
            email=email,
            display_name="Existing Person",
            role=role,
            password=PASSWORD,
        )


def test_the_sso_button_sits_above_the_password_form_when_configured(sso_app):
    at = new_app().run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert labels.index("Sign in with your university account") < labels.index("Log in")
    assert secrets_singleton.load_if_toml_exists(), "Streamlit reads the generated secrets"
    assert secrets_singleton["auth"]["redirect_uri"].endswith("/oauth2callback")


def test_without_the_oidc_settings_there_is_no_sso_button(app_env):
    at = new_app().run()
    assert not at.exception
    assert "Sign in with your university account" not in [b.label for b in at.button]


def test_a_verified_email_links_the_existing_account_and_signs_in(sso_app, provider, portal):
    existing = _account(sso_app, "kim@alumni.example")
    sub = _person(provider, email="kim@alumni.example", email_verified=True, name="Kim")
    at = open_with_identity(portal, sub)
    assert not at.exception
    assert "Welcome" in texts(at) and "signed in as **alumni**" in texts(at)
    with read_session(sso_app) as session:
        link = session.exec(select(SsoIdentity)).one()
        sessions = session.exec(select(AuthSession)).all()
        actions = session.exec(select(AuditEntry.action)).all()
    assert (link.user_id, link.subject, link.issuer) == (existing.id, sub, provider)
    assert len(sessions) == 1 and sessions[0].user_id == existing.id
    assert "sso.link" in actions and "login.succeeded" in actions


def test_an_unverified_email_is_refused_and_not_linked(sso_app, provider, portal):
    _account(sso_app, "lee@alumni.example")
    sub = _person(provider, email="lee@alumni.example", email_verified=False)
    at = open_with_identity(portal, sub)
    assert "Welcome" not in texts(at)
    assert "not verified" in texts(at)
    with read_session(sso_app) as session:
        assert session.exec(select(SsoIdentity)).all() == []
        assert session.exec(select(AuthSession)).all() == []
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert any("unverified" in (row.detail or "") for row in refused)


def test_a_newcomer_from_a_student_domain_gets_a_student_account(sso_app, provider, portal):
    sub = _person(
        provider, email="new.comer@students.uni.example", email_verified=True, name="New Comer"
    )
    at = open_with_identity(portal, sub)
    assert not at.exception
    assert "signed in as **student**" in texts(at)
    user = _user(sso_app, "new.comer@students.uni.example")
    assert user is not None and user.role is Role.STUDENT and user.display_name == "New Comer"


def test_a_newcomer_outside_the_domains_is_told_faculty_come_from_an_invite(
    sso_app, provider, portal
):
    sub = _person(provider, email="visitor@elsewhere.example", email_verified=True)
    at = open_with_identity(portal, sub)
    assert "Welcome" not in texts(at)
    assert "faculty accounts come from an invite" in texts(at)
    assert _user(sso_app, "visitor@elsewhere.example") is None


def test_a_faculty_invite_is_accepted_by_signing_in_with_sso(sso_app, provider, portal):
    with write_transaction(sso_app) as session:
        admin = session.exec(select(User).where(User.username == "demo-admin")).one()
        session.add(
            FacultyInvite(
                token_hash="x" * 64,
                email="prof@staff.uni.example",
                department="Biology",
                created_by=admin.id,
                expires_at=utcnow().replace(year=utcnow().year + 1),
            )
        )
    sub = _person(provider, email="prof@staff.uni.example", email_verified=True, name="Prof P")
    at = open_with_identity(portal, sub)
    assert not at.exception
    assert "signed in as **faculty**" in texts(at)
    user = _user(sso_app, "prof@staff.uni.example")
    assert user is not None and user.department == "Biology"
    with read_session(sso_app) as session:
        invite = session.exec(select(FacultyInvite)).one()
    assert invite.used_by == user.id


def test_a_deactivated_account_is_refused(sso_app, provider, portal):
    existing = _account(sso_app, "gone@alumni.example")
    with write_transaction(sso_app) as session:
        row = session.get(User, existing.id)
        assert row is not None
        row.is_active = False
        session.add(row)
    sub = _person(provider, email="gone@alumni.example", email_verified=True)
    at = open_with_identity(portal, sub)
    assert "Welcome" not in texts(at)
    assert "deactivated" in texts(at)
    with read_session(sso_app) as session:
        assert session.exec(select(AuthSession)).all() == []


def test_a_required_sso_domain_refuses_password_login(sso_app):
    _account(sso_app, "staffer@staff.uni.example", role=Role.FACULTY)
    at = new_app().run()
    at.text_input[0].input("staffer")
    at.text_input[1].input(PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    at.run()
    assert "Welcome" not in texts(at)
    assert "sign in with the university account" in texts(at)
    with read_session(sso_app) as session:
        actions = session.exec(select(AuditEntry.action)).all()
        assert session.exec(select(AuthSession)).all() == []
    assert "login.sso_required" in actions


def test_a_required_sso_domain_refuses_a_password_reset_link(sso_app):
    user = _account(sso_app, "staffer2@staff.uni.example", role=Role.FACULTY)
    assert user.id is not None
    with write_transaction(sso_app) as session:
        link = make_set_password_link(session, user_id=user.id, created_by=None)
    at = new_app()
    at.query_params["reset"] = link.token
    at.run()
    assert "sign in with the university account" in texts(at)
    assert "New password" not in [t.label for t in at.text_input]


def test_state_mismatch_at_the_callback_is_refused(provider, portal):
    sub = _person(provider, email="s@students.uni.example", email_verified=True)
    flow = sign_in(portal, sub, tamper_callback=lambda q: q.update(state=["forged"]))
    assert flow.identity is None
    assert IDENTITY_COOKIE not in flow.client.cookies


def test_nonce_mismatch_in_the_id_token_is_refused(provider, portal):
    sub = _person(provider, email="n@students.uni.example", email_verified=True)
    flow = sign_in(portal, sub, tamper_authorize=lambda q: q.update(nonce=["replayed"]))
    assert flow.identity is None
    assert IDENTITY_COOKIE not in flow.client.cookies


def test_logout_revokes_the_session_and_ends_streamlits_identity(sso_app, provider, portal):
    sub = _person(provider, email="out@students.uni.example", email_verified=True)
    flow = sign_in(portal, sub)
    assert flow.identity is not None
    at = new_app()
    at.user = flow.identity
    at.run()
    assert "signed in as **student**" in texts(at)
    at.sidebar.button(key="menu_logout").click().run()
    assert not at.exception
    assert at.user == {"is_logged_in": False}, "st.logout() ran: the identity is gone"
    with read_session(sso_app) as session:
        record = session.exec(select(AuthSession)).one()
    assert record.revoked_reason == "logout"
    # The same identity cookie, replayed in a new browser session, opens nothing.
    again = new_app()
    again.user = flow.identity
    again.run()
    assert "Welcome" not in texts(again)
    # Streamlit's logout route deletes the identity cookie in the browser.
    flow.client.get(f"{portal.url}/auth/logout")
    assert IDENTITY_COOKIE not in flow.client.cookies


def test_a_second_tab_resumes_the_same_session(sso_app, provider, portal):
    sub = _person(provider, email="tabs@students.uni.example", email_verified=True)
    flow = sign_in(portal, sub)
    for _ in range(2):
        at = new_app()
        at.user = flow.identity
        at.run()
        assert "signed in as **student**" in texts(at)
    with read_session(sso_app) as session:
        assert len(session.exec(select(AuthSession)).all()) == 1


def test_the_admin_users_screen_shows_sso_and_unlinks_it(sso_app, provider, portal):
    _account(sso_app, "linked@alumni.example")
    sub = _person(provider, email="linked@alumni.example", email_verified=True)
    open_with_identity(portal, sub)
    at = new_app().run()
    at.text_input[0].input("demo-admin")
    at.text_input[1].input(DEMO_PASSWORD)
    next(b for b in at.button if b.label == "Log in").click()
    at = open_screen(at.run(), "admin-users")
    at.text_input(key="admin_users_search").input("linked@alumni")
    at.run()
    table = shown_tables(at)[0]
    assert list(table["Signs in with"]) == ["both"]
    next(b for b in at.button if b.label == "Unlink SSO").click()
    at.run()
    assert "no longer linked to a university account" in texts(at)
    assert list(shown_tables(at)[0]["Signs in with"]) == ["password"]
    with read_session(sso_app) as session:
        assert session.exec(select(SsoIdentity)).all() == []
        actions = session.exec(select(AuditEntry.action)).all()
    assert "admin.unlink_sso" in actions


def teardown_module() -> None:
    st.cache_resource.clear()
