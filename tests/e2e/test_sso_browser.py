"""University sign-in in Chromium, against a real OpenID Connect provider on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from core.models import AuthSession, Role, User
from core.platform.db import create_db_engine, read_session
from core.platform.migrate import upgrade_to_head
from tests.e2e.conftest import shot
from tests.e2e.helpers import open_page, settle, wait_for_app
from tests.sso_support import (
    IDENTITY_COOKIE,
    PortalServer,
    oidc_provider,
    portal_server,
    set_provider_user,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def portal(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    folder = tmp_path_factory.mktemp("sso-e2e")
    url = f"sqlite:///{folder / 'sso.db'}"
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    with portal_server(provider, folder, url) as server:
        yield server


def test_a_newcomer_signs_in_with_sso_lands_home_as_a_student_and_logs_out_for_good(
    provider, portal, page
):
    set_provider_user(
        provider,
        "ada-sso",
        email="ada.sso@students.uni.example",
        email_verified=True,
        name="Ada Newcomer",
    )
    open_page(page, portal.url)
    page.get_by_role("button", name="Sign in with your university account").click()
    # The provider's own sign-in page (oidc-provider-mock's form): who is signing in.
    page.locator("input[name=sub]").fill("ada-sso")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{portal.url}/**")
    wait_for_app(page)
    page.get_by_text("Welcome,").first.wait_for()
    page.get_by_text("You are signed in as student").first.wait_for()
    assert page.get_by_role("button", name="Log in").count() == 0
    settle(page)
    shot(page, "sso-home-student")
    engine = create_db_engine(portal.database_url)
    with read_session(engine) as session:
        user = session.exec(select(User).where(User.email == "ada.sso@students.uni.example")).one()
    assert user.role is Role.STUDENT

    page.get_by_role("button", name="Log out").click()
    # st.logout: Streamlit deletes its identity cookie and sends the browser to the
    # provider's end-session page, which confirms and returns to the portal.
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{portal.url}/**")
    wait_for_app(page)
    page.get_by_role("button", name="Sign in with your university account").wait_for()
    assert IDENTITY_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
    with read_session(engine) as session:
        record = session.exec(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    assert record.revoked_reason == "logout"

    # Back through the history, past the provider's pages to the logged-in screen's entry:
    # whatever the portal shows there is the login screen, never the student's home.
    portal_entries = 0
    for _ in range(3):
        page.go_back()
        if page.url.startswith(portal.url):
            portal_entries += 1
            wait_for_app(page)
            settle(page)
            assert page.get_by_text("You are signed in as").count() == 0, page.url
            page.get_by_role("button", name="Log in").wait_for()
    assert portal_entries >= 1
    shot(page, "sso-after-back")
    engine.dispose()
