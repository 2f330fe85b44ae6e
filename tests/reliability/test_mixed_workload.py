"""A mixed workload of twelve threads for 20 s: no error but refusals, no broken invariant.

Students apply, withdraw and lower their hours; mentors accept, waitlist, decline and cancel;
faculty approve (one by one and in bulk) and reject; pairs log sessions, message and move
milestones — all at once, through the services, each write as the screens make it
(`run_in_transaction`). PostgreSQL runs three times in a row with different seeds: its
deadlocks showed in about half of such runs before cascades took their locks up front.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine

from core.platform import db
from tests.conftest import _drop_postgres_database, _postgres_engine
from tests.reliability import load

THREADS = 12
SECONDS = 20.0


def _run(engine: Engine, label: str, seed: int, capsys, record_property) -> None:
    before = db.retries.snapshot()
    ok = load.run(label, engine, THREADS, SECONDS, seed=seed, apptest_threads=0)
    report = capsys.readouterr().out
    after = db.retries.snapshot()
    record_property("deadlocks_retried", after.get("deadlock", 0) - before.get("deadlock", 0))
    print(report)
    assert ok, report
    assert "operations" in report and " 0 operations" not in report, report


def test_mixed_workload_breaks_nothing_on_sqlite(sqlite_engine, capsys, record_property):
    _run(sqlite_engine, "SQLite", 101, capsys, record_property)


@pytest.mark.postgres
@pytest.mark.parametrize("run_number", [1, 2, 3])
def test_mixed_workload_breaks_nothing_on_postgres(
    postgres_server, _postgres_template, run_number, capsys, record_property
):
    built = _postgres_engine(postgres_server, _postgres_template)
    # One pooled connection per thread, as several app processes would hold.
    wide = create_engine(
        built.url.render_as_string(hide_password=False), pool_size=THREADS + 4, max_overflow=0
    )
    try:
        _run(wide, f"PostgreSQL, run {run_number} of 3", 100 + run_number, capsys, record_property)
    finally:
        wide.dispose()
        built.dispose()
        _drop_postgres_database(postgres_server, built)
