"""Admin · Program terms: list, add, change and delete the terms projects are grouped by."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.models import ProgramTerm, User
from core.platform.wording import day
from core.program import create_term, current_term, delete_term, list_terms, update_term
from core.program.terms import MAX_NAME
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.tables import text_table
from pages.components.terms import forget_terms, today
from pages.components.ui import escape_markdown, show_flash


def _status(term: ProgramTerm, current: ProgramTerm | None, on: date) -> str:
    if current is not None and term.id == current.id:
        return "current" if term.start_date <= on <= term.end_date else "current (next to start)"
    if term.end_date < on:
        return "past"
    return "upcoming"


def _changed(_result: object) -> None:
    forget_terms()


def render() -> None:
    """List the terms, then the forms to add one and to change or delete one."""
    actor = signed_in_user()
    st.title("Program terms")
    show_flash()
    st.caption(
        "A project belongs to the term its start date falls in, first and last day included. "
        "Browse, the program dashboard and the exports open on the current term (the one "
        "holding today; else the next one, else the latest). Terms cannot overlap."
    )
    terms = read(lambda session: list_terms(session, actor=actor))
    if terms is None:
        return
    on = today()
    current = current_term(terms, today=on)
    if terms:
        text_table(
            [
                {
                    "Term": term.name,
                    "First day": day(term.start_date),
                    "Last day": day(term.end_date),
                    "Status": _status(term, current, on),
                }
                for term in reversed(terms)
            ]
        )
    else:
        st.info("No terms yet: every screen shows projects of all dates. Add the first term below.")
    _create_form(actor)
    if terms:
        _edit_forms(actor, terms)


def _create_form(actor: User) -> None:
    st.header("Add a term")
    with st.form("term_create_form"):
        name = st.text_input(
            "Name", key="term_create_name", max_chars=MAX_NAME, placeholder="Spring 2027"
        )
        first, last = st.columns(2)
        start = first.date_input("First day", value=None, key="term_create_start")
        end = last.date_input("Last day", value=None, key="term_create_end")
        submitted = st.form_submit_button("Add term", type="primary", icon=":material/add:")
    if submitted:
        act(
            lambda session: create_term(
                session, actor=actor, name=name, start_date=start, end_date=end
            ),
            success=lambda term: f"Term “{term.name}” added.",
            on_success=_changed,
        )


def _edit_forms(actor: User, terms: list[ProgramTerm]) -> None:
    st.header("Change or delete a term")
    by_id = {term.id: term for term in reversed(terms)}
    chosen_id = st.selectbox(
        "Term",
        list(by_id),
        format_func=lambda term_id: by_id[term_id].name,
        key="term_edit_choice",
    )
    term = by_id[chosen_id]
    assert term.id is not None
    term_id = term.id
    with st.form(f"term_edit_form_{term_id}"):
        name = st.text_input(
            "Name", value=term.name, key=f"term_edit_name_{term_id}", max_chars=MAX_NAME
        )
        first, last = st.columns(2)
        start = first.date_input("First day", value=term.start_date, key=f"term_start_{term_id}")
        end = last.date_input("Last day", value=term.end_date, key=f"term_end_{term_id}")
        saved = st.form_submit_button("Save changes", icon=":material/save:")
    if saved:
        act(
            lambda session: update_term(
                session, actor=actor, term_id=term_id, name=name, start_date=start, end_date=end
            ),
            success=lambda changed: f"Term “{changed.name}” saved.",
            on_success=_changed,
        )
    sure = st.checkbox(
        f"Delete “{escape_markdown(term.name)}” (its projects stay as they are)",
        key=f"term_delete_sure_{term_id}",
    )
    if st.button(
        "Delete term",
        key=f"term_delete_{term_id}",
        disabled=not sure,
        icon=":material/delete:",
    ):
        act(
            lambda session: delete_term(session, actor=actor, term_id=term_id),
            success=lambda gone: f"Term “{gone.name}” deleted.",
            on_success=_changed,
        )
