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


def settle(page) -> None:
    """Let the reruns a click sets off finish (the cookie component triggers one more)."""
    page.wait_for_timeout(700)
    wait_for_app(page)


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
