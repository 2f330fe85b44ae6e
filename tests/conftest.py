"""Shared fixtures: a migrated database per test, on SQLite and on a throw-away PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

# Cheap hashes keep the suite fast; production uses bcrypt's default cost.
os.environ.setdefault("BCRYPT_ROUNDS", "4")

from core.db import create_db_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from tests.pg import ThrowawayPostgres  # noqa: E402

_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Launch Debian's Chromium through Playwright once per test session.

    One Playwright instance per process: a second sync_playwright() would fail inside the
    first one's event loop, so browser tests in every folder share this one.
    """
    from tests.browser import launch_browser

    yield from launch_browser()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """Start one PostgreSQL server for the whole test session (a failure if it cannot)."""
    server = ThrowawayPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: ThrowawayPostgres) -> str:
    """Migrate one database once; each test clones it (CREATE DATABASE … TEMPLATE)."""
    url = postgres_server.create_database("template_mentoring")
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return "template_mentoring"


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade_to_head(engine)
    return engine


def _postgres_engine(server: ThrowawayPostgres, template: str) -> Engine:
    import psycopg

    name = f"test_{next(_database_numbers)}"
    with psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return create_db_engine(f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{name}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        built = _sqlite_engine(tmp_path)
    else:
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("_postgres_template")
        built = _postgres_engine(server, template)
    try:
        yield built
    finally:
        built.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database only (for SQLite-specific behaviour)."""
    built = _sqlite_engine(tmp_path)
    yield built
    built.dispose()
