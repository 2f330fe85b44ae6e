"""Loading a match under its lock and checking who may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from core.models import MATCH_STATUSES, Application, Project, User
from core.models import ApplicationStatus as S
from core.platform.errors import InvalidTransition, NotFound
from core.platform.locks import lock_application
from core.platform.permissions import deny, ensure_active
from core.platform.text import clean_text


@dataclass(frozen=True)
class _Match:
    application: Application
    project: Project

    @property
    def id(self) -> int:
        return self.application.id or 0

    @property
    def student_id(self) -> int:
        return self.application.student_id

    @property
    def mentor_id(self) -> int:
        return self.project.owner_id

    def other(self, actor: User) -> int:
        return self.mentor_id if actor.id == self.student_id else self.student_id


def _match(
    session: Session, actor: User, application_id: int, *, action: str, lock: bool = False
) -> _Match:
    """Load a match the actor is a party of, or refuse (audited)."""
    ensure_active(actor, action=action, entity="match", entity_id=application_id)
    application: Application | None
    if lock:
        try:
            application = lock_application(session, application_id)
        except NotFound:
            application = None
    else:
        application = session.get(Application, application_id)
    if application is None:
        raise NotFound("That match does not exist.")
    project = session.get(Project, application.project_id)
    if project is None:
        raise NotFound("That project does not exist.")
    return _match_from(actor, application, project, action=action)


def _ensure_student(actor: User, match: _Match, *, action: str, what: str) -> None:
    if actor.id != match.student_id:
        raise deny(
            actor,
            f"Only the student of this match may {what}.",
            action=action,
            entity="match",
            entity_id=match.id,
        )


def _ensure_mentor(actor: User, match: _Match, *, action: str, what: str) -> None:
    if actor.id != match.mentor_id:
        raise deny(
            actor,
            f"Only the mentor of this match may {what}.",
            action=action,
            entity="match",
            entity_id=match.id,
        )


def _ensure_open(match: _Match, what: str) -> None:
    if match.application.status is not S.APPROVED:
        raise InvalidTransition(
            f"This match is {match.application.status.value.replace('_', ' ')}; "
            f"{what} only while it is running."
        )


def _row_or_404(session: Session, model: Any, row_id: int, what: str, *, lock: bool) -> Any:
    statement = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if lock:
        statement = statement.with_for_update(key_share=True)
    found = session.exec(statement).first()
    if found is None:
        raise NotFound(f"That {what} does not exist.")
    return found


def _text(value: str | None, field: str, maximum: int, *, required: bool = True) -> str:
    return clean_text(
        value, field, max_length=maximum, min_length=1 if required else 0, multiline=True
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _match_from(actor: User, application: Application, project: Project, *, action: str) -> _Match:
    if actor.id not in (application.student_id, project.owner_id):
        raise deny(
            actor,
            "Only the student and the mentor of this match may use its workspace.",
            action=action,
            entity="match",
            entity_id=application.id,
        )
    if application.status not in MATCH_STATUSES:
        raise deny(
            actor,
            "This application is not an approved match, so it has no workspace.",
            action=action,
            entity="match",
            entity_id=application.id,
        )
    return _Match(application, project)
