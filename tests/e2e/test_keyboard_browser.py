"""The main flows with the keyboard alone (WCAG 2.1.1), focus visible at every step (2.4.7).

No mouse: Tab / Shift+Tab move the focus, Enter or Space activates, text is typed. At each
control a flow stops on, the test checks that the focus shows (a focus ring: an outline or
box-shadow on the control, or the primary-coloured border Streamlit draws around a focused
text field).

A fresh student, a fresh alumni mentor with one published Computer Science project, and a
running match are set up through the services; then the student logs in, searches and
applies → the mentor accepts → demo-faculty approves → a student logs a workspace session.
"""

from __future__ import annotations

import itertools
import os
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import Role
from core.platform.db import create_db_engine, write_transaction
from core.projects import create_project, publish_project
from core.seed import DEMO_PASSWORD, STATEMENT
from tests.e2e.helpers import open_page, settle, wait_for_app
from tests.factories import PASSWORD, make_pair, make_user, project_input_data

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TITLE = "Braille signage survey of the library"
SEARCH = "braille"
DEPARTMENT = "Computer Science"  # demo-faculty approves this department's matches
STUDENT_NAME = "Kim Keyboard"
SESSION_SUMMARY = "Walked the ground floor and listed every sign without Braille."
# The theme's primaryColor, as the browser reports it: Streamlit's focused-field border.
PRIMARY = "rgb(47, 111, 159)"
TABS = 150  # more presses than any screen has stops before its target
_numbers = itertools.count()

FOCUS_SHOWN = """([primary]) => {
  const e = document.activeElement;
  if (!e || e === document.body) return false;
  const ring = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== 'none');
  if (ring(getComputedStyle(e))) return true;
  if (e.matches('input, textarea')) {
    let n = e.parentElement;
    for (let i = 0; i < 3 && n; i += 1, n = n.parentElement) {
      const s = getComputedStyle(n);
      if (ring(s) || s.borderTopColor === primary || s.borderBottomColor === primary) return true;
    }
  }
  return false;
}"""
DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  if (!e) return '(nothing)';
  const name = e.getAttribute('aria-label') || (e.innerText || e.value || '').trim();
  return `${e.tagName.toLowerCase()} "${name.replace(/\\s+/g, ' ').slice(0, 40)}"`;
}"""


def _fresh(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_numbers)}"


@pytest.fixture(scope="module")
def people(server) -> dict[str, Any]:
    """A student, a mentor with an open project, and a running match, made through services."""
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            student = make_user(
                session,
                Role.STUDENT,
                username=_fresh("kb-student"),
                display_name=STUDENT_NAME,
                department=DEPARTMENT,
            )
            mentor = make_user(
                session, Role.ALUMNI, username=_fresh("kb-mentor"), department=DEPARTMENT
            )
            start = date.today() + timedelta(days=90)
            project = create_project(
                session,
                actor=mentor,
                data=project_input_data(
                    title=TITLE,
                    department=DEPARTMENT,
                    student_hours=2.0,
                    mentor_hours=1.0,
                    start_date=start,
                    deadline=start - timedelta(days=7),
                ),
            )
            assert project.id is not None
            publish_project(session, actor=mentor, project_id=project.id)
            worker = make_user(session, Role.STUDENT, username=_fresh("kb-worker"))
            guide = make_user(session, Role.ALUMNI, username=_fresh("kb-guide"))
            make_pair(
                session,
                student=worker,
                mentor=guide,
                start=date.today() - timedelta(days=14),
                duration=6,
                approved_days_ago=20,
                weeks=(1, 6),
                title="Tactile campus map",
            )
            return {
                "student": student.username,
                "mentor": mentor.username,
                "worker": worker.username,
                "project_id": project.id,
            }
    finally:
        engine.dispose()


def focused(page: Any, target: Any) -> bool:
    return bool(
        target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)")
    )


def tab_to(page: Any, target: Any, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus; then check the focus shows."""
    target.wait_for()
    key = "Shift+Tab" if backwards else "Tab"
    path: list[str] = []
    for _ in range(TABS):
        page.keyboard.press(key)
        if focused(page, target):
            break
        path.append(page.evaluate(DESCRIBE_FOCUS))
    else:
        raise AssertionError(
            f"{key} never reached {target} in {TABS} presses; the focus went through: "
            + " → ".join(path[-30:])
        )
    try:
        page.wait_for_function(FOCUS_SHOWN, arg=[PRIMARY], timeout=2_000)
    except Exception as error:
        raise AssertionError(
            f"the focus on {page.evaluate(DESCRIBE_FOCUS)} is not visible "
            "(no outline, box-shadow or focus border)"
        ) from error


def press(page: Any, key: str) -> None:
    page.keyboard.press(key)
    settle(page)


def keyboard_log_in(page: Any, username: str, password: str) -> None:
    """Log in from the login screen without the mouse: Tab to each field, type, Enter."""
    tab_to(page, page.get_by_role("textbox", name="Username"))
    page.keyboard.type(username)
    tab_to(page, page.get_by_role("textbox", name="Password"))
    page.keyboard.type(password)
    press(page, "Enter")
    page.get_by_text("Welcome,").first.wait_for()
    settle(page)


def menu_by_keyboard(page: Any, label: str, heading: str) -> None:
    """Tab from the top of the page to a sidebar menu entry and follow it with Enter."""
    page.locator("body").evaluate("b => { document.activeElement?.blur(); b.focus(); }")
    tab_to(page, page.get_by_test_id("stSidebar").get_by_role("link", name=label))
    press(page, "Enter")
    page.get_by_role("heading", name=heading).first.wait_for()


def start(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_page(page, url)
    page.get_by_role("textbox", name="Username").wait_for()
    settle(page)
    return context, page


def test_main_flows_by_keyboard_alone(browser, server, people):
    # 1. The student logs in, searches, opens the project and applies.
    context, page = start(browser, server.url)
    try:
        keyboard_log_in(page, people["student"], PASSWORD)
        menu_by_keyboard(page, "Browse projects", "Browse projects")
        tab_to(page, page.get_by_role("textbox", name="Search projects"))
        page.keyboard.type(SEARCH)
        press(page, "Enter")
        page.get_by_role("heading", name=TITLE).first.wait_for()
        expect(page.get_by_role("textbox", name="Search projects")).to_have_value(SEARCH)
        tab_to(page, page.locator(f"a[href='project?id={people['project_id']}']").first)
        press(page, "Enter")
        page.get_by_role("heading", name=TITLE, level=1).wait_for()
        tab_to(page, page.get_by_role("textbox", name="Your statement"))
        page.keyboard.type(STATEMENT)
        tab_to(page, page.get_by_role("button", name="Apply"))
        press(page, "Space")
        page.get_by_text("Applied", exact=False).first.wait_for()
    finally:
        context.close()

    # 2. The mentor opens the project's applicants and accepts the student.
    context, page = start(browser, server.url)
    try:
        keyboard_log_in(page, people["mentor"], PASSWORD)
        menu_by_keyboard(page, "My projects", "My projects")
        tab_to(page, page.get_by_test_id("stMain").get_by_role("link", name="Applicants"))
        press(page, "Enter")
        page.get_by_text(STUDENT_NAME).first.wait_for()
        tab_to(page, page.get_by_role("button", name="Accept"))
        press(page, "Enter")
        page.get_by_text(f"Accepted {STUDENT_NAME}.").first.wait_for()  # flash and its toast
    finally:
        context.close()

    # 3. Faculty approve the match in the approval queue.
    context, page = start(browser, server.url)
    try:
        keyboard_log_in(page, "demo-faculty", DEMO_PASSWORD)
        menu_by_keyboard(page, "Approval queue", "Approval queue")
        approve = page.get_by_role("button", name="Approve", exact=True)
        card = page.get_by_test_id("stVerticalBlock").filter(has_text=TITLE, has=approve).last
        tab_to(page, card.get_by_role("button", name="Approve", exact=True))
        press(page, "Space")
        page.get_by_text(f"Approved: {STUDENT_NAME} on “{TITLE}”").wait_for()
    finally:
        context.close()

    # 4. A student in a running match logs a session in the workspace.
    context, page = start(browser, server.url)
    try:
        keyboard_log_in(page, people["worker"], PASSWORD)
        menu_by_keyboard(page, "My matches", "My matches")
        tab_to(page, page.get_by_role("button", name="Open workspace"))
        press(page, "Enter")
        page.get_by_role("heading", name="Tactile campus map").wait_for()
        tab_to(page, page.get_by_role("textbox", name="What did you do?"))
        page.keyboard.type(SESSION_SUMMARY)
        tab_to(page, page.get_by_role("button", name="Log session"))
        press(page, "Enter")
        page.get_by_text("Session logged.").first.wait_for()
        wait_for_app(page)
        page.get_by_text(SESSION_SUMMARY).first.wait_for()
    finally:
        context.close()
