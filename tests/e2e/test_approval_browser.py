"""The journey continues in a real browser: a faculty member approves an accepted application
in the approval queue, and the student then finds the approved match in their inbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from core.accounts import find_user_by_username
from core.applications import accept, apply
from core.platform.db import create_db_engine, write_transaction
from core.projects import create_project, publish_project
from core.seed import STATEMENT
from tests.e2e.helpers import log_in, log_out, open_page, wait_for_app
from tests.e2e.test_journey_browser import menu, shot
from tests.factories import project_input_data

pytestmark = pytest.mark.e2e

TITLE = "Campus tree inventory with open data"


def accepted_application(database_url: str) -> None:
    """Through the services: an alumna posts a Computer Science project, a student applies,
    the alumna accepts; the match now waits for faculty approval."""
    engine = create_db_engine(database_url)
    try:
        with write_transaction(engine) as session:
            mentor = find_user_by_username(session, "maria-alumna")
            student = find_user_by_username(session, "demo-student2")
            assert mentor is not None and student is not None
            start = date.today() + timedelta(days=60)
            data = project_input_data(
                title=TITLE,
                department="Computer Science",
                student_hours=2.0,
                mentor_hours=1.0,
                start_date=start,
                deadline=start - timedelta(days=7),
            )
            project = create_project(session, actor=mentor, data=data)
            assert project.id is not None
            publish_project(session, actor=mentor, project_id=project.id)
            application = apply(session, actor=student, project_id=project.id, statement=STATEMENT)
            assert application.id is not None
            accept(session, actor=mentor, application_id=application.id)
    finally:
        engine.dispose()


def go(page, label: str, heading: str) -> None:
    """Follow a menu entry and wait for the screen; click again if a rerun swallowed it."""
    for attempt in range(2):
        menu(page, label)
        try:
            page.get_by_role("heading", name=heading).wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise


def test_faculty_approves_and_the_student_sees_the_match(server, page):
    accepted_application(server.database_url)
    open_page(page, server.url)
    log_in(page, "demo-faculty")
    page.get_by_text("Welcome,").first.wait_for()
    go(page, "Approval queue", "Approval queue")
    page.get_by_text(TITLE).first.wait_for()
    shot(page, "faculty-approval-queue")
    approve = page.get_by_role("button", name="Approve", exact=True)
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=TITLE, has=approve).last
    card.get_by_role("button", name="Approve", exact=True).click()
    wait_for_app(page)
    page.get_by_text(f"Approved: Sam Student on “{TITLE}”").first.wait_for()
    shot(page, "faculty-approved")
    go(page, "Program dashboard", "Application funnel")
    page.get_by_text("Median days to match").first.wait_for()
    wait_for_app(page)
    # The first tab: the funnel and the approval ages, each chart beside its table.
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks').length >= 2"
    )
    page.wait_for_function("() => document.querySelectorAll('table.portal-table').length >= 2")
    # Another tab draws only when opened: its chart and the numbers beside it.
    page.get_by_role("tab", name="Demand by tag").click()
    page.get_by_text("Demand and supply by interest tag").first.wait_for()
    expect(page.get_by_text("Application funnel")).to_have_count(0)
    page.wait_for_function("() => document.querySelectorAll('table.portal-table').length >= 1")
    page.wait_for_timeout(1000)
    shot(page, "faculty-dashboard")
    log_out(page)

    log_in(page, "demo-student2")
    page.get_by_text("Welcome,").first.wait_for()
    go(page, "Inbox", "Inbox")
    page.get_by_text(f"The match for “{TITLE}” was approved.").first.wait_for()
    shot(page, "student-match-approved")
    log_out(page)
