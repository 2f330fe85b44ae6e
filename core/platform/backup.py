"""Online backup and restore of the portal's database.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
the app keeps writing (WAL readers never block writers). PostgreSQL: `pg_dump --format=custom`
takes a consistent snapshot in one repeatable-read transaction; `pg_restore --single-transaction`
puts it back all or nothing.

A restore refuses to overwrite a database that holds data unless it is forced.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL, make_url

from core.platform.db import create_db_engine
from core.platform.migrate import SEARCH_INDEX_TABLES

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Tables that describe the schema rather than hold the program's data (the search index has
# rows of its own in an empty database, and holds nothing the project table does not).
BOOKKEEPING_TABLES = frozenset({"alembic_version"}) | SEARCH_INDEX_TABLES


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size_bytes: int
    rows: dict[str, int]


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    kind: str
    rows: dict[str, int]


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"Backups of {backend} databases are not supported.")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _tool(name: str) -> str:
    candidate = PG_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found (looked in {PG_BIN} and on PATH); "
            "install the PostgreSQL 15 client tools."
        )
    return found


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore from the URL; the password goes by env."""
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if not url.database:
        raise BackupError("The PostgreSQL URL names no database.")
    args += ["--dbname", url.database]
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return args, env


def row_counts(engine: Engine) -> dict[str, int]:
    """Return the number of rows of every table (schema bookkeeping included)."""
    names = sorted(inspect(engine).get_table_names())
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for name in names:
            quoted = engine.dialect.identifier_preparer.quote(name)
            counts[name] = int(
                connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()
            )
    return counts


def holds_data(engine: Engine) -> bool:
    """Tell whether any of the program's tables has a row (an empty schema is not data)."""
    return any(n for name, n in row_counts(engine).items() if name not in BOOKKEEPING_TABLES)


def _file_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump custom-format archive.")


# ---------------------------------------------------------------------------- backup


def backup(database_url: str, destination: Path) -> BackupResult:
    """Write a consistent copy of the database to `destination` while the app keeps running."""
    url = make_url(database_url)
    kind = _kind(url)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a failed backup never leaves a half file behind.
    handle, partial_name = tempfile.mkstemp(prefix=".backup-", dir=destination.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        if kind == "sqlite":
            _backup_sqlite(_sqlite_path(url), partial)
        else:
            _backup_postgres(url, partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    rows = _rows_in_file(destination, kind) if kind == "sqlite" else {}
    return BackupResult(destination, kind, destination.stat().st_size, rows)


def _backup_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"The database file {source} does not exist.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        # One step copies every page under one read snapshot: concurrent writers go on in WAL.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"The backup copy failed its integrity check: {check}")
    finally:
        dst.close()
        src.close()


def _backup_postgres(url: URL, target: Path) -> None:
    args, env = _pg_args(url)
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    command += ["--file", str(target), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def _rows_in_file(path: Path, kind: str) -> dict[str, int]:
    """Count the rows of a SQLite backup file without changing it (read-only)."""
    if kind != "sqlite":
        return {}
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in sorted(names)
        }
    finally:
        connection.close()


# ---------------------------------------------------------------------------- restore


def restore(database_url: str, source: Path, *, force: bool = False) -> RestoreResult:
    """Replace the database's content with the backup; refuse to overwrite data unless forced."""
    url = make_url(database_url)
    kind = _kind(url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"The backup file {source} does not exist.")
    found = _file_kind(source)
    if found != kind:
        raise BackupError(
            f"{source} is a {found} backup but DATABASE_URL points at a {kind} database."
        )
    if not force:
        _refuse_if_data(database_url)
    if kind == "sqlite":
        _restore_sqlite(source, _sqlite_path(url))
    else:
        _restore_postgres(url, source)
    engine = create_db_engine(database_url)
    try:
        rows = row_counts(engine)
    finally:
        engine.dispose()
    return RestoreResult(source, kind, rows)


def _refuse_if_data(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return
    engine = create_db_engine(database_url)
    try:
        occupied = holds_data(engine)
    finally:
        engine.dispose()
    if occupied:
        raise BackupError(
            f"The database {url.render_as_string(hide_password=True)} already holds data; "
            "restoring would overwrite it. Re-run with --force to replace it."
        )


def _restore_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"The backup {source} failed its integrity check: {check}")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            dst.execute("PRAGMA busy_timeout=30000")
            # The backup API replaces every page of the target under its write lock.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgres(url: URL, source: Path) -> None:
    args, env = _pg_args(url)
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
        str(source),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
