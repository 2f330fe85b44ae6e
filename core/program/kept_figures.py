"""The dashboard in parts: each part's figures, computed in parallel and kept in the database
for FIGURES_MAX_AGE.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from core.models import ApplicationStatus, KeptFigures, Project, ProjectStatus, User
from core.platform.db import read_session, write_transaction
from core.platform.types import utcnow
from core.program.approval_queue import _ensure_faculty
from core.program.dashboard import (
    PUBLISHED,
    AgeBucket,
    AtRisk,
    Dashboard,
    DashboardFilter,
    DepartmentHours,
    Funnel,
    SelfEfficacyChange,
    TagDemand,
    WeekSessions,
    _at_risk,
    _demand,
    _dialect,
    _funnel,
    _hours,
    _self_efficacy,
    _sessions,
    _timings,
    default_filter,
    median_of_histogram,
)
from core.program.terms import _all_terms, current_term, previous_term, term_filter

log = logging.getLogger(__name__)

S = ApplicationStatus
P = ProjectStatus


def departments(session: Session, *, actor: User) -> list[str]:
    """Return the departments that have published projects, for the dashboard filter."""
    _ensure_faculty(actor, "program.departments")
    rows = session.execute(
        sa.select(col(Project.department))
        .where(col(Project.status).in_(PUBLISHED))
        .distinct()
        .order_by(col(Project.department))
    ).all()
    return [row[0] for row in rows]


@dataclass(frozen=True)
class TimingFigures:
    """The time to match and the approval ages of one filter."""

    matches: int
    median_days_to_match: float | None
    approval_ages: list[AgeBucket]


@dataclass(frozen=True)
class WorkspaceFigures:
    """Sessions per week, matches at risk and the self-efficacy change of one filter."""

    sessions: list[WeekSessions]
    at_risk: AtRisk
    self_efficacy: SelfEfficacyChange


# The dashboard is read in parts, so a screen can compute them side by side and show each as
# soon as it is counted: on a large program the whole takes a second, the funnel half of that.


def funnel_figures(session: Session, *, actor: User, filters: DashboardFilter) -> Funnel:
    """Return how many of the filter's applications reached each stage."""
    _ensure_faculty(actor, "program.dashboard")
    return _funnel(session, filters)


def timing_figures(
    session: Session, *, actor: User, filters: DashboardFilter, now: datetime | None = None
) -> TimingFigures:
    """Return the days to match (median and count) and how long approvals waited."""
    _ensure_faculty(actor, "program.dashboard")
    histogram, ages = _timings(session, filters, now or utcnow())
    return TimingFigures(
        matches=sum(histogram.values()),
        median_days_to_match=median_of_histogram(histogram),
        approval_ages=ages,
    )


def demand_figures(
    session: Session, *, actor: User, filters: DashboardFilter, limit: int = 15
) -> list[TagDemand]:
    """Return applications against seats per interest tag, the biggest shortfall first."""
    _ensure_faculty(actor, "program.dashboard")
    return _demand(session, filters, limit)


def hours_figures(
    session: Session, *, actor: User, filters: DashboardFilter
) -> list[DepartmentHours]:
    """Return mentor hours offered, on matched projects and logged, per department."""
    _ensure_faculty(actor, "program.dashboard")
    return _hours(session, filters)


def workspace_figures(
    session: Session, *, actor: User, filters: DashboardFilter, now: datetime | None = None
) -> WorkspaceFigures:
    """Return sessions per week, matches at risk and the self-efficacy change."""
    _ensure_faculty(actor, "program.dashboard")
    now = now or utcnow()
    return WorkspaceFigures(
        sessions=_sessions(session, filters),
        at_risk=_at_risk(session, filters, now.astimezone(UTC).date()),
        self_efficacy=_self_efficacy(session, filters),
    )


# The dashboard's parts, in the order a screen shows them.
DASHBOARD_PARTS = ("funnel", "timing", "demand", "hours", "workspace")
# Parts computed side by side: each is a scan that keeps one core busy (SQLite runs in this
# process and releases the GIL while it works), so more than the cores would only queue.
PARALLEL_PARTS = max(1, min(len(DASHBOARD_PARTS), os.cpu_count() or 1))
# Computed figures are kept in the database this long. Every faculty member and admin sees the
# same figures for a filter (the dashboard shows the whole program to all of them), so one
# computation serves every viewer and every app process; on a large program it takes a second.
FIGURES_MAX_AGE = timedelta(minutes=10)
_PART_TYPES: dict[str, Any] = {
    "funnel": Funnel,
    "timing": TimingFigures,
    "demand": list[TagDemand],
    "hours": list[DepartmentHours],
    "workspace": WorkspaceFigures,
}


@dataclass(frozen=True)
class DashboardPart:
    """One part of the dashboard's figures and the moment they were computed."""

    name: str
    figures: Any
    computed_at: datetime


@cache
def _figures_type(part: str) -> TypeAdapter[Any]:
    return TypeAdapter(_PART_TYPES[part])


def filter_key(filters: DashboardFilter) -> str:
    """Return the text that names a filter among the kept figures."""

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    # The dates hold no "|", so a department that does still gives a key of its own.
    return f"{filters.department or ''}|{day(filters.start)}|{day(filters.end)}"


def _kept_parts(
    session: Session, parts: Sequence[str], key: str, newer_than: datetime
) -> dict[str, DashboardPart]:
    rows = session.execute(
        sa.select(KeptFigures).where(
            col(KeptFigures.part).in_(parts),
            col(KeptFigures.filter_key) == key,
            col(KeptFigures.computed_at) > newer_than,
        )
    ).scalars()
    return {
        row.part: DashboardPart(
            row.part, _figures_type(row.part).validate_json(row.figures), row.computed_at
        )
        for row in rows
    }


def keep_part(session: Session, part: DashboardPart, *, key: str) -> None:
    """Store a part's figures for the filter, unless newer ones are stored already."""
    dialect = postgresql if _dialect(session) == "postgresql" else sqlite
    values = {
        "part": part.name,
        "filter_key": key,
        "computed_at": part.computed_at,
        "figures": _figures_type(part.name).dump_json(part.figures).decode(),
    }
    insert = dialect.insert(KeptFigures).values(**values)
    # Two processes computing the same filter at once both store; the later moment wins.
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["part", "filter_key"],
            set_={"computed_at": insert.excluded.computed_at, "figures": insert.excluded.figures},
            where=col(KeptFigures.computed_at) < insert.excluded.computed_at,
        )
    )


def forget_old_figures(session: Session, *, before: datetime) -> None:
    """Delete kept figures computed at or before the moment: they are never shown again.

    Rows another transaction holds (a part being stored beside this one) are skipped, never
    waited for: two counts storing and pruning side by side would otherwise deadlock on
    PostgreSQL, each waiting for the row the other just stored.
    """
    old = (
        sa.select(col(KeptFigures.id))
        .where(col(KeptFigures.computed_at) <= before)
        .with_for_update(skip_locked=True)
    )
    session.execute(sa.delete(KeptFigures).where(col(KeptFigures.id).in_(old)))


def dashboard_parts(
    engine: Engine,
    *,
    actor: User,
    filters: DashboardFilter,
    parts: Sequence[str] = DASHBOARD_PARTS,
    now: datetime | None = None,
    max_age: timedelta = FIGURES_MAX_AGE,
    workers: int = PARALLEL_PARTS,
) -> Iterator[DashboardPart]:
    """Yield dashboard parts in order: kept ones younger than max_age, the rest computed.

    The actor is checked once up front (one refusal, one audit row). Missing parts are
    computed side by side, each in its own read session, and kept for the next viewer. Each
    part reads its own snapshot: a write landing meanwhile may show in one part and not yet in
    another, as it would between two reruns. A max_age of zero counts everything again.
    """
    unknown = [part for part in parts if part not in DASHBOARD_PARTS]
    if unknown:
        raise ValueError(f"unknown dashboard parts: {unknown}")
    moment = now or utcnow()
    key = filter_key(filters)
    with read_session(engine) as session:
        _ensure_faculty(actor, "program.dashboard")
        kept = _kept_parts(session, parts, key, moment - max_age) if max_age else {}
    readers: dict[str, Callable[[Session], Any]] = {
        "funnel": lambda s: funnel_figures(s, actor=actor, filters=filters),
        "timing": lambda s: timing_figures(s, actor=actor, filters=filters, now=moment),
        "demand": lambda s: demand_figures(s, actor=actor, filters=filters),
        "hours": lambda s: hours_figures(s, actor=actor, filters=filters),
        "workspace": lambda s: workspace_figures(s, actor=actor, filters=filters, now=moment),
    }

    def compute(part: str) -> DashboardPart:
        with read_session(engine) as session:
            computed = DashboardPart(part, readers[part](session), moment)
        with write_transaction(engine) as session:
            keep_part(session, computed, key=key)
            forget_old_figures(session, before=moment - FIGURES_MAX_AGE)
        return computed

    missing = [part for part in parts if part not in kept]
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing) or 1)))
    try:
        futures: dict[str, Future[DashboardPart]] = {
            part: pool.submit(compute, part) for part in missing
        }
        for part in parts:
            yield kept[part] if part in kept else futures[part].result()
    finally:
        # A reader that stops early (a rerun) leaves nothing queued behind it; a part being
        # computed still finishes and is kept.
        pool.shutdown(wait=True, cancel_futures=True)


def refresh_figures(engine: Engine, *, actor: User, today: date | None = None) -> int:
    """Count and keep the default filter's figures, for the program and each department.

    With terms defined, the default is the current term, and the term before it is counted
    too (the dashboard compares the two).

    Run from cron every few minutes (well within FIGURES_MAX_AGE), it spares every viewer of
    the default filters the wait for a count. Returns how many filters were counted.
    """
    today = today or date.today()
    with read_session(engine) as session:
        names = departments(session, actor=actor)
        terms = _all_terms(session)
    current = current_term(terms, today=today)
    bases = [default_filter(today)]
    if current is not None:
        # With terms, the dashboard opens on the current term, compared with the one before.
        previous = previous_term(terms, current)
        bases = [term_filter(t) for t in (current, previous) if t is not None]
    filters = [f for b in bases for f in (b, *(replace(b, department=name) for name in names))]
    for each in filters:
        for _ in dashboard_parts(engine, actor=actor, filters=each, max_age=timedelta(0)):
            pass
    return len(filters)


def program_dashboard(
    session: Session,
    *,
    actor: User,
    filters: DashboardFilter,
    now: datetime | None = None,
    demand_limit: int = 15,
) -> Dashboard:
    """Return every dashboard figure for the filter, in seven aggregate statements."""
    now = now or utcnow()
    funnel = funnel_figures(session, actor=actor, filters=filters)
    timing = timing_figures(session, actor=actor, filters=filters, now=now)
    demand = demand_figures(session, actor=actor, filters=filters, limit=demand_limit)
    hours = hours_figures(session, actor=actor, filters=filters)
    workspace = workspace_figures(session, actor=actor, filters=filters, now=now)
    return Dashboard(
        filters=filters,
        funnel=funnel,
        matches=timing.matches,
        median_days_to_match=timing.median_days_to_match,
        approval_ages=timing.approval_ages,
        demand=demand,
        hours=hours,
        sessions=workspace.sessions,
        at_risk=workspace.at_risk,
        self_efficacy=workspace.self_efficacy,
    )
