"""Ending a running match: completed by the mentor, or ended early by either party."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from core.applications.common import (
    _ensure_move,
    _free_seat,
    _get_application,
    _get_project,
    _move,
    _require_text,
    _tell,
)
from core.applications.guards import _ensure_owner
from core.applications.rules import Actor
from core.applications.system import promote_waitlist
from core.models import Application, ApplicationStatus, User
from core.platform.errors import InvalidTransition
from core.platform.locks import lock_application, lock_project, lock_seat_release
from core.platform.permissions import deny, ensure_active

S = ApplicationStatus


def complete_match(
    session: Session, *, actor: User, application_id: int, today: date | None = None
) -> Application:
    """Mark an approved match completed, on or after the project's end date."""
    action = "application.complete"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_owner(actor, project, action=action, entity_id=application_id)
    _ensure_move(application, S.COMPLETED, Actor.MENTOR)
    today = today or date.today()
    if today < project.end_date:
        raise InvalidTransition(
            f"The project ends on {project.end_date:%d %b %Y}; "
            "the match can be completed from then on."
        )
    project = lock_project(session, application.project_id)
    application = lock_application(session, application_id)
    _ensure_move(application, S.COMPLETED, Actor.MENTOR)
    _move(session, application, S.COMPLETED, actor=actor, action="complete")
    _free_seat(session, project)
    _tell(
        session,
        application,
        [application.student_id],
        "completed",
        f"Your match on “{project.title}” is complete. Please leave your feedback.",
    )
    return application


def end_early(session: Session, *, actor: User, application_id: int, reason: str) -> Application:
    """End an approved match early, by the student or the mentor, with a reason."""
    action = "application.end_early"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    ensure_active(actor, action=action, entity="application", entity_id=application_id)
    if actor.id not in (application.student_id, project.owner_id):
        raise deny(
            actor,
            "Only the student or the mentor of this match may end it.",
            action=action,
            entity="application",
            entity_id=application_id,
        )
    text = _require_text(reason, "reason")
    by = Actor.STUDENT if actor.id == application.student_id else Actor.MENTOR
    _ensure_move(application, S.ENDED_EARLY, by)
    held = lock_seat_release(
        session, project_ids=[application.project_id], application_ids=[application_id]
    )
    project = held.projects[application.project_id]
    application = held.applications[application_id]
    _ensure_move(application, S.ENDED_EARLY, by)
    _move(session, application, S.ENDED_EARLY, actor=actor, action="end_early", reason=text)
    other = project.owner_id if by is Actor.STUDENT else application.student_id
    _tell(
        session,
        application,
        [other],
        "ended_early",
        f"The match on “{project.title}” was ended early: {text}",
    )
    _free_seat(session, project)
    session.flush()
    promote_waitlist(session, project=project)
    return application
