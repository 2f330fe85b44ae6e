"""Exports: CSV files of the matches and projects in the faculty member's scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy import Engine

from core.db import read_session
from core.models import Role, User
from core.program import export_csv
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine

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
    if user.role is Role.ADMIN or user.program_wide:
        scope = "the whole program"
    elif user.department:
        scope = f"the {user.department} department and your own projects"
    else:
        scope = "your own projects"
    st.caption(
        f"CSV files for {scope}. Cells that a spreadsheet could run as a formula are "
        "prefixed with an apostrophe."
    )
    engine = get_engine()
    for kind, title, description in EXPORTS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(description)
            st.download_button(
                f"Download {kind} CSV",
                data=_builder(engine, user, kind),
                file_name=f"{kind}-{date.today():%Y-%m-%d}.csv",
                mime="text/csv",
                key=f"ex_{kind}",
                on_click="ignore",
                icon=":material/download:",
            )


def _builder(engine: Engine, user: User, kind: str) -> Callable[[], bytes]:
    """Return a callable that builds the CSV on click (core checks the actor's scope)."""

    def build() -> bytes:
        with read_session(engine) as session:
            # With a byte-order mark, spreadsheets read the names' accents right.
            return export_csv(session, actor=user, kind=kind).encode("utf-8-sig")

    return build


if __name__ == "__main__":
    # Opened directly as a legacy page: hand over to the entry script, which gates and routes.
    from app import main

    main()
