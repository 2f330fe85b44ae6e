"""What a newcomer tripped over, in a real browser: old addresses, cut-off tables, and the
journeys of alumni verification and of faculty finding individuals.

- `/home` (the default screen's own name, an old bookmark) and a mistyped address show Home,
  without Streamlit's "Page not found" dialog.
- At 1400 px and 390 px the audit log's and the import preview's columns all stay in view and
  their long cells wrap.
- An alumna registers, is told publishing waits for verification, is refused a publish; a
  faculty member of her department verifies her; she is told and publishes.
- A faculty member finds a student on Passport by part of the name, and follows the
  dashboard's list of matches at risk to the read-only match overview (no messages).
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from core.models import AuditEntry, Notification, Project, ProjectStatus, Role, User
from core.platform.db import create_db_engine, write_transaction
from core.projects.editing import create_project
from core.seed import DEMO_PASSWORD
from core.workspace.messages import send_message
from tests.e2e.conftest import serve
from tests.e2e.helpers import log_in, open_page, settle, wait_for_app, wait_for_login_cookie
from tests.e2e.test_journey_browser import menu
from tests.e2e.test_workspace_browser import _log_out, _until
from tests.factories import PASSWORD, make_pair, make_user, project_input

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

WAIT = 30_000
_numbers = itertools.count()


def _fresh(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_numbers)}"


def _sign_in(page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in from the root address; submit again if a rerun swallowed the first click."""
    open_page(page, url)
    logged_in = page.get_by_test_id("stSidebar").get_by_role("button", name="Log out")
    for attempt in range(3):
        log_in(page, username, password)
        try:
            expect(logged_in).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt == 2 or page.get_by_text("Username or password is incorrect").count():
                raise
    wait_for_login_cookie(page)


def _no_page_not_found(page) -> None:
    """Streamlit's dialog for an address that names no page is absent (give it time to show)."""
    page.wait_for_timeout(1_500)
    expect(page.get_by_text("Page not found")).to_have_count(0)


# ---------------------------------------------------------------------------- /home


def test_old_and_mistyped_addresses_show_home_without_page_not_found(server, page):
    _sign_in(page, server.url, "demo-student")
    # An old bookmark, a typo, and another role's screen (an administrator's link).
    for address in ("/home", "/home?note=0", "/no-such-screen", "/admin-audit"):
        open_page(page, f"{server.url}{address}")
        expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible(timeout=WAIT)
        expect(
            page.get_by_test_id("stSidebar").get_by_role("button", name="Log out")
        ).to_be_visible()
        _no_page_not_found(page)
        assert page.url.rstrip("/").split("?")[0] == server.url.rstrip("/")
    # A screen's own address is left alone.
    open_page(page, f"{server.url}/inbox")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible(timeout=WAIT)
    _no_page_not_found(page)


# ---------------------------------------------------------------------------- tables

LONG = ",".join(f'"field_{n}":"a rather long value number {n}"' for n in range(14))
# Measured in the page: each table's headers (are they in view, or in a box that scrolls
# sideways?) and the cell holding the longest text (its box and how many lines it takes).
_MEASURE = """
(needle) => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (/(auto|scroll)/.test(style.overflowX) && box.scrollWidth > box.clientWidth) return true;
    }
    return false;
  };
  const tables = [...document.querySelectorAll("table.portal-table")];
  const headers = tables.flatMap(t => [...t.querySelectorAll("th")]).map(th => {
    const r = th.getBoundingClientRect();
    return {text: th.innerText.trim(), left: r.left, right: r.right, width: r.width,
            inView: r.left >= -1 && r.right <= width + 1 && r.width > 0, scrolls: scrolls(th)};
  });
  const cell = [...document.querySelectorAll("table.portal-table td")]
    .find(td => td.innerText.includes(needle));
  let long = null;
  if (cell) {
    const r = cell.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(cell).lineHeight) || 24;
    long = {left: r.left, right: r.right, height: r.height, line: line};
  }
  return {width, headers, long};
}
"""


def _check_table(page, needle: str, columns: list[str], label: str) -> None:
    measured = page.evaluate(_MEASURE, needle)
    shown = [h["text"] for h in measured["headers"]]
    for column in columns:
        assert column in shown, f"{label}: no column {column!r} in {shown}"
    hidden = [h for h in measured["headers"] if not (h["inView"] or h["scrolls"])]
    assert not hidden, f"{label}: headers out of view at {measured['width']} px: {hidden}"
    long = measured["long"]
    assert long is not None, f"{label}: no cell shows {needle!r}"
    assert long["right"] <= measured["width"] + 1, f"{label}: the long cell is cut off: {long}"
    assert long["height"] > 2.5 * long["line"], f"{label}: the long cell does not wrap: {long}"


@pytest.fixture
def wrap_entry(server) -> str:
    """An audit entry whose before/after is long, under an entity of its own."""
    entity = _fresh("wrap")[:40]
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            session.add(
                AuditEntry(
                    at=datetime.now(UTC),
                    action="wrap.test",
                    entity=entity,
                    entity_id=1,
                    before="{" + LONG + "}",
                    after="{" + LONG.replace("long", "longer") + "}",
                    detail="A detail long enough to need a second line on a phone, at least.",
                )
            )
    finally:
        engine.dispose()
    return entity


@pytest.mark.parametrize("width", [1400, 390])
def test_audit_log_and_import_preview_keep_every_column_in_view(server, page, wrap_entry, width):
    # Logged in at desktop width (the sidebar, with its Log out button, folds away on a phone).
    _sign_in(page, server.url, "demo-admin")
    page.set_viewport_size({"width": width, "height": 900})
    open_page(page, f"{server.url}/admin-audit")
    page.get_by_label("Entity (e.g. user, project)").fill(wrap_entry)
    page.get_by_label("Entity (e.g. user, project)").press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("wrap.test").first).to_be_visible(timeout=WAIT)
    _check_table(
        page,
        '"field_13"',
        ["Actor", "Action", "Entity", "Outcome", "Before", "After", "Detail"],
        f"audit log at {width} px",
    )
    open_page(page, f"{server.url}/admin-import")
    bad = (
        "username,email,display_name,role,department,graduation_year\n"
        "x,not-an-address,,boss,History,1700\n"
    )
    page.get_by_label("…or paste the CSV here").fill(bad)
    page.get_by_label("…or paste the CSV here").press("Tab")
    _until(
        page,
        lambda: page.get_by_role("button", name="Preview").click(),
        page.locator("table.portal-table").first,
    )
    _check_table(
        page,
        "role:",
        ["Line", "Username", "E-mail", "Display name", "Role", "Problems"],
        f"import preview at {width} px",
    )


# ---------------------------------------------------------------------------- item 1

DRAFT_TITLE = "Oral histories of the first computing lab"


def _publish(page, expected: str) -> None:
    """Open her only draft from My projects and press Save and publish until the outcome
    shows (a rerun still running can swallow the click; a refused publish leaves the button)."""
    menu(page, "My projects")
    _until(
        page,
        lambda: page.get_by_role("link", name="Edit").first.click(),
        page.get_by_role("button", name="Save and publish"),
    )
    settle(page)
    for attempt in range(3):
        button = page.get_by_role("button", name="Save and publish")
        if button.count():
            button.click()
        settle(page)
        try:
            expect(page.get_by_text(expected).first).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _fill(page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)


def test_an_alumna_waits_for_verification_by_her_department_then_publishes(server, page):
    username = _fresh("alumna")
    name = f"Nora Alumna {next(_numbers)}"
    # She registers herself as an alumna of Computer Science (demo-faculty's department).
    open_page(page, server.url)
    page.get_by_role("button", name="Create an account").click()
    wait_for_app(page)
    page.get_by_text("Alumna / alumnus").click()
    wait_for_app(page)
    _fill(page, "Username", username)
    _fill(page, "E-mail", f"{username}@alumni.example.org")
    _fill(page, "Display name", name)
    _fill(page, "Department", "Computer Science")
    _fill(page, "Graduation year", "2015")
    _fill(page, "Password", PASSWORD)
    _fill(page, "Repeat the password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Your account {username} was created")).to_be_visible(timeout=WAIT)
    # Her draft (the editor itself is walked in test_journey_browser).
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            alumna = session.exec(select(User).where(User.username == username)).one()
            draft = create_project(
                session,
                actor=alumna,
                data=project_input(title=DRAFT_TITLE, department="Computer Science"),
            )
            assert draft.id is not None
            alumna_id = alumna.id
    finally:
        engine.dispose()

    # Home says publishing waits; publishing is refused until she is verified.
    _sign_in(page, server.url, username, PASSWORD)
    expect(page.get_by_text("Publishing waits until the program verifies").first).to_be_visible()
    _publish(page, "publishing was refused")
    _log_out(page)

    # A faculty member of her department verifies her from the queue.
    _sign_in(page, server.url, "demo-faculty")
    menu(page, "Verify alumni")
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("class of 2015").first).to_be_visible()
    verify = page.locator(f".st-key-va_verify_{alumna_id} button")
    for attempt in range(3):
        if verify.count():
            verify.click()
        settle(page)
        try:
            # She leaves the queue once verified.
            expect(page.get_by_role("heading", name=name)).to_have_count(0, timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    _log_out(page)

    # She is told, and now publishes.
    _sign_in(page, server.url, username, PASSWORD)
    menu(page, "Inbox")
    expect(
        page.get_by_text("Your alumni account is verified: you can now publish your projects.")
    ).to_be_visible(timeout=WAIT)
    _publish(page, f"Published “{DRAFT_TITLE}”")


# ---------------------------------------------------------------------------- item 9

PRIVATE = "Between us: my exam week clashes with our plan."


def test_faculty_find_a_student_by_name_and_open_a_match_at_risk_read_only(server, page):
    surname = f"Quillfeather{os.getpid()}{next(_numbers)}"
    title = f"Campus tree survey {surname}"
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            student = make_user(
                session,
                Role.STUDENT,
                username=_fresh("qs"),
                display_name=f"Robin {surname}",
                department="Computer Science",
            )
            mentor = make_user(
                session, Role.ALUMNI, username=_fresh("qm"), department="Computer Science"
            )
            # Approved 45 days ago, started 42 days ago, no session since: at risk.
            pair = make_pair(
                session,
                student=student,
                mentor=mentor,
                start=date.today() - timedelta(days=42),
                duration=8,
                approved_days_ago=45,
                title=title,
                department="Computer Science",
            )
            send_message(session, actor=student, application_id=pair.application_id, body=PRIVATE)
    finally:
        engine.dispose()

    _sign_in(page, server.url, "demo-faculty")
    # Passport: part of the name, not the username.
    menu(page, "Passport")
    box = page.get_by_label("Find a student by name, username or e-mail")
    box.fill(surname.lower())
    box.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text(f"Robin {surname}").first).to_be_visible(timeout=WAIT)

    # Dashboard: the at-risk figure lists the matches; one opens the read-only overview.
    menu(page, "Program dashboard")
    page.get_by_role("tab", name="Sessions and at risk").click()
    wait_for_app(page)
    risky = page.get_by_text(re.compile(r"^Matches at risk \(\d+\)$"))
    expect(risky).to_be_visible(timeout=WAIT)
    entry = page.get_by_role("link", name=re.compile(re.escape(title)))
    if not entry.is_visible():
        risky.click()
    expect(entry).to_be_visible(timeout=WAIT)
    entry.click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=WAIT)
    for heading in ("Milestones", "Sessions"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text("Last session").first).to_be_visible()
    expect(page.get_by_text("Messages between the pair are private").first).to_be_visible()
    expect(page.get_by_text(PRIVATE)).to_have_count(0)
    assert "match-overview" in page.url and f"match={pair.application_id}" in page.url


# ---------------------------------------------------------------------------- time zones


def test_times_follow_the_browsers_time_zone_with_the_zone_named(server, browser):
    """A browser in New York sees the inbox in New York time (EST or EDT), not UTC."""
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            student = make_user(session, Role.STUDENT, username=_fresh("tz"))
            session.add(
                Notification(
                    user_id=student.id,
                    created_at=datetime(2026, 12, 4, 15, 30, tzinfo=UTC),
                    kind="profile.changed",
                    text="A note from the afternoon.",
                )
            )
            username = student.username
    finally:
        engine.dispose()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/New_York"
    )
    context.set_default_timeout(WAIT)
    page = context.new_page()
    try:
        _sign_in(page, server.url, username, PASSWORD)
        menu(page, "Inbox")
        expect(page.get_by_text("04 Dec 2026, 10:30 EST").first).to_be_visible(timeout=WAIT)
        expect(page.get_by_text("15:30 UTC")).to_have_count(0)
    finally:
        context.close()


# ---------------------------------------------------------------------------- deep links


def test_a_deep_link_survives_the_login_on_a_fresh_processs_first_session(
    server, context, tmp_path
):
    """The first browser session of a newly started process used to land on Home after the
    login instead of the project its link named."""
    engine = create_db_engine(server.database_url)
    try:
        with write_transaction(engine) as session:
            project = session.exec(
                select(Project).where(Project.status == ProjectStatus.OPEN).order_by(Project.id)
            ).first()
            assert project is not None
            project_id, title = project.id, project.title
    finally:
        engine.dispose()
    with serve(server.database_url, tmp_path) as fresh:
        page = context.new_page()
        open_page(page, f"{fresh.url}/project?id={project_id}")
        log_in(page, "demo-student")
        expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=WAIT)
        assert f"id={project_id}" in page.url
