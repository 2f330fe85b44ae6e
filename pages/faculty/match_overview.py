"""A match as faculty and admins read it: milestones, sessions, last activity (no messages)."""

from __future__ import annotations

import streamlit as st

from core.platform.wording import day
from core.program.oversight import match_overview
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.ui import escape_markdown, id_param, literal, metric_row, small

MATCH_PARAM = "match"


def render() -> None:
    """Show one match read-only; the private messages stay between the pair."""
    user = signed_in_user()
    st.title("Match overview")
    number = id_param(MATCH_PARAM)
    if number is None:
        st.info(
            "Open a match from the program dashboard's list of matches at risk, or from a "
            "student's passport."
        )
        return
    view = read(lambda session: match_overview(session, actor=user, application_id=number))
    if view is None:
        return
    st.header(escape_markdown(view.project_title))
    st.markdown(
        small(
            f"{escape_markdown(view.student_name)} with {escape_markdown(view.mentor_name)} · "
            f"{escape_markdown(view.department)} · {day(view.start_date)} to "
            f"{day(view.end_date)} · {view.status.value.replace('_', ' ')}"
        )
    )
    row = metric_row()
    row.metric("Milestones verified", f"{view.verified} of {len(view.milestones)}")
    row.metric("Sessions logged", len(view.sessions))
    row.metric(
        "Last session",
        day(view.last_activity) if view.last_activity else "none yet",
    )
    st.caption("Messages between the pair are private and not shown here.")
    st.header("Milestones")
    if not view.milestones:
        st.caption("No milestones.")
    for milestone in view.milestones:
        st.markdown(
            f"{literal(milestone.title)}  \n"
            + small(f"due {day(milestone.due_date)} · {milestone.status.value}")
        )
    st.header("Sessions")
    if not view.sessions:
        st.caption("No session logged yet.")
    for logged in view.sessions:
        state = "confirmed" if logged.confirmed else "waiting for confirmation"
        st.markdown(
            small(f"{day(logged.held_on)} · {logged.minutes} min · {state}")
            + f"  \n{literal(logged.summary)}"
        )
