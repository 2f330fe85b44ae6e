"""Engines and the unit of work: `read_session()` and `write_transaction()`."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from core.platform.errors import DomainError, PermissionDenied

SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL's answers that mean "run the whole transaction again": a deadlock was broken by
# aborting us (40P01), or a serializable snapshot could not commit (40001).
RETRYABLE_SQLSTATES = {"40P01": "deadlock", "40001": "serialization failure"}
MAX_ATTEMPTS = 5

log = logging.getLogger(__name__)
T = TypeVar("T")


class LockSetChanged(Exception):
    """Rows joined the set a cascade must lock after it was taken: run it again from the top."""


class Busy(DomainError):
    """The transaction kept colliding with others; the person may simply try again."""


class RetryCounter:
    """How often transactions were run again, by cause (read by `make load` and tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, cause: str) -> None:
        with self._lock:
            self._counts[cause] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


retries = RetryCounter()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """Build an engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, echo=echo)
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _create_sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins,
        # so that write transactions can take the lock up front with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """Open a session for reading; closing it discards anything written by mistake.

    Loaded objects stay readable after the block (closing detaches without expiring).
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except PermissionDenied as refusal:
            session.rollback()
            audit_refusal(engine, refusal)
            raise


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """Open a write transaction that commits on success and rolls back on any error.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so the write lock is held
    before any rule is checked; on PostgreSQL services lock the rows they check.
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except PermissionDenied as refusal:
            session.rollback()
            audit_refusal(engine, refusal)
            raise
        except BaseException:
            session.rollback()
            raise


def retry_cause(error: BaseException) -> str | None:
    """Name why `error` calls for running the transaction again, or None when it does not."""
    if isinstance(error, LockSetChanged):
        return "lock set changed"
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return RETRYABLE_SQLSTATES.get(sqlstate or "")
    return None


def run_in_transaction(
    engine: Engine, work: Callable[[Session], T], *, attempts: int = MAX_ATTEMPTS
) -> T:
    """Run `work` in a write transaction, again from the top when PostgreSQL breaks a deadlock.

    A retried transaction left nothing behind (it rolled back), so running `work` again is
    safe. Each retry is counted and logged; a user only ever sees `Busy`, never the deadlock.
    """
    for attempt in range(1, attempts + 1):
        try:
            with write_transaction(engine) as session:
                return work(session)
        except Exception as error:
            cause = retry_cause(error)
            if cause is None:
                raise
            retries.add(cause)
            log.warning(
                "transaction retried after a %s (attempt %d of %d)", cause, attempt, attempts
            )
            if attempt == attempts:
                raise Busy(
                    "Many people are changing the same projects right now; nothing was saved. "
                    "Please try again."
                ) from error
            # A little random back-off, so the two sides of a deadlock do not collide again.
            time.sleep(random.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def audit_refusal(engine: Engine, refusal: PermissionDenied) -> None:
    """Record a refused privileged action in its own transaction."""
    from core.models import AuditEntry  # models import nothing from here; keep db.py light

    with Session(engine) as session:
        session.add(
            AuditEntry(
                actor_id=refusal.actor_id,
                actor_role=refusal.actor_role,
                action=refusal.action or "refused",
                entity=refusal.entity or "unknown",
                entity_id=refusal.entity_id,
                outcome="refused",
                detail=refusal.message[:500],
            )
        )
        session.commit()
