"""Time commitment as pure functions: ISO weeks, weekly loads, and fit checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from core.platform.wording import day, hours


def week_start(when: date) -> date:
    """Return the Monday of the ISO week holding `when`."""
    return when - timedelta(days=when.weekday())


def week_label(monday: date) -> str:
    """Return the ISO name of a week, e.g. `2026-W49`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_name(monday: date) -> str:
    """Return a week's ISO name and its Monday, e.g. `2026-W49 (30 Nov)`."""
    return f"{week_label(monday)} ({monday:%d %b})"


def project_end(start: date, duration_weeks: int) -> date:
    """Return the last day of a project: start + duration − 1 day."""
    return start + timedelta(days=7 * duration_weeks - 1)


def occupied_weeks(start: date, end: date) -> list[date]:
    """Return the Mondays of every ISO week from `start` through `end`."""
    weeks, monday = [], week_start(start)
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Commitment:
    """Hours per week over a span of days (one project, from one person's side)."""

    start: date
    end: date
    hours: float

    @property
    def weeks(self) -> list[date]:
        return occupied_weeks(self.start, self.end)


@dataclass(frozen=True)
class Overrun:
    """The first week where adding a commitment would exceed the weekly limit."""

    week: date
    committed: float
    adding: float
    limit: float

    @property
    def total(self) -> float:
        return self.committed + self.adding

    @property
    def label(self) -> str:
        return week_label(self.week)


def weekly_load(commitments: Iterable[Commitment]) -> dict[date, float]:
    """Sum the hours of every commitment per ISO week (Monday → hours)."""
    load: dict[date, float] = defaultdict(float)
    for commitment in commitments:
        for monday in commitment.weeks:
            load[monday] += commitment.hours
    return dict(load)


def first_overrun(existing: Iterable[Commitment], new: Commitment, limit: float) -> Overrun | None:
    """Return the first week where existing load + the new commitment exceeds `limit`."""
    load = weekly_load(existing)
    for monday in new.weeks:
        committed = load.get(monday, 0.0)
        # A small tolerance keeps 0.1 + 0.2 style sums from refusing an exact fit.
        if committed + new.hours > limit + 1e-9:
            return Overrun(week=monday, committed=committed, adding=new.hours, limit=limit)
    return None


def least_free_hours(existing: Iterable[Commitment], span: Commitment, limit: float) -> float:
    """Return the fewest free hours in any week of `span` (limit − committed load)."""
    load = weekly_load(existing)
    return min(limit - load.get(monday, 0.0) for monday in span.weeks)


def describe_mentor_overrun(overrun: Overrun) -> str:
    """Explain a refused publish or edit to the mentor."""
    return (
        f"Week {overrun.label} (starting {day(overrun.week)}) would need "
        f"{hours(overrun.total)} mentoring hours: {hours(overrun.committed)} already committed "
        f"+ {hours(overrun.adding)} for this project, over your weekly budget of "
        f"{hours(overrun.limit)}."
    )


def describe_student_overrun(overrun: Overrun) -> str:
    """Explain a refused application, acceptance or approval in terms of the student's hours."""
    return (
        f"Week {overrun.label} (starting {day(overrun.week)}) would need "
        f"{hours(overrun.total)} hours: {hours(overrun.committed)} already committed "
        f"+ {hours(overrun.adding)} for this project, over the student's "
        f"{hours(overrun.limit)} available hours per week."
    )
