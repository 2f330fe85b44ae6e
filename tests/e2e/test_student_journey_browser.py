"""The whole match in a real browser, every step through the screens, with a screenshot of each:

alumni creates and publishes a project → a student finds it on Browse projects by the search
words and, separately, by a tag → opens it, writes a statement and applies → the alumni accepts
→ the student sees "accepted" in My applications → faculty approves in the approval queue → the
student sees the approved match in My applications.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in, open_page, settle, wait_for_app
from tests.e2e.test_approval_browser import go
from tests.e2e.test_journey_browser import accept_applicant, publish_new_project, shot

pytestmark = pytest.mark.e2e

TITLE = "Wayfinding signs audit across campus"
SEARCH_WORD = "wayfinding"
# A tag no other project carries, so the facet alone finds exactly this project.
TAG = "signage"
STUDENT = "demo-student"
STUDENT_NAME = "Dana Student"
STUDENT_STATEMENT = (
    "I walk this campus every day and keep getting lost between buildings. I would like to help "
    "audit the signs, clean the records and write up what we find, three hours every week."
)
WAIT = 30_000


def quiet(page, idle_ms: int = 1_000) -> None:
    """Wait until no Streamlit run has been seen for `idle_ms`: the login cookie component
    reruns the script once more after it mounts, and a click during that rerun can be lost."""
    page.evaluate("() => { delete window.__e2eIdleSince; }")
    page.wait_for_function(
        """(idleMs) => {
            const running = document.querySelector(
                '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]');
            const now = performance.now();
            if (running || window.__e2eIdleSince === undefined) {
                window.__e2eIdleSince = running ? undefined : now;
                return false;
            }
            return now - window.__e2eIdleSince >= idleMs;
        }""",
        arg=idle_ms,
        polling=100,
        timeout=WAIT,
    )


def sign_in(page, username: str) -> None:
    """Log in from the login form and wait until the reruns that follow have stopped."""
    log_in(page, username)
    expect(page.get_by_text("Welcome,").first).to_be_visible(timeout=WAIT)
    quiet(page)


def log_out(page) -> None:
    """Log out once the screen is quiet and wait for the login form (not for the one-off
    "You are logged out." notice, which a late rerun may already have cleared); the click is
    retried once in case a rerun swallowed it."""
    login_form = page.get_by_role("button", name="Log in")
    for attempt in range(2):
        quiet(page)
        if login_form.is_visible():
            break
        page.get_by_role("button", name="Log out").click()
        try:
            expect(login_form).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt:
                raise
    quiet(page)


def result_heading(page, title: str):
    """The heading of `title`'s card among the search results (the recommendation strip's
    titles are bold text rather than headings)."""
    return page.get_by_role("heading", name=title)


def result_link(page, title: str):
    """The View link of `title`'s card: the first link after its heading."""
    return result_heading(page, title).locator("xpath=following::a[1]")


def expect_only_result(page, title: str) -> None:
    expect(page.get_by_text("1 open project", exact=True).first).to_be_visible(timeout=WAIT)
    # While a run redraws the results, the card of the run before can still be on the page
    # beside the new one; once the run ends only one is left.
    wait_for_app(page)
    expect(result_heading(page, title)).to_have_count(1, timeout=WAIT)
    expect(result_heading(page, title)).to_be_visible(timeout=WAIT)


def search(page, words: str) -> None:
    box = page.get_by_label("Search projects", exact=True)
    box.fill(words)
    box.press("Enter")
    wait_for_app(page)


def choose_tag(page, name: str) -> None:
    tags = page.get_by_role("combobox", name="Tags")
    tags.click()
    tags.press_sequentially(name)
    # A tag in the cached vocabulary is offered as itself, any other as "Add: <name>".
    option = page.get_by_role("option", name=re.compile(rf"^(Add: )?{re.escape(name)}$")).first
    expect(option).to_be_visible(timeout=WAIT)
    tags.press("Enter")
    tags.press("Escape")
    wait_for_app(page)


def find_by_search_and_by_tag(page) -> None:
    """As the student: the project turns up for its title word, and on its own for its tag."""
    go(page, "Browse projects", "Browse projects")
    search_box = page.get_by_label("Search projects", exact=True)
    expect(search_box).to_be_visible(timeout=WAIT)
    search(page, SEARCH_WORD)
    expect_only_result(page, TITLE)
    expect(page).to_have_url(re.compile(rf"[?&]q={SEARCH_WORD}"), timeout=WAIT)
    shot(page, "student-browse")

    search(page, "")
    expect(page.get_by_text("1 open project", exact=True)).to_be_hidden(timeout=WAIT)
    choose_tag(page, TAG)
    expect(search_box).to_have_value("")
    expect_only_result(page, TITLE)
    expect(page).to_have_url(re.compile(rf"[?&]tags={TAG}"), timeout=WAIT)
    shot(page, "student-browse-tag")


def apply_from_browse(page) -> None:
    """As the student, on Browse with the project listed: View → statement → Apply."""
    link = result_link(page, TITLE)
    expect(link).to_have_text(re.compile("View"))
    link.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    statement = page.get_by_label("Your statement", exact=True)
    expect(statement).to_be_visible(timeout=WAIT)
    statement.fill(STUDENT_STATEMENT)
    answer = page.get_by_label("Your answer", exact=True)
    if answer.count():
        answer.fill("Yes: I can walk the routes on Tuesday and Thursday afternoons.")
    shot(page, "student-project")
    page.get_by_role("button", name="Apply").click()
    settle(page)
    expect(page.get_by_text(f"Application sent for “{TITLE}”").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("You applied on").first).to_be_visible(timeout=WAIT)
    shot(page, "student-applied")


def my_application_card(page):
    heading = page.get_by_role("heading", name=TITLE)
    return page.get_by_test_id("stVerticalBlock").filter(has=heading).last


def expect_my_application(page, status: str, screenshot: str) -> None:
    """As the student: My applications lists the application with `status`."""
    go(page, "My applications", "My applications")
    card = my_application_card(page)
    expect(card).to_be_visible(timeout=WAIT)
    expect(card.get_by_text(status).first).to_be_visible(timeout=WAIT)
    shot(page, screenshot)


def approve_in_queue(page) -> None:
    """As faculty: approve the student on the project in the approval queue."""
    go(page, "Approval queue", "Approval queue")
    expect(page.get_by_text(TITLE).first).to_be_visible(timeout=WAIT)
    approve = page.get_by_role("button", name="Approve", exact=True)
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=TITLE, has=approve).last
    expect(card.get_by_text(STUDENT_STATEMENT[:40]).first).to_be_visible(timeout=WAIT)
    shot(page, "faculty-approvals")
    card.get_by_role("button", name="Approve", exact=True).click()
    settle(page)
    expect(page.get_by_text(f"Approved: {STUDENT_NAME} on “{TITLE}”").first).to_be_visible(
        timeout=WAIT
    )
    shot(page, "faculty-approvals-approved")


def test_student_finds_applies_and_is_matched(server, page):
    open_page(page, server.url)
    sign_in(page, "demo-alumni")
    publish_new_project(page, TITLE, tags=("python", TAG))
    log_out(page)

    sign_in(page, STUDENT)
    find_by_search_and_by_tag(page)
    apply_from_browse(page)
    expect_my_application(
        page, "Submitted — waiting for the mentor", "student-my-applications-submitted"
    )
    log_out(page)

    sign_in(page, "demo-alumni")
    accept_applicant(page, TITLE, STUDENT_NAME)
    log_out(page)

    sign_in(page, STUDENT)
    expect_my_application(
        page, "Accepted — waiting for faculty approval", "student-my-applications"
    )
    log_out(page)

    sign_in(page, "demo-faculty")
    approve_in_queue(page)
    log_out(page)

    sign_in(page, STUDENT)
    expect_my_application(page, "Approved — you have a match", "student-my-applications-approved")
    log_out(page)
