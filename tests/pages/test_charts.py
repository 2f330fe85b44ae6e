"""Chart specs: written once per shape with Altair, filled with each rerun's rows."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pytest

from pages.components import charts

MONDAY = date(2026, 11, 30)
WEEKS = [MONDAY + timedelta(weeks=i) for i in range(4)]


def load_chart(hours: float, weeks: list[date] = WEEKS) -> charts.Chart:
    return charts.load_vs_limit_chart(
        {monday: hours for monday in weeks},
        weeks=weeks,
        limit=6.0,
        limit_label="your available hours",
        adding={weeks[0]: 2.0},
    )


BUILDERS = {
    "load": lambda: load_chart(3.0),
    "funnel": lambda: charts.funnel_chart([("applied", 40), ("accepted", 12), ("approved", 9)]),
    "approval ages": lambda: charts.approval_age_chart([("0-2", 5, 1), ("3-7", 2, 4)]),
    "demand": lambda: charts.demand_supply_chart([("python", 30, 12), ("design", 8, 10)]),
    "mentor hours": lambda: charts.mentor_hours_chart([("Physics", 40.0, 20.0, 12.5)]),
    "sessions": lambda: charts.sessions_per_week_chart([(MONDAY, 3), (WEEKS[1], 5)]),
    "self-efficacy": lambda: charts.self_efficacy_chart(2.8, 3.6),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_every_chart_is_valid_vega_lite_with_its_rows_inlined(name):
    spec = BUILDERS[name]().spec()
    inlined = {key: frame.to_pylist() for key, frame in spec["datasets"].items()}
    # Altair validates against the Vega-Lite schema when it reads a spec back.
    reader = alt.LayerChart if "layer" in spec else alt.Chart
    reader.from_dict({**spec, "datasets": inlined}, validate=True)
    assert all(inlined.values()), "every dataset the spec names holds rows"


def test_a_spec_carries_this_reruns_rows():
    spec = load_chart(3.5).spec()
    rows = spec["datasets"][charts.ROWS]
    assert rows.column("hours").to_pylist() == [3.5, 2.0, 3.5, 0.0, 3.5, 0.0, 3.5, 0.0]
    assert spec["datasets"]["limit"].to_pylist() == [
        {"limit": 6.0, "label": "your available hours"}
    ]


def test_the_same_shape_reuses_its_spec_and_new_weeks_make_a_new_one():
    first, second = load_chart(1.0), load_chart(4.0)
    assert first.template is second.template
    later = load_chart(1.0, [monday + timedelta(weeks=1) for monday in WEEKS])
    assert later.template is not first.template
    assert later.template["layer"][0]["encoding"]["x"]["sort"][0] == "2026-W50"


def test_drawing_cannot_change_the_kept_spec():
    chart = load_chart(2.0)
    spec = chart.spec()
    spec["layer"][0]["encoding"]["x"]["sort"].clear()
    del spec["datasets"]
    assert chart.template["layer"][0]["encoding"]["x"]["sort"]
    assert "datasets" in chart.spec()
