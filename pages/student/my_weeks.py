"""My weeks: a student's committed hours (and pending applications) against their weekly
availability over the next 16 weeks."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from core.applications.student_load import StudentWeeks, student_weeks
from core.commitment import occupied_weeks, week_start
from core.platform.wording import counted
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.charts import draw, load_vs_limit_chart
from pages.components.student import (
    BROWSE,
    PROFILE,
    day,
    has_screen,
    hours,
    link,
    status_text,
    week_name,
)
from pages.components.tables import text_table
from pages.components.ui import metric_row

HORIZON_WEEKS = 16
PENDING_LABEL = "pending applications"


def _items_table(data: StudentWeeks) -> None:
    st.header("Projects in these weeks")
    text_table(
        [
            {
                "Project": item.title,
                "Status": status_text(item.status),
                "Hours per week": hours(item.hours),
                "Counts as": "committed" if item.committed else "pending",
                "From": day(item.start_date),
                "Until": day(item.end_date),
            }
            for item in data.items
        ]
    )


def render() -> None:
    """Chart the next 16 weeks of committed and pending hours against the availability."""
    user = signed_in_user()
    st.title("My weeks")
    first = week_start(date.today())
    weeks = occupied_weeks(first, first + timedelta(weeks=HORIZON_WEEKS) - timedelta(days=1))
    data = read(lambda session: student_weeks(session, actor=user, weeks=weeks))
    if data is None:
        return
    st.caption(
        f"Hours a week your approved matches take, against your availability of "
        f"{hours(data.available)} hours a week, for the {HORIZON_WEEKS} weeks from {day(first)}. "
        "Pending applications are stacked on top: they count only once approved."
    )
    busiest = data.busiest
    peak = data.committed.get(busiest, 0.0)
    row = metric_row()
    row.metric("Available per week", f"{hours(data.available)} h")
    row.metric("Busiest week (committed)", f"{hours(peak)} h", help=week_name(busiest))
    row.metric("Free in the busiest week", f"{hours(max(data.available - peak, 0.0))} h")
    if has_screen(PROFILE):
        link(PROFILE, "Change your weekly hours in your profile", icon=":material/tune:")
    draw(
        load_vs_limit_chart(
            data.committed,
            weeks=weeks,
            limit=data.available,
            limit_label="your available hours",
            adding=data.pending if data.pending else None,
            adding_label=PENDING_LABEL,
        ),
        description="Your committed and pending hours per week against your available hours",
    )
    over = [
        m for m in weeks if data.committed.get(m, 0.0) + data.pending.get(m, 0.0) > data.available
    ]
    if over:
        st.warning(
            "If all your pending applications were approved, "
            f"{counted(len(over), 'week')} would go over your availability, first "
            f"{week_name(over[0])}. Approving one match withdraws the applications that no "
            "longer fit."
        )
    if not data.items:
        st.info(
            "Nothing takes your weeks yet. Browse the open projects: each card shows its hours "
            "a week, and the project page shows how it fits these weeks."
        )
        link(BROWSE, "Browse projects", icon=":material/search:")
        return
    _items_table(data)
