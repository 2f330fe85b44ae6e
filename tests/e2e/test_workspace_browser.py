"""The match workspace in a real browser, from the first logged session to the blind feedback.

A match approved six weeks ago, whose project ended yesterday, is set up through the services;
then the student logs a session → the mentor confirms it → the student marks the first
milestone done and writes a message → the mentor sees the unread message in the menu,
verifies the milestone, reads the message, completes the match and gives feedback → the student
sees that feedback is waiting, gives theirs, and then reads the mentor's comment.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from core.models import Role
from core.platform.db import create_db_engine, write_transaction
from tests.e2e.helpers import log_in, open_page, settle, wait_for_app
from tests.e2e.test_journey_browser import menu, shot
from tests.factories import PASSWORD, make_pair, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TITLE = "Soil moisture sensors for the campus garden"
STUDENT_NAME = "Wren Student"
MENTOR_NAME = "Ines Mentor"
SUMMARY = "Soldered the first sensor board and agreed on the data format."
MESSAGE = "Shall we meet on Thursday to calibrate the sensors?"
MENTOR_COMMENT = "Wren was curious, reliable and asked sharp questions every week."
STUDENT_COMMENT = "Ines explained every step patiently; I learnt a lot."
WAIT = 30_000
_numbers = itertools.count()


@dataclass
class Match:
    student: str
    mentor: str
    application_id: int
    start: date
    end: date
    milestones: int


def _fresh(prefix: str) -> str:
    """A username no other test (or earlier run on this server) has used."""
    return f"{prefix}-{os.getpid()}-{next(_numbers)}"


@pytest.fixture
def match(server) -> Match:
    """An approved match between a new student and a new mentor (both with a password), on a
    six-week project that started 42 days ago and ended yesterday, milestones copied."""
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            student = make_user(
                session, Role.STUDENT, username=_fresh("ws-student"), display_name=STUDENT_NAME
            )
            mentor = make_user(
                session, Role.ALUMNI, username=_fresh("ws-mentor"), display_name=MENTOR_NAME
            )
            pair = make_pair(
                session,
                student=student,
                mentor=mentor,
                start=date.today() - timedelta(days=42),
                duration=6,
                approved_days_ago=45,
                weeks=(1, 3, 6),
                title=TITLE,
            )
            made = Match(
                student=student.username,
                mentor=mentor.username,
                application_id=pair.application_id,
                start=pair.start,
                end=pair.end,
                milestones=3,
            )
    finally:
        engine.dispose()
    assert made.end <= date.today() and made.start <= date.today() - timedelta(days=35)
    return made


# ---------------------------------------------------------------------------- steps


def _day(value: date) -> str:
    return f"{value:%d %b %Y}"


def _log_in(page, url: str, username: str) -> None:
    """Log in on the home page (not on the last user's workspace URL) with the shared helper;
    submit again if a rerun swallowed the first click."""
    open_page(page, url)
    logged_in = page.get_by_test_id("stSidebar").get_by_role("button", name="Log out")
    for attempt in range(3):
        log_in(page, username, PASSWORD)
        try:
            expect(logged_in).to_be_visible(timeout=15_000)
            return
        except AssertionError:
            if attempt == 2 or page.get_by_text("Username or password is incorrect").count():
                raise


def _log_out(page) -> None:
    """Log out and wait for the login form. (helpers.log_out waits for "You are logged out.",
    which the cookie component's extra rerun can clear before Playwright sees it.)"""
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Log out")).to_have_count(
        0, timeout=WAIT
    )
    wait_for_app(page)


def _until(page, action, shown) -> None:
    """Do `action` until `shown` is visible: a rerun still running (the login cookie sets one
    off) can swallow a click on a menu link or a plain button. Only for idempotent actions."""
    for attempt in range(3):
        action()
        wait_for_app(page)
        try:
            expect(shown).to_be_visible(timeout=10_000 if attempt < 2 else WAIT)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _open_workspace(page) -> None:
    """From anywhere: My matches → Open workspace on the only match."""
    _until(
        page,
        lambda: menu(page, "My matches"),
        page.get_by_role("button", name="Open workspace"),
    )
    expect(page.get_by_text(TITLE).first).to_be_visible(timeout=WAIT)
    _until(
        page,
        lambda: page.get_by_role("button", name="Open workspace").click(),
        page.get_by_role("button", name="All my matches"),
    )
    settle(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)


def _tab(page, name: str | re.Pattern[str]) -> None:
    """Select a workspace tab (a rerun may reset the selection, so select it every time).

    While a rerun moves the tabs (a flash message above them comes or goes), Streamlit shows
    the old tabs as stale next to the new ones: wait until only one set is left."""
    wait_for_app(page)
    tab = page.get_by_role("tab", name=name)
    expect(tab).to_have_count(1, timeout=WAIT)
    expect(page.get_by_role("tablist")).to_have_count(1, timeout=WAIT)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true", timeout=WAIT)


def _still_on(page, name: str) -> None:
    """After an action the workspace stays on the tab where the person acted (not re-selected)."""
    wait_for_app(page)
    expect(page.get_by_role("tablist")).to_have_count(1, timeout=WAIT)
    tab = page.get_by_role("tab", name=re.compile(rf"^{name}"))
    expect(tab).to_have_attribute("aria-selected", "true", timeout=WAIT)


def _panel(page):
    """The visible tab panel."""
    return page.get_by_role("tabpanel").locator("visible=true")


def _click(page, name: str) -> None:
    _panel(page).get_by_role("button", name=name).first.click()
    settle(page)


def _pick_date(page, value: date) -> None:
    """Type a date into the session form's date field: its day, month and year segments."""
    field = _panel(page).get_by_test_id("stDateInput")
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(f"{value:%d%m%Y}", delay=50)
    page.keyboard.press("Tab")
    expect(field.locator("input[type=date]")).to_have_value(f"{value:%Y-%m-%d}", timeout=WAIT)


def _milestones_verified(page, text: str) -> None:
    metric = page.get_by_test_id("stMetric").filter(has_text="Milestones verified")
    expect(metric).to_contain_text(text, timeout=WAIT)


def _give_feedback(page, stars: int, comment: str) -> None:
    panel = _panel(page)
    expect(panel.get_by_text("Your rating").first).to_be_visible(timeout=WAIT)
    panel.get_by_text("★" * stars, exact=True).click()
    panel.get_by_label("Your comment", exact=True).fill(comment)
    panel.get_by_role("button", name="Give feedback").click()
    settle(page)
    expect(page.get_by_text("Thank you: your feedback is saved.").first).to_be_visible(timeout=WAIT)


# ---------------------------------------------------------------------------- the journey


def test_a_match_from_first_session_to_blind_feedback(server, page, match):
    held_on = match.start + timedelta(days=14)

    # The student logs the first session.
    _log_in(page, server.url, match.student)
    _open_workspace(page)
    expect(page.get_by_text(f"Mentor: {MENTOR_NAME}").first).to_be_visible(timeout=WAIT)
    _milestones_verified(page, f"0 of {match.milestones}")
    _tab(page, "Sessions")
    expect(_panel(page).get_by_text("Log a session").first).to_be_visible(timeout=WAIT)
    _pick_date(page, held_on)
    minutes = _panel(page).get_by_label("Minutes", exact=True)
    minutes.fill("60")
    _panel(page).get_by_label("What did you do?", exact=True).fill(SUMMARY)
    _click(page, "Log session")
    expect(
        page.get_by_text("Session logged. The other party is asked to confirm it.").first
    ).to_be_visible(timeout=WAIT)
    _tab(page, "Sessions")
    card = _panel(page).get_by_test_id("stVerticalBlock").filter(has_text=SUMMARY).last
    expect(card).to_contain_text(f"{_day(held_on)} · 60 min · logged by {STUDENT_NAME}")
    expect(card).to_contain_text("Waiting for confirmation")
    _log_out(page)

    # The mentor confirms it.
    _log_in(page, server.url, match.mentor)
    _open_workspace(page)
    expect(page.get_by_text(f"Student: {STUDENT_NAME}").first).to_be_visible(timeout=WAIT)
    _tab(page, "Sessions")
    expect(_panel(page).get_by_text(SUMMARY).first).to_be_visible(timeout=WAIT)
    _click(page, "Confirm")
    expect(page.get_by_text(f"You confirmed the session of {_day(held_on)}.").first).to_be_visible(
        timeout=WAIT
    )
    _tab(page, "Sessions")
    card = _panel(page).get_by_test_id("stVerticalBlock").filter(has_text=SUMMARY).last
    expect(card).to_contain_text("Confirmed", timeout=WAIT)
    expect(_panel(page).get_by_role("button", name="Confirm")).to_have_count(0)
    hours = page.get_by_test_id("stMetric").filter(has_text="Hours logged (confirmed)")
    expect(hours).to_contain_text("1", timeout=WAIT)
    _log_out(page)

    # The student marks the first milestone done and writes to the mentor.
    _log_in(page, server.url, match.student)
    _open_workspace(page)
    _tab(page, "Milestones")
    expect(_panel(page).get_by_text("Step 1").first).to_be_visible(timeout=WAIT)
    _click(page, "Mark done")
    # The outcome shows where the person is looking (a toast), not only at the page's top.
    expect(page.get_by_test_id("stToast").filter(has_text="marked done")).to_be_visible(
        timeout=WAIT
    )
    expect(
        page.get_by_text("“Step 1” marked done. Your mentor is asked to verify it.").first
    ).to_be_visible(timeout=WAIT)
    _still_on(page, "Milestones")
    expect(_panel(page).get_by_text("Done, waiting for the mentor to verify").first).to_be_visible(
        timeout=WAIT
    )
    _tab(page, "Messages")
    _panel(page).get_by_label("Message", exact=True).fill(MESSAGE)
    _click(page, "Send")
    _still_on(page, "Messages")
    expect(_panel(page).get_by_text(MESSAGE).first).to_be_visible(timeout=WAIT)
    expect(_panel(page).get_by_text(re.compile(r"^You · ")).first).to_be_visible(timeout=WAIT)
    _log_out(page)

    # The mentor sees the unread message in the menu, verifies the milestone, reads the message.
    _log_in(page, server.url, match.mentor)
    sidebar = page.get_by_test_id("stSidebar")
    expect(
        sidebar.get_by_role("link", name="My matches (1 new message)", exact=True)
    ).to_be_visible(timeout=WAIT)
    _until(
        page,
        lambda: sidebar.get_by_role("link", name="My matches (1 new message)", exact=True).click(),
        page.get_by_role("button", name="Open workspace"),
    )
    expect(page.get_by_text("1 unread").first).to_be_visible(timeout=WAIT)
    _until(
        page,
        lambda: page.get_by_role("button", name="Open workspace").click(),
        page.get_by_role("button", name="All my matches"),
    )
    settle(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("tab", name="Messages (1 new)")).to_be_visible(timeout=WAIT)
    _tab(page, "Milestones")
    _click(page, "Verify")
    expect(page.get_by_text("“Step 1” verified.").first).to_be_visible(timeout=WAIT)
    _milestones_verified(page, f"1 of {match.milestones}")
    _tab(page, re.compile(r"^Messages"))
    expect(_panel(page).get_by_text(MESSAGE).first).to_be_visible(timeout=WAIT)
    expect(_panel(page).get_by_text(re.compile(rf"^{STUDENT_NAME} · ")).first).to_be_visible(
        timeout=WAIT
    )
    # Opening the workspace read the thread: the menu badge is gone.
    expect(sidebar.get_by_role("link", name="My matches", exact=True)).to_be_visible(timeout=WAIT)

    # The mentor completes the match (the project ended yesterday) and gives feedback.
    _tab(page, "Close-out")
    expect(
        _panel(page).get_by_text(f"Possible from the end date, {_day(match.end)}.").first
    ).to_be_visible(timeout=WAIT)
    _click(page, "Complete match")
    expect(
        page.get_by_text("The match is completed. Both of you can now give feedback.").first
    ).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Completed ·").first).to_be_visible(timeout=WAIT)
    _tab(page, "Close-out")
    _give_feedback(page, 5, MENTOR_COMMENT)
    _tab(page, "Close-out")
    expect(_panel(page).get_by_text("You gave ★★★★★ (5/5):").first).to_be_visible(timeout=WAIT)
    expect(
        _panel(page).get_by_text(f"{STUDENT_NAME} has not given feedback yet.").first
    ).to_be_visible(timeout=WAIT)
    _log_out(page)

    # The student sees the mentor's feedback is hidden until they give theirs.
    _log_in(page, server.url, match.student)
    _open_workspace(page)
    expect(page.get_by_text("Completed ·").first).to_be_visible(timeout=WAIT)
    _tab(page, "Close-out")
    expect(
        _panel(page)
        .get_by_text(f"{MENTOR_NAME} has given feedback; it shows once you give yours", exact=False)
        .first
    ).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(MENTOR_COMMENT)).to_have_count(0)
    _give_feedback(page, 4, STUDENT_COMMENT)
    _tab(page, "Close-out")
    expect(_panel(page).get_by_text("You gave ★★★★ (4/5):").first).to_be_visible(timeout=WAIT)
    expect(_panel(page).get_by_text(f"{MENTOR_NAME} gave ★★★★★ (5/5):").first).to_be_visible(
        timeout=WAIT
    )
    expect(_panel(page).get_by_text(MENTOR_COMMENT).first).to_be_visible(timeout=WAIT)
    _milestones_verified(page, f"1 of {match.milestones}")
    shot(page, "workspace")

    # The passport records the completed match.
    _until(
        page,
        lambda: menu(page, "Passport"),
        page.get_by_role("heading", name="Mentoring passport"),
    )
    table = page.get_by_role("table")
    expect(table).to_be_visible(timeout=WAIT)
    expect(table).to_contain_text(TITLE, timeout=WAIT)
    expect(table).to_contain_text(MENTOR_NAME, timeout=WAIT)
    expect(table).to_contain_text("1 of 3", timeout=WAIT)
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible(timeout=WAIT)
    page.wait_for_timeout(500)
    shot(page, "passport")
    _log_out(page)
