"""The mentor and student journey in a real browser, with a screenshot of each screen.

alumni creates and publishes a project → student finds it by search and by a facet →
applies → alumni accepts → student sees "accepted".
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from core.accounts import find_user_by_username
from core.applications import apply
from core.models import Project
from core.platform.db import create_db_engine, read_session, write_transaction
from core.seed import STATEMENT
from tests.e2e.conftest import shot as viewport_shot
from tests.e2e.helpers import log_in, log_out, open_page, wait_for_app

pytestmark = pytest.mark.e2e


def shot(page, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its own container, so the window
    is made as tall as the content first."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "'[data-testid=stMainBlockContainer], [data-testid=stSidebarContent]')]"
        ".map(e => e.scrollHeight))"
    )
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 80)})
    page.wait_for_timeout(300)
    viewport_shot(page, name)
    page.set_viewport_size(size)


def menu(page, label: str) -> None:
    """Follow a sidebar menu entry."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=label).click()
    wait_for_app(page)


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    wait_for_app(page)


def add_tag(page, name: str) -> None:
    tags = page.get_by_role("combobox", name="Interest tags")
    tags.click()
    tags.press_sequentially(name)
    # An existing tag is offered as itself, a new one as "Add: <name>".
    page.get_by_role("option", name=re.compile(rf"^(Add: )?{re.escape(name)}$")).first.wait_for()
    tags.press("Enter")
    tags.press("Escape")


def create_project(page, title: str, *, tags: tuple[str, ...]) -> None:
    """As a logged-in mentor: open the new-project editor and fill in the details."""
    menu(page, "My projects")
    page.get_by_role("heading", name="My projects").wait_for()
    page.get_by_role("link", name="New project").first.click()
    wait_for_app(page)
    page.get_by_role("heading", name="New project").wait_for()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Summary", exact=True).fill(
        "Pair with a student to map every bike rack on campus and publish the data."
    )
    page.get_by_label("Description", exact=True).fill(
        "We walk the campus with a phone app, clean the records together, and publish an "
        "open data set with a short write-up."
    )
    for tag in tags:
        add_tag(page, tag)


def publish_new_project(page, title: str, *, tags: tuple[str, ...]) -> None:
    """Create a project, show the budget refusal in the preview, then publish within budget."""
    create_project(page, title, tags=tags)
    hours_label = "Your hours per week (for the whole project)"
    set_number(page, hours_label, "3")
    page.get_by_text("Publishing would be refused: Week").first.wait_for()
    shot(page, "mentor-editor-over-budget")
    set_number(page, hours_label, "1")
    page.get_by_text("Fits your weekly budget of 6 hours in every week").first.wait_for()
    shot(page, "mentor-editor-fits")
    page.get_by_role("button", name="Save and publish").click()
    wait_for_app(page)
    page.get_by_text(f"Published “{title}”").first.wait_for()
    shot(page, "mentor-published")


def project_id(server, title: str) -> int:
    engine = create_db_engine(server.database_url)
    try:
        with read_session(engine) as session:
            found = session.exec(select(Project.id).where(Project.title == title)).one()
    finally:
        engine.dispose()
    assert found is not None
    return found


def open_applicants(page, title: str) -> None:
    """As the mentor: follow the Applicants link on the project's card in My projects."""
    menu(page, "My projects")
    link = page.get_by_role("link", name="Applicants")
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=title, has=link).last
    card.get_by_role("link", name="Applicants").click()
    wait_for_app(page)


def accept_applicant(page, title: str, name: str) -> None:
    """As the mentor: open the project's applicants and accept `name`."""
    open_applicants(page, title)
    page.get_by_text(name).first.wait_for()
    shot(page, "mentor-applicants")
    # The innermost block holding both the name and an Accept button is that applicant's card.
    accept_button = page.get_by_role("button", name="Accept")
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=name, has=accept_button).last
    card.get_by_role("button", name="Accept").click()
    wait_for_app(page)
    page.get_by_text(f"Accepted {name}.").first.wait_for()  # the flash and its toast
    shot(page, "mentor-applicant-accepted")


def test_mentor_publishes_reviews_and_checks_their_time(server, page):
    """The mentor half on its own: a student's application arrives through the services."""
    title = "Campus bike-rack census"
    open_page(page, server.url)
    log_in(page, "demo-alumni")
    page.get_by_text("Welcome,").first.wait_for()
    publish_new_project(page, title, tags=("python", "open-data"))
    menu(page, "My projects")
    page.get_by_text(title).first.wait_for()
    shot(page, "mentor-my-projects")
    project = project_id(server, title)
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            student = find_user_by_username(session, "demo-student2")
            assert student is not None
            apply(session, actor=student, project_id=project, statement=STATEMENT)
    finally:
        engine.dispose()
    accept_applicant(page, title, "Sam Student")
    menu(page, "My time")
    page.get_by_role("heading", name="My time").wait_for()
    page.get_by_text("Weekly budget", exact=True).first.wait_for()
    # The kept chart spec, filled with this rerun's rows, is drawn by Vega in the browser.
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("g.mark-rect.role-mark path").first.wait_for()  # the weekly bars
    expect(chart.locator("g.mark-rule.role-mark line")).to_have_count(1)  # the budget line
    shot(page, "mentor-my-time")
    log_out(page)
