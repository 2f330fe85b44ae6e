"""Writing the outbox: one row per e-mail, in the transaction of the event it tells about."""

from __future__ import annotations

from sqlmodel import Session

from core.mail.models import MailMode, MailOutbox, OutboxStatus
from core.mail.preferences import mode_for


def enqueue(
    session: Session,
    *,
    user_id: int,
    kind: str,
    text: str,
    link: str | None = None,
    body: str | None = None,
    secret_url: str | None = None,
    dedupe_key: str | None = None,
) -> MailOutbox | None:
    """Add the e-mail for an event to the caller's transaction, as the recipient chose.

    Queued for the sender when they want it at once, held for their daily digest, or not
    written at all when they turned the kind off. A rollback takes the row with it.
    """
    mode = mode_for(session, user_id=user_id, kind=kind)
    if mode is MailMode.OFF:
        return None
    row = MailOutbox(
        user_id=user_id,
        kind=kind,
        text=text[:500],
        link=link,
        body=body,
        secret_url=secret_url,
        dedupe_key=dedupe_key,
        status=OutboxStatus.HELD if mode is MailMode.DIGEST else OutboxStatus.QUEUED,
    )
    session.add(row)
    return row
