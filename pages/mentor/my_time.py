"""My time: a mentor's weekly load against their weekly budget over the next 16 weeks."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from core.commitment import occupied_weeks, week_start
from core.models import LIVE_PROJECT_STATUSES, ProjectStatus
from core.platform.db import read_session
from core.platform.wording import counted
from core.projects import MyProjectRow, list_my_projects, mentor_weekly_load, status_label
from pages.components.auth import signed_in_user
from pages.components.charts import draw, load_vs_limit_chart
from pages.components.engine import get_engine
from pages.components.mentor import (
    MY_PROJECTS,
    NEW,
    PROFILE,
    PROJECT_PARAM,
    day,
    has_screen,
    hours,
    link,
    week_name,
)
from pages.components.tables import text_table
from pages.components.ui import metric_row

HORIZON_WEEKS = 16


def render() -> None:
    """Chart the next 16 weeks of mentoring hours against the budget, with the projects."""
    user = signed_in_user()
    assert user.id is not None
    st.title("My time")
    first = week_start(date.today())
    weeks = occupied_weeks(first, first + timedelta(weeks=HORIZON_WEEKS) - timedelta(days=1))
    with read_session(get_engine()) as session:
        load = mentor_weekly_load(session, mentor_id=user.id, weeks=weeks)
        rows = list_my_projects(session, actor=user)
    budget = user.weekly_hours
    st.caption(
        f"Hours you give each week to your open, closed and running projects, against your "
        f"weekly budget of {hours(budget)} hours, for the {HORIZON_WEEKS} weeks from "
        f"{day(first)}."
    )
    busiest = max(weeks, key=lambda monday: load.get(monday, 0.0))
    peak = load.get(busiest, 0.0)
    row = metric_row()
    row.metric("Weekly budget", f"{hours(budget)} h")
    row.metric("Busiest week", f"{hours(peak)} h", help=week_name(busiest))
    row.metric("Free in the busiest week", f"{hours(max(budget - peak, 0.0))} h")
    if has_screen(PROFILE):
        link(PROFILE, "Change your weekly budget in your profile", icon=":material/tune:")
    draw(
        load_vs_limit_chart(load, weeks=weeks, limit=budget, limit_label="your weekly budget"),
        description="Your mentoring hours per week against your weekly budget",
    )
    _projects_in_view(rows, weeks[0], weeks[-1] + timedelta(days=6))


def _projects_in_view(rows: list[MyProjectRow], first: date, last: date) -> None:
    live = [
        row
        for row in rows
        if row.status in LIVE_PROJECT_STATUSES and row.end_date >= first and row.start_date <= last
    ]
    if not live:
        st.info(
            "Nothing takes your time in these weeks yet. Post a project in *My projects*: "
            "the editor shows how it fits this budget before you publish."
        )
        link(MY_PROJECTS, "New project", params={PROJECT_PARAM: NEW}, icon=":material/add_circle:")
        return
    st.header("Projects taking your time")
    text_table(
        [
            {
                "Project": row.title,
                "Status": status_label(row.status),
                "Hours per week": hours(row.mentor_hours),
                "From": day(row.start_date),
                "Until": day(row.end_date),
            }
            for row in live
        ]
    )
    drafts = [row for row in rows if row.status is ProjectStatus.DRAFT]
    if drafts:
        st.caption(
            f"{counted(len(drafts), 'draft')} does not count yet; it will when you publish it."
            if len(drafts) == 1
            else f"{counted(len(drafts), 'draft')} do not count yet; they will when you publish "
            "them."
        )
