"""Regression guard: the browse and recommendation queries use indexes on SQLite.

The statements a service really sends are captured and run again under EXPLAIN QUERY PLAN; a
full scan of `project` or `application` (SCAN, rather than SEARCH through an index) fails.
The database is generated without ANALYZE, so the plans come from the schema's indexes alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bench.bulkseed import generate
from core.catalog.matching import recommend
from core.models import User
from core.platform.db import create_db_engine
from core.platform.migrate import upgrade_to_head

GUARDED_TABLES = ("project", "application")
_SCAN = re.compile(r"\bSCAN (\w+)")


@pytest.fixture(scope="module")
def big_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("plans")
    engine = create_db_engine(f"sqlite:///{folder / 'plans.db'}")
    upgrade_to_head(engine)
    generate(engine, "guard-big", seed=7, log=None, analyze=False)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def analyzed_sqlite(
    big_sqlite: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The same data with ANALYZE statistics, as a maintained database has: the planner then
    weighs the indexes by their figures and may choose another one."""
    import sqlite3

    target = tmp_path_factory.mktemp("analyzed") / "plans.db"
    with big_sqlite.connect() as conn:
        source = conn.connection.driver_connection
        copy = sqlite3.connect(target)
        source.backup(copy)  # type: ignore[union-attr]
        copy.execute("ANALYZE")
        copy.close()
    engine = create_db_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def stale_stats_sqlite(
    analyzed_sqlite: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The data analyzed before 0013: figures for the older indexes only, as a database that
    was analyzed once and then migrated has (the `large` benchmark database among them)."""
    import sqlite3

    target = tmp_path_factory.mktemp("stale") / "plans.db"
    with analyzed_sqlite.connect() as conn:
        source = conn.connection.driver_connection
        copy = sqlite3.connect(target)
        source.backup(copy)  # type: ignore[union-attr]
        copy.execute(
            "DELETE FROM sqlite_stat1 "
            "WHERE idx IN ('ix_project_status_start', 'ix_project_open_fit')"
        )
        copy.commit()
        copy.close()
    engine = create_db_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


def _user(engine: Engine, username: str) -> User:
    with Session(engine, expire_on_commit=False) as session:
        found = session.exec(select(User).where(User.username == username)).one()
    return found


def captured(engine: Engine, call: Callable[[Session], Any]) -> list[tuple[str, Any]]:
    """Run `call` in a session and return the SELECT statements it sent, with parameters."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            call(session)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "EXPLAIN QUERY PLAN " + statement, parameters
        )
        return [str(row[3]) for row in cursor.fetchall()]


def full_scans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """The plan lines that scan a guarded table, with the statement they belong to."""
    found = []
    for statement, parameters in statements:
        for line in plan(engine, statement, parameters):
            match = _SCAN.search(line)
            if match and match.group(1) in GUARDED_TABLES:
                found.append(f"{line}  ←  {' '.join(statement.split())[:300]}")
    return found


def test_recommendation_candidates_are_found_through_indexes(big_sqlite):
    student = _user(big_sqlite, "demo-student")
    statements = captured(big_sqlite, lambda s: recommend(s, actor=student, limit=10))
    assert any("project_tag" in s for s, _ in statements), "the candidate query was not seen"
    assert full_scans(big_sqlite, statements) == []


def _call_with(function: Callable[..., Any], session: Session, student: User, **wanted: Any) -> Any:
    """Call a search service with the arguments its signature asks for."""
    import inspect

    kwargs: dict[str, Any] = {}
    for name, parameter in list(inspect.signature(function).parameters.items())[1:]:
        if name in ("actor", "user", "student", "viewer"):
            kwargs[name] = student
        elif name in wanted:
            kwargs[name] = wanted[name]
        elif parameter.default is inspect.Parameter.empty:
            pytest.fail(f"search_projects needs `{name}`: teach this test how to fill it")
    return function(session, **kwargs)


@pytest.mark.parametrize("text", ["", "data"])
def test_the_browse_query_uses_indexes(big_sqlite, text):
    catalog = pytest.importorskip("core.catalog", reason="the browse service is not built yet")
    student = _user(big_sqlite, "demo-student")
    words = {name: text for name in ("text", "query", "q", "search")}
    statements = captured(
        big_sqlite,
        lambda s: _call_with(catalog.search_projects, s, student, limit=20, **words),
    )
    assert any("project" in s for s, _ in statements), "the browse query was not seen"
    assert full_scans(big_sqlite, statements) == []


def test_the_approval_queue_walks_accepted_applications_oldest_first(big_sqlite):
    from core.applications import approval_queue

    faculty = _user(big_sqlite, "demo-faculty")
    statements = captured(big_sqlite, lambda s: approval_queue(s, actor=faculty, limit=50))
    queue = [(s, p) for s, p in statements if "ORDER BY" in s and "application" in s]
    assert queue, "the queue query was not seen"
    steps = plan(big_sqlite, *queue[0])
    # Starting from the department's projects means sorting all their applications: at scale
    # that is a temporary B-tree over thousands of rows instead of stopping after `limit`.
    assert "ix_application_status_updated" in steps[0], steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
    assert full_scans(big_sqlite, queue) == []


@pytest.mark.parametrize("database", ["big_sqlite", "stale_stats_sqlite"])
@pytest.mark.parametrize("username", ["demo-faculty", "demo-admin"])
def test_the_queue_finds_its_mentors_projects_by_owner(request, database, username):
    from core.program import queue_with_loads

    engine = request.getfixturevalue(database)
    actor = _user(engine, username)
    statements = captured(engine, lambda s: queue_with_loads(s, actor=actor, limit=11))
    loads = [(s, p) for s, p in statements if s.startswith("SELECT project.owner_id")]
    assert loads, "the mentors' load statement was not seen"
    steps = plan(engine, *loads[0])
    # Walking (status, start_date) visits every live project that starts before the page's
    # last week: 35 ms at `large`, against a few index probes per mentor.
    assert len(steps) == 1 and "ix_project_owner_status (owner_id=?" in steps[0], steps


def test_the_dashboard_reads_applications_from_the_index_alone(big_sqlite):
    from datetime import date, timedelta

    from core.program import DashboardFilter, program_dashboard

    faculty = _user(big_sqlite, "demo-faculty")
    today = date.today()
    filters = DashboardFilter(None, today - timedelta(days=182), today + timedelta(days=91))
    statements = captured(
        big_sqlite, lambda s: program_dashboard(s, actor=faculty, filters=filters)
    )
    assert full_scans(big_sqlite, statements) == []
    funnel = [(s, p) for s, p in statements if "was_accepted" in s]
    timings = [(s, p) for s, p in statements if "AS waiting" in s]
    assert funnel and timings, "the funnel or the timings statement was not seen"
    # Every cohort application is visited: reading the table row by row instead of the
    # (project_id, status, timestamps) index costs seconds at the `large` profile.
    for statement in (funnel[0], timings[0]):
        steps = [step for step in plan(big_sqlite, *statement) if "application" in step]
        assert steps and all("COVERING INDEX" in step for step in steps), steps


@pytest.mark.parametrize("username", ["demo-faculty", "demo-student"])
def test_a_users_matches_are_found_through_their_indexes(big_sqlite, username):
    from core.documents import calendar_ics
    from core.workspace import my_matches

    user = _user(big_sqlite, username)

    def read(session: Session) -> None:
        my_matches(session, actor=user)
        calendar_ics(session, actor=user)

    statements = captured(big_sqlite, read)
    # "Student or mentor" as one OR over two joined tables cannot use an index on either side:
    # PostgreSQL read every match at `large` (0.24 s, twice per render of My matches).
    assert any("owner_id" in s for s, _ in statements), "the matches query was not seen"
    assert full_scans(big_sqlite, statements) == []


@pytest.mark.parametrize("sort", ["best", "newest", "deadline"])
def test_browse_within_a_term_uses_indexes(big_sqlite, sort):
    from datetime import date, timedelta

    from core.catalog import search_projects

    student = _user(big_sqlite, "demo-student")
    today = date.today()
    statements = captured(
        big_sqlite,
        lambda s: search_projects(
            s,
            actor=student,
            sort=sort,
            starts_from=today - timedelta(days=91),
            starts_until=today + timedelta(days=91),
        ),
    )
    assert any("start_date >=" in s for s, _ in statements), "the term condition was not seen"
    assert full_scans(big_sqlite, statements) == []


@pytest.mark.parametrize("database", ["big_sqlite", "analyzed_sqlite"])
@pytest.mark.parametrize("term", [False, True])
@pytest.mark.parametrize("sort", ["best", "newest"])
def test_browse_by_mode_and_duration_reads_open_projects_from_an_index_alone(
    request, database, sort, term
):
    from datetime import date, timedelta

    from core.catalog import search_projects
    from core.catalog.ranking import RankingMemo

    engine = request.getfixturevalue(database)
    student = _user(engine, "demo-student")
    # A program term keeps a range of start dates: SQLite then finds open projects through the
    # (status, start_date) index instead, which must hold the rest as well.
    today = date.today()
    dates = {"starts_from": today, "starts_until": today + timedelta(days=180)} if term else {}
    statements = captured(
        engine,
        lambda s: search_projects(
            s,
            actor=student,
            mode="remote",
            max_weeks=8,
            max_hours=6,
            sort=sort,
            memo=RankingMemo(),
            **dates,
        ),
    )
    # The statements that visit every open project: the count and the ranking (or the page's
    # ids). Testing a facet on the project row instead reads every open project's row.
    scans = [
        (s, p)
        for s, p in statements
        if "project.mode" in s and ("ORDER BY" in s or "count(*)" in s)
    ]
    assert scans, "the count or the ranking was not seen"
    for statement in scans:
        steps = [
            step
            for step in plan(engine, *statement)
            if re.search(r"\b(SEARCH|SCAN) project\b", step) and "PRIMARY KEY" not in step
        ]
        assert steps and all("COVERING INDEX" in step for step in steps), steps


@pytest.mark.parametrize("database", ["big_sqlite", "analyzed_sqlite"])
@pytest.mark.parametrize("sort", ["best", "newest"])
def test_a_text_search_looks_its_terms_up_in_the_full_text_table(request, database, sort):
    from core.catalog import search_projects

    engine = request.getfixturevalue(database)
    student = _user(engine, "demo-student")
    statements = captured(
        engine, lambda s: search_projects(s, actor=student, query="data week", sort=sort)
    )
    searched = [(s, p) for s, p in statements if "project_text" in s]
    assert len(searched) >= 2, "the count and the page were not seen"
    for statement in searched:
        steps = plan(engine, *statement)
        looked_up = [n for n, step in enumerate(steps) if "project_text VIRTUAL TABLE" in step]
        # Each term looked up once per statement, as a list of ids: a join, or a correlated
        # lookup, searches the full-text table again for every open project (seconds at
        # `large`).
        assert len(looked_up) == 2, steps
        assert all(steps[n - 1].startswith("LIST SUBQUERY") for n in looked_up), steps
        # Open projects are then tested from an index alone: their text is not read row by row.
        reads = [
            step
            for step in steps
            if re.search(r"\b(SEARCH|SCAN) project\b", step) and "PRIMARY KEY" not in step
        ]
        assert reads and all("COVERING INDEX" in step for step in reads), steps
