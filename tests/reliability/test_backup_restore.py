"""Backup while the app writes, restore into a fresh database: every row back, nothing torn."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

from core import applications as apps
from core.models import AuditEntry, Notification, Role
from core.platform import audit
from core.platform.backup import BackupError, backup, holds_data, restore, row_counts
from core.platform.db import create_db_engine, is_sqlite, write_transaction
from core.platform.errors import DomainError
from core.platform.notifications import notify
from core.seed import seed_demo
from tests import factories as h
from tests.cli import run_core

_fresh_numbers = itertools.count()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def fresh_url(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of the same kind (no schema at all) to restore into."""
    if is_sqlite(engine):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"restored_{os.getpid()}_{next(_fresh_numbers)}"))


class Writers:
    """Two threads writing like the app does: notifications with their audit rows, and
    applications submitted and withdrawn through the services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stop = threading.Event()
        self.committed = 0  # markers 0..committed-1 are committed
        self.moves = 0
        self.errors: list[BaseException] = []
        with write_transaction(engine) as session:
            self.user_id = h.user(session, Role.STUDENT).id
            mentor = h.user(session, Role.ALUMNI)
            self.student = h.user(session, Role.STUDENT, weekly_hours=40)
            self.project_id = h.project(session, mentor, seats=3).id
        self.threads = [
            threading.Thread(target=self._notes, daemon=True),
            threading.Thread(target=self._applications, daemon=True),
        ]

    def _notes(self) -> None:
        try:
            for marker in itertools.count():
                if self.stop.is_set():
                    return
                with write_transaction(self.engine) as session:
                    notify(session, user_id=self.user_id, kind="backup.test", text=f"m{marker}")
                    audit.record(
                        session,
                        actor=None,
                        action="backup.test",
                        entity="notification",
                        entity_id=marker,
                    )
                self.committed = marker + 1
        except BaseException as error:  # noqa: BLE001 - surfaced by the test
            self.errors.append(error)

    def _applications(self) -> None:
        try:
            while not self.stop.is_set():
                with write_transaction(self.engine) as session:
                    found = apps.apply(
                        session,
                        actor=self.student,
                        project_id=self.project_id,
                        statement=h.STATEMENT,
                    )
                with write_transaction(self.engine) as session:
                    apps.withdraw(session, actor=self.student, application_id=found.id or 0)
                self.moves += 2
        except DomainError as error:
            self.errors.append(error)
        except BaseException as error:  # noqa: BLE001
            self.errors.append(error)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _markers(engine: Engine) -> tuple[list[int], list[int]]:
    with Session(engine) as session:
        notes = session.exec(
            select(Notification.text).where(Notification.kind == "backup.test")
        ).all()
        audits = session.exec(
            select(AuditEntry.entity_id).where(AuditEntry.action == "backup.test")
        ).all()
    return sorted(int(t[1:]) for t in notes), sorted(int(a or 0) for a in audits)


def _all_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as connection:
        for name in sorted(inspect(engine).get_table_names()):
            quoted = engine.dialect.identifier_preparer.quote(name)
            found = connection.execute(text(f"SELECT * FROM {quoted}")).all()
            rows[name] = sorted((tuple(r) for r in found), key=repr)
    return rows


def _integrity(url: str) -> str:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture
def seeded(engine: Engine) -> Iterator[Engine]:
    seed_demo(engine)
    yield engine


def test_backup_while_writing_then_restore_into_a_fresh_database(
    seeded: Engine, fresh_url: str, tmp_path: Path, record_property
) -> None:
    engine = seeded
    kind = engine.dialect.name
    path = tmp_path / ("live.sqlite" if kind == "sqlite" else "live.dump")
    with Writers(engine) as writers:
        while writers.committed < 30 or writers.moves < 6:
            time.sleep(0.02)
        before = writers.committed
        started = time.monotonic()
        result = backup(_url(engine), path)
        took = time.monotonic() - started
        after = writers.committed
        time.sleep(0.2)  # keep writing after the snapshot
    assert not writers.errors, writers.errors
    assert result.size_bytes > 0

    restore(fresh_url, path)
    restored = create_db_engine(fresh_url)
    try:
        notes, audits = _markers(restored)
        # A consistent snapshot: every transaction committed before the backup started is
        # there, each whole (its notification and its audit row), and nothing half-written.
        assert notes == audits
        assert notes == list(range(len(notes)))
        assert before <= len(notes) <= after + 1
        with restored.connect() as connection:
            live = connection.execute(
                text(
                    "SELECT count(*) FROM application WHERE project_id = :p"
                    " AND status IN ('submitted', 'accepted')"
                ),
                {"p": writers.project_id},
            ).scalar_one()
        assert live <= 1  # the student's apply/withdraw pairs are never torn apart
        if kind == "sqlite":
            assert _integrity(fresh_url) == "ok"
        counts = row_counts(restored)
    finally:
        restored.dispose()
    record_property("backup_bytes", result.size_bytes)
    print(
        f"\n{kind}: online backup of {sum(counts.values()):,} rows "
        f"({result.size_bytes:,} bytes) in {took * 1000:.0f} ms while writing; "
        f"{len(notes)} of {writers.committed} marker transactions in the snapshot "
        f"({before} committed before it started), {writers.moves} application moves"
    )


def test_quiet_backup_restores_every_row_exactly(
    seeded: Engine, fresh_url: str, tmp_path: Path
) -> None:
    engine = seeded
    with Writers(engine) as writers:
        while writers.committed < 10:
            time.sleep(0.02)
    assert not writers.errors, writers.errors
    path = tmp_path / "quiet.bak"
    backup(_url(engine), path)
    restore(fresh_url, path)
    restored = create_db_engine(fresh_url)
    try:
        assert row_counts(restored) == row_counts(engine)
        assert _all_rows(restored) == _all_rows(engine)
        if is_sqlite(engine):
            assert _integrity(fresh_url) == "ok"
        # The restored database works: the app can write to it again.
        with write_transaction(restored) as session:
            user = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).first()
            assert user is not None
            notify(session, user_id=writers.user_id, kind="after.restore", text="ok")
    finally:
        restored.dispose()


def test_restore_refuses_a_database_holding_data_unless_forced(
    seeded: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "self.bak"
    backup(_url(seeded), path)
    with pytest.raises(BackupError, match="--force"):
        restore(_url(seeded), path)
    restore(_url(seeded), path, force=True)
    assert row_counts(seeded)["app_user"] > 0


def test_a_freshly_migrated_database_holds_no_data(engine: Engine) -> None:
    # The search index has rows of its own before any project exists: restoring into a
    # migrated, empty database must not ask for --force.
    assert not holds_data(engine)


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_core(*args, database_url=url, data_dir=tmp_path)


def test_cli_backup_and_restore(seeded: Engine, fresh_url: str, tmp_path: Path) -> None:
    path = tmp_path / "cli.bak"
    made = _cli(_url(seeded), tmp_path, "backup", str(path))
    assert made.returncode == 0, made.stderr
    assert "bytes" in made.stdout and path.stat().st_size > 0

    into_fresh = _cli(fresh_url, tmp_path, "restore", str(path))
    assert into_fresh.returncode == 0, into_fresh.stderr
    refused = _cli(fresh_url, tmp_path, "restore", str(path))
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    forced = _cli(fresh_url, tmp_path, "restore", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    restored = create_db_engine(fresh_url)
    try:
        assert row_counts(restored) == row_counts(seeded)
    finally:
        restored.dispose()


def test_restore_refuses_a_backup_of_the_other_kind(seeded: Engine, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.bak"
    wrong.write_bytes(b"PGDMP" if is_sqlite(seeded) else b"SQLite format 3\x00" + b"\0" * 100)
    with pytest.raises(BackupError, match="backup but DATABASE_URL"):
        restore(_url(seeded), wrong, force=True)
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"hello")
    with pytest.raises(BackupError, match="neither"):
        restore(_url(seeded), junk, force=True)
