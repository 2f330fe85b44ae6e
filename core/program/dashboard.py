"""The program dashboard's figures, each computed by aggregate SQL.

Dashboard cohort: projects that were published (not drafts) and start within the chosen date
range, optionally of one department, and the applications to them. Sessions per week count
sessions held within the range; matches at risk are counted as of today.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from core.models import (
    MATCH_STATUSES,
    Application,
    ApplicationStatus,
    Project,
    ProjectStatus,
    ProjectTag,
    Tag,
)
from core.platform.types import UTCDateTime
from core.workspace.models import MatchSession, SelfEfficacy, SelfEfficacyPhase
from core.workspace.rules import AT_RISK_DAYS

log = logging.getLogger(__name__)

S = ApplicationStatus
P = ProjectStatus

# Projects that were published: the dashboard never counts drafts.
PUBLISHED = tuple(status for status in ProjectStatus if status is not P.DRAFT)
# Approval-age buckets, in whole days waited: (label, lowest day, highest day or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–1 days", 0, 1),
    ("2–3 days", 2, 3),
    ("4–7 days", 4, 7),
    ("8–14 days", 8, 14),
    ("over 14 days", 15, None),
)


@dataclass(frozen=True)
class DashboardFilter:
    """Which part of the program the dashboard shows: a department and project start dates."""

    department: str | None = None
    start: date | None = None
    end: date | None = None


# The dashboard's default range of project start dates: the last six months and the next three.
DEFAULT_PAST_DAYS, DEFAULT_FUTURE_DAYS = 182, 91


def default_filter(today: date | None = None) -> DashboardFilter:
    """Return the dashboard's default filter: every department, the default date range."""
    today = today or date.today()
    return DashboardFilter(
        department=None,
        start=today - timedelta(days=DEFAULT_PAST_DAYS),
        end=today + timedelta(days=DEFAULT_FUTURE_DAYS),
    )


@dataclass(frozen=True)
class Funnel:
    """Applications that reached each stage (a later stage implies the earlier ones)."""

    submitted: int = 0
    accepted: int = 0
    approved: int = 0
    completed: int = 0
    ended_early: int = 0

    def stages(self) -> list[tuple[str, int]]:
        return [
            ("submitted", self.submitted),
            ("accepted", self.accepted),
            ("approved", self.approved),
            ("completed", self.completed),
        ]


@dataclass(frozen=True)
class AgeBucket:
    """How many accepted applications waited this long for a faculty decision."""

    label: str
    decided: int
    waiting: int


@dataclass(frozen=True)
class TagDemand:
    """Applications to projects with a tag against the seats those projects offer."""

    tag: str
    applications: int
    seats: int

    @property
    def gap(self) -> int:
        return self.applications - self.seats


@dataclass(frozen=True)
class DepartmentHours:
    """Mentor hours over whole projects: offered, on projects that got a match, and logged."""

    department: str
    offered: float
    matched: float
    logged: float


@dataclass(frozen=True)
class WeekSessions:
    week: date
    sessions: int
    hours: float


@dataclass(frozen=True)
class SelfEfficacyChange:
    """Leadership self-efficacy (mean of five 1–5 items) at match start and at close."""

    pairs: int = 0
    start_mean: float | None = None
    close_mean: float | None = None
    improved: int = 0
    unchanged: int = 0
    declined: int = 0

    @property
    def change(self) -> float | None:
        if self.start_mean is None or self.close_mean is None:
            return None
        return self.close_mean - self.start_mean


@dataclass(frozen=True)
class AtRisk:
    running: int = 0
    at_risk: int = 0


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the program dashboard for one filter."""

    filters: DashboardFilter
    funnel: Funnel
    matches: int
    median_days_to_match: float | None
    approval_ages: list[AgeBucket]
    demand: list[TagDemand]
    hours: list[DepartmentHours]
    sessions: list[WeekSessions]
    at_risk: AtRisk
    self_efficacy: SelfEfficacyChange


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _whole_days(session: Session, later: Any, earlier: Any) -> Any:
    """SQL for the whole days (rounded down) from `earlier` to `later`."""
    if _dialect(session) == "sqlite":
        # Whole seconds as integers, then integer division: no floating-point day fractions.
        def seconds(moment: Any) -> Any:
            return sa.cast(func.strftime(sa.literal_column("'%s'"), moment), sa.Integer)

        # Floor division of integers stays an integer on SQLite (`/` would add `+ 0.0` and
        # group the histogram by fractional days: a group per row).
        return (seconds(later) - seconds(earlier)) // 86400
    elapsed = func.extract("epoch", later - earlier)
    return sa.cast(func.floor(elapsed / 86400.0), sa.Integer)


def _week_of(session: Session, day: Any) -> Any:
    """SQL for the Monday of a date's ISO week."""
    if _dialect(session) == "sqlite":
        return func.date(day, sa.literal_column("'weekday 0'"), sa.literal_column("'-6 days'"))
    return sa.cast(func.date_trunc(sa.literal_column("'week'"), day), sa.Date)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _cohort(filters: DashboardFilter) -> list[Any]:
    """Conditions on Project for the dashboard's cohort."""
    where: list[Any] = [col(Project.status).in_(PUBLISHED)]
    if filters.department:
        where.append(col(Project.department) == filters.department)
    if filters.start is not None:
        where.append(col(Project.start_date) >= filters.start)
    if filters.end is not None:
        where.append(col(Project.start_date) <= filters.end)
    return where


def _moment(session: Session, value: datetime) -> Any:
    """A bound UTC moment (typed, so PostgreSQL can subtract it from a timestamp)."""
    moment = sa.literal(value, UTCDateTime())
    # SQLite has no date type: a CAST there would turn the text into a number.
    return moment if _dialect(session) == "sqlite" else sa.cast(moment, sa.DateTime)


def _count_funnel(counts: dict[str, int], status: S, was_accepted: bool, n: int) -> None:
    counts["submitted"] += n
    if was_accepted or status in (S.ACCEPTED, *MATCH_STATUSES, S.REJECTED):
        counts["accepted"] += n
    if status in MATCH_STATUSES:
        counts["approved"] += n
    if status is S.COMPLETED:
        counts["completed"] += n
    if status is S.ENDED_EARLY:
        counts["ended_early"] += n


def _funnel(session: Session, filters: DashboardFilter) -> Funnel:
    """Count the cohort's applications by status and whether they were ever accepted.

    Read from the project-timeline index (it carries the status and the timestamps, so the
    application table itself is not read); a dozen rows come back whatever the data size.
    """
    status = col(Application.status)
    was_accepted = col(Application.accepted_at).is_not(None)
    counts: dict[str, int] = defaultdict(int)
    for raw, accepted, n in session.execute(
        sa.select(status, was_accepted.label("was_accepted"), func.count())
        .select_from(Application)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(*_cohort(filters))
        .group_by(status, was_accepted)
    ):
        _count_funnel(counts, S(raw), bool(accepted), n)
    return Funnel(**counts)


def _timings(
    session: Session, filters: DashboardFilter, now: datetime
) -> tuple[dict[int, int], list[AgeBucket]]:
    """Days from submission to match (a histogram) and approval ages, in whole days.

    The matched, rejected and accepted applications (found by status in the same index) are
    grouped by their days to match, to a decision or waiting: a few hundred rows come back.
    """
    status = col(Application.status)
    accepted_at = col(Application.accepted_at)
    decided_at = case(
        (status == S.REJECTED, col(Application.updated_at)),
        else_=col(Application.approved_at),
    )
    days = (
        sa.select(
            status.label("status"),
            case(
                (
                    status.in_(MATCH_STATUSES),
                    _whole_days(session, col(Application.approved_at), col(Application.created_at)),
                )
            ).label("matched"),
            case(
                (status != S.ACCEPTED, _whole_days(session, decided_at, accepted_at)),
            ).label("decided"),
            case(
                (status == S.ACCEPTED, _whole_days(session, _moment(session, now), accepted_at)),
            ).label("waiting"),
        )
        .select_from(Application)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(*_cohort(filters), status.in_((*MATCH_STATUSES, S.REJECTED, S.ACCEPTED)))
        .subquery()
    )
    histogram: dict[int, int] = defaultdict(int)
    ages: dict[str, dict[str, int]] = {label: defaultdict(int) for label, _, _ in AGE_BUCKETS}

    def age(kind: str, value: Any, n: int) -> None:
        value = max(0, int(value or 0))
        for label, low, high in AGE_BUCKETS:
            if value >= low and (high is None or value <= high):
                ages[label][kind] += n
                return

    for raw, matched, decided, waiting, n in session.execute(
        sa.select(
            days.c.status, days.c.matched, days.c.decided, days.c.waiting, func.count()
        ).group_by(days.c.status, days.c.matched, days.c.decided, days.c.waiting)
    ):
        state = S(raw)
        if state is S.ACCEPTED:
            age("waiting", waiting, n)
        else:
            if state in MATCH_STATUSES:
                histogram[max(0, int(matched or 0))] += n
            age("decided", decided, n)
    buckets = [
        AgeBucket(label, ages[label]["decided"], ages[label]["waiting"])
        for label, _, _ in AGE_BUCKETS
    ]
    return dict(histogram), buckets


def median_of_histogram(histogram: dict[int, int]) -> float | None:
    """Return the median of values given as {value: count} (the mean of the middle two)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(value)
    return (found[0] + found[1]) / 2


def _demand(session: Session, filters: DashboardFilter, limit: int) -> list[TagDemand]:
    applications = (
        sa.select(func.count())
        .select_from(Application)
        .where(col(Application.project_id) == col(Project.id))
        .scalar_subquery()
    )
    seats = case((col(Project.status) == P.CANCELLED, 0), else_=col(Project.seats))
    # Grouped by the (unique) project id so the database computes each project's count once:
    # a plain subquery is flattened into the tag join and counts a project once per tag.
    per_project = (
        sa.select(
            col(Project.id).label("project_id"),
            seats.label("seats"),
            applications.label("applications"),
        )
        .where(*_cohort(filters))
        .group_by(col(Project.id))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            col(Tag.name),
            func.sum(per_project.c.applications),
            func.sum(per_project.c.seats),
        )
        .select_from(per_project)
        .join(ProjectTag, col(ProjectTag.project_id) == per_project.c.project_id)
        .join(Tag, col(Tag.id) == col(ProjectTag.tag_id))
        .group_by(col(Tag.name))
    ).all()
    found = [
        TagDemand(name, int(apps or 0), int(seats or 0))
        for name, apps, seats in rows
        if apps or seats
    ]
    found.sort(key=lambda row: (-row.gap, -row.applications, row.tag))
    return found[:limit]


def _hours(session: Session, filters: DashboardFilter) -> list[DepartmentHours]:
    whole = col(Project.mentor_hours) * col(Project.duration_weeks)
    # SELECT id (not *): answered from the project-status index alone.
    has_match = (
        sa.select(col(Application.id))
        .where(
            col(Application.project_id) == col(Project.id),
            col(Application.status).in_(MATCH_STATUSES),
        )
        .exists()
    )
    cohort = [*_cohort(filters), col(Project.status) != P.CANCELLED]
    per_project = (
        sa.select(
            col(Project.department).label("department"),
            whole.label("offered"),
            case((has_match, whole), else_=0).label("matched"),
        )
        .where(*cohort)
        .subquery()
    )
    offered = (
        sa.select(
            per_project.c.department,
            func.sum(per_project.c.offered).label("offered"),
            func.sum(per_project.c.matched).label("matched"),
        )
        .group_by(per_project.c.department)
        .subquery()
    )
    # Minutes per match from one pass over the session table: `+ 0` keeps SQLite from walking
    # the (application_id, held_on) index, which would read every session row out of order.
    match_id = (col(MatchSession.application_id) + 0).label("application_id")
    per_match = (
        sa.select(match_id, func.sum(col(MatchSession.minutes)).label("minutes"))
        .group_by(match_id)
        .subquery()
    )
    logged = (
        sa.select(col(Project.department).label("department"), func.sum(per_match.c.minutes))
        .select_from(per_match)
        .join(Application, col(Application.id) == per_match.c.application_id)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(*cohort)
        .group_by(col(Project.department))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            offered.c.department,
            offered.c.offered,
            offered.c.matched,
            func.coalesce(list(logged.c)[1], 0),
        )
        .select_from(offered)
        .outerjoin(logged, logged.c.department == offered.c.department)
        .order_by(offered.c.department)
    ).all()
    return [
        DepartmentHours(dept, float(offered or 0), float(matched or 0), float(minutes or 0) / 60)
        for dept, offered, matched, minutes in rows
    ]


def _sessions(session: Session, filters: DashboardFilter) -> list[WeekSessions]:
    week = _week_of(session, col(MatchSession.held_on))
    statement = (
        sa.select(week, func.count(), func.sum(col(MatchSession.minutes)))
        .select_from(MatchSession)
        .group_by(week)
        .order_by(week)
    )
    if filters.department:
        # Only a department needs the project; every session has its application and project
        # (foreign keys), so without one the two joins per session would filter nothing.
        statement = (
            statement.join(Application, col(Application.id) == col(MatchSession.application_id))
            .join(Project, col(Project.id) == col(Application.project_id))
            .where(
                col(Project.department) == filters.department,
                col(Application.status).in_(MATCH_STATUSES),
            )
        )
    if filters.start is not None:
        statement = statement.where(col(MatchSession.held_on) >= filters.start)
    if filters.end is not None:
        statement = statement.where(col(MatchSession.held_on) <= filters.end)
    return [
        WeekSessions(_as_date(monday), int(n), float(minutes or 0) / 60)
        for monday, n, minutes in session.execute(statement).all()
    ]


def _at_risk(session: Session, filters: DashboardFilter, today: date) -> AtRisk:
    """Running matches, and those with no sign of life (start, approval, session) in 21 days."""
    cutoff = today - timedelta(days=AT_RISK_DAYS)
    cutoff_moment = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    recent = sa.exists().where(
        col(MatchSession.application_id) == col(Application.id),
        col(MatchSession.held_on) > cutoff,
    )
    approved = func.coalesce(col(Application.approved_at), col(Application.updated_at))
    silent = and_(
        col(Project.start_date) <= cutoff,
        approved < _moment(session, cutoff_moment),
        sa.not_(recent),
    )
    statement = (
        sa.select(func.count(), func.coalesce(func.sum(case((silent, 1), else_=0)), 0))
        .select_from(Application)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(col(Application.status) == S.APPROVED)
    )
    if filters.department:
        statement = statement.where(col(Project.department) == filters.department)
    running, at_risk = session.execute(statement).one()
    return AtRisk(int(running or 0), int(at_risk or 0))


def _self_efficacy(session: Session, filters: DashboardFilter) -> SelfEfficacyChange:
    start = aliased(SelfEfficacy)
    close = aliased(SelfEfficacy)

    def total(row: Any) -> Any:
        return row.item1 + row.item2 + row.item3 + row.item4 + row.item5

    def mean(row: Any) -> Any:
        return total(row) / 5.0

    change = total(close) - total(start)
    row = session.execute(
        sa.select(
            func.count(),
            func.avg(mean(start)),
            func.avg(mean(close)),
            func.coalesce(func.sum(case((change > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((change == 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((change < 0, 1), else_=0)), 0),
        )
        .select_from(start)
        .join(
            close,
            and_(
                col(close.application_id) == col(start.application_id),
                col(close.phase) == SelfEfficacyPhase.CLOSE,
            ),
        )
        .join(Application, col(Application.id) == col(start.application_id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(col(start.phase) == SelfEfficacyPhase.START, *_cohort(filters))
    ).one()
    pairs, start_mean, close_mean, improved, unchanged, declined = row
    if not pairs:
        return SelfEfficacyChange()
    return SelfEfficacyChange(
        pairs=int(pairs),
        start_mean=float(start_mean),
        close_mean=float(close_mean),
        improved=int(improved),
        unchanged=int(unchanged),
        declined=int(declined),
    )
