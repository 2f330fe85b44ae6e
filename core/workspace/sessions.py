"""Logged sessions: log, confirm, edit, delete."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from core.models import Project, User
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound, ValidationFailed
from core.platform.notifications import notify
from core.platform.permissions import deny
from core.platform.text import field_problem, normalise_text
from core.platform.types import utcnow
from core.workspace.guards import _ensure_open, _is_int, _Match, _match, _row_or_404
from core.workspace.models import (
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    SUMMARY_MAX,
    MatchSession,
)
from core.workspace.rules import last_session_day, match_link


def _session_problems(
    project: Project, held_on: object, minutes: object, summary: str | None, today: date
) -> tuple[dict[str, str], str]:
    problems: dict[str, str] = {}
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        problems["held_on"] = "must be a date"
    elif held_on > last_session_day(today):
        problems["held_on"] = "cannot be later than tomorrow"
    elif held_on < project.start_date:
        problems["held_on"] = f"cannot be before the project starts ({project.start_date:%d %b %Y})"
    if not _is_int(minutes) or not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX:  # type: ignore[operator]
        problems["minutes"] = (
            f"must be a whole number from {SESSION_MINUTES_MIN} to {SESSION_MINUTES_MAX}"
        )
    problem = field_problem(summary, max_length=SUMMARY_MAX, multiline=True)
    if problem:
        problems["summary"] = problem
    return problems, normalise_text(summary if isinstance(summary, str) else "", multiline=True)


def _session_state(row: MatchSession) -> dict[str, Any]:
    return {
        "held_on": row.held_on.isoformat(),
        "minutes": row.minutes,
        "confirmed": row.confirmed_at is not None,
    }


def log_session(
    session: Session,
    *,
    actor: User,
    application_id: int,
    held_on: date,
    minutes: int,
    summary: str,
    today: date | None = None,
) -> MatchSession:
    """Log a mentoring session; either party may, while the match runs."""
    action = "match_session.log"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_open(match, "sessions can be logged")
    problems, text = _session_problems(
        match.project, held_on, minutes, summary, today or date.today()
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    row = MatchSession(
        application_id=match.id,
        author_id=actor.id or 0,
        held_on=held_on,
        minutes=minutes,
        summary=text,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        after={"application_id": match.id, **_session_state(row)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_to_confirm",
        text=f"{actor.display_name} logged a {minutes}-minute session on {held_on:%d %b %Y} "
        f"for “{match.project.title}”. Please confirm it.",
        link=match_link(match.id),
    )
    return row


def _session_and_match(
    session: Session, actor: User, session_id: int, *, action: str
) -> tuple[MatchSession, _Match]:
    row = session.get(MatchSession, session_id)
    if row is None:
        raise NotFound("That session does not exist.")
    match = _match(session, actor, row.application_id, action=action, lock=True)
    row = _row_or_404(session, MatchSession, session_id, "session", lock=True)
    return row, match


def confirm_session(session: Session, *, actor: User, session_id: int) -> MatchSession:
    """Confirm a session the other party logged."""
    action = "match_session.confirm"
    row, match = _session_and_match(session, actor, session_id, action=action)
    if row.author_id == actor.id:
        raise deny(
            actor,
            "A session is confirmed by the other party, not by whoever logged it.",
            action=action,
            entity="match_session",
            entity_id=session_id,
        )
    if row.confirmed_at is not None:
        raise InvalidTransition("This session is already confirmed.")
    _ensure_open(match, "sessions can be confirmed")
    before = _session_state(row)
    row.confirmed_by = actor.id
    row.confirmed_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        before=before,
        after=_session_state(row),
    )
    notify(
        session,
        user_id=row.author_id,
        kind="workspace.session_confirmed",
        text=f"{actor.display_name} confirmed your session of {row.held_on:%d %b %Y}.",
        link=match_link(match.id),
    )
    return row


def _ensure_author_unconfirmed(
    actor: User, row: MatchSession, match: _Match, *, action: str, what: str
) -> None:
    if row.author_id != actor.id:
        raise deny(
            actor,
            f"Only whoever logged a session may {what} it.",
            action=action,
            entity="match_session",
            entity_id=row.id,
        )
    if row.confirmed_at is not None:
        raise InvalidTransition(f"This session is confirmed; it can no longer be {what}ed.")
    _ensure_open(match, f"sessions can be {what}ed")


def edit_session(
    session: Session,
    *,
    actor: User,
    session_id: int,
    held_on: date,
    minutes: int,
    summary: str,
    today: date | None = None,
) -> MatchSession:
    """Change an unconfirmed session; only its author may."""
    action = "match_session.edit"
    row, match = _session_and_match(session, actor, session_id, action=action)
    _ensure_author_unconfirmed(actor, row, match, action=action, what="edit")
    problems, text = _session_problems(
        match.project, held_on, minutes, summary, today or date.today()
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    before = {**_session_state(row), "summary_length": len(row.summary)}
    row.held_on, row.minutes, row.summary = held_on, minutes, text
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        before=before,
        after={**_session_state(row), "summary_length": len(text)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_to_confirm",
        text=f"{actor.display_name} changed the session of {held_on:%d %b %Y}. Please confirm it.",
        link=match_link(match.id),
    )
    return row


def delete_session(session: Session, *, actor: User, session_id: int) -> None:
    """Delete an unconfirmed session; only its author may."""
    action = "match_session.delete"
    row, match = _session_and_match(session, actor, session_id, action=action)
    _ensure_author_unconfirmed(actor, row, match, action=action, what="delete")
    before = _session_state(row)
    held_on = row.held_on
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=session_id,
        before={"application_id": match.id, **before},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_deleted",
        text=f"{actor.display_name} deleted the unconfirmed session of {held_on:%d %b %Y}; "
        "there is nothing to confirm.",
        link=match_link(match.id),
    )
