"""Reading the audit log: filtered pages and the list of actions seen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from core.accounts.admin import _page_bounds, ensure_admin
from core.accounts.users import normalise_username
from core.models import AuditEntry, User
from core.platform.text import clean_text
from core.platform.wording import day_start


@dataclass(frozen=True)
class AuditRow:
    """An audit entry with the username of whoever acted (None for the system)."""

    entry: AuditEntry
    actor_username: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int
    # True when there are more matching entries than were counted (see AUDIT_COUNT_CAP).
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def total_label(self) -> str:
        return f"{self.total:,}+" if self.more else f"{self.total:,}"


# Counting a million-row log on every page view costs more than the page itself: count at
# most this many matching entries and show "10,000+" beyond.
AUDIT_COUNT_CAP = 10_000
# The action filter offers the actions seen among this many newest entries.
AUDIT_ACTIONS_WINDOW = 5_000


def query_audit_log(
    session: Session,
    *,
    actor: User,
    actor_username: str = "",
    action: str = "",
    entity: str = "",
    start: date | None = None,
    end: date | None = None,
    refused_only: bool = False,
    page: int = 1,
    page_size: int = 50,
    zone: str | None = None,
) -> AuditPage:
    """Return a page of audit entries, newest first, filtered by actor, action, entity and dates.

    `action` matches a prefix ("login" finds login.failed); dates are inclusive days in `zone`
    (the reader's time zone; UTC when None).
    """
    ensure_admin(actor, action="admin.query_audit_log", entity="audit_log")
    page, page_size = _page_bounds(page, page_size)
    acting = aliased(User)
    actor_username = clean_text(actor_username, "user", max_length=200, min_length=0)
    action = clean_text(action, "action", max_length=200, min_length=0)
    entity = clean_text(entity, "entity", max_length=200, min_length=0)
    conditions: list[Any] = []
    if actor_username.strip():
        wanted = select(User.id).where(User.username == normalise_username(actor_username))
        conditions.append(col(AuditEntry.actor_id) == wanted.scalar_subquery())
    if action.strip():
        prefix = action.strip().lower().replace("\\", "\\\\").replace("%", "\\%")
        conditions.append(
            col(AuditEntry.action).like(prefix.replace("_", "\\_") + "%", escape="\\")
        )
    if entity.strip():
        conditions.append(col(AuditEntry.entity) == entity.strip().lower())
    if start is not None:
        conditions.append(col(AuditEntry.at) >= day_start(start, zone))
    if end is not None:
        conditions.append(col(AuditEntry.at) < day_start(end + timedelta(days=1), zone))
    if refused_only:
        conditions.append(col(AuditEntry.outcome) == "refused")
    capped = select(AuditEntry.id).where(*conditions).limit(AUDIT_COUNT_CAP + 1).subquery()
    total = int(session.exec(select(func.count()).select_from(capped)).one())
    found = session.exec(
        select(AuditEntry, acting.username)
        .outerjoin(acting, col(acting.id) == col(AuditEntry.actor_id))
        .where(*conditions)
        .order_by(col(AuditEntry.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    rows = [AuditRow(entry, username) for entry, username in found]
    more = total > AUDIT_COUNT_CAP
    return AuditPage(rows, min(total, AUDIT_COUNT_CAP), page, page_size, more)


def list_audit_actions(session: Session, *, actor: User) -> list[str]:
    """Return the distinct actions recorded so far, for the audit log's filter."""
    ensure_admin(actor, action="admin.query_audit_log", entity="audit_log")
    recent = (
        select(AuditEntry.action).order_by(col(AuditEntry.id).desc()).limit(AUDIT_ACTIONS_WINDOW)
    )
    window = recent.subquery()
    return list(session.exec(select(window.c.action).distinct().order_by(window.c.action)))
