"""The append-only audit log: who did what to which object, and when."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from core.models import AuditEntry, User

# Keys that must never reach the audit log, whatever a caller passes.
_SECRET_KEYS = {"password", "password_hash", "token", "token_hash", "cookie"}


def _dump(state: Mapping[str, Any] | None) -> str | None:
    if state is None:
        return None
    clean = {k: v for k, v in state.items() if k not in _SECRET_KEYS}
    return json.dumps(clean, default=str, sort_keys=True)


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> AuditEntry:
    """Add one audit row to the caller's transaction."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_role=actor.role.value if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_dump(before),
        after=_dump(after),
        outcome=outcome,
        detail=detail[:500] if detail else None,
    )
    session.add(entry)
    return entry


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the before and after values of only the fields that differ (empty: no change)."""
    names = [name for name in before if before[name] != after[name]]
    return {name: before[name] for name in names}, {name: after[name] for name in names}


def record_refusal(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: str,
) -> AuditEntry:
    """Add an audit row for a refused privileged action."""
    return record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        outcome="refused",
        detail=detail,
    )
