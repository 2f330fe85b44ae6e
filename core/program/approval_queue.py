"""The approval queue with each student's weekly load, and approving many items at once."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col

from core.applications.faculty import approve
from core.applications.reads import QueueItem, approval_queue_entries
from core.commitment import Commitment, occupied_weeks, weekly_load
from core.models import (
    LIVE_PROJECT_STATUSES,
    ApplicationStatus,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform.db import run_in_transaction
from core.platform.errors import DomainError
from core.platform.permissions import ensure_role

log = logging.getLogger(__name__)

S = ApplicationStatus
P = ProjectStatus

OVERDUE_DAYS = 3  # the queue highlights items waiting longer than this


def _ensure_faculty(actor: User, action: str) -> None:
    ensure_role(actor, (Role.FACULTY, Role.ADMIN), action=action, entity="program")


@dataclass(frozen=True)
class WeekLoad:
    """One ISO week of someone's load: hours already committed, this project's, the limit."""

    week: date
    committed: float
    adding: float
    limit: float

    @property
    def total(self) -> float:
        return self.committed + self.adding

    @property
    def over(self) -> bool:
        return self.total > self.limit + 1e-9


@dataclass(frozen=True)
class QueueRow:
    """A queue item with what a faculty member needs to decide: statement and both loads."""

    item: QueueItem
    statement: str
    blind: bool
    mentor_budget: float
    student_weeks: tuple[WeekLoad, ...]
    mentor_weeks: tuple[WeekLoad, ...]

    @property
    def overdue(self) -> bool:
        return self.item.age_days > OVERDUE_DAYS

    @property
    def student_peak(self) -> WeekLoad:
        return max(self.student_weeks, key=lambda w: (w.total, -w.week.toordinal()))

    @property
    def mentor_peak(self) -> WeekLoad:
        return max(self.mentor_weeks, key=lambda w: (w.total, -w.week.toordinal()))


def queue_with_loads(
    session: Session, *, actor: User, limit: int = 20, offset: int = 0
) -> list[QueueRow]:
    """Return the actor's approval queue, oldest first, with statements and weekly loads.

    Three statements whatever the page length: the queue with its statements, the students'
    approved matches, and the mentors' live projects.
    """
    entries = approval_queue_entries(session, actor=actor, limit=limit, offset=offset)
    if not entries:
        return []
    owners = {entry.mentor_id for entry in entries}
    first = min(entry.start_date for entry in entries)
    last = max(entry.end_date for entry in entries)
    mentor_projects: dict[int, list[Commitment]] = defaultdict(list)
    # SQLite would find the mentors' projects by walking (status, start_date) through every
    # live project that starts before the page's last week (tens of thousands at scale: 35 ms)
    # whenever that index has no ANALYZE figures (never analyzed, or analyzed before 0013),
    # rather than probe the owner index for the page's few mentors. `|| ''` keeps it off the
    # status column; PostgreSQL picks the owner index from its statistics.
    status: Any = col(Project.status)
    if session.get_bind().dialect.name == "sqlite":
        status = status.op("||")("")
    for owner_id, start, end, hours in session.execute(
        sa.select(
            col(Project.owner_id),
            col(Project.start_date),
            col(Project.end_date),
            col(Project.mentor_hours),
        ).where(
            col(Project.owner_id).in_(owners),
            status.in_(LIVE_PROJECT_STATUSES),
            col(Project.end_date) >= first,
            col(Project.start_date) <= last,
        )
    ):
        mentor_projects[owner_id].append(Commitment(start, end, hours))
    rows = []
    for entry in entries:
        item = entry.item
        weeks = occupied_weeks(entry.start_date, entry.end_date)
        committed = weekly_load(c for pid, c in entry.student_matches if pid != item.project_id)
        mentor_load = weekly_load(mentor_projects.get(entry.mentor_id, []))
        budget = entry.mentor_weekly_hours
        rows.append(
            QueueRow(
                item=item,
                statement=entry.statement,
                blind=entry.blind,
                mentor_budget=budget,
                student_weeks=tuple(
                    WeekLoad(w, committed.get(w, 0.0), item.hours_needed, item.weekly_hours)
                    for w in weeks
                ),
                mentor_weeks=tuple(
                    WeekLoad(w, mentor_load.get(w, 0.0), 0.0, budget) for w in weeks
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a bulk action."""

    application_id: int
    ok: bool
    message: str


def _approve_one(session: Session, *, actor: User, number: int) -> None:
    approve(session, actor=actor, application_id=number)


def approve_each(
    engine: Engine, *, actor: User, application_ids: Sequence[int]
) -> list[ItemResult]:
    """Approve each application in its own transaction; no failure ever stops the others."""
    results = []
    for application_id in dict.fromkeys(application_ids):
        try:
            run_in_transaction(engine, partial(_approve_one, actor=actor, number=application_id))
        except DomainError as error:
            results.append(ItemResult(application_id, False, error.message))
        except Exception:
            # A bug or an outage on one item: say so for that item, keep approving the rest,
            # and leave the details in the server log under an id the person can quote.
            error_id = uuid.uuid4().hex[:8]
            log.exception("bulk approval of application %s failed [%s]", application_id, error_id)
            results.append(
                ItemResult(
                    application_id,
                    False,
                    f"Not approved: an unexpected error (reference {error_id}). "
                    "Nothing was changed for this application; please try it again.",
                )
            )
        else:
            results.append(ItemResult(application_id, True, "Approved."))
    return results
