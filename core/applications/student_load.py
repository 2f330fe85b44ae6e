"""A student's weeks: committed hours (approved matches) and pending ones against availability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.applications.rules import PENDING_STATUSES
from core.commitment import Commitment, weekly_load
from core.models import Application, ApplicationStatus, Project, Role, User
from core.platform.permissions import ensure_role


@dataclass(frozen=True)
class WeekItem:
    """A project that takes (or may take) some of the student's weeks."""

    application_id: int
    project_id: int
    title: str
    status: ApplicationStatus
    hours: float
    start_date: date
    end_date: date

    @property
    def committed(self) -> bool:
        return self.status is ApplicationStatus.APPROVED


@dataclass(frozen=True)
class StudentWeeks:
    """Hours per ISO week (Monday → hours) over the asked weeks."""

    weeks: tuple[date, ...]
    committed: dict[date, float]
    pending: dict[date, float]
    available: float
    items: tuple[WeekItem, ...]

    @property
    def busiest(self) -> date:
        return max(
            self.weeks, key=lambda monday: (self.committed.get(monday, 0.0), -monday.toordinal())
        )

    def free(self, monday: date) -> float:
        return self.available - self.committed.get(monday, 0.0)


def student_weeks(session: Session, *, actor: User, weeks: Sequence[date]) -> StudentWeeks:
    """Return the actor's committed and pending hours in `weeks` (Mondays), in one query."""
    ensure_role(actor, (Role.STUDENT,), action="student.weeks", entity="user", entity_id=actor.id)
    mondays = tuple(weeks)
    first, last = (min(mondays), max(mondays)) if mondays else (date.min, date.min)
    rows = session.execute(
        sa_select(
            col(Application.id),
            col(Project.id),
            col(Project.title),
            col(Application.status),
            col(Project.student_hours),
            col(Project.start_date),
            col(Project.end_date),
        )
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(
            col(Application.student_id) == actor.id,
            col(Application.status).in_((ApplicationStatus.APPROVED, *PENDING_STATUSES)),
            col(Project.end_date) >= first,
            col(Project.start_date) <= date.fromordinal(last.toordinal() + 6),
        )
        .order_by(col(Project.start_date), col(Project.id))
    ).all()
    items = tuple(
        WeekItem(
            application_id=int(aid),
            project_id=int(pid),
            title=str(title),
            status=ApplicationStatus(status),
            hours=float(hours),
            start_date=start,
            end_date=end,
        )
        for aid, pid, title, status, hours, start, end in rows
    )
    wanted = set(mondays)

    def load(chosen: list[WeekItem]) -> dict[date, float]:
        spans = [Commitment(i.start_date, i.end_date, i.hours) for i in chosen]
        return {m: h for m, h in weekly_load(spans).items() if m in wanted}

    return StudentWeeks(
        weeks=mondays,
        committed=load([i for i in items if i.committed]),
        pending=load([i for i in items if not i.committed]),
        available=actor.weekly_hours,
        items=items,
    )
