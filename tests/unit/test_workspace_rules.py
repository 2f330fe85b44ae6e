"""Pure match-workspace rules: milestone due dates, overdue, at-risk silence, feedback reveal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.commitment import project_end
from core.models import Project
from core.workspace import (
    AT_RISK_DAYS,
    FEEDBACK_REVEAL_DAYS,
    at_risk_since,
    feedback_reveal_at,
    is_at_risk,
    is_feedback_revealed,
    is_overdue,
    milestone_due,
)
from core.workspace.models import MilestoneStatus

MONDAY = date(2026, 11, 30)


def _project(start: date = MONDAY, weeks: int = 4) -> Project:
    return Project(start_date=start, duration_weeks=weeks, end_date=project_end(start, weeks))


@pytest.mark.parametrize(
    ("due_week", "due"),
    [
        (1, date(2026, 12, 6)),  # the last day of the first week (start + 6 days)
        (2, date(2026, 12, 13)),
        (4, date(2026, 12, 27)),  # the last week ends on the project's last day
        (5, date(2026, 12, 27)),  # beyond the duration: clipped to the end date
        (0, MONDAY),  # never before the start
    ],
)
def test_milestone_due_is_the_end_of_its_week_within_the_project(due_week, due):
    assert milestone_due(_project(), due_week) == due


def test_milestone_due_counts_from_a_mid_week_start():
    wednesday = date(2027, 1, 6)
    project = _project(start=wednesday, weeks=2)
    assert milestone_due(project, 1) == date(2027, 1, 12)
    assert milestone_due(project, 2) == project.end_date == date(2027, 1, 19)


@pytest.mark.parametrize(
    ("status", "due_offset", "overdue"),
    [
        (MilestoneStatus.TODO, -1, True),
        (MilestoneStatus.DONE, -1, True),  # done but not yet verified still counts
        (MilestoneStatus.VERIFIED, -1, False),
        (MilestoneStatus.TODO, 0, False),  # due today is not late yet
        (MilestoneStatus.TODO, 3, False),
    ],
)
def test_overdue_means_past_due_and_not_verified(status, due_offset, overdue):
    today = date(2026, 12, 10)
    assert is_overdue(status, today + timedelta(days=due_offset), today) is overdue


def test_silence_counts_from_the_latest_sign_of_life():
    start, approved = date(2026, 12, 1), date(2026, 11, 20)
    assert at_risk_since(start, approved, None) == start  # approved before the start
    assert at_risk_since(start, date(2026, 12, 5), None) == date(2026, 12, 5)
    assert at_risk_since(start, approved, date(2026, 12, 20)) == date(2026, 12, 20)


@pytest.mark.parametrize(("days_quiet", "at_risk"), [(20, False), (21, True), (40, True)])
def test_at_risk_after_21_quiet_days(days_quiet, at_risk):
    since = date(2026, 12, 1)
    assert AT_RISK_DAYS == 21
    assert is_at_risk(since, since + timedelta(days=days_quiet)) is at_risk


ENDED = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mine", "theirs", "ended_at", "now", "revealed"),
    [
        (True, True, ENDED, ENDED, True),  # both gave it: shown at once
        (True, False, ENDED, ENDED, False),  # theirs is missing: nothing to show yet
        (False, True, ENDED, ENDED + timedelta(days=13, hours=23), False),  # still blind
        (False, True, ENDED, ENDED + timedelta(days=14), True),  # 14 days passed
        (True, True, None, ENDED, False),  # a running match has no feedback to reveal
    ],
)
def test_feedback_reveal_rule(mine, theirs, ended_at, now, revealed):
    assert (
        is_feedback_revealed(mine_given=mine, theirs_given=theirs, ended_at=ended_at, now=now)
        is revealed
    )


def test_feedback_reveal_time_is_14_days_after_the_end():
    assert FEEDBACK_REVEAL_DAYS == 14
    assert feedback_reveal_at(ENDED) == datetime(2026, 12, 15, 15, 30, tzinfo=UTC)
