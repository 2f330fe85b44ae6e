"""Faculty reads and bulk actions: the approval queue with loads, the program dashboard, exports.

Every figure is computed by aggregate SQL (a handful of statements, whatever the data size);
nothing loads a whole table into Python. Reads check the actor's role first.

Dashboard cohort: projects that were published (not drafts) and start within the chosen date
range, optionally of one department, and the applications to them. Sessions per week count
sessions held within the range; matches at risk are counted as of today.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from typing import Any, TextIO

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy import Engine, and_, case, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from core.applications import (
    QueueItem,
    approval_queue,
    approve,
    approved_matches,
)
from core.commitment import Commitment, occupied_weeks, weekly_load
from core.db import read_session, run_in_transaction, write_transaction
from core.errors import DomainError
from core.models import (
    LIVE_PROJECT_STATUSES,
    Application,
    ApplicationStatus,
    KeptFigures,
    Project,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
)
from core.permissions import ensure_role, is_admin
from core.text import spreadsheet_cell
from core.types import UTCDateTime, utcnow
from core.workspace_models import MatchSession, SelfEfficacy, SelfEfficacyPhase

log = logging.getLogger(__name__)

S = ApplicationStatus
P = ProjectStatus

OVERDUE_DAYS = 3  # the queue highlights items waiting longer than this
AT_RISK_DAYS = 21  # a running match with no session in this many days is at risk
# Statuses of an application that became a match (approved at some point).
MATCH_STATUSES = (S.APPROVED, S.COMPLETED, S.ENDED_EARLY)
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


def _ensure_faculty(actor: User, action: str) -> None:
    ensure_role(actor, (Role.FACULTY, Role.ADMIN), action=action, entity="program")


# ---------------------------------------------------------------------------- approval queue


@dataclass(frozen=True)
class WeekLoad:
    """One ISO week of someone's load: hours already committed, this project's, the limit."""

    week: date
    committed: float
    adding: float
    limit: float

    @property
    def total(self) -> float:
        return self.committed + self.adding

    @property
    def over(self) -> bool:
        return self.total > self.limit + 1e-9


@dataclass(frozen=True)
class QueueRow:
    """A queue item with what a faculty member needs to decide: statement and both loads."""

    item: QueueItem
    statement: str
    blind: bool
    mentor_budget: float
    student_weeks: tuple[WeekLoad, ...]
    mentor_weeks: tuple[WeekLoad, ...]

    @property
    def overdue(self) -> bool:
        return self.item.age_days > OVERDUE_DAYS

    @property
    def student_peak(self) -> WeekLoad:
        return max(self.student_weeks, key=lambda w: (w.total, -w.week.toordinal()))

    @property
    def mentor_peak(self) -> WeekLoad:
        return max(self.mentor_weeks, key=lambda w: (w.total, -w.week.toordinal()))


def queue_with_loads(
    session: Session, *, actor: User, limit: int = 20, offset: int = 0
) -> list[QueueRow]:
    """Return the actor's approval queue, oldest first, with statements and weekly loads.

    Five statements whatever the page length: the queue and its student loads, then the
    statements, the students' approved matches and the mentors' live projects in one each.
    """
    items = approval_queue(session, actor=actor, limit=limit, offset=offset)
    if not items:
        return []
    ids = [item.application_id for item in items]
    mentor = aliased(User)
    student = aliased(User)
    details = session.execute(
        sa.select(
            col(Application.id),
            col(Application.statement),
            col(student.blind_review),
            col(Project.owner_id),
            col(mentor.weekly_hours),
            col(Project.start_date),
            col(Project.end_date),
        )
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(student, col(student.id) == col(Application.student_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .where(col(Application.id).in_(ids))
    ).all()
    by_id = {row[0]: row for row in details}
    students = approved_matches(session, [item.student_id for item in items])
    owners = {row[3] for row in details}
    first = min(row[5] for row in details)
    last = max(row[6] for row in details)
    mentor_projects: dict[int, list[Commitment]] = defaultdict(list)
    for owner_id, start, end, hours in session.execute(
        sa.select(
            col(Project.owner_id),
            col(Project.start_date),
            col(Project.end_date),
            col(Project.mentor_hours),
        ).where(
            col(Project.owner_id).in_(owners),
            col(Project.status).in_(LIVE_PROJECT_STATUSES),
            col(Project.end_date) >= first,
            col(Project.start_date) <= last,
        )
    ):
        mentor_projects[owner_id].append(Commitment(start, end, hours))
    rows = []
    for item in items:
        _, statement, blind, owner_id, budget, start, end = by_id[item.application_id]
        weeks = occupied_weeks(start, end)
        committed = weekly_load(
            c for pid, c in students.get(item.student_id, []) if pid != item.project_id
        )
        mentor_load = weekly_load(mentor_projects.get(owner_id, []))
        rows.append(
            QueueRow(
                item=item,
                statement=statement,
                blind=bool(blind),
                mentor_budget=budget,
                student_weeks=tuple(
                    WeekLoad(w, committed.get(w, 0.0), item.hours_needed, item.weekly_hours)
                    for w in weeks
                ),
                mentor_weeks=tuple(
                    WeekLoad(w, mentor_load.get(w, 0.0), 0.0, budget) for w in weeks
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a bulk action."""

    application_id: int
    ok: bool
    message: str


def _approve_one(session: Session, *, actor: User, number: int) -> None:
    approve(session, actor=actor, application_id=number)


def approve_each(
    engine: Engine, *, actor: User, application_ids: Sequence[int]
) -> list[ItemResult]:
    """Approve each application in its own transaction; no failure ever stops the others."""
    results = []
    for application_id in dict.fromkeys(application_ids):
        try:
            run_in_transaction(engine, partial(_approve_one, actor=actor, number=application_id))
        except DomainError as error:
            results.append(ItemResult(application_id, False, error.message))
        except Exception:
            # A bug or an outage on one item: say so for that item, keep approving the rest,
            # and leave the details in the server log under an id the person can quote.
            error_id = uuid.uuid4().hex[:8]
            log.exception("bulk approval of application %s failed [%s]", application_id, error_id)
            results.append(
                ItemResult(
                    application_id,
                    False,
                    f"Not approved: an unexpected error (reference {error_id}). "
                    "Nothing was changed for this application; please try it again.",
                )
            )
        else:
            results.append(ItemResult(application_id, True, "Approved."))
    return results


# ---------------------------------------------------------------------------- dashboard


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

    Run from cron every few minutes (well within FIGURES_MAX_AGE), it spares every viewer of
    the default filters the wait for a count. Returns how many filters were counted.
    """
    default = default_filter(today)
    with read_session(engine) as session:
        names = departments(session, actor=actor)
    filters = [default, *(replace(default, department=name) for name in names)]
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


# ---------------------------------------------------------------------------- exports

# The one CSV-injection guard (also shown by the old name, used by the export builders).
safe_cell = spreadsheet_cell

MATCH_COLUMNS = (
    "project",
    "department",
    "mentor",
    "student",
    "approved_on",
    "start_date",
    "end_date",
    "hours_planned",
    "hours_logged",
    "status",
)
PROJECT_COLUMNS = (
    "project",
    "department",
    "mentor",
    "status",
    "mode",
    "tags",
    "seats",
    "seats_filled",
    "student_hours_per_week",
    "mentor_hours_per_week",
    "weeks",
    "start_date",
    "end_date",
    "deadline",
    "applications",
    "matches",
)


@dataclass(frozen=True)
class ExportScope:
    """The projects an actor's exports cover: the whole program (admins, program-wide
    faculty), else the actor's department, if any, plus their own projects."""

    whole_program: bool
    department: str | None
    owner_id: int | None

    @property
    def description(self) -> str:
        """Return the scope in words, as the actor reads it ("the whole program", ...)."""
        if self.whole_program:
            return "the whole program"
        if self.department:
            return f"the {self.department} department and your own projects"
        return "your own projects"

    def conditions(self) -> list[Any]:
        """Return the conditions on Project that select the scope."""
        if self.whole_program:
            return []
        own = col(Project.owner_id) == self.owner_id
        if self.department is None:
            return [own]
        return [or_(col(Project.department) == self.department, own)]


def export_scope(actor: User) -> ExportScope:
    """Return which projects the actor's exports cover."""
    if is_admin(actor) or actor.program_wide:
        return ExportScope(whole_program=True, department=None, owner_id=actor.id)
    return ExportScope(whole_program=False, department=actor.department, owner_id=actor.id)


def match_rows(session: Session, *, actor: User) -> Iterator[list[str]]:
    """Return the header and one row per match in the actor's scope, oldest approval first."""
    _ensure_faculty(actor, "program.export_matches")
    return _match_rows(session, actor)


def _match_rows(session: Session, actor: User) -> Iterator[list[str]]:
    mentor = aliased(User)
    student = aliased(User)
    logged = (
        sa.select(func.coalesce(func.sum(col(MatchSession.minutes)), 0))
        .where(col(MatchSession.application_id) == col(Application.id))
        .scalar_subquery()
    )
    statement = (
        sa.select(
            col(Project.title),
            col(Project.department),
            col(mentor.display_name),
            col(student.display_name),
            col(Application.approved_at),
            col(Project.start_date),
            col(Project.end_date),
            col(Project.student_hours) * col(Project.duration_weeks),
            logged,
            col(Application.status),
        )
        .select_from(Application)
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .join(student, col(student.id) == col(Application.student_id))
        .where(col(Application.status).in_(MATCH_STATUSES), *export_scope(actor).conditions())
        .order_by(col(Application.approved_at), col(Application.id))
    )
    yield list(MATCH_COLUMNS)
    for row in session.execute(statement.execution_options(yield_per=1000)):
        title, dept, mentor_name, student_name, approved_at, start, end, planned, minutes, st = row
        yield [
            safe_cell(title),
            safe_cell(dept),
            safe_cell(mentor_name),
            safe_cell(student_name),
            approved_at.date().isoformat() if approved_at else "",
            start.isoformat(),
            end.isoformat(),
            safe_cell(float(planned)),
            safe_cell(float(minutes or 0) / 60),
            S(st).value,
        ]


def project_rows(session: Session, *, actor: User) -> Iterator[list[str]]:
    """Return the header and one row per published project in the actor's scope."""
    _ensure_faculty(actor, "program.export_projects")
    return _project_rows(session, actor)


def _project_rows(session: Session, actor: User) -> Iterator[list[str]]:
    scope = export_scope(actor).conditions()
    tags: dict[int, list[str]] = defaultdict(list)
    for project_id, name in session.execute(
        sa.select(col(ProjectTag.project_id), col(Tag.name))
        .join(Tag, col(Tag.id) == col(ProjectTag.tag_id))
        .join(Project, col(Project.id) == col(ProjectTag.project_id))
        .where(col(Project.status).in_(PUBLISHED), *scope)
        .order_by(col(ProjectTag.project_id), col(Tag.name))
    ):
        tags[project_id].append(name)
    applications = (
        sa.select(func.count())
        .select_from(Application)
        .where(col(Application.project_id) == col(Project.id))
        .scalar_subquery()
    )
    matches = (
        sa.select(func.count())
        .select_from(Application)
        .where(
            col(Application.project_id) == col(Project.id),
            col(Application.status).in_(MATCH_STATUSES),
        )
        .scalar_subquery()
    )
    statement = (
        sa.select(Project, col(User.display_name), applications, matches)
        .join(User, col(User.id) == col(Project.owner_id))
        .where(col(Project.status).in_(PUBLISHED), *scope)
        .order_by(col(Project.start_date), col(Project.id))
    )
    yield list(PROJECT_COLUMNS)
    for project, mentor_name, n_applications, n_matches in session.execute(statement):
        yield [
            safe_cell(project.title),
            safe_cell(project.department),
            safe_cell(mentor_name),
            project.status.value,
            project.mode.value,
            safe_cell(", ".join(tags.get(project.id or 0, []))),
            str(project.seats),
            str(project.filled),
            safe_cell(project.student_hours),
            safe_cell(project.mentor_hours),
            str(project.duration_weeks),
            project.start_date.isoformat(),
            project.end_date.isoformat(),
            project.deadline.isoformat(),
            str(n_applications),
            str(n_matches),
        ]


EXPORTS = {"matches": match_rows, "projects": project_rows}


def write_csv(rows: Iterable[Sequence[str]], out: TextIO) -> int:
    """Write rows as CSV; return how many data rows (not counting the header) were written."""
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    for row in rows:
        writer.writerow(row)
        count += 1
    return max(count, 0)


def export_csv(session: Session, *, actor: User, kind: str) -> str:
    """Return the CSV text of one export (`matches` or `projects`) for the actor's scope."""
    if kind not in EXPORTS:
        raise ValueError(f"unknown export {kind!r}")
    buffer = io.StringIO()
    write_csv(EXPORTS[kind](session, actor=actor), buffer)
    return buffer.getvalue()
