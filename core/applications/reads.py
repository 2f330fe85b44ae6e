"""What screens read about applications: a student's list and timeline, applicants, the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.applications.common import _get_application, _get_project, _name
from core.applications.guards import in_approval_scope
from core.applications.loads import _span, approved_matches
from core.applications.rules import mentor_moves
from core.commitment import Commitment, least_free_hours
from core.mentors.profiles import About, about_of
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    PersonProfile,
    Project,
    Role,
    User,
)
from core.platform.permissions import deny, ensure_active, ensure_role, is_admin
from core.platform.types import utcnow
from core.projects.tags import project_tags, user_interests

S = ApplicationStatus


@dataclass(frozen=True)
class MyApplication:
    """One row of a student's own applications."""

    id: int
    project_id: int
    project_title: str
    status: ApplicationStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime
    deadline: date
    start_date: date
    end_date: date


@dataclass(frozen=True)
class TimelineEntry:
    """One step in an application's history."""

    at: datetime
    action: str
    before: str | None
    after: str | None
    actor_role: str | None
    detail: str | None


@dataclass(frozen=True)
class Applicant:
    """An applicant as the project's mentor sees them, with their fit for the project."""

    application_id: int
    student_id: int
    name: str
    blind: bool
    status: ApplicationStatus
    statement: str
    screening_answer: str | None
    created_at: datetime
    interests: tuple[str, ...]
    shared_tags: tuple[str, ...]
    least_free_hours: float
    hours_needed: float
    # The moves the mentor can make now (state table, a free seat, the student's hours).
    moves: tuple[ApplicationStatus, ...] = ()
    # What the student wrote about themselves; no links under blind review (they name people).
    about: About = About()

    @property
    def fits(self) -> bool:
        return self.least_free_hours + 1e-9 >= self.hours_needed


@dataclass(frozen=True)
class QueueItem:
    """An accepted application waiting for a faculty decision."""

    application_id: int
    project_id: int
    project_title: str
    department: str
    student_id: int
    student_name: str
    mentor_name: str
    accepted_at: datetime | None
    age_days: int
    hours_needed: float
    least_free_hours: float
    weekly_hours: float

    @property
    def fits(self) -> bool:
        return self.least_free_hours + 1e-9 >= self.hours_needed


def list_my_applications(session: Session, *, actor: User) -> list[MyApplication]:
    """Return the student's own applications, most recently changed first."""
    ensure_role(actor, (Role.STUDENT,), action="application.list", entity="application")
    rows = session.exec(
        select(Application, Project)
        .join(Project, col(Project.id) == Application.project_id)
        .where(Application.student_id == actor.id)
        .order_by(col(Application.updated_at).desc(), col(Application.id).desc())
    ).all()
    return [
        MyApplication(
            id=application.id or 0,
            project_id=project.id or 0,
            project_title=project.title,
            status=application.status,
            reason=application.reason,
            created_at=application.created_at,
            updated_at=application.updated_at,
            deadline=project.deadline,
            start_date=project.start_date,
            end_date=project.end_date,
        )
        for application, project in rows
    ]


def application_timeline(
    session: Session, *, actor: User, application_id: int
) -> list[TimelineEntry]:
    """Return the history of one application, oldest step first."""
    action = "application.timeline"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    ensure_active(actor, action=action, entity="application", entity_id=application_id)
    allowed = (
        actor.id in (application.student_id, project.owner_id)
        or is_admin(actor)
        or in_approval_scope(actor, project)
    )
    if not allowed:
        raise deny(
            actor,
            "You may not see this application.",
            action=action,
            entity="application",
            entity_id=application_id,
        )
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "application",
            AuditEntry.entity_id == application_id,
            AuditEntry.outcome == "ok",
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    ).all()
    return [
        TimelineEntry(
            at=entry.at,
            action=entry.action,
            before=_status_of(entry.before),
            after=_status_of(entry.after),
            actor_role=entry.actor_role or "system",
            detail=entry.detail,
        )
        for entry in entries
    ]


def _status_of(dumped: str | None) -> str | None:
    import json

    if not dumped:
        return None
    value = json.loads(dumped)
    status = value.get("status") if isinstance(value, dict) else None
    return str(status) if status is not None else None


def list_applicants(session: Session, *, actor: User, project_id: int) -> list[Applicant]:
    """Return the applicants of the actor's project with their fit, newest status first."""
    project = _get_project(session, project_id)
    action = "application.list_applicants"
    ensure_active(actor, action=action, entity="project", entity_id=project_id)
    if project.owner_id != actor.id:
        raise deny(
            actor,
            "Only the project's mentor may see its applicants.",
            action=action,
            entity="project",
            entity_id=project_id,
        )
    rows = session.exec(
        select(Application, User, PersonProfile)
        .join(User, col(User.id) == Application.student_id)
        .outerjoin(PersonProfile, col(PersonProfile.user_id) == col(User.id))
        .where(Application.project_id == project_id)
        .order_by(col(Application.created_at), col(Application.id))
    ).all()
    student_ids = [user.id or 0 for _, user, _ in rows]
    interests = user_interests(session, student_ids)
    wanted = set(project_tags(session, [project_id])[project_id])
    loads = approved_matches(session, student_ids)
    span = _span(project)
    seat_free = project.filled < project.seats
    applicants = []
    for application, student, written in rows:
        sid = student.id or 0
        own = interests.get(sid, [])
        # A match on this very project is not a competing commitment.
        existing = [c for pid, c in loads.get(sid, []) if pid != project_id]
        name = _name(student, application.status)
        blind = name != student.display_name
        free = least_free_hours(existing, span, student.weekly_hours)
        applicants.append(
            Applicant(
                application_id=application.id or 0,
                student_id=sid,
                name=name,
                blind=blind,
                status=application.status,
                statement=application.statement,
                screening_answer=application.screening_answer,
                created_at=application.created_at,
                interests=tuple(own),
                shared_tags=tuple(name for name in own if name in wanted),
                least_free_hours=free,
                hours_needed=project.student_hours,
                moves=mentor_moves(
                    application.status,
                    seat_free=seat_free,
                    fits=free + 1e-9 >= project.student_hours,
                ),
                about=about_of(written, with_links=not blind),
            )
        )
    return applicants


@dataclass(frozen=True)
class QueueEntry:
    """A queue item with what the approval screen shows beside it, read along with it."""

    item: QueueItem
    statement: str
    blind: bool
    mentor_id: int
    mentor_weekly_hours: float
    start_date: date
    end_date: date
    # The student's approved matches as (project id, commitment).
    student_matches: tuple[tuple[int, Commitment], ...]


# Built once: an alias made per call costs its columns' proxies and a fresh statement cache
# key every time.
_MENTOR = aliased(User, name="mentor")


def approval_queue(
    session: Session, *, actor: User, limit: int = 50, offset: int = 0
) -> list[QueueItem]:
    """Return accepted applications awaiting the actor's decision, oldest first."""
    entries = approval_queue_entries(session, actor=actor, limit=limit, offset=offset)
    return [entry.item for entry in entries]


def approval_queue_entries(
    session: Session, *, actor: User, limit: int = 50, offset: int = 0
) -> list[QueueEntry]:
    """Return the approval queue (see approval_queue) with each item's statement, dates,
    mentor and the student's approved matches, in two statements."""
    ensure_role(actor, (Role.FACULTY, Role.ADMIN), action="application.queue", entity="application")
    mentor = _MENTOR
    statement = (
        sa_select(Application, Project, User, col(mentor.display_name), col(mentor.weekly_hours))
        .join(Project, col(Project.id) == Application.project_id)
        .join(User, col(User.id) == Application.student_id)
        .join(mentor, col(mentor.id) == Project.owner_id)
        .where(col(Application.status) == S.ACCEPTED)
    )
    if not is_admin(actor):
        statement = statement.where(col(Project.owner_id) != actor.id)
        if not actor.program_wide:
            if actor.department is None:
                return []
            # Walk accepted applications oldest first and stop at `limit`, rather than start at
            # the department's projects (thousands at scale, then a sort). SQLite needs `|| ''`
            # to leave the department index alone; PostgreSQL chooses the walk from its
            # statistics, which the expression would hide from it.
            department: Any = col(Project.department)
            if session.get_bind().dialect.name == "sqlite":
                department = department.op("||")("")
            statement = statement.where(department == actor.department)
    # An accepted application's updated_at is the moment it was accepted (nothing else
    # touches it in that state), and (status, updated_at) is indexed.
    rows = session.execute(
        statement.order_by(col(Application.updated_at), col(Application.id))
        .offset(offset)
        .limit(limit)
    ).all()
    matches = approved_matches(session, [user.id or 0 for _, _, user, _, _ in rows])
    now = utcnow()
    entries = []
    for application, project, student, mentor_name, mentor_hours in rows:
        waiting_since = application.accepted_at or application.updated_at
        held = matches.get(student.id or 0, [])
        item = QueueItem(
            application_id=application.id or 0,
            project_id=project.id or 0,
            project_title=project.title,
            department=project.department,
            student_id=student.id or 0,
            student_name=_name(student, application.status),
            mentor_name=mentor_name,
            accepted_at=application.accepted_at,
            age_days=max(0, (now - waiting_since).days),
            hours_needed=project.student_hours,
            least_free_hours=least_free_hours(
                [commitment for _, commitment in held], _span(project), student.weekly_hours
            ),
            weekly_hours=student.weekly_hours,
        )
        entries.append(
            QueueEntry(
                item=item,
                statement=application.statement,
                blind=bool(student.blind_review),
                mentor_id=project.owner_id,
                mentor_weekly_hours=mentor_hours,
                start_date=project.start_date,
                end_date=project.end_date,
                student_matches=tuple(held),
            )
        )
    return entries
