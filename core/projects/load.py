"""A mentor's weekly load from live projects, and the budget check against availability."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from core.commitment import Commitment, Overrun, first_overrun, week_start, weekly_load
from core.models import LIVE_PROJECT_STATUSES, Project, User


def _live_commitments(
    session: Session,
    mentor_id: int,
    *,
    exclude_project_id: int | None = None,
    first_week: date | None = None,
    last_day: date | None = None,
) -> list[Commitment]:
    statement = select(
        col(Project.start_date), col(Project.end_date), col(Project.mentor_hours)
    ).where(Project.owner_id == mentor_id, col(Project.status).in_(LIVE_PROJECT_STATUSES))
    if exclude_project_id is not None:
        statement = statement.where(Project.id != exclude_project_id)
    if first_week is not None:
        statement = statement.where(Project.end_date >= first_week)
    if last_day is not None:
        statement = statement.where(Project.start_date <= last_day)
    return [Commitment(start, end, hours) for start, end, hours in session.exec(statement)]


def mentor_weekly_load(
    session: Session,
    *,
    mentor_id: int,
    weeks: list[date] | None = None,
    extra: Commitment | None = None,
    exclude_project_id: int | None = None,
) -> dict[date, float]:
    """Return a mentor's hours per ISO week (Monday → hours) from live projects, plus `extra`.

    With `weeks`, every one of those weeks is returned (0 when free); otherwise every week
    that holds any load. `exclude_project_id` leaves out a project being edited.
    """
    mondays = sorted({week_start(day) for day in weeks}) if weeks else []
    commitments = _live_commitments(
        session,
        mentor_id,
        exclude_project_id=exclude_project_id,
        first_week=mondays[0] if mondays else None,
        last_day=mondays[-1] + timedelta(days=6) if mondays else None,
    )
    if extra is not None:
        commitments.append(extra)
    load = weekly_load(commitments)
    if weeks is not None:
        return {monday: load.get(monday, 0.0) for monday in mondays}
    return dict(sorted(load.items()))


def check_mentor_budget(
    session: Session,
    *,
    mentor: User,
    project_commitment: Commitment,
    exclude_project_id: int | None = None,
) -> Overrun | None:
    """Return the first week a new commitment would push the mentor over budget, or None."""
    assert mentor.id is not None
    first_week = week_start(project_commitment.start)
    last_day = week_start(project_commitment.end) + timedelta(days=6)
    existing = _live_commitments(
        session,
        mentor.id,
        exclude_project_id=exclude_project_id,
        first_week=first_week,
        last_day=last_day,
    )
    return first_overrun(existing, project_commitment, mentor.weekly_hours)
