"""Faculty screens through AppTest: the approval queue (approve, reject, bulk), the program
dashboard (demo data and an empty database) and the exports page."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import streamlit as st
from sqlalchemy import Engine, event
from sqlmodel import select

from core.accounts import create_user, find_user_by_username
from core.applications import withdraw
from core.models import Application, ApplicationStatus, Project, Role
from core.platform.db import create_db_engine, read_session, write_transaction
from core.platform.migrate import upgrade_to_head
from core.platform.settings import get_settings
from core.seed import DEMO_PASSWORD, STATEMENT
from pages.faculty import approvals as approvals_page
from tests.pages.conftest import ROOT, log_in, new_app
from tests.pages.screens import open_screen, shown_tables, texts, unescaped

S = ApplicationStatus
FOOD_BANK = "Build a data dashboard for a food bank"
REVIEW = "Code review sprint on an open-source library"
ML = "Machine learning reading group"
# Who applied to each of the demo's accepted applications.
STUDENTS = {FOOD_BANK: "Lee Park", REVIEW: "Raj Mehta", ML: "Dana Student"}


def accepted_id(engine: Engine, title: str) -> int:
    with read_session(engine) as session:
        found = session.exec(
            select(Application.id)
            .join(Project, Project.id == Application.project_id)
            .where(Project.title == title, Application.status == S.ACCEPTED)
        ).one()
    assert found is not None
    return found


def status_of(engine: Engine, application_id: int) -> ApplicationStatus:
    with read_session(engine) as session:
        found = session.get(Application, application_id)
    assert found is not None
    return found.status


# ---------------------------------------------------------------------------- queue


def test_queue_lists_scope_oldest_first_with_statement_and_loads(logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    assert not at.exception
    shown = texts(at)
    assert f"**{FOOD_BANK}**" in shown and f"**{REVIEW}**" in shown
    # demo-faculty mentors the reading group: its accepted application is not theirs to approve.
    assert ML not in shown
    assert STATEMENT in shown
    for whose in ("Student", "Mentor"):
        # Each fullest week is named with its Monday, not only its ISO number.
        assert re.search(
            rf"{whose}'s fullest week\*\*, \d{{4}}-W\d{{2}} \(\d{{2}} [A-Z][a-z]{{2}}\):", shown
        )
    assert "of 6 h weekly budget" in shown  # demo-alumni's budget
    assert shown.index(FOOD_BANK) < shown.index(REVIEW)  # accepted earlier


def test_week_by_week_table_has_a_row_per_project_week_with_both_loads(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    # Folded, the table is not drawn; opening the card's "Week by week" draws it.
    assert not [t for t in shown_tables(at) if list(t.columns)[:1] == ["Week"]]
    at.session_state[f"ap_weeks_{accepted_id(app_env, FOOD_BANK)}"] = True
    at.run()
    tables = [t for t in shown_tables(at) if list(t.columns)[:1] == ["Week"]]
    assert len(tables) == 1, "no week-by-week table, or more than the opened one"
    weeks = tables[0]
    assert list(weeks.columns) == [
        "Week",
        "Student committed h",
        "This project h",
        "Student available h",
        "Mentor load h",
        "Mentor budget h",
    ]
    assert len(weeks) and all(re.fullmatch(r"\d{4}-W\d{2}", week) for week in weeks["Week"])
    numbers = weeks.drop(columns="Week").to_numpy().ravel()
    assert all(re.fullmatch(r"[\d.]+", cell) for cell in numbers)
    # The mentor's budget column is demo-alumni's 6 h in every week.
    assert set(weeks["Mentor budget h"]) == {"6"}


def test_approve_one_item(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    number = accepted_id(app_env, FOOD_BANK)
    at.button(key=f"ap_approve_{number}").click()
    at.run()
    assert not at.exception
    assert f"Approved: Lee Park on “{FOOD_BANK}”" in texts(at)
    assert status_of(app_env, number) is S.APPROVED
    assert FOOD_BANK not in [m.value for m in at.markdown if m.value.startswith("**")]


def queue_reads(at) -> int:
    """Run `at` once more; return how many times the approval queue was read meanwhile."""
    reads = []

    def keep(_conn, _cursor, statement, *_args):
        if "ORDER BY application.updated_at" in statement:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        at.run()
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    return len(reads)


def test_approving_reads_and_draws_the_queue_once(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    number = accepted_id(app_env, FOOD_BANK)
    at.button(key=f"ap_approve_{number}").click()
    # Approving where the card is drawn left a page drawn from the old queue, read and drawn
    # again after st.rerun: twice the server time of a click.
    assert queue_reads(at) == 1
    approved = f"Approved: Lee Park on “{FOOD_BANK}”. Both were told."
    assert approved in texts(at)
    assert status_of(app_env, number) is S.APPROVED
    # The press counts for the run it started only: the next run approves nothing, and the
    # outcome stays in the card's place, shown once.
    assert queue_reads(at) == 1
    assert unescaped(at.success) == [approved]
    assert not at.toast


def test_paging_reads_and_draws_only_the_new_page(app_env, logged_in, monkeypatch):
    monkeypatch.setattr(approvals_page, "PAGE_SIZE", 1)
    at = open_screen(logged_in("demo-faculty"), "approvals")
    first = [m.value for m in at.markdown if m.value.startswith("**")][0]
    at.button(key="ap_next").click()
    assert queue_reads(at) == 1
    assert {m.label: m.value for m in at.metric}["Items shown"].startswith("2–2")
    assert first not in [m.value for m in at.markdown]
    at.button(key="ap_prev").click()
    assert queue_reads(at) == 1
    assert [m.value for m in at.markdown if m.value.startswith("**")][0] == first


def card_titles(at) -> list[str]:
    """Return the titles of the cards on the page, in order."""
    cards = [m.value for m in at.main.markdown if m.value.startswith("**")]
    return [card.split("**")[1].replace("\\", "") for card in cards]


def approve_the_first_of_two(app_env, logged_in, monkeypatch):
    """Open the queue two cards a page as demo-admin, approve the first card; return the app
    and the titles of the two cards."""
    monkeypatch.setattr(approvals_page, "PAGE_SIZE", 2)
    at = open_screen(logged_in("demo-admin"), "approvals")  # admins see every department's
    first, second = card_titles(at)
    at.button(key=f"ap_approve_{accepted_id(app_env, first)}").click()
    return at.run(), first, second


def test_a_decided_item_keeps_its_place_and_the_cards_below_do_not_move(
    app_env, logged_in, monkeypatch
):
    at, first, second = approve_the_first_of_two(app_env, logged_in, monkeypatch)
    # The approved card is its outcome now; the second card is still second, and the item
    # that moved up into the queue's first two is not pulled onto this page.
    assert card_titles(at) == [second]
    assert [text for text in unescaped(at.success) if first in text] == [
        f"Approved: {STUDENTS[first]} on “{first}”. Both were told."
    ]
    assert {m.label: m.value for m in at.metric}["Items shown"] == "1–2 (more follow)"
    # Ticking a box (any rerun) keeps the page as it is.
    second_number = accepted_id(app_env, second)
    at.checkbox(key=f"ap_pick_{second_number}").check()
    at.run()
    assert card_titles(at) == [second]
    # The next page starts right after the items still waiting here: none is skipped.
    at.button(key="ap_next").click()
    at.run()
    (third,) = card_titles(at)
    assert third not in (first, second)
    assert {m.label: m.value for m in at.metric}["Items shown"] == "2–2"


def test_opening_the_queue_again_shows_it_afresh(app_env, logged_in, monkeypatch):
    at, _, second = approve_the_first_of_two(app_env, logged_in, monkeypatch)
    assert card_titles(at) == [second]
    open_screen(at, "home")
    open_screen(at, "approvals")
    assert not at.success
    assert card_titles(at)[0] == second and len(card_titles(at)) == 2


def test_an_item_decided_elsewhere_says_so_in_its_place(app_env, logged_in, monkeypatch):
    monkeypatch.setattr(approvals_page, "PAGE_SIZE", 3)
    at = open_screen(logged_in("demo-admin"), "approvals")
    titles = card_titles(at)
    assert ML in titles  # demo-student's, withdrawn below
    approved = next(title for title in titles if title != ML)
    at.button(key=f"ap_approve_{accepted_id(app_env, approved)}").click()
    at.run()
    # Meanwhile the student withdraws another item of the page.
    with write_transaction(app_env) as session:
        student = find_user_by_username(session, "demo-student")
        assert student is not None
        withdraw(session, actor=student, application_id=accepted_id(app_env, ML))
    at.run()
    assert card_titles(at) == [t for t in titles if t not in (approved, ML)]
    assert [text for text in unescaped(at.info) if "No longer waiting" in text] == [
        f"No longer waiting: Dana Student on “{ML}” (decided by a colleague, or withdrawn)."
    ]


def test_reject_without_a_reason_is_refused_then_with_one_it_works(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    number = accepted_id(app_env, REVIEW)
    at.button(key=f"ap_reject_{number}").click()
    at.run()
    # The reason form opens on that card only.
    assert [t.key for t in at.text_input] == [f"ap_reason_{number}"]
    at.button(key=f"ap_confirm_{number}").click()
    at.run()
    assert not at.exception
    assert "reason: is required" in texts(at)
    assert status_of(app_env, number) is S.ACCEPTED
    at.text_input(key=f"ap_reason_{number}").input("Please take the prerequisite course first.")
    at.button(key=f"ap_confirm_{number}").click()
    at.run()
    assert f"Rejected: Raj Mehta on “{REVIEW}”" in texts(at)
    assert status_of(app_env, number) is S.REJECTED


def test_cancelling_a_rejection_closes_its_form_and_changes_nothing(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "approvals")
    number = accepted_id(app_env, REVIEW)
    at.button(key=f"ap_reject_{number}").click()
    at.run()
    at.text_input(key=f"ap_reason_{number}").input("Not now")
    at.button(key=f"ap_cancel_{number}").click()
    at.run()
    assert not at.exception
    assert not at.text_input
    assert status_of(app_env, number) is S.ACCEPTED


def test_bulk_approval_with_one_failing_item_completes_the_others(app_env, logged_in):
    at = open_screen(logged_in("demo-admin"), "approvals")
    food_bank, ml, review = (accepted_id(app_env, t) for t in (FOOD_BANK, ML, REVIEW))
    for number in (food_bank, ml, review):
        at.checkbox(key=f"ap_pick_{number}").check()
    at.run()
    assert at.button(key="ap_bulk").label == "Approve selected (3)"
    # Meanwhile the student withdraws one of them: that item must fail, the others go through.
    with write_transaction(app_env) as session:
        student = find_user_by_username(session, "demo-student")
        assert student is not None
        withdraw(session, actor=student, application_id=ml)
    at.button(key="ap_bulk").click()
    at.run()
    assert not at.exception
    successes = [s.value for s in at.success if s.value.startswith("Approved")]
    errors = unescaped(at.error)
    assert len(successes) == 2
    assert errors == [
        f"Not approved: Dana Student on “{ML}”. "
        "This application is withdrawn, so it cannot be approved."
    ]
    assert status_of(app_env, food_bank) is S.APPROVED
    assert status_of(app_env, review) is S.APPROVED
    assert "The queue is clear" in texts(at)


def test_user_text_in_the_queue_is_shown_literally(app_env, logged_in):
    number = accepted_id(app_env, FOOD_BANK)
    with write_transaction(app_env) as session:
        application = session.get(Application, number)
        assert application is not None
        application.statement = "[click me](https://evil.example) <b>bold</b> **not bold**"
        session.add(application)
    at = open_screen(logged_in("demo-faculty"), "approvals")
    raw = "\n".join(m.value for m in at.markdown)
    assert "[click me](https://evil.example)" not in raw
    assert r"\[click me\]\(https" in raw
    assert "<b>" not in raw


def test_students_have_no_faculty_screens(logged_in):
    at = logged_in("demo-student")
    labels = [link.label for link in at.sidebar.get("page_link")]
    assert "Approval queue" not in labels and "Program dashboard" not in labels


# ---------------------------------------------------------------------------- dashboard


def test_dashboard_renders_with_the_demo_data(logged_in):
    from pages.faculty import dashboard

    at = open_screen(logged_in("demo-faculty"), "dashboard")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == list(dashboard.TABS)
    charts = 0
    for tab, headings in (
        (dashboard.OVERVIEW, ("Application funnel", "Time to match and approval age")),
        (dashboard.DEMAND, ("Demand and supply by interest tag",)),
        (dashboard.HOURS, ("Mentor hours offered and used",)),
        (dashboard.SESSIONS, ("Sessions and matches at risk",)),
        (dashboard.GROWTH, ("Leadership self-efficacy",)),
    ):
        at.session_state[dashboard.TAB] = tab
        at.run()
        shown = texts(at)
        for heading in headings:
            assert heading in shown, (tab, heading)
        # Only the open tab is drawn.
        others = {"Demand and supply by interest tag", "Leadership self-efficacy"} - {*headings}
        assert not [heading for heading in others if heading in shown]
        charts += len(at.get("vega_lite_chart"))
    assert charts >= 4
    at.session_state[dashboard.TAB] = dashboard.OVERVIEW
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Matches"] == "3"  # portfolio (now and ended early) and the SQL course
    at.selectbox(key="db_department").select("Biology").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Matches"] == "0"


def test_dashboard_keeps_its_figures_per_filter_until_refreshed(logged_in, monkeypatch):
    from pages.faculty import dashboard

    asked: list[list[str]] = []
    real = dashboard.dashboard_parts

    def counting(engine, **kwargs):
        asked.append(list(kwargs["parts"]))
        return real(engine, **kwargs)

    monkeypatch.setattr(dashboard, "dashboard_parts", counting)
    # Each filter's parts; the term before's are counted only when its tab is opened.
    counted = [list(dashboard.DASHBOARD_PARTS)]
    at = open_screen(logged_in("demo-faculty"), "dashboard")
    assert asked[-1:] == counted
    at.session_state[dashboard.TAB] = dashboard.COMPARED
    at.run()
    assert asked[-1] == list(dashboard.COMPARED_PARTS)
    at.session_state[dashboard.TAB] = dashboard.OVERVIEW
    at.run()
    assert asked[-1] == []  # a rerun shows the kept figures
    at.selectbox(key="db_department").select("Biology").run()
    assert asked[-1:] == counted  # another filter is counted afresh
    at.selectbox(key="db_department").select(dashboard.ALL).run()
    assert asked[-1] == []  # and the first one is still kept
    next(b for b in at.button if b.label == "Refresh figures").click().run()
    assert asked[-1:] == counted and not at.exception


def test_dashboard_counts_again_once_its_figures_expire(logged_in, monkeypatch):
    from pages.faculty import dashboard

    clock = [datetime(2030, 6, 10, 12, 0, tzinfo=UTC)]
    monkeypatch.setattr(dashboard, "_clock", lambda: clock[0])
    at = open_screen(logged_in("demo-faculty"), "dashboard")
    # The chosen filter's parts come first (the demo's term before it is kept beside them).
    first = at.session_state[dashboard.KEPT]
    parts = next(iter(first.values()))
    kept_at = parts["funnel"]
    clock[0] += dashboard.FIGURES_MAX_AGE - timedelta(seconds=1)
    at.run()
    parts = next(iter(at.session_state[dashboard.KEPT].values()))
    assert parts["funnel"] is kept_at
    clock[0] += timedelta(seconds=2)
    at.run()
    parts = next(iter(at.session_state[dashboard.KEPT].values()))
    assert parts["funnel"].computed_at == clock[0] and not at.exception


def test_a_second_faculty_member_sees_the_figures_the_first_counted(logged_in, monkeypatch):
    import core.program
    import core.program.kept_figures

    counted: list[str] = []
    real = core.program.funnel_figures

    def counting(*args, **kwargs):
        counted.append("funnel")
        return real(*args, **kwargs)

    monkeypatch.setattr(core.program.kept_figures, "funnel_figures", counting)
    # The current term's funnel (the term before's only once its tab is opened).
    first = open_screen(logged_in("demo-faculty"), "dashboard")
    assert counted == ["funnel"]
    second = open_screen(logged_in("demo-admin"), "dashboard")
    assert counted == ["funnel"] and not second.exception
    assert [m.value for m in second.metric] == [m.value for m in first.metric]
    # Refresh counts them again, for everyone after.
    next(b for b in second.button if b.label == "Refresh figures").click().run()
    assert counted == ["funnel"] * 2


def in_page_order(node):
    """Yield the elements below a block in the order the page shows them."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from in_page_order(child)


@pytest.fixture
def accounts_only(tmp_path, monkeypatch):
    """A database holding only one faculty account: no projects, no applications."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    st.cache_resource.clear()
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with write_transaction(engine) as session:
        create_user(
            session,
            username="lone-faculty",
            email="lone@example.edu",
            display_name="Lone Faculty",
            role=Role.FACULTY,
            password=DEMO_PASSWORD,
            department="Physics",
        )
    yield engine
    engine.dispose()
    st.cache_resource.clear()
    get_settings.cache_clear()


def test_dashboard_and_queue_render_on_an_empty_database(accounts_only):
    at = log_in(new_app().run(), "lone-faculty")
    at = open_screen(at, "dashboard")
    assert not at.exception
    assert "Nothing to show for these filters yet" in texts(at)
    # Known only once every part is counted, the notice still stands above the first part.
    order = [str(getattr(node, "value", "")) for node in in_page_order(at.main)]
    notice = next(i for i, text in enumerate(order) if text.startswith("Nothing to show"))
    assert notice < order.index("Application funnel")
    assert {m.label: m.value for m in at.metric}["Matches"] == "0"
    at = open_screen(at, "approvals")
    assert not at.exception
    assert "The queue is clear" in texts(at)
    at = open_screen(at, "exports")
    assert not at.exception


# ---------------------------------------------------------------------------- exports


def test_exports_page_offers_both_files(logged_in):
    at = open_screen(logged_in("demo-faculty"), "exports")
    assert not at.exception
    shown = texts(at)
    assert "the Computer Science department and your own projects" in shown
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download matches CSV", "Download projects CSV"]


def test_exports_caption_shows_the_viewers_department_as_text(app_env, logged_in):
    with write_transaction(app_env) as session:
        faculty = find_user_by_username(session, "demo-faculty")
        faculty.department = "Maths\n===\n[x](https://evil.example)"
        session.add(faculty)
    at = open_screen(logged_in("demo-faculty"), "exports")
    caption = next(c.value for c in at.caption if "CSV files for" in c.value)
    assert "\\=\\=\\=" in caption and "\\[x\\]\\(" in caption
