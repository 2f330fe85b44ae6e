"""What every application move shares: fetching rows, seats, the move itself, notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from core.applications.rules import (
    REASON_MAX,
    Actor,
    can_move,
    seats_full_refusal,
    transition_refusal,
)
from core.models import MATCH_STATUSES, Application, ApplicationStatus, Project, User
from core.platform import audit
from core.platform.errors import CapacityExceeded, InvalidTransition, NotFound
from core.platform.notifications import notify
from core.platform.text import clean_text
from core.platform.types import utcnow

S = ApplicationStatus


def _get_application(session: Session, application_id: int) -> Application:
    found = session.get(Application, application_id)
    if found is None:
        raise NotFound("That application does not exist.")
    return found


def _get_project(session: Session, project_id: int) -> Project:
    found = session.get(Project, project_id)
    if found is None:
        raise NotFound("That project does not exist.")
    return found


def _ensure_move(application: Application, to_status: ApplicationStatus, by: Actor) -> None:
    if not can_move(application.status, to_status, by):
        raise InvalidTransition(transition_refusal(application.status, to_status))


def _take_seat(session: Session, project: Project, status: ApplicationStatus = S.SUBMITTED) -> None:
    """Take one seat with a conditional UPDATE, so concurrent takers cannot oversell."""
    result: Any = session.execute(
        update(Project)
        .where(col(Project.id) == project.id, col(Project.filled) < col(Project.seats))
        .values(filled=col(Project.filled) + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(project, ["filled"])
    if result.rowcount != 1:
        raise CapacityExceeded(seats_full_refusal(project, status))


def _free_seat(session: Session, project: Project) -> None:
    session.execute(
        update(Project)
        .where(col(Project.id) == project.id, col(Project.filled) > 0)
        .values(filled=col(Project.filled) - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(project, ["filled"])


def _move(
    session: Session,
    application: Application,
    to_status: ApplicationStatus,
    *,
    actor: User | None,
    action: str,
    reason: str | None = None,
) -> None:
    """Set the new status and write the move's one audit row."""
    before = application.status
    application.status = to_status
    application.updated_at = utcnow()
    if reason is not None:
        application.reason = reason[:REASON_MAX]
    session.add(application)
    audit.record(
        session,
        actor=actor,
        action=f"application.{action}",
        entity="application",
        entity_id=application.id,
        before={"status": before.value},
        after={"status": to_status.value},
        detail=reason,
    )


def notification_link(application: Application, user_id: int) -> str:
    """Return where a notification about this application takes its reader.

    A match's parties go to its workspace; otherwise the student goes to the application and
    the mentor to the project's applicants.
    """
    if application.status in MATCH_STATUSES:
        return f"match:{application.id}"
    if user_id == application.student_id:
        return f"application:{application.id}"
    return f"applicants:{application.project_id}"


def _tell(
    session: Session,
    about: Application,
    user_ids: Iterable[int],
    kind: str,
    text: str,
    *,
    to_student: str | None = None,
) -> None:
    """Notify each reader; `to_student` is the student's own wording, when it differs."""
    for user_id in dict.fromkeys(user_ids):
        own = to_student if to_student is not None and user_id == about.student_id else None
        notify(
            session,
            user_id=user_id,
            kind=f"application.{kind}",
            text=own or text,
            link=notification_link(about, user_id),
        )


def _name(student: User, status: ApplicationStatus) -> str:
    blind = student.blind_review and status not in MATCH_STATUSES
    return student.pseudonym if blind else student.display_name


def _require_text(value: str | None, field: str, maximum: int = REASON_MAX) -> str:
    return clean_text(value, field, max_length=maximum, multiline=True)


def _optional_text(value: str | None, field: str, maximum: int = REASON_MAX) -> str | None:
    return clean_text(value, field, max_length=maximum, min_length=0, multiline=True) or None
