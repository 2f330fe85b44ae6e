"""Pure time-commitment rules: ISO weeks, project spans, weekly loads and overruns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.commitment import (
    Commitment,
    Overrun,
    describe_mentor_overrun,
    describe_student_overrun,
    first_overrun,
    least_free_hours,
    occupied_weeks,
    project_end,
    week_label,
    week_start,
    weekly_load,
)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 11, 30), date(2026, 11, 30)),  # a Monday is its own week start
        (date(2026, 12, 6), date(2026, 11, 30)),  # Sunday belongs to the week before
        (date(2027, 1, 1), date(2026, 12, 28)),  # New Year's Day in the last week of 2026
        (date(2024, 2, 29), date(2024, 2, 26)),  # leap day
    ],
)
def test_a_week_starts_on_the_monday_on_or_before_the_day(day, monday):
    assert week_start(day) == monday


@pytest.mark.parametrize(
    ("monday", "label"),
    [
        (date(2026, 11, 30), "2026-W49"),
        (date(2026, 12, 28), "2026-W53"),  # 2026 has 53 ISO weeks
        (date(2024, 12, 30), "2025-W01"),  # this Monday of December is week 1 of 2025
        (date(2021, 1, 4), "2021-W01"),
    ],
)
def test_week_labels_follow_the_iso_year_across_year_boundaries(monday, label):
    assert week_label(monday) == label


def test_a_project_ends_one_day_before_its_duration_is_up():
    assert project_end(date(2026, 12, 7), 1) == date(2026, 12, 13)
    assert project_end(date(2026, 12, 7), 4) == date(2027, 1, 3)


def test_a_project_starting_midweek_occupies_the_partial_weeks_at_both_ends():
    start = date(2026, 12, 2)  # a Wednesday
    weeks = occupied_weeks(start, project_end(start, 1))
    assert weeks == [date(2026, 11, 30), date(2026, 12, 7)]


def test_a_project_starting_on_monday_occupies_exactly_its_duration_in_weeks():
    start = date(2026, 11, 30)
    assert len(occupied_weeks(start, project_end(start, 3))) == 3


def test_a_span_across_new_year_lists_every_monday_in_order():
    start = date(2026, 12, 24)  # Thursday
    weeks = Commitment(start, project_end(start, 2), 2.0).weeks
    assert weeks == [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)]
    assert [week_label(w) for w in weeks] == ["2026-W52", "2026-W53", "2027-W01"]


def test_weekly_load_adds_up_overlapping_commitments_per_week():
    a = Commitment(date(2026, 11, 30), date(2026, 12, 13), 2.0)
    b = Commitment(date(2026, 12, 10), date(2026, 12, 20), 1.5)
    load = weekly_load([a, b])
    assert load == {date(2026, 11, 30): 2.0, date(2026, 12, 7): 3.5, date(2026, 12, 14): 1.5}


def test_weekly_load_of_nothing_is_empty():
    assert weekly_load([]) == {}


def test_first_overrun_is_none_when_everything_fits():
    existing = [Commitment(date(2026, 11, 30), date(2026, 12, 27), 2.0)]
    new = Commitment(date(2026, 12, 7), date(2026, 12, 20), 2.0)
    assert first_overrun(existing, new, limit=4.0) is None


def test_first_overrun_names_the_first_week_that_does_not_fit():
    existing = [
        Commitment(date(2026, 12, 14), date(2026, 12, 20), 3.0),
        Commitment(date(2026, 12, 21), date(2026, 12, 27), 3.5),
    ]
    new = Commitment(date(2026, 11, 30), date(2027, 1, 10), 1.5)
    overrun = first_overrun(existing, new, limit=4.0)
    assert overrun == Overrun(week=date(2026, 12, 14), committed=3.0, adding=1.5, limit=4.0)
    assert overrun.total == 4.5
    assert overrun.label == "2026-W51"


def test_a_commitment_alone_larger_than_the_limit_overruns_its_first_week():
    new = Commitment(date(2026, 12, 2), date(2026, 12, 15), 5.0)
    overrun = first_overrun([], new, limit=4.0)
    assert overrun is not None and overrun.week == date(2026, 11, 30)
    assert overrun.committed == 0.0


def test_an_exact_fit_in_floating_point_is_not_an_overrun():
    existing = [Commitment(date(2026, 11, 30), date(2026, 12, 6), 0.1)]
    new = Commitment(date(2026, 11, 30), date(2026, 12, 6), 0.2)
    assert 0.1 + 0.2 > 0.3  # the trap the tolerance avoids
    assert first_overrun(existing, new, limit=0.3) is None


def test_anything_clearly_above_the_limit_is_still_an_overrun():
    existing = [Commitment(date(2026, 11, 30), date(2026, 12, 6), 0.3)]
    new = Commitment(date(2026, 11, 30), date(2026, 12, 6), 0.01)
    assert first_overrun(existing, new, limit=0.3) is not None


def test_weeks_sharing_no_day_but_the_same_iso_week_both_count():
    # One project ends on Wednesday, the next starts on Thursday of the same week.
    existing = [Commitment(date(2026, 11, 23), date(2026, 12, 2), 3.0)]
    new = Commitment(date(2026, 12, 3), date(2026, 12, 16), 2.0)
    overrun = first_overrun(existing, new, limit=4.0)
    assert overrun is not None and overrun.week == date(2026, 11, 30)


def test_least_free_hours_is_the_tightest_week_of_the_span():
    existing = [Commitment(date(2026, 12, 7), date(2026, 12, 13), 5.0)]
    span = Commitment(date(2026, 11, 30), date(2026, 12, 20), 0.0)
    assert least_free_hours(existing, span, limit=8.0) == 3.0


def test_the_mentor_message_names_the_week_and_the_numbers():
    overrun = Overrun(week=date(2026, 12, 14), committed=3.0, adding=1.5, limit=4.0)
    message = describe_mentor_overrun(overrun)
    assert "2026-W51" in message
    assert "14 Dec 2026" in message
    assert "4.5 mentoring hours" in message
    assert "3 already committed + 1.5" in message
    assert "budget of 4" in message


def test_the_student_message_speaks_of_available_hours():
    overrun = Overrun(week=date(2026, 12, 14), committed=6.0, adding=3.0, limit=8.0)
    message = describe_student_overrun(overrun)
    assert "2026-W51" in message and "9 hours" in message and "8 available hours" in message


@pytest.mark.parametrize("duration", range(1, 13))
def test_every_duration_occupies_duration_or_duration_plus_one_weeks(duration):
    for offset in range(7):
        start = date(2026, 11, 30) + timedelta(days=offset)
        weeks = occupied_weeks(start, project_end(start, duration))
        assert len(weeks) == (duration if offset == 0 else duration + 1)
