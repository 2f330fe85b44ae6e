"""The admin's view of the outbox: its state, resending failed rows, a test message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from core.mail.models import MailOutbox, OutboxStatus
from core.mail.outbox import enqueue
from core.models import Role, User
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound
from core.platform.permissions import ensure_role
from core.platform.types import utcnow

_ADMIN = (Role.ADMIN,)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created_at: datetime
    recipient: str
    kind: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class OutboxView:
    counts: dict[str, int]
    rows: list[OutboxRow]


def outbox_view(
    session: Session, *, actor: User, status: OutboxStatus | None = None, limit: int = 50
) -> OutboxView:
    """Return how many rows are in each state and the newest rows (of one state, if given)."""
    ensure_role(actor, _ADMIN, action="mail.outbox", entity="mail_outbox")
    counts = {
        str(state): int(number)
        for state, number in session.exec(
            select(MailOutbox.status, func.count()).group_by(col(MailOutbox.status))
        )
    }
    statement = (
        select(MailOutbox, User.username)
        .join(User, col(User.id) == col(MailOutbox.user_id))
        .order_by(col(MailOutbox.id).desc())
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(col(MailOutbox.status) == status)
    rows = [
        OutboxRow(
            id=row.id or 0,
            created_at=row.created_at,
            recipient=username,
            kind=row.kind,
            status=row.status.value,
            attempts=row.attempts,
            sent_at=row.sent_at,
            last_error=row.last_error,
        )
        for row, username in session.exec(statement)
    ]
    return OutboxView(counts=counts, rows=rows)


def resend(session: Session, *, actor: User, outbox_id: int) -> None:
    """Queue a failed message again (the next `send-mail` pass tries it)."""
    ensure_role(actor, _ADMIN, action="mail.resend", entity="mail_outbox", entity_id=outbox_id)
    row = session.get(MailOutbox, outbox_id)
    if row is None:
        raise NotFound("That message does not exist.")
    if row.status is not OutboxStatus.FAILED:
        raise InvalidTransition("Only a failed message can be sent again.")
    row.status = OutboxStatus.QUEUED
    row.attempts = 0
    row.next_attempt_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="mail.resend",
        entity="mail_outbox",
        entity_id=outbox_id,
        before={"status": "failed", "error": row.last_error},
        after={"status": "queued"},
    )


def send_test_message(session: Session, *, actor: User) -> int:
    """Queue a test message to the admin's own address; return its outbox id."""
    ensure_role(actor, _ADMIN, action="mail.test", entity="mail_outbox")
    assert actor.id is not None
    row = enqueue(
        session,
        user_id=actor.id,
        kind="mail.test",
        text="This is a test message from the portal: e-mail delivery works.",
    )
    assert row is not None  # a test message is never held or turned off
    session.flush()
    audit.record(session, actor=actor, action="mail.test", entity="mail_outbox", entity_id=row.id)
    return row.id or 0
