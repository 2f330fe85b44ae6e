"""Chart builders shared by the screens (data in, chart out; no queries here).

Each chart's Vega-Lite spec is written with Altair once per shape (its order of bars, colours,
labels and height) and kept; a rerun only pours its rows into the kept spec. Building and
validating an Altair chart costs 10–35 ms every time, more than all the rest of most screens.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import altair as alt
import pyarrow as pa
import streamlit as st

from core.commitment import week_label
from pages.components.ui import arrow_table

ROWS = "rows"  # the name of a chart's main dataset in its spec
SHAPES_KEPT = 256  # chart specs kept per builder; a shape changes at most weekly


@dataclass(frozen=True)
class Chart:
    """A kept Vega-Lite spec and the rows this rerun draws with it."""

    template: Mapping[str, Any]
    datasets: Mapping[str, pa.Table]

    def spec(self) -> dict[str, Any]:
        """Return a fresh spec holding the data (Streamlit edits the spec it is given)."""
        return {**copy.deepcopy(dict(self.template)), "datasets": dict(self.datasets)}


def draw(chart: Chart, description: str | None = None) -> None:
    """Draw a chart across the page width, described for screen readers."""
    st.vega_lite_chart(spec=chart.spec(), width="stretch", alt=description)


def _named(name: str = ROWS) -> alt.Data:
    return alt.Data(name=name)


@lru_cache(maxsize=SHAPES_KEPT)
def _load_vs_limit_template(order: tuple[str, ...], domain: tuple[str, ...]) -> dict[str, Any]:
    bars = (
        alt.Chart(_named())
        .mark_bar()
        .encode(
            x=alt.X("week:N", sort=list(order), title="ISO week"),
            y=alt.Y("sum(hours):Q", title="hours per week"),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=list(domain), range=["#2f6f9f", "#e39d36"]),
            ),
            tooltip=["week:N", "kind:N", "hours:Q"],
        )
    )
    rule = (
        alt.Chart(_named("limit"))
        .mark_rule(color="#b3261e", strokeDash=[6, 4], size=2)
        .encode(y="limit:Q", tooltip=["label:N", "limit:Q"])
    )
    return alt.LayerChart(layer=[bars, rule], height=260).to_dict()


def load_vs_limit_chart(
    committed: Mapping[date, float],
    *,
    weeks: list[date],
    limit: float,
    limit_label: str,
    adding: Mapping[date, float] | None = None,
    adding_label: str = "this project",
) -> Chart:
    """Stack committed (and optional new) hours per ISO week under a horizontal limit line."""
    rows = []
    for monday in weeks:
        rows.append((week_label(monday), "committed", float(committed.get(monday, 0.0))))
        if adding is not None:
            rows.append((week_label(monday), adding_label, float(adding.get(monday, 0.0))))
    order = tuple(week_label(monday) for monday in weeks)
    # The legend names the new hours only when there are any.
    domain = ("committed", adding_label) if adding is not None else ("committed",)
    return Chart(
        _load_vs_limit_template(order, domain),
        {
            ROWS: arrow_table(rows, ["week", "kind", "hours"]),
            "limit": arrow_table([(float(limit), limit_label)], ["limit", "label"]),
        },
    )


# ---------------------------------------------------------------------------- program dashboard


@lru_cache(maxsize=SHAPES_KEPT)
def _funnel_template(order: tuple[str, ...]) -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=40 * max(len(order), 1) + 20)
        .mark_bar(color="#2f6f9f")
        .encode(
            y=alt.Y("stage:N", sort=list(order), title=None),
            x=alt.X("applications:Q", title="applications"),
            tooltip=["stage:N", "applications:Q"],
        )
        .to_dict()
    )


def funnel_chart(stages: Sequence[tuple[str, int]]) -> Chart:
    """Horizontal bars, one per funnel stage, in stage order."""
    frame = arrow_table(stages, ["stage", "applications"])
    return Chart(_funnel_template(tuple(stage for stage, _ in stages)), {ROWS: frame})


@lru_cache(maxsize=SHAPES_KEPT)
def _approval_age_template(order: tuple[str, ...]) -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=240)
        .mark_bar()
        .encode(
            x=alt.X("age:N", sort=list(order), title="days from acceptance to decision"),
            y=alt.Y("sum(applications):Q", title="applications"),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["decided", "still waiting"], range=["#2f6f9f", "#e39d36"]),
            ),
            tooltip=["age:N", "kind:N", "applications:Q"],
        )
        .to_dict()
    )


def approval_age_chart(buckets: Sequence[tuple[str, int, int]]) -> Chart:
    """Stacked bars of approval age buckets: decided versus still waiting."""
    rows = []
    for label, decided, waiting in buckets:
        rows.append((label, "decided", decided))
        rows.append((label, "still waiting", waiting))
    frame = arrow_table(rows, ["age", "kind", "applications"])
    return Chart(_approval_age_template(tuple(label for label, _, _ in buckets)), {ROWS: frame})


@lru_cache(maxsize=SHAPES_KEPT)
def _demand_supply_template(order: tuple[str, ...]) -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=max(22 * len(order), 60))
        .mark_bar()
        .encode(
            y=alt.Y("tag:N", sort=list(order), title=None),
            yOffset="measure:N",
            x=alt.X("count:Q", title="applications / seats"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["applications", "seats"], range=["#e39d36", "#2f6f9f"]),
            ),
            tooltip=["tag:N", "measure:N", "count:Q"],
        )
        .to_dict()
    )


def demand_supply_chart(rows: Sequence[tuple[str, int, int]]) -> Chart:
    """Grouped bars per interest tag: applications (demand) beside seats (supply)."""
    records = []
    for tag, applications, seats in rows:
        records.append((tag, "applications", applications))
        records.append((tag, "seats", seats))
    frame = arrow_table(records, ["tag", "measure", "count"])
    return Chart(_demand_supply_template(tuple(tag for tag, _, _ in rows)), {ROWS: frame})


@lru_cache(maxsize=SHAPES_KEPT)
def _mentor_hours_template(departments: int) -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=max(66 * departments, 120))
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
            tooltip=["department:N", "measure:N", "hours:Q"],
        )
        .to_dict()
    )


def mentor_hours_chart(rows: Sequence[tuple[str, float, float, float]]) -> Chart:
    """Grouped bars per department: mentor hours offered, on matched projects, and logged."""
    records = []
    for department, offered, matched, logged in rows:
        for measure, value in (("offered", offered), ("matched", matched), ("logged", logged)):
            records.append((department, measure, float(value)))
    frame = arrow_table(records, ["department", "measure", "hours"])
    return Chart(_mentor_hours_template(len(rows)), {ROWS: frame})


@lru_cache(maxsize=SHAPES_KEPT)
def _sessions_per_week_template(order: tuple[str, ...]) -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=220)
        .mark_bar(color="#2f6f9f")
        .encode(
            x=alt.X("week:N", sort=list(order), title="ISO week"),
            y=alt.Y("sessions:Q", title="sessions logged"),
            tooltip=["week:N", "sessions:Q"],
        )
        .to_dict()
    )


def sessions_per_week_chart(rows: Sequence[tuple[date, int]]) -> Chart:
    """Bars of sessions logged per ISO week."""
    frame = arrow_table(
        [(week_label(monday), count) for monday, count in rows], ["week", "sessions"]
    )
    order = tuple(week_label(monday) for monday, _ in rows)
    return Chart(_sessions_per_week_template(order), {ROWS: frame})


@lru_cache(maxsize=1)
def _self_efficacy_template() -> dict[str, Any]:
    return (
        alt.Chart(_named(), height=120)
        .mark_bar(color="#2f6f9f", clip=True)
        .encode(
            y=alt.Y("moment:N", sort=["at start", "at close"], title=None),
            x=alt.X("score:Q", scale=alt.Scale(domain=[1, 5]), title="mean score (1–5)"),
            tooltip=["moment:N", alt.Tooltip("score:Q", format=".2f")],
        )
        .to_dict()
    )


def self_efficacy_chart(start_mean: float, close_mean: float) -> Chart:
    """Two bars: mean leadership self-efficacy at match start and at close (scale 1–5)."""
    frame = arrow_table([("at start", start_mean), ("at close", close_mean)], ["moment", "score"])
    return Chart(_self_efficacy_template(), {ROWS: frame})
