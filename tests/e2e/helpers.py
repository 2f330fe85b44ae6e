"""Steps shared by browser journeys."""

from __future__ import annotations

from core.seed import DEMO_PASSWORD


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished its current run."""
    page.wait_for_selector("[data-testid='stApp']")
    running = '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'
    page.wait_for_function(f"() => !document.querySelector('{running}')")


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and submit the login form."""
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    settle(page)


def wait_for_login_cookie(page, name: str = "mentoring_auth", timeout_s: float = 30.0) -> None:
    """Wait until the browser holds the login cookie, so a new page load stays logged in.

    The cookie is written by a component after the login rerun; on a busy machine that takes
    a few seconds, and a URL opened before it lands shows the login form again.
    """
    waited = 0.0
    while not any(cookie["name"] == name for cookie in page.context.cookies()):
        if waited >= timeout_s:
            raise AssertionError(f"the {name} cookie was not written within {timeout_s:g} s")
        page.wait_for_timeout(200)
        waited += 0.2


def settle(page) -> None:
    """Let the reruns a click sets off finish (the cookie component triggers one more)."""
    page.wait_for_timeout(700)
    wait_for_app(page)


def log_out(page) -> None:
    """Log out and wait, as a person reading the notice would, for the logout's reruns to end.

    The notice shows in the logout run; the cookie component then reports and sets off one more
    run. A test fills the form the moment the notice shows, and once in a clean-clone run such
    a login never reached the home screen; a person reading the notice is never that quick.
    """
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
    settle(page)
