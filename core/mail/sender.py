"""The sender: claim due outbox rows, deliver them, mark each sent, retried or failed.

Delivery is at least once: a row is claimed for a lease in a short transaction (PostgreSQL:
`FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`), sent outside any transaction, then
marked. A sender that dies between sending and marking leaves the row to be sent again when
the lease ends, with the same Message-ID, so receivers can drop the duplicate.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_
from sqlmodel import col, select, update

from core.mail.messages import BadRecipient, Context, build_message
from core.mail.models import MailOutbox, OutboxStatus
from core.mail.transport import DeliveryFailed, Transport
from core.models import User
from core.platform.db import is_sqlite, read_session, write_transaction
from core.platform.types import utcnow

LEASE = timedelta(minutes=5)
BATCH = 50
# A message still refused for a temporary reason after this many passes is given up.
MAX_ATTEMPTS = 12
LOOP_PAUSE_S = 15.0

log = logging.getLogger(__name__)


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass
class PassReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    sent_ids: list[int] = field(default_factory=list)


def claim_due(engine: Engine, *, sender: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due rows; other senders skip them until the lease ends."""
    with write_transaction(engine) as session:
        statement = (
            select(MailOutbox)
            .where(
                col(MailOutbox.status) == OutboxStatus.QUEUED,
                col(MailOutbox.next_attempt_at) <= now,
                or_(
                    col(MailOutbox.claimed_until).is_(None),
                    col(MailOutbox.claimed_until) < now,
                ),
            )
            .order_by(col(MailOutbox.id))
            .limit(limit)
        )
        if not is_sqlite(engine):  # SQLite: BEGIN IMMEDIATE already serialises claimers
            statement = statement.with_for_update(skip_locked=True)
        rows = list(session.exec(statement))
        for row in rows:
            row.claimed_by = sender
            row.claimed_until = now + LEASE
            session.add(row)
        return [row.id for row in rows if row.id is not None]


def _finish(engine: Engine, row_id: int, sender: str, **values: object) -> bool:
    """Record a row's outcome if this sender still holds it; release the claim."""
    with write_transaction(engine) as session:
        result = session.exec(
            update(MailOutbox)
            .where(col(MailOutbox.id) == row_id, col(MailOutbox.claimed_by) == sender)
            .values(claimed_by=None, claimed_until=None, **values)
        )
        return bool(result.rowcount)


def deliver_one(
    engine: Engine,
    transport: Transport,
    context: Context,
    row_id: int,
    *,
    sender: str,
    now: datetime,
    report: PassReport,
) -> None:
    with read_session(engine) as session:
        row = session.get(MailOutbox, row_id)
        user = session.get(User, row.user_id) if row else None
        if row is None or user is None:
            return
        try:
            message = None if not user.is_active else build_message(session, row, user, context)
        except BadRecipient as error:
            message, problem = None, str(error)
        else:
            problem = "the account is deactivated"
        attempts = row.attempts + 1
    if message is None:
        _finish(
            engine,
            row_id,
            sender,
            status=OutboxStatus.FAILED,
            last_error=problem[:500],
            attempts=attempts,
        )
        report.failed += 1
        return
    try:
        transport.send(message)
    except DeliveryFailed as error:
        if error.temporary and attempts < MAX_ATTEMPTS:
            _finish(
                engine,
                row_id,
                sender,
                attempts=attempts,
                last_error=error.answer,
                next_attempt_at=now + retry_delay(attempts),
            )
            report.retried += 1
        else:
            _finish(
                engine,
                row_id,
                sender,
                attempts=attempts,
                last_error=error.answer,
                status=OutboxStatus.FAILED,
            )
            report.failed += 1
        log.warning("mail %s to user %s not delivered: %s", row_id, row.user_id, error.answer)
        return
    # The one-off secret (a reset link) is not kept once it is on its way.
    _finish(
        engine,
        row_id,
        sender,
        attempts=attempts,
        status=OutboxStatus.SENT,
        sent_at=utcnow(),
        secret_url=None,
        last_error=None,
    )
    report.sent += 1
    report.sent_ids.append(row_id)


def send_pass(
    engine: Engine,
    transport: Transport,
    context: Context,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
) -> PassReport:
    """Deliver everything due now, batch after batch, and return what happened."""
    sender = secrets.token_hex(8)
    report = PassReport()
    moment = now or utcnow()
    try:
        while True:
            claimed = claim_due(engine, sender=sender, now=moment, limit=limit)
            if not claimed:
                return report
            for row_id in claimed:
                deliver_one(
                    engine, transport, context, row_id, sender=sender, now=moment, report=report
                )
    finally:
        transport.close()


def send_loop(
    engine: Engine,
    make_transport: Callable[[], Transport],
    context: Context,
    *,
    pause_s: float = LOOP_PAUSE_S,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Keep delivering (for a service manager): one pass, a pause, again."""
    while not should_stop():
        try:
            report = send_pass(engine, make_transport(), context)
            if report.sent or report.retried or report.failed:
                log.info(
                    "mail pass: %s sent, %s retried, %s failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except Exception:  # keep serving: a database hiccup must not stop the sender
            log.exception("mail pass failed; trying again after a pause")
        time.sleep(pause_s)
