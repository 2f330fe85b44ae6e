"""Logging in, out, and opening pages directly, in a real browser."""

from __future__ import annotations

import pytest

from pages.components.navigation import SCREENS
from tests.e2e.conftest import shot
from tests.e2e.helpers import log_in, log_out, open_page, settle, wait_for_login_cookie

pytestmark = pytest.mark.e2e

ROLES = {
    "demo-student": "student",
    "demo-alumni": "alumni",
    "demo-faculty": "faculty",
    "demo-admin": "admin",
}


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_demo_role_reaches_its_home(server, page, username):
    open_page(page, server.url)
    log_in(page, username)
    page.get_by_text("Welcome,").first.wait_for()
    # .first: while the rerun the cookie writer sets off is drawing, the page can briefly hold
    # the previous run's copy of a line beside the new one (the writer's slot goes away).
    page.get_by_text(f"You are signed in as {ROLES[username]}").first.wait_for()
    assert page.get_by_role("button", name="Log in").count() == 0
    settle(page)
    shot(page, f"home-{ROLES[username]}")


def test_logout_holds_after_a_reload(server, page):
    open_page(page, server.url)
    log_in(page, "demo-student")
    page.get_by_text("Welcome,").first.wait_for()
    log_out(page)
    page.reload()
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_text("Welcome,").count() == 0


def test_a_cookie_copied_before_logout_no_longer_logs_in(server, browser, page):
    open_page(page, server.url)
    log_in(page, "demo-alumni")
    page.get_by_text("Welcome,").first.wait_for()
    wait_for_login_cookie(page)
    stolen = page.context.cookies()
    # While the session is live the cookie alone logs in (it is the 'remember me' cookie).
    other = browser.new_context()
    other.add_cookies(stolen)
    replay = other.new_page()
    open_page(replay, server.url)
    replay.get_by_text("Welcome,").first.wait_for()
    other.close()
    log_out(page)
    thief = browser.new_context()
    thief.add_cookies(stolen)
    replay = thief.new_page()
    open_page(replay, server.url)
    replay.get_by_role("button", name="Log in").wait_for()
    assert replay.get_by_text("Welcome,").count() == 0
    thief.close()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.url_path)
def test_every_page_url_opened_logged_out_shows_only_the_login_form(server, page, screen):
    open_page(page, f"{server.url}/{screen.url_path}")
    page.get_by_role("button", name="Log in").wait_for()
    page.wait_for_timeout(500)
    body = page.inner_text("body")
    assert screen.title not in body.replace("Log in", "")
    assert "Welcome," not in body
    assert page.locator("[data-testid='stSidebarNav']").count() == 0


def test_a_deep_link_shows_its_page_after_login(server, page):
    open_page(page, f"{server.url}/inbox")
    log_in(page, "demo-student")
    page.get_by_role("heading", name="Inbox").first.wait_for()
    assert "/inbox" in page.url


def test_each_login_in_one_tab_writes_the_login_cookie_and_each_logout_says_so(server, page):
    # The cookie writer is an iframe; a rerun that came before it loaded used to drop it, so
    # every other login in the same tab left no cookie (and a reload logged the user out).
    open_page(page, server.url)
    for _ in range(3):
        log_in(page, "demo-alumni")
        page.get_by_text("Welcome,").first.wait_for()
        page.wait_for_function("() => document.cookie.includes('mentoring_auth=')", timeout=15_000)
        log_out(page)
        page.wait_for_function("() => !document.cookie.includes('mentoring_auth=')", timeout=15_000)
        settle(page)
        assert page.get_by_text("You are logged out.").is_visible()


def test_the_page_after_a_logout_never_holds_two_login_forms(server, page):
    # The logout run renders one cookie component more than the run after it; the login form
    # used to shift by one element between the two, and the browser showed both copies.
    open_page(page, server.url)
    log_in(page, "demo-faculty")
    page.get_by_text("Welcome,").first.wait_for()
    page.get_by_role("button", name="Log out").click()
    # Counted on every change to the page, not sampled: the second copy lasts one short run.
    most = page.evaluate(
        """() => new Promise(resolve => {
            let most = 0;
            const count = () => {
                const forms = [...document.querySelectorAll('[data-testid=stForm]')]
                    .filter(f => f.innerText.includes('Username'));
                most = Math.max(most, forms.length);
            };
            const observer = new MutationObserver(count);
            observer.observe(document.body, {childList: true, subtree: true});
            setTimeout(() => { observer.disconnect(); count(); resolve(most); }, 4000);
        })"""
    )
    assert most == 1
    page.get_by_text("You are logged out.").first.wait_for()
