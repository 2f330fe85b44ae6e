"""A mentor's weekly load from live projects, and the budget check against availability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from core.commitment import (
    Commitment,
    Overrun,
    first_overrun,
    occupied_weeks,
    project_end,
    week_start,
    weekly_load,
)
from core.models import LIVE_PROJECT_STATUSES, Project, User
from core.platform.errors import NotFound
from core.platform.permissions import ensure_role
from core.projects.guards import ENTITY, MENTOR_ROLES, _ensure_manages


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


# Weeks shown either side of a project's own weeks in the budget preview.
PREVIEW_MARGIN_WEEKS = 2


@dataclass(frozen=True)
class BudgetPreview:
    """A mentor's weekly load with one project's hours and dates, against their weekly budget."""

    weeks: list[date]  # Mondays: the project's weeks and a margin either side
    committed: dict[date, float]  # hours per week from the mentor's other live projects
    adding: dict[date, float]  # this project's hours in each of its weeks
    budget: float  # the mentor's weekly budget
    overrun: Overrun | None  # the first week publishing or saving would be refused for

    @property
    def peak(self) -> float:
        """Return the busiest of the project's weeks, with the project counted."""
        return max((self.committed.get(w, 0.0) + h for w, h in self.adding.items()), default=0.0)


def budget_preview(
    session: Session,
    *,
    actor: User,
    start: date,
    duration_weeks: int,
    mentor_hours: float,
    project_id: int | None = None,
) -> BudgetPreview:
    """Return the load-vs-budget preview of a new draft or of an edit to `project_id`.

    The load is the project's mentor's (the actor's, for a new draft): an administrator editing
    someone's project sees that mentor's budget, as the check on publishing and saving uses.
    """
    action = "project.preview"
    if project_id is None:
        ensure_role(actor, MENTOR_ROLES, action=action, entity=ENTITY)
        mentor: User | None = actor
    else:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("That project does not exist.")
        _ensure_manages(actor, project, action)
        mentor = session.get(User, project.owner_id)
    assert mentor is not None and mentor.id is not None
    commitment = Commitment(start, project_end(start, duration_weeks), mentor_hours)
    margin = timedelta(weeks=PREVIEW_MARGIN_WEEKS)
    weeks = occupied_weeks(commitment.start - margin, commitment.end + margin)
    others = mentor_weekly_load(
        session, mentor_id=mentor.id, weeks=weeks, exclude_project_id=project_id
    )
    return BudgetPreview(
        weeks=weeks,
        committed=others,
        adding={monday: mentor_hours for monday in commitment.weeks},
        budget=mentor.weekly_hours,
        overrun=check_mentor_budget(
            session, mentor=mentor, project_commitment=commitment, exclude_project_id=project_id
        ),
    )
