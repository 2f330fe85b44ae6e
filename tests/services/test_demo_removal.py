"""Demo data: it is recognised while present, and `remove-demo` deletes it with what it owns."""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel, func, select

from core.db import read_session, write_transaction
from core.demo import demo_accounts_exist, remove_demo
from core.models import AuditEntry, Role, User
from core.seed import seed_demo
from tests.factories import make_user


def _counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            table.name: int(session.exec(select(func.count()).select_from(table)).one())
            for table in SQLModel.metadata.sorted_tables
        }


def test_remove_demo_deletes_the_demo_accounts_and_everything_they_own(engine):
    seed_demo(engine)
    with write_transaction(engine) as session:
        real = make_user(session, Role.STUDENT, username="real.student")
        assert demo_accounts_exist(session)
    seeded = _counts(engine)
    assert seeded["project"] > 0 and seeded["application"] > 0
    with write_transaction(engine) as session:
        removed = remove_demo(session)
    assert removed["app_user"] == 12
    after = _counts(engine)
    with read_session(engine) as session:
        assert [user.username for user in session.exec(select(User))] == [real.username]
        assert not demo_accounts_exist(session)
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "demo.remove"))
    for table in ("project", "application", "match_session", "match_message", "notification"):
        assert after[table] == 0, table
    # The audit log keeps its entries (unlinked from the deleted accounts) and stays append-only.
    assert after["audit_log"] == seeded["audit_log"] + 1
    assert '"app_user": 12' in entry.after
    with pytest.raises(Exception, match="append-only"), write_transaction(engine) as session:
        session.delete(session.get(AuditEntry, entry.id))


def test_remove_demo_without_demo_accounts_changes_nothing(engine):
    with write_transaction(engine) as session:
        make_user(session, Role.ADMIN, username="root")
    before = _counts(engine)
    with write_transaction(engine) as session:
        assert remove_demo(session) == {}
    assert _counts(engine) == before
