"""The unit of work and the engine settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from core.accounts.passwords import hash_password
from core.models import Role, User
from core.platform.db import create_db_engine, read_session, write_transaction
from core.platform.migrate import schema_drift, upgrade_to_head


def _user(name: str) -> User:
    return User(
        username=name,
        email=f"{name}@example.edu",
        display_name=name,
        role=Role.STUDENT,
        password_hash=hash_password("long enough password"),
        pseudonym="Applicant X",
    )


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_write_transaction_takes_the_write_lock_first(sqlite_engine, tmp_path):
    other = create_db_engine(str(sqlite_engine.url))
    with write_transaction(sqlite_engine) as session:
        session.exec(select(User)).all()  # only a read, yet the lock is already held
        with other.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(Exception, match="locked"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    other.dispose()


def test_write_transaction_commits_on_success(engine):
    with write_transaction(engine) as session:
        session.add(_user("committed"))
    with read_session(engine) as session:
        assert session.exec(select(User.username)).all() == ["committed"]


def test_write_transaction_rolls_back_on_error(engine):
    with pytest.raises(RuntimeError), write_transaction(engine) as session:
        session.add(_user("rolled-back"))
        session.flush()
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert session.exec(select(User)).all() == []


def test_read_session_never_keeps_writes(engine):
    with read_session(engine) as session:
        session.add(_user("stray"))
        session.flush()
    with read_session(engine) as session:
        assert session.exec(select(User)).all() == []


def test_models_and_migrations_agree(engine):
    assert schema_drift(engine) == []


def test_migrations_can_run_twice(engine):
    upgrade_to_head(engine)
    assert schema_drift(engine) == []


def test_audit_log_is_append_only(engine):
    with write_transaction(engine) as session:
        session.execute(
            text(
                "INSERT INTO audit_log (at, action, entity, outcome) "
                "VALUES (CURRENT_TIMESTAMP, 'x', 'y', 'ok')"
            )
        )
    with pytest.raises(Exception, match="append-only"), write_transaction(engine) as session:
        session.execute(text("UPDATE audit_log SET action = 'tampered'"))
    with pytest.raises(Exception, match="append-only"), write_transaction(engine) as session:
        session.execute(text("DELETE FROM audit_log"))


def test_a_refused_action_is_audited_although_the_transaction_rolls_back(engine):
    from core.models import AuditEntry
    from core.platform.errors import PermissionDenied

    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        session.add(_user("never-written"))
        raise PermissionDenied("no", action="project.edit", entity="project", entity_id=7)
    with read_session(engine) as session:
        assert session.exec(select(User)).all() == []
        entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.entity, entry.entity_id, entry.outcome) == (
        "project.edit",
        "project",
        7,
        "refused",
    )


def _search_titles(engine, query: str) -> list[str]:
    from core.catalog import search_projects

    with read_session(engine) as session:
        student = session.exec(select(User).where(User.role == Role.STUDENT)).first()
        assert student is not None
        return [row.title for row in search_projects(session, actor=student, query=query).rows]


def _search_index_tables(engine) -> set[str]:
    from sqlalchemy import inspect

    return {name for name in inspect(engine).get_table_names() if name.startswith("project_text")}


def test_the_text_index_migration_goes_down_and_up_again(engine):
    from alembic import command

    from core.platform.migrate import alembic_config
    from tests import factories as h

    def migrate(to: str) -> None:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if to == "head":
                command.upgrade(config, "head")
            else:
                command.downgrade(config, to)

    # SQLite's full-text table and the shadow tables holding its index; PostgreSQL has none.
    expected = (
        {"project_text", *(f"project_text_{n}" for n in ("config", "data", "docsize", "idx"))}
        if engine.dialect.name == "sqlite"
        else set()
    )
    assert _search_index_tables(engine) == expected
    migrate("0013")
    assert _search_index_tables(engine) == set()
    assert schema_drift(engine) == []
    # Projects written before the index exists are indexed when it is built.
    with write_transaction(engine) as session:
        h.user(session, Role.STUDENT)  # who searches
        h.project(session, h.user(session, Role.ALUMNI), title="Written before the index")
    migrate("head")
    assert _search_index_tables(engine) == expected
    assert _search_titles(engine, "before the") == ["Written before the index"]
    assert _search_titles(engine, "efore") == ["Written before the index"]
    assert _search_titles(engine, "after") == []
