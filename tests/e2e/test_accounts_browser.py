"""Accounts in a real browser: registration, the throttle, hostile text and faculty invites."""

from __future__ import annotations

import itertools
import os
import time

import pytest
from playwright.sync_api import expect

from core.accounts import create_user, find_user_by_username
from core.admin import create_faculty_invite
from core.db import create_db_engine, write_transaction
from core.models import LoginAttempt, Role
from tests.e2e.conftest import shot
from tests.e2e.helpers import log_in, open_page, wait_for_app

pytestmark = pytest.mark.e2e

PASSWORD = "browser passphrase 2026"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LINK = "[x](javascript:alert(1))"
# Bare addresses Markdown would turn into links by itself (GitHub's autolink literals).
AUTOLINK_BAIT = "www.e.example https://e.example/a me@e.example"
_numbers = itertools.count()


def fresh(prefix: str) -> str:
    """Return a username no other test (or earlier run on this server) has used."""
    return f"{prefix}-{os.getpid()}-{next(_numbers)}"


def _engine(server):
    return create_db_engine(server.database_url)


def _make_student(server, username: str) -> None:
    engine = _engine(server)
    with write_transaction(engine) as session:
        create_user(
            session,
            username=username,
            email=f"{username}@example.edu",
            display_name=username,
            role=Role.STUDENT,
            password=PASSWORD,
            department="Biology",
        )
    engine.dispose()


def _fill(page, label: str, value: str) -> None:
    """Type into a labelled field and leave it, so Streamlit takes the value before a submit."""
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Tab")


def _watch_dialogs(page) -> list[str]:
    fired: list[str] = []

    def record(dialog) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return fired


def test_register_a_student_and_log_in(server, page):
    username = fresh("reg")
    open_page(page, server.url)
    page.get_by_role("button", name="Create an account").click()
    page.get_by_role("heading", name="Create an account").wait_for()
    _fill(page, "Username", username)
    _fill(page, "E-mail", f"{username}@example.edu")
    _fill(page, "Display name", "Browser Student")
    _fill(page, "Department", "Biology")
    _fill(page, "Password", "short")
    _fill(page, "Repeat the password", "short")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("must be at least 12 characters").first.wait_for()
    assert page.get_by_label("Username", exact=True).input_value() == username, "input kept"
    _fill(page, "Password", PASSWORD)
    _fill(page, "Repeat the password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(f"Your account {username} was created").first.wait_for()
    wait_for_app(page)  # the registration form's elements go once the run has finished
    page.get_by_role("button", name="Create an account").wait_for()
    shot(page, "registered")
    log_in(page, username, PASSWORD)
    # .first: the rerun after a login can briefly show the previous run's copy beside the new.
    page.get_by_text("Welcome, Browser Student").first.wait_for()
    page.get_by_text("You are signed in as student").first.wait_for()


def test_the_sixth_bad_password_is_throttled_until_the_window_passes(server, page):
    """Five failures within the window lock the account; it opens again after the window.

    The e2e server's window is 6 seconds (LOGIN_WINDOW_MINUTES=0.1) and the lock lifts when the
    oldest of the five failures leaves it (a sliding window). Typed attempts can take longer
    than that on a loaded machine, so one failure is typed, four more are recorded directly
    (as attempt_login records them), and the right password follows at once.
    """
    username = fresh("throttle")
    _make_student(server, username)
    open_page(page, server.url)
    log_in(page, username, "not the password at all")
    page.get_by_text("Username or password is incorrect.").first.wait_for()
    wait_for_app(page)
    engine = _engine(server)
    with write_transaction(engine) as session:
        session.add_all(LoginAttempt(username=username, succeeded=False) for _ in range(4))
    engine.dispose()
    last_failure = time.monotonic()
    log_in(page, username, PASSWORD)
    page.get_by_text("Too many failed attempts for this account").first.wait_for()
    shot(page, "throttled")
    assert page.get_by_text("Welcome,").count() == 0
    time.sleep(max(0.0, 7.0 - (time.monotonic() - last_failure)))
    open_page(page, server.url)
    log_in(page, username, PASSWORD)
    page.get_by_text("Welcome,").first.wait_for()


def test_hostile_profile_text_renders_literally_and_runs_nothing(server, page):
    username = fresh("xss")
    _make_student(server, username)
    fired = _watch_dialogs(page)
    open_page(page, f"{server.url}/profile")
    log_in(page, username, PASSWORD)
    page.get_by_role("heading", name="Profile").wait_for()
    _fill(page, "Display name", f"{XSS_IMG} {AUTOLINK_BAIT}")
    _fill(page, "Department", XSS_LINK)
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile was saved.").first.wait_for()
    page.get_by_role("link", name="Home").click()
    welcome = page.get_by_text(f"Welcome, {XSS_IMG}")
    welcome.wait_for()
    page.wait_for_timeout(500)
    shot(page, "xss-literal")
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    # The addresses read as typed (an invisible word joiner keeps each from becoming a link).
    assert AUTOLINK_BAIT in welcome.inner_text().replace("\u2060", "")
    assert page.locator("a[href*='e.example']").count() == 0
    page.get_by_text(XSS_IMG).first.wait_for()
    engine = _engine(server)
    with write_transaction(engine) as session:
        stored = find_user_by_username(session, username)
        assert stored is not None and stored.department == XSS_LINK
    engine.dispose()
    open_page(page, f"{server.url}/profile")
    page.get_by_role("heading", name="Profile").wait_for()
    expect(page.get_by_label("Department", exact=True)).to_have_value(XSS_LINK)
    assert fired == [], f"a dialog fired: {fired}"


def test_a_faculty_invite_link_works_once(server, browser, page):
    username = fresh("prof")
    engine = _engine(server)
    with write_transaction(engine) as session:
        admin = find_user_by_username(session, "demo-admin")
        assert admin is not None
        link = create_faculty_invite(
            session, actor=admin, email=f"{username}@example.edu", department="Physics"
        )
    engine.dispose()
    url = link.url(server.url, "invite")
    open_page(page, url)
    page.get_by_role("heading", name="Join as faculty").wait_for()
    _fill(page, "Username", username)
    _fill(page, "Display name", "Prof. Browser")
    _fill(page, "Password", PASSWORD)
    _fill(page, "Repeat the password", PASSWORD)
    page.get_by_role("button", name="Create faculty account").click()
    page.get_by_text(f"Your faculty account {username} was created").first.wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Create an account").wait_for()
    log_in(page, username, PASSWORD)
    page.get_by_text("You are signed in as faculty").first.wait_for()
    other = browser.new_context()
    second = other.new_page()
    open_page(second, url)
    second.get_by_text("This invite link has already been used").first.wait_for()
    assert second.get_by_role("button", name="Create faculty account").count() == 0
    other.close()
