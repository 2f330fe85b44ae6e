"""The mentor's moves: accept, waitlist, decline."""

from __future__ import annotations

from sqlmodel import Session

from core.applications.common import (
    _ensure_move,
    _get_application,
    _get_project,
    _move,
    _optional_text,
    _take_seat,
    _tell,
)
from core.applications.guards import _ensure_owner
from core.applications.loads import _check_hours
from core.applications.rules import Actor, seats_full_refusal
from core.models import Application, ApplicationStatus, Project, User
from core.platform.errors import CapacityExceeded
from core.platform.locks import lock_application, lock_project, lock_user
from core.platform.types import utcnow

S = ApplicationStatus


def _mentor_start(
    session: Session, actor: User, application_id: int, action: str
) -> tuple[Application, Project]:
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_owner(actor, project, action=action, entity_id=application_id)
    return application, project


def accept(session: Session, *, actor: User, application_id: int) -> Application:
    """Accept a submitted or waitlisted application into a free seat."""
    action = "application.accept"
    application, project = _mentor_start(session, actor, application_id, action)
    _ensure_move(application, S.ACCEPTED, Actor.MENTOR)
    if project.filled >= project.seats:
        raise CapacityExceeded(seats_full_refusal(project, application.status))
    project = lock_project(session, project.id or 0)
    student = lock_user(session, application.student_id)
    application = lock_application(session, application_id)
    _ensure_move(application, S.ACCEPTED, Actor.MENTOR)
    _check_hours(session, student, project)
    _take_seat(session, project, application.status)
    application.accepted_at = utcnow()
    _move(session, application, S.ACCEPTED, actor=actor, action="accept")
    _tell(
        session,
        application,
        [application.student_id],
        "accepted",
        f"Your application to “{project.title}” was accepted by the mentor; "
        "a faculty member will now review the match.",
    )
    return application


def waitlist(session: Session, *, actor: User, application_id: int) -> Application:
    """Put a submitted application on the project's waitlist."""
    action = "application.waitlist"
    application, project = _mentor_start(session, actor, application_id, action)
    _ensure_move(application, S.WAITLISTED, Actor.MENTOR)
    # The project first: a cascade holding it reads a waitlist that cannot grow under it.
    project = lock_project(session, project.id or 0)
    application = lock_application(session, application_id)
    _ensure_move(application, S.WAITLISTED, Actor.MENTOR)
    _move(session, application, S.WAITLISTED, actor=actor, action="waitlist")
    _tell(
        session,
        application,
        [application.student_id],
        "waitlisted",
        f"Your application to “{project.title}” is on the waitlist; "
        "you move up automatically when a seat frees.",
    )
    return application


def decline(
    session: Session, *, actor: User, application_id: int, note: str | None = None
) -> Application:
    """Decline a submitted application, with an optional note to the student."""
    action = "application.decline"
    application, project = _mentor_start(session, actor, application_id, action)
    text = _optional_text(note, "note")
    _ensure_move(application, S.DECLINED, Actor.MENTOR)
    application = lock_application(session, application_id)
    _ensure_move(application, S.DECLINED, Actor.MENTOR)
    application.mentor_note = text
    _move(session, application, S.DECLINED, actor=actor, action="decline", reason=text)
    message = f"Your application to “{project.title}” was declined."
    _tell(
        session,
        application,
        [application.student_id],
        "declined",
        f"{message} {text}" if text else message,
    )
    return application
