"""Altair chart builders shared by the screens (data in, chart out; no queries here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import altair as alt
import pandas as pd

from core.commitment import week_label


def load_vs_limit_chart(
    committed: Mapping[date, float],
    *,
    weeks: list[date],
    limit: float,
    limit_label: str,
    adding: Mapping[date, float] | None = None,
    adding_label: str = "this project",
) -> alt.LayerChart:
    """Stack committed (and optional new) hours per ISO week under a horizontal limit line."""
    rows = []
    for monday in weeks:
        rows.append(
            {"week": week_label(monday), "kind": "committed", "hours": committed.get(monday, 0.0)}
        )
        if adding is not None:
            rows.append(
                {"week": week_label(monday), "kind": adding_label, "hours": adding.get(monday, 0.0)}
            )
    frame = pd.DataFrame(rows, columns=["week", "kind", "hours"])
    order = [week_label(monday) for monday in weeks]
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("week:N", sort=order, title="ISO week"),
            y=alt.Y("sum(hours):Q", title="hours per week"),
            color=alt.Color(
                "kind:N",
                title=None,
                # The legend names the new hours only when there are any.
                scale=alt.Scale(
                    domain=["committed", adding_label] if adding is not None else ["committed"],
                    range=["#2f6f9f", "#e39d36"],
                ),
            ),
            tooltip=["week", "kind", "hours"],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"limit": [limit], "label": [limit_label]}))
        .mark_rule(color="#b3261e", strokeDash=[6, 4], size=2)
        .encode(y="limit:Q", tooltip=["label", "limit"])
    )
    return alt.LayerChart(layer=[bars, rule], height=260)


# ---------------------------------------------------------------------------- program dashboard


def funnel_chart(stages: Sequence[tuple[str, int]]) -> alt.Chart:
    """Horizontal bars, one per funnel stage, in stage order."""
    frame = pd.DataFrame(stages, columns=["stage", "applications"])
    order = [stage for stage, _ in stages]
    return (
        alt.Chart(frame, height=40 * max(len(stages), 1) + 20)
        .mark_bar(color="#2f6f9f")
        .encode(
            y=alt.Y("stage:N", sort=order, title=None),
            x=alt.X("applications:Q", title="applications"),
            tooltip=["stage", "applications"],
        )
    )


def approval_age_chart(buckets: Sequence[tuple[str, int, int]]) -> alt.Chart:
    """Stacked bars of approval age buckets: decided versus still waiting."""
    rows = []
    for label, decided, waiting in buckets:
        rows.append({"age": label, "kind": "decided", "applications": decided})
        rows.append({"age": label, "kind": "still waiting", "applications": waiting})
    frame = pd.DataFrame(rows, columns=["age", "kind", "applications"])
    order = [label for label, _, _ in buckets]
    return (
        alt.Chart(frame, height=240)
        .mark_bar()
        .encode(
            x=alt.X("age:N", sort=order, title="days from acceptance to decision"),
            y=alt.Y("sum(applications):Q", title="applications"),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["decided", "still waiting"], range=["#2f6f9f", "#e39d36"]),
            ),
            tooltip=["age", "kind", "applications"],
        )
    )


def demand_supply_chart(rows: Sequence[tuple[str, int, int]]) -> alt.Chart:
    """Grouped bars per interest tag: applications (demand) beside seats (supply)."""
    records = []
    for tag, applications, seats in rows:
        records.append({"tag": tag, "measure": "applications", "count": applications})
        records.append({"tag": tag, "measure": "seats", "count": seats})
    frame = pd.DataFrame(records, columns=["tag", "measure", "count"])
    order = [tag for tag, _, _ in rows]
    return (
        alt.Chart(frame, height=max(22 * len(rows), 60))
        .mark_bar()
        .encode(
            y=alt.Y("tag:N", sort=order, title=None),
            yOffset="measure:N",
            x=alt.X("count:Q", title="applications / seats"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["applications", "seats"], range=["#e39d36", "#2f6f9f"]),
            ),
            tooltip=["tag", "measure", "count"],
        )
    )


def mentor_hours_chart(rows: Sequence[tuple[str, float, float, float]]) -> alt.Chart:
    """Grouped bars per department: mentor hours offered, on matched projects, and logged."""
    records = []
    for department, offered, matched, logged in rows:
        for measure, value in (("offered", offered), ("matched", matched), ("logged", logged)):
            records.append({"department": department, "measure": measure, "hours": value})
    frame = pd.DataFrame(records, columns=["department", "measure", "hours"])
    return (
        alt.Chart(frame, height=max(66 * len(rows), 120))
        .mark_bar()
        .encode(
            y=alt.Y("department:N", title=None),
            yOffset=alt.YOffset("measure:N", sort=["offered", "matched", "logged"]),
            x=alt.X("hours:Q", title="mentor hours over the projects"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=["offered", "matched", "logged"],
                    range=["#9db9d3", "#2f6f9f", "#e39d36"],
                ),
            ),
            tooltip=["department", "measure", "hours"],
        )
    )


def sessions_per_week_chart(rows: Sequence[tuple[date, int]]) -> alt.Chart:
    """Bars of sessions logged per ISO week."""
    frame = pd.DataFrame(
        [{"week": week_label(monday), "sessions": count} for monday, count in rows],
        columns=["week", "sessions"],
    )
    order = [week_label(monday) for monday, _ in rows]
    return (
        alt.Chart(frame, height=220)
        .mark_bar(color="#2f6f9f")
        .encode(
            x=alt.X("week:N", sort=order, title="ISO week"),
            y=alt.Y("sessions:Q", title="sessions logged"),
            tooltip=["week", "sessions"],
        )
    )


def self_efficacy_chart(start_mean: float, close_mean: float) -> alt.Chart:
    """Two bars: mean leadership self-efficacy at match start and at close (scale 1–5)."""
    frame = pd.DataFrame(
        [{"moment": "at start", "score": start_mean}, {"moment": "at close", "score": close_mean}]
    )
    return (
        alt.Chart(frame, height=120)
        .mark_bar(color="#2f6f9f", clip=True)
        .encode(
            y=alt.Y("moment:N", sort=["at start", "at close"], title=None),
            x=alt.X("score:Q", scale=alt.Scale(domain=[1, 5]), title="mean score (1–5)"),
            tooltip=["moment", alt.Tooltip("score:Q", format=".2f")],
        )
    )
