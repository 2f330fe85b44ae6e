"""Altair chart builders shared by the screens (data in, chart out; no queries here)."""

from __future__ import annotations

from collections.abc import Mapping
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
