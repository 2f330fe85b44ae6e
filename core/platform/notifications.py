"""In-app notifications: written with the event, read from the inbox."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select, update

from core.mail.outbox import enqueue
from core.models import Notification, User
from core.platform.errors import NotFound
from core.platform.types import utcnow

# Kinds whose generic reading ("Workspace message") says less than a phrase of their own.
KIND_LABELS = {
    "workspace.message": "New message",
    "workspace.feedback": "Feedback",
    "account.role": "Role changed",
    "account.active": "Account reactivated",
    "account.department": "Department changed",
    "account.locked": "Account locked",
    "mentor.posted": "New project from a mentor you follow",
}


def kind_label(kind: str) -> str:
    """Return a notification kind as people read it, e.g. "Application accepted"."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    area, _, event = kind.partition(".")
    words = event.replace("_", " ")
    if area == "workspace" and words:
        return words[0].upper() + words[1:]  # "Session to confirm", not "Workspace session…"
    return " ".join(part for part in (area.replace("_", " ").capitalize(), words) if part)


def notify(
    session: Session, *, user_id: int, kind: str, text: str, link: str | None = None
) -> None:
    """Add a notification for one user to the caller's transaction, and its e-mail (queued,
    held for the digest, or none, as the user chose) to the outbox in the same transaction."""
    session.add(Notification(user_id=user_id, kind=kind, text=text[:500], link=link))
    enqueue(session, user_id=user_id, kind=kind, text=text, link=link)


# Counted on every rerun of every screen (the menu badge): the statement is built once, with
# the actor as a parameter, since building it costs more than running it.
ACTOR = "actor_id"


@cache
def unread_count_statement() -> sa.Select[Any]:
    """Select the number of unread notifications of the `actor_id` parameter."""
    return sa.select(func.count()).where(
        col(Notification.user_id) == sa.bindparam(ACTOR, type_=sa.Integer),
        col(Notification.read_at).is_(None),
    )


def count_unread(session: Session, *, actor: User) -> int:
    """Return how many of the actor's notifications are unread."""
    return int(session.execute(unread_count_statement(), {ACTOR: actor.id}).scalar_one())


def count_notifications(session: Session, *, actor: User) -> int:
    """Return how many notifications the actor has, read or not."""
    statement = select(func.count()).where(col(Notification.user_id) == actor.id)
    return int(session.exec(statement).one())


def list_notifications(session: Session, *, actor: User, limit: int = 50) -> list[Notification]:
    """Return the actor's newest notifications, unread first."""
    statement = (
        select(Notification)
        .where(Notification.user_id == actor.id)
        .order_by(col(Notification.read_at).is_not(None), col(Notification.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def mark_read(session: Session, *, actor: User, notification_id: int) -> None:
    """Mark one of the actor's own notifications read."""
    found = session.get(Notification, notification_id)
    if found is None or found.user_id != actor.id:
        raise NotFound("That notification does not exist.")
    if found.read_at is None:
        found.read_at = utcnow()
        session.add(found)


def mark_all_read(session: Session, *, actor: User) -> None:
    """Mark every notification of the actor read."""
    session.exec(
        update(Notification)
        .where(col(Notification.user_id) == actor.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
