"""Program terms through AppTest: the admin's terms screen, and the term select on browse, the
program dashboard (with the comparison to the term before) and the exports."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import delete, select

from core.models import ProgramTerm
from core.platform.db import read_session, write_transaction
from core.seed_terms import demo_terms
from tests import factories as h
from tests.pages.screens import click, open_screen, shown_tables, texts, user_named

TODAY = date.today()
PREVIOUS, CURRENT = demo_terms(TODAY)


def stored(engine) -> list[tuple[str, date, date]]:
    with read_session(engine) as session:
        rows = session.exec(select(ProgramTerm).order_by(ProgramTerm.start_date)).all()
        return [(t.name, t.start_date, t.end_date) for t in rows]


def term_id(engine, name: str) -> int:
    with read_session(engine) as session:
        found = session.exec(select(ProgramTerm.id).where(ProgramTerm.name == name)).one()
    assert found is not None
    return found


# ---------------------------------------------------------------------------- admin screen


def test_the_admin_screen_lists_the_terms_with_their_status(app_env, logged_in):
    at = open_screen(logged_in("demo-admin"), "admin-terms")
    assert not at.exception
    assert "Program terms" in [t.value for t in at.title]
    table = shown_tables(at)[0]
    assert list(table["Term"]) == [CURRENT[0], PREVIOUS[0]]
    assert list(table["Status"]) == ["current", "past"]
    labels = [link.label for link in at.sidebar.get("page_link")]
    assert labels.index("Program terms") == labels.index("Audit log") + 1


def test_an_admin_adds_a_term_and_an_overlap_is_refused(app_env, logged_in):
    at = open_screen(logged_in("demo-admin"), "admin-terms")
    first = CURRENT[2] + timedelta(days=1)
    at.text_input(key="term_create_name").input("Next term")
    at.date_input(key="term_create_start").set_value(first)
    at.date_input(key="term_create_end").set_value(first + timedelta(days=120))
    at = click(at, "Add term")
    assert not at.exception
    assert "Term “Next term” added." in texts(at)
    assert stored(app_env)[-1] == ("Next term", first, first + timedelta(days=120))
    assert list(shown_tables(at)[0]["Term"])[0] == "Next term"
    # Overlapping the current term's last day: refused, with the reason, nothing written.
    before = stored(app_env)
    at.text_input(key="term_create_name").input("Clash")
    at.date_input(key="term_create_start").set_value(CURRENT[2])
    at.date_input(key="term_create_end").set_value(CURRENT[2] + timedelta(days=3))
    at = click(at, "Add term")
    assert not at.exception
    assert "overlap the term " + CURRENT[0] in texts(at)
    assert stored(app_env) == before


def test_an_admin_renames_and_deletes_a_term(app_env, logged_in):
    at = open_screen(logged_in("demo-admin"), "admin-terms")
    number = term_id(app_env, PREVIOUS[0])
    at.selectbox(key="term_edit_choice").select(number).run()
    at.text_input(key=f"term_edit_name_{number}").input("Last spring")
    at = click(at, "Save changes")
    assert not at.exception
    assert "Term “Last spring” saved." in texts(at)
    assert stored(app_env)[0] == ("Last spring", PREVIOUS[1], PREVIOUS[2])
    at.selectbox(key="term_edit_choice").select(number).run()
    assert at.button(key=f"term_delete_{number}").disabled
    at.checkbox(key=f"term_delete_sure_{number}").check().run()
    at.button(key=f"term_delete_{number}").click().run()
    assert not at.exception
    assert "Term “Last spring” deleted." in texts(at)
    assert stored(app_env) == [CURRENT]


def test_only_admins_have_the_terms_screen(logged_in):
    for username in ("demo-faculty", "demo-student", "demo-alumni"):
        labels = [link.label for link in logged_in(username).sidebar.get("page_link")]
        assert "Program terms" not in labels


# ---------------------------------------------------------------------------- browse


def _open_far_project(engine, title: str, start: date) -> None:
    with write_transaction(engine) as session:
        h.project(session, user_named(engine, "demo-alumni"), title=title, start=start)


def _cards(at) -> list[str]:
    # The first card's Markdown starts with its title, the others with a rule before it.
    return [m.value for m in at.markdown if m.value.removeprefix("---\n").startswith("### ")]


def test_browse_opens_on_the_current_term_and_can_show_all_terms(app_env, logged_in):
    last_day, after = CURRENT[2], CURRENT[2] + timedelta(days=1)
    _open_far_project(app_env, "Starts on the term's last day", last_day)
    _open_far_project(app_env, "Starts the day after the term", after)
    at = open_screen(logged_in("demo-student"), "browse")
    assert not at.exception
    term = at.selectbox(key="browse_term")
    assert term.value == str(term_id(app_env, CURRENT[0]))
    shown = "\n".join(_cards(at))
    assert "last day" in shown and "day after" not in shown
    term.select("all").run()
    assert not at.exception
    shown = "\n".join(_cards(at))
    assert "last day" in shown and "day after" in shown
    assert at.query_params["term"] == "all"


def test_a_term_without_open_projects_offers_all_terms(app_env, logged_in):
    at = open_screen(logged_in("demo-student"), "browse")
    at.selectbox(key="browse_term").select(str(term_id(app_env, PREVIOUS[0]))).run()
    assert not at.exception
    assert "No open project starts in " + PREVIOUS[0] in texts(at)
    at = click(at, "Show all terms")
    assert at.selectbox(key="browse_term").value == "all"
    assert _cards(at)


def test_without_terms_browse_has_no_term_select(app_env, logged_in):
    with write_transaction(app_env) as session:
        session.exec(delete(ProgramTerm))  # type: ignore[call-overload]
    at = open_screen(logged_in("demo-student"), "browse")
    assert not at.exception
    assert "browse_term" not in [s.key for s in at.selectbox]
    assert _cards(at)


# ---------------------------------------------------------------------------- dashboard


def test_the_dashboard_opens_on_the_current_term_beside_the_one_before(app_env, logged_in):
    from pages.faculty import dashboard

    at = open_screen(logged_in("demo-faculty"), "dashboard")
    assert not at.exception
    assert at.selectbox(key="db_term").value == str(term_id(app_env, CURRENT[0]))
    assert {m.label: m.value for m in at.metric}["Matches"] == "3"
    assert dashboard.COMPARED in [tab.label for tab in at.tabs]
    at.session_state[dashboard.TAB] = dashboard.COMPARED
    at.run()
    shown = texts(at)
    assert "Compared with the term before" in shown
    assert f"{CURRENT[0]} against {PREVIOUS[0]}" in shown
    table = shown_tables(at)[-1]
    assert list(table.columns) == ["figure", CURRENT[0], PREVIOUS[0], "change"]
    matches = table[table["figure"] == "Matches approved"].iloc[0]
    assert (matches[CURRENT[0]], matches[PREVIOUS[0]], matches["change"]) == ("3", "0", "+3")
    # The term before has no demo project: its own figures are zeros, with nothing to compare.
    at.selectbox(key="db_term").select(str(term_id(app_env, PREVIOUS[0]))).run()
    assert not at.exception
    assert dashboard.COMPARED not in [tab.label for tab in at.tabs]
    at.session_state[dashboard.TAB] = dashboard.OVERVIEW
    at.run()
    assert {m.label: m.value for m in at.metric}["Matches"] == "0"
    assert "Compared with the term before" not in texts(at)


def test_the_dashboard_can_still_take_other_dates(app_env, logged_in):
    at = open_screen(logged_in("demo-faculty"), "dashboard")
    assert not at.date_input
    at.selectbox(key="db_term").select("dates").run()
    assert not at.exception
    assert [d.key for d in at.date_input] == ["db_range"]
    assert "Compared with the term before" not in texts(at)


def test_without_terms_the_dashboard_is_as_before(app_env, logged_in):
    with write_transaction(app_env) as session:
        session.exec(delete(ProgramTerm))  # type: ignore[call-overload]
    at = open_screen(logged_in("demo-faculty"), "dashboard")
    assert not at.exception
    assert "db_term" not in [s.key for s in at.selectbox]
    assert [d.key for d in at.date_input] == ["db_range"]
    assert {m.label: m.value for m in at.metric}["Matches"] == "3"


# ---------------------------------------------------------------------------- exports


def test_exports_offer_a_term_select_and_build_the_chosen_term(app_env, logged_in):
    from pages.faculty.exports import _csv

    at = open_screen(logged_in("demo-admin"), "exports")
    assert not at.exception
    select_box = at.selectbox(key="ex_term")
    assert select_box.value == str(term_id(app_env, CURRENT[0]))
    assert "all" in select_box.options or "All terms" in select_box.options
    admin = user_named(app_env, "demo-admin")
    with read_session(app_env) as session:
        current = _csv(admin, "projects", term_id(app_env, CURRENT[0]))(session)
        previous = _csv(admin, "projects", term_id(app_env, PREVIOUS[0]))(session)
        everything = _csv(admin, "projects")(session)
    assert current.count(b"\r\n") > 1 and current == everything
    assert previous.count(b"\r\n") == 1  # the header only: no demo project in that term


def test_a_deleted_term_chosen_on_a_screen_falls_back_to_the_current_term(app_env, logged_in):
    import streamlit as st

    student = open_screen(logged_in("demo-student"), "browse")
    faculty = open_screen(logged_in("demo-faculty"), "dashboard")
    previous = str(term_id(app_env, PREVIOUS[0]))
    student.selectbox(key="browse_term").select(previous).run()
    faculty.selectbox(key="db_term").select(previous).run()
    with write_transaction(app_env) as session:
        session.exec(delete(ProgramTerm).where(ProgramTerm.name == PREVIOUS[0]))  # type: ignore[call-overload]
    st.cache_data.clear()  # as once the kept list is a minute old
    current = str(term_id(app_env, CURRENT[0]))
    for at, key in ((student.run(), "browse_term"), (faculty.run(), "db_term")):
        assert not at.exception
        assert at.selectbox(key=key).value == current
