"""Exports: CSV files of the matches and projects in the faculty member's scope, for one
program term or all of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlmodel import Session

from core.documents import export_csv, export_scope
from core.models import User
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.terms import ALL_TERMS, by_choice, default_choice, term_label
from pages.components.terms import terms as program_terms
from pages.components.ui import built_on_click, escape_markdown

EXPORTS = (
    (
        "matches",
        "Matches",
        "Project, mentor, student, dates, hours planned and logged, and status of every match.",
    ),
    (
        "projects",
        "Projects",
        "Every published project with its tags, seats, hours, dates, applications and matches.",
    ),
)


def render() -> None:
    """Offer one download per export; each file is built only when it is asked for."""
    user = signed_in_user()
    st.title("Exports")
    st.caption(
        f"CSV files for {escape_markdown(export_scope(user).description)}. Cells that a "
        "spreadsheet could run "
        "as a formula are prefixed with an apostrophe."
    )
    engine = get_engine()
    term_id = _term_choice()
    for kind, title, description in EXPORTS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(description)
            st.download_button(
                f"Download {kind} CSV",
                data=built_on_click(engine, _csv(user, kind, term_id)),
                file_name=f"{kind}-{date.today():%Y-%m-%d}.csv",
                mime="text/csv",
                key=f"ex_{kind}",
                on_click="ignore",
                icon=":material/download:",
            )


def _term_choice() -> int | None:
    """Read the term select (shown when terms are defined); return the chosen term's id."""
    terms = program_terms()
    if not terms:
        return None
    choices = by_choice(terms)
    default = default_choice(terms)
    current = choices.get(default or "")
    labels = {ALL_TERMS: "All terms"} | {
        choice: term_label(term, current=current) for choice, term in choices.items()
    }
    options = list(labels)
    choice = st.selectbox(
        "Term",
        options,
        index=options.index(default) if default in options else 0,
        key="ex_term",
        format_func=lambda c: labels.get(c, c),
        help="Only the projects (and their matches) whose start date falls in the term.",
    )
    term = choices.get(str(choice))
    return term.id if term is not None else None


def _csv(user: User, kind: str, term_id: int | None = None) -> Callable[[Session], bytes]:
    """Return how to build one export, run on click (core checks the actor's scope)."""

    # With a byte-order mark, spreadsheets read the names' accents right.
    def build(session: Session) -> bytes:
        text = export_csv(session, actor=user, kind=kind, term_id=term_id)
        return text.encode("utf-8-sig")

    return build
