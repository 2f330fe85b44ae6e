"""Choosing a mentor in a real browser, every step through the screens:

an alumna (her profile written, her expertise listed) adds a link and publishes a project → a
student finds her in "Find a mentor" by expertise → reads her profile (the link opens in a new
tab, without the opener) → opens her project from the profile and asks a question → the alumna
answers it on Questions, publishing it → the student reads the answer on the project page,
without anyone's name beside the question, and applies.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.mentors import update_about
from core.models import Role
from core.platform.db import create_db_engine, write_transaction
from tests.e2e.helpers import log_in, open_page, settle, wait_for_app
from tests.e2e.test_approval_browser import go
from tests.e2e.test_journey_browser import create_project, set_number, shot
from tests.e2e.test_student_journey_browser import WAIT, log_out, quiet, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

TITLE = "Tidy the open-data catalogue of the library"
# A mentor of this test's own, so the demo mentors' weekly budgets stay as other tests expect.
MENTOR = "lena-librarian"
MENTOR_NAME = "Lena Librarian"
HEADLINE = "Data librarian at the city library, class of 2012"
STUDENT = "demo-student"
LINK = "https://example.org/lena-librarian"
EXPERTISE = "open-data"  # no demo mentor lists it
QUESTION = "Could we meet on campus for the first session, or is it remote only?"
ANSWER = "Remote by default, but the first session can be in the library."
STATEMENT = (
    "I keep a small catalogue for my student society and would like to learn how a real "
    "library publishes its open data, three hours every week."
)


def add_mentor(server) -> None:
    """Create the alumna through the services: verified, a headline and her expertise."""
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            mentor = make_user(
                session, Role.ALUMNI, username=MENTOR, display_name=MENTOR_NAME, weekly_hours=6
            )
            update_about(
                session,
                actor=mentor,
                user_id=mentor.id or 0,
                headline=HEADLINE,
                bio="I look after the library's open data and teach how to publish it.",
                links=[],
                expertise=[EXPERTISE, "python"],
            )
    finally:
        engine.dispose()


def mentor_in(page) -> None:
    log_in(page, MENTOR, PASSWORD)
    expect(page.get_by_text("Welcome,").first).to_be_visible(timeout=WAIT)
    quiet(page)


def mentor_prepares(page) -> None:
    """As the alumna: a link on her profile, then a new project published."""
    go(page, "Profile", "Profile")
    page.get_by_role("tab", name="About you").click()
    settle(page)
    page.get_by_label("Link 1 (optional)", exact=True).fill(LINK)
    page.get_by_role("button", name="Save about you").click()
    settle(page)
    expect(page.get_by_text("What you wrote about yourself was saved.").first).to_be_visible(
        timeout=WAIT
    )
    create_project(page, TITLE, tags=("python",))
    set_number(page, "Your hours per week (for the whole project)", "1")
    # The budget preview redrawn for the new hours: the run that reads them is over.
    expect(page.get_by_text("Fits your weekly budget").first).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Save and publish").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Published “{TITLE}”").first).to_be_visible(timeout=WAIT)


def student_finds_the_mentor(page) -> None:
    """As the student: Find a mentor → expertise → her profile → her project."""
    go(page, "Find a mentor", "Find a mentor")
    expertise = page.get_by_role("combobox", name="Expertise")
    expertise.click()
    expertise.press_sequentially(EXPERTISE)
    page.get_by_role("option", name=EXPERTISE, exact=True).click()
    page.get_by_role("button", name="Search").click()
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    mentor_link = main.get_by_role("link", name=MENTOR_NAME)
    expect(mentor_link).to_have_count(1, timeout=WAIT)
    expect(main.get_by_role("link", name="Alex Alumna")).to_have_count(0)
    shot(page, "student-find-a-mentor")
    mentor_link.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=MENTOR_NAME)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(HEADLINE).first).to_be_visible()
    external = page.locator(f'a[href="{LINK}"]')
    expect(external).to_have_count(1)
    expect(external).to_have_attribute("rel", "noopener noreferrer")
    expect(external).to_have_attribute("target", "_blank")
    shot(page, "student-mentor-profile")
    main.get_by_role("link", name=TITLE, exact=False).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)


def student_asks(page) -> None:
    page.get_by_label("Your question", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Ask the mentor").click()
    settle(page)
    expect(page.get_by_text("Question sent.").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(QUESTION).first).to_be_visible()
    shot(page, "student-asked")


def mentor_answers(page) -> None:
    go(page, "Questions", "Questions")
    expect(page.get_by_text(QUESTION).first).to_be_visible(timeout=WAIT)
    page.get_by_label("Your answer", exact=True).first.fill(ANSWER)
    page.get_by_role("button", name="Send the answer").first.click()
    settle(page)
    expect(page.get_by_text("Answer sent:").first).to_be_visible(timeout=WAIT)
    shot(page, "mentor-answered")


def student_reads_the_answer_and_applies(page) -> None:
    go(page, "Inbox", "Inbox")
    page.get_by_test_id("stMain").get_by_role("link", name="Open").first.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(ANSWER).first).to_be_visible(timeout=WAIT)
    questions = page.get_by_test_id("stMarkdown").filter(has_text=ANSWER).first
    expect(questions).not_to_contain_text("Dana")
    page.get_by_label("Your statement", exact=True).fill(STATEMENT)
    page.get_by_role("button", name="Apply").click()
    settle(page)
    expect(page.get_by_text(f"Application sent for “{TITLE}”").first).to_be_visible(timeout=WAIT)
    shot(page, "student-applied-after-question")


def test_a_student_chooses_a_mentor_asks_and_applies(server, page):
    add_mentor(server)
    open_page(page, server.url)
    mentor_in(page)
    mentor_prepares(page)
    log_out(page)

    sign_in(page, STUDENT)
    student_finds_the_mentor(page)
    student_asks(page)
    log_out(page)

    mentor_in(page)
    mentor_answers(page)
    log_out(page)

    sign_in(page, STUDENT)
    student_reads_the_answer_and_applies(page)
