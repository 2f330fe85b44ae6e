"""Moves nobody makes by hand: waitlist promotion and the expiry of stale applications."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, exists, or_
from sqlmodel import Session, col, select

from core.applications.common import _move, _name, _take_seat, _tell
from core.applications.loads import _fits, approved_commitments
from core.applications.rules import EXPIRY_DAYS, UNDECIDED_STATUSES
from core.models import (
    LIVE_PROJECT_STATUSES,
    Application,
    ApplicationStatus,
    Project,
    ProjectStatus,
)
from core.platform.db import read_session, write_transaction
from core.platform.locks import lock_application, lock_user
from core.platform.throttle import is_due
from core.platform.types import utcnow

S = ApplicationStatus


def promote_waitlist(
    session: Session, *, project: Project, today: date | None = None
) -> Application | None:
    """Promote the earliest waitlisted application that still fits into a free seat.

    The caller holds the project's row lock; each candidate's student row is locked before
    their hours are checked.
    """
    session.refresh(project, ["filled", "seats", "status"])
    today = today or date.today()
    if (
        project.filled >= project.seats
        or project.status not in LIVE_PROJECT_STATUSES
        or today > project.end_date
    ):
        return None
    candidates = session.exec(
        select(Application.id, Application.student_id)
        .where(Application.project_id == project.id, Application.status == S.WAITLISTED)
        .order_by(col(Application.created_at), col(Application.id))
    ).all()
    for application_id, student_id in candidates:
        assert application_id is not None
        student = lock_user(session, student_id)
        committed = approved_commitments(session, [student_id])[student_id]
        if not _fits(committed, project, student.weekly_hours):
            continue
        application = lock_application(session, application_id)
        if application.status is not S.WAITLISTED:
            continue
        _take_seat(session, project)
        application.accepted_at = utcnow()
        _move(
            session,
            application,
            S.ACCEPTED,
            actor=None,
            action="promote",
            reason="a seat became free",
        )
        _tell(
            session,
            application,
            [student_id, project.owner_id],
            "promoted",
            f"A seat became free on “{project.title}”: the application of "
            f"{_name(student, S.ACCEPTED)} moved from the waitlist to accepted.",
            to_student=f"A seat became free on “{project.title}”: your application moved from "
            "the waitlist to accepted. A faculty member will now review the match.",
        )
        session.flush()
        return application
    return None


def _due_condition(today: date) -> Any:
    cutoff = today - timedelta(days=EXPIRY_DAYS)
    return or_(col(Project.status) != ProjectStatus.OPEN, col(Project.deadline) <= cutoff)


def expire_stale(session: Session, *, today: date | None = None) -> int:
    """Expire undecided applications 14 days after the deadline or once the project closed."""
    today = today or date.today()
    rows = session.exec(
        select(Application, Project.title, Project.status)
        .join(Project, col(Project.id) == Application.project_id)
        .where(col(Application.status).in_(UNDECIDED_STATUSES), _due_condition(today))
        .order_by(col(Application.id))
        .with_for_update(of=Application)
    ).all()
    for application, title, project_status in rows:
        if ProjectStatus(project_status) is ProjectStatus.OPEN:
            reason = f"no decision within {EXPIRY_DAYS} days of the deadline"
        else:
            reason = f"the project is {ProjectStatus(project_status).value.replace('_', ' ')}"
        _move(session, application, S.EXPIRED, actor=None, action="expire", reason=reason)
        _tell(
            session,
            application,
            [application.student_id],
            "expired",
            f"Your application to “{title}” expired: {reason}.",
        )
    session.flush()
    return len(rows)


def expire_due_exists(session: Session, *, today: date | None = None) -> bool:
    """Tell cheaply whether any application is due to expire."""
    today = today or date.today()
    statement = select(
        exists().where(
            col(Application.project_id) == col(Project.id),
            col(Application.status).in_(UNDECIDED_STATUSES),
            _due_condition(today),
        )
    )
    return bool(session.exec(statement).one())


def expire_if_due(
    engine: Engine, *, today: date | None = None, min_interval_seconds: float = 300.0
) -> int:
    """Expire stale applications when some are due; check at most every few minutes."""
    if not is_due("expire", engine, min_interval_seconds=min_interval_seconds):
        return 0
    with read_session(engine) as session:
        if not expire_due_exists(session, today=today):
            return 0
    with write_transaction(engine) as session:
        return expire_stale(session, today=today)
