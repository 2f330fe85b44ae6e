"""Exports: CSV files of the matches and projects in the faculty member's scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlmodel import Session

from core.documents import export_csv, export_scope
from core.models import User
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
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
    for kind, title, description in EXPORTS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(description)
            st.download_button(
                f"Download {kind} CSV",
                data=built_on_click(engine, _csv(user, kind)),
                file_name=f"{kind}-{date.today():%Y-%m-%d}.csv",
                mime="text/csv",
                key=f"ex_{kind}",
                on_click="ignore",
                icon=":material/download:",
            )


def _csv(user: User, kind: str) -> Callable[[Session], bytes]:
    """Return how to build one export, run on click (core checks the actor's scope)."""
    # With a byte-order mark, spreadsheets read the names' accents right.
    return lambda session: export_csv(session, actor=user, kind=kind).encode("utf-8-sig")
