"""Matching: a transparent score per (student, project) and recommendations for students.

`score` is pure. `recommend` ranks candidates in SQL by shared interest tags (never loading every
open project), then computes the exact weekly fit and the score for a small window in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.applications.loads import approved_commitments
from core.catalog.ranking import RankingMemo, database_of
from core.commitment import Commitment, least_free_hours
from core.models import (
    LIVE_STATUSES,
    Application,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    User,
    UserInterest,
)
from core.platform.permissions import ensure_role
from core.projects.tags import project_tags, user_interests

INTEREST_POINTS = 60.0
TIME_FIT_POINTS = 25.0
TIMING_POINTS = 15.0
SOON_DAYS = 14
QUITE_SOON_DAYS = 42
_TOLERANCE = 1e-9


def _hours(value: float) -> str:
    return f"{value:g} h"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


@dataclass(frozen=True)
class InterestOverlap:
    """Which of the project's tags the student shares."""

    shared: tuple[str, ...]
    project_tag_count: int
    points: float

    @property
    def sentence(self) -> str:
        if not self.shared:
            return "Shares none of your interests."
        names = ", ".join(self.shared)
        return (
            f"Shares {len(self.shared)} of the project's {self.project_tag_count} interest "
            f"tags with you: {names}."
        )


@dataclass(frozen=True)
class TimeFit:
    """The project's weekly hours against the student's free hours in its weeks."""

    hours_needed: float
    free_hours: float
    points: float

    @property
    def fits(self) -> bool:
        return self.hours_needed <= self.free_hours + _TOLERANCE

    @property
    def sentence(self) -> str:
        if self.fits:
            return (
                f"Needs {_hours(self.hours_needed)} a week; you have at least "
                f"{_hours(self.free_hours)} free in each of its weeks."
            )
        return (
            f"Needs {_hours(self.hours_needed)} a week, but your busiest week in that period "
            f"has only {_hours(max(self.free_hours, 0.0))} free."
        )


@dataclass(frozen=True)
class Timing:
    """How soon the project starts and whether applications are still open."""

    days_to_start: int
    days_to_deadline: int
    points: float

    @property
    def open(self) -> bool:
        return self.days_to_deadline >= 0

    @property
    def sentence(self) -> str:
        if not self.open:
            return f"Applications closed {_days(-self.days_to_deadline)} ago."
        if self.days_to_start > 0:
            start = f"Starts in {_days(self.days_to_start)}"
        elif self.days_to_start == 0:
            start = "Starts today"
        else:
            start = f"Started {_days(-self.days_to_start)} ago"
        close = (
            "applications close today"
            if self.days_to_deadline == 0
            else f"applications close in {_days(self.days_to_deadline)}"
        )
        return f"{start}; {close}."


@dataclass(frozen=True)
class MatchScore:
    """A score with its components, each explainable as a sentence."""

    interest: InterestOverlap
    time_fit: TimeFit
    timing: Timing

    @property
    def total(self) -> float:
        return round(self.interest.points + self.time_fit.points + self.timing.points, 1)

    @property
    def fits(self) -> bool:
        return self.time_fit.fits

    @property
    def reasons(self) -> list[str]:
        return [self.interest.sentence, self.time_fit.sentence, self.timing.sentence]


def score(
    student_tags: Iterable[str],
    project_tags: Sequence[str],
    hours_needed: float,
    free_hours: float,
    start_date: date,
    deadline: date,
    today: date,
) -> MatchScore:
    """Score one student against one project, component by component."""
    mine = set(student_tags)
    shared = tuple(sorted(name for name in set(project_tags) if name in mine))
    count = len(set(project_tags))
    interest = InterestOverlap(
        shared=shared,
        project_tag_count=count,
        points=round(INTEREST_POINTS * len(shared) / count, 1) if count else 0.0,
    )
    fits = hours_needed <= free_hours + _TOLERANCE
    time_fit = TimeFit(
        hours_needed=hours_needed,
        free_hours=free_hours,
        points=TIME_FIT_POINTS if fits else 0.0,
    )
    days_to_start = (start_date - today).days
    days_to_deadline = (deadline - today).days
    if days_to_deadline < 0:
        timing_points = 0.0
    elif days_to_start <= SOON_DAYS:
        timing_points = TIMING_POINTS
    elif days_to_start <= QUITE_SOON_DAYS:
        timing_points = TIMING_POINTS * 2 / 3
    else:
        timing_points = TIMING_POINTS / 3
    timing = Timing(
        days_to_start=days_to_start,
        days_to_deadline=days_to_deadline,
        points=round(timing_points, 1),
    )
    return MatchScore(interest=interest, time_fit=time_fit, timing=timing)


@dataclass(frozen=True)
class Recommendation:
    """A project recommended to a student, with the score that explains why."""

    project_id: int
    title: str
    summary: str
    department: str
    mode: ProjectMode
    seats: int
    filled: int
    student_hours: float
    duration_weeks: int
    start_date: date
    end_date: date
    deadline: date
    tags: tuple[str, ...]
    score: MatchScore

    @property
    def reasons(self) -> list[str]:
        return self.score.reasons

    @property
    def shares_interests(self) -> bool:
        """Tell whether the project shares an interest of the student's (then it is *for* them).

        One that fits the hours but shares no interest is still found by browsing; calling it
        recommended would tell the student something untrue.
        """
        return bool(self.score.interest.shared)


_MAX_ROUNDS = 4


def recommend(
    session: Session,
    *,
    actor: User,
    limit: int = 10,
    offset: int = 0,
    today: date | None = None,
    memo: RankingMemo | None = None,
) -> list[Recommendation]:
    """Return open projects that fit the student's free hours, best match first.

    With a `memo`, the ranked candidate ids are computed once a minute per student (see
    core.ranking); the projects themselves are always read fresh and re-checked.
    """
    ensure_role(actor, (Role.STUDENT,), action="project.recommend", entity="project")
    assert actor.id is not None
    today = today or date.today()
    limit, offset = max(0, limit), max(0, offset)
    if limit == 0:
        return []
    mine = user_interests(session, [actor.id]).get(actor.id, [])
    committed = approved_commitments(session, [actor.id]).get(actor.id, [])
    window = limit * 5 + offset
    for _ in range(_MAX_ROUNDS):
        ranked, exhausted = _ranked_candidates(session, actor, today, window, memo)
        found = _score_window(session, actor, ranked, mine, committed, today)
        if len(found) >= offset + limit or exhausted:
            return found[offset : offset + limit]
        window *= 4
    return found[offset : offset + limit]


def _candidate_filters(actor: User, today: date) -> list[object]:
    # The student's live applications, found once (student-status index) rather than probed
    # per open project: a bound status list cannot use the partial live-application index, so
    # the probe read every applicant row of every open project.
    applied = select(Application.project_id).where(
        col(Application.student_id) == actor.id,
        col(Application.status).in_(LIVE_STATUSES),
    )
    return [
        col(Project.status) == ProjectStatus.OPEN,
        col(Project.deadline) >= today,
        col(Project.owner_id) != actor.id,
        # Cheap pre-filter: a project needing more than all of the student's hours never fits.
        col(Project.student_hours) <= actor.weekly_hours + _TOLERANCE,
        col(Project.filled) < col(Project.seats),
        col(Project.id).not_in(applied),
    ]


def shared_tag_count(actor: User) -> Any:
    """SQL for how many of a project's tags are among the actor's interests, labelled `shared`.

    Order by the label (see best_first) so the database computes each project's count once.
    """
    interests = select(UserInterest.tag_id).where(UserInterest.user_id == actor.id)
    return (
        sa_select(func.count())
        .select_from(ProjectTag)
        .where(
            col(ProjectTag.project_id) == col(Project.id),
            col(ProjectTag.tag_id).in_(interests),
        )
        .correlate(Project)
        .scalar_subquery()
        .label("shared")
    )


def best_first(shared: Any) -> list[Any]:
    """The best-match order: most shared interests first, then starting soonest."""
    return [shared.desc(), col(Project.start_date), col(Project.id)]


def _ranked_candidates(
    session: Session, actor: User, today: date, window: int, memo: RankingMemo | None
) -> tuple[list[tuple[int, int]], bool]:
    if memo is None:
        return _candidate_ids(session, actor, today, window)
    # The profile's change time is in the key: interests and hours shape the candidates.
    key = ("recommend", database_of(session), actor.id, actor.updated_at, today, window)
    return memo.get_or_compute(key, lambda: _candidate_ids(session, actor, today, window))


def _candidate_ids(
    session: Session, actor: User, today: date, window: int
) -> tuple[list[tuple[int, int]], bool]:
    """Return up to `window` (project id, shared tag count), best first, and whether that is all.

    The query starts from open projects (an index range) and counts each one's tags among the
    student's interests through the project_tag primary key. Starting from the interests
    instead visits every project that ever carried a popular tag, open or not.
    """
    shared = shared_tag_count(actor)
    rows = session.execute(
        sa_select(col(Project.id), shared)
        .where(*_candidate_filters(actor, today))  # type: ignore[arg-type]
        .order_by(*best_first(shared))
        .limit(window)
    ).all()
    ranked = [(int(pid), int(count)) for pid, count in rows]
    return ranked, len(ranked) < window


def _score_window(
    session: Session,
    actor: User,
    ranked: list[tuple[int, int]],
    mine: Sequence[str],
    committed: Sequence[Commitment],
    today: date,
) -> list[Recommendation]:
    if not ranked:
        return []
    weekly_hours = actor.weekly_hours
    ids = [pid for pid, _ in ranked]
    # The candidate filters again: a remembered ranking may hold a project that has since
    # closed, filled up or received this student's application.
    still_open = session.exec(
        select(Project).where(col(Project.id).in_(ids), *_candidate_filters(actor, today))  # type: ignore[arg-type]
    ).all()
    projects = {project.id: project for project in still_open}
    tags = project_tags(session, ids)
    found: list[Recommendation] = []
    for pid in ids:
        project = projects.get(pid)
        if project is None:
            continue
        span = Commitment(project.start_date, project.end_date, project.student_hours)
        free = least_free_hours(committed, span, weekly_hours)
        result = score(
            mine,
            tags.get(pid, []),
            project.student_hours,
            free,
            project.start_date,
            project.deadline,
            today,
        )
        if not result.fits:
            continue
        found.append(
            Recommendation(
                project_id=pid,
                title=project.title,
                summary=project.summary,
                department=project.department,
                mode=project.mode,
                seats=project.seats,
                filled=project.filled,
                student_hours=project.student_hours,
                duration_weeks=project.duration_weeks,
                start_date=project.start_date,
                end_date=project.end_date,
                deadline=project.deadline,
                tags=tuple(tags.get(pid, [])),
                score=result,
            )
        )
    # Interest overlap first (as ranked in SQL, so pages stay consistent), then the score.
    found.sort(
        key=lambda r: (-len(r.score.interest.shared), -r.score.total, r.start_date, r.project_id)
    )
    return found
