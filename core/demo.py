"""Demo data on a real deployment: telling that it is there, and removing it for good."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

import core.workspace_models  # noqa: F401  (registers the workspace tables in the metadata)
from core import audit
from core.models import User
from core.seed import DEMO_ACCOUNTS, SUPPORTING_ACCOUNTS

DEMO_EMAIL_DOMAIN = "@example.edu"


def _demo_condition() -> Any:
    names = [account.username for account in (*DEMO_ACCOUNTS, *SUPPORTING_ACCOUNTS)]
    emails = [f"{name}{DEMO_EMAIL_DOMAIN}" for name in names]
    return sa.and_(col(User.username).in_(names), col(User.email).in_(emails))


def demo_accounts_exist(session: Session) -> bool:
    """Return whether any demo account (public password) is still in the database."""
    return session.exec(select(func.count()).select_from(User).where(_demo_condition())).one() > 0


def _owned_rows(session: Session, user_ids: set[int]) -> dict[sa.Table, set[Any]]:
    """Return every row that cannot exist without the demo accounts, table by table.

    A row is owned when a required (NOT NULL) foreign key points at an owned row; optional
    references to owned rows are cleared instead. Followed until nothing new is found.
    """
    tables = SQLModel.metadata.sorted_tables
    users = SQLModel.metadata.tables["app_user"]
    owned: dict[sa.Table, set[Any]] = {users: set(user_ids)}
    changed = True
    while changed:
        changed = False
        for table in tables:
            if "id" not in table.c:
                continue
            for key in table.foreign_keys:
                parent = key.column.table
                if key.parent.nullable or not owned.get(parent):
                    continue
                found = set(
                    session.exec(
                        sa.select(table.c.id).where(key.parent.in_(owned[parent]))  # type: ignore[call-overload]
                    ).scalars()
                )
                new = found - owned.get(table, set())
                if new:
                    owned.setdefault(table, set()).update(new)
                    changed = True
    return owned


def _append_only_guard(session: Session, *, on: bool) -> None:
    """Lift or restore the audit log's append-only triggers inside this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        session.exec(sa.text(f"ALTER TABLE audit_log {verb} TRIGGER audit_log_append_only"))  # type: ignore[call-overload]
        return
    statements = (
        [
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ]
        if on
        else ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    )
    for statement in statements:
        session.exec(sa.text(statement))  # type: ignore[call-overload]


def remove_demo(session: Session) -> dict[str, int]:
    """Delete the demo accounts and every row they own; return the count per table.

    An operator's command (no acting user): the audit log's append-only guard is lifted for
    this one transaction to unlink the demo accounts from their entries, then restored; the
    removal itself is recorded.
    """
    ids = set(session.exec(select(User.id).where(_demo_condition())))
    user_ids = {user_id for user_id in ids if user_id is not None}
    if not user_ids:
        return {}
    owned = _owned_rows(session, user_ids)
    _append_only_guard(session, on=False)
    removed: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        for key in table.foreign_keys:
            parent_ids = owned.get(key.column.table)
            if key.parent.nullable and parent_ids:
                session.exec(
                    sa.update(table)
                    .where(key.parent.in_(parent_ids))
                    .values({key.parent.name: None})
                )
    for table in reversed(SQLModel.metadata.sorted_tables):
        conditions = [
            key.parent.in_(owned[key.column.table])
            for key in table.foreign_keys
            if not key.parent.nullable and owned.get(key.column.table)
        ]
        if table in owned:
            conditions.append(table.c.id.in_(owned[table]))
        if conditions:
            result = session.exec(sa.delete(table).where(sa.or_(*conditions)))
            if result.rowcount:
                removed[table.name] = int(result.rowcount)
    _append_only_guard(session, on=True)
    audit.record(
        session,
        actor=None,
        action="demo.remove",
        entity="user",
        entity_id=None,
        after=removed,
    )
    return removed
