"""The student's catalog: search open projects with facets, and read one project in detail.

`search_projects` sends a fixed number of statements whatever the data size: one COUNT, one
page query (ordered and limited in SQL), one batched tag query and one for the student's
committed hours. Nothing loads every open project into Python. The best-match order is the
one read that grows with the catalogue; with a memo (core.ranking) a student's reruns reuse
it for a minute, while the cards on the page are always read fresh.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.applications import apply_warnings, approved_commitments
from core.commitment import Commitment, Overrun, first_overrun, least_free_hours, weekly_load
from core.matching import MatchScore, best_first, score, shared_tag_count
from core.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
    UserInterest,
)
from core.platform.errors import ValidationFailed
from core.platform.permissions import ensure_active
from core.platform.text import has_control_characters
from core.projects import get_project
from core.ranking import RankingMemo, database_of
from core.tags import normalise_tags, tag_problem

SORTS = ("best", "newest", "deadline")
SORT_LABELS = {"best": "Best match", "newest": "Newest", "deadline": "Deadline"}
PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_QUERY = 200
MAX_TERMS = 8
MAX_TAG_FILTERS = 20
MAX_HOURS = 40.0
MAX_WEEKS = 12
MAX_STARTS_WITHIN = 104
# Projects a remembered best-match ranking holds: the first 16 pages at 25 a page.
HORIZON = 400


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CatalogRow:
    """One project card: the numbers a student decides on, and why it matches them."""

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
    published_at: datetime | None
    tags: tuple[str, ...]
    shared_tags: tuple[str, ...]
    # The actor's live application to this project, if any.
    my_status: ApplicationStatus | None
    # Students only: the transparent match score (interest, time fit, timing).
    score: MatchScore | None

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.filled, 0)

    @property
    def reasons(self) -> list[str]:
        return self.score.reasons if self.score else []

    @property
    def fits(self) -> bool | None:
        return self.score.fits if self.score else None


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and the total number of matching projects."""

    rows: list[CatalogRow]
    total: int
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


# ---------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Filters:
    terms: tuple[str, ...]
    tags: tuple[str, ...]
    department: str | None
    mode: ProjectMode | None
    max_hours: float | None
    max_weeks: int | None
    starts_within_weeks: int | None
    sort: str
    page: int
    per_page: int


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def search_terms(query: str) -> tuple[str, ...]:
    """Split a search text into lower-case words (each must appear somewhere)."""
    seen: dict[str, None] = {}
    for word in query.lower().split():
        seen.setdefault(word, None)
    return tuple(seen)[:MAX_TERMS]


def _validate(
    query: object,
    tags: object,
    department: object,
    mode: object,
    max_hours: object,
    max_weeks: object,
    starts_within_weeks: object,
    sort: object,
    page: object,
    per_page: object,
) -> _Filters:
    problems: dict[str, str] = {}
    text = query.strip() if isinstance(query, str) else None
    if text is None:
        problems["query"] = "must be text"
    elif len(text) > MAX_QUERY:
        problems["query"] = f"must be at most {MAX_QUERY} characters"
    elif has_control_characters(text):
        problems["query"] = "must not contain control characters"
    names: list[str] = []
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        problems["tags"] = "must be a list of tags"
    else:
        wanted = list(tags)
        problem = next((p for p in (tag_problem(name) for name in wanted) if p), None)
        if problem:
            problems["tags"] = problem
        else:
            names = normalise_tags(wanted)
            if len(names) > MAX_TAG_FILTERS:
                problems["tags"] = f"choose at most {MAX_TAG_FILTERS} tags"
    chosen_department: str | None = None
    if department is not None:
        if not isinstance(department, str) or len(department.strip()) > 80:
            problems["department"] = "must be a department name"
        else:
            chosen_department = department.strip() or None
    chosen_mode: ProjectMode | None = None
    if mode is not None and mode != "":
        try:
            chosen_mode = ProjectMode(str(mode))
        except ValueError:
            allowed = ", ".join(m.value for m in ProjectMode)
            problems["mode"] = f"must be one of {allowed}"
    if max_hours is not None and not (_number(max_hours) and 0 < max_hours <= MAX_HOURS):  # type: ignore[operator]
        problems["max_hours"] = f"must be a number of hours above 0 and at most {MAX_HOURS:g}"
    if max_weeks is not None and not (_whole(max_weeks) and 1 <= max_weeks <= MAX_WEEKS):  # type: ignore[operator]
        problems["max_weeks"] = f"must be a whole number of weeks from 1 to {MAX_WEEKS}"
    if starts_within_weeks is not None and not (
        _whole(starts_within_weeks) and 0 <= starts_within_weeks <= MAX_STARTS_WITHIN  # type: ignore[operator]
    ):
        problems["starts_within_weeks"] = (
            f"must be a whole number of weeks from 0 to {MAX_STARTS_WITHIN}"
        )
    if sort not in SORTS:
        problems["sort"] = "must be one of " + ", ".join(SORTS)
    if not (_whole(page) and page >= 1):  # type: ignore[operator]
        problems["page"] = "must be a whole number from 1"
    if not (_whole(per_page) and 1 <= per_page <= MAX_PER_PAGE):  # type: ignore[operator]
        problems["per_page"] = f"must be a whole number from 1 to {MAX_PER_PAGE}"
    if problems:
        raise ValidationFailed.from_fields(problems)
    return _Filters(
        terms=search_terms(text or ""),
        tags=tuple(names),
        department=chosen_department,
        mode=chosen_mode,
        max_hours=float(max_hours) if max_hours is not None else None,  # type: ignore[arg-type]
        max_weeks=max_weeks,  # type: ignore[arg-type]
        starts_within_weeks=starts_within_weeks,  # type: ignore[arg-type]
        sort=str(sort),
        page=page,  # type: ignore[arg-type]
        per_page=per_page,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------- conditions


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_condition(terms: Sequence[str]) -> ColumnElement[bool] | None:
    """Every term appears in the title, summary, description or a tag name (case-insensitive).

    The one place text search is defined: swap it for full-text search without touching the rest.
    """
    if not terms:
        return None
    conditions = []
    for term in terms:
        pattern = _like_pattern(term)
        in_tags = exists(
            sa_select(literal(1))
            .select_from(ProjectTag)
            .join(Tag, col(Tag.id) == col(ProjectTag.tag_id))
            .where(
                col(ProjectTag.project_id) == col(Project.id),
                col(Tag.name).like(pattern, escape="\\"),  # tag names are stored lower-case
            )
            .correlate(Project)
        )
        conditions.append(
            or_(
                col(Project.title).ilike(pattern, escape="\\"),
                col(Project.summary).ilike(pattern, escape="\\"),
                col(Project.description).ilike(pattern, escape="\\"),
                in_tags,
            )
        )
    return and_(*conditions)


def _open_conditions(filters: _Filters, today: date) -> list[Any]:
    conditions: list[Any] = [
        col(Project.status) == ProjectStatus.OPEN,
        col(Project.deadline) >= today,
    ]
    found_text = text_condition(filters.terms)
    if found_text is not None:
        conditions.append(found_text)
    if filters.tags:
        wanted = select(Tag.id).where(col(Tag.name).in_(filters.tags))
        conditions.append(
            exists(
                sa_select(literal(1))
                .select_from(ProjectTag)
                .where(
                    col(ProjectTag.project_id) == col(Project.id),
                    col(ProjectTag.tag_id).in_(wanted),
                )
                .correlate(Project)
            )
        )
    if filters.department:
        conditions.append(col(Project.department) == filters.department)
    if filters.mode:
        conditions.append(col(Project.mode) == filters.mode)
    if filters.max_hours is not None:
        conditions.append(col(Project.student_hours) <= filters.max_hours + 1e-9)
    if filters.max_weeks is not None:
        conditions.append(col(Project.duration_weeks) <= filters.max_weeks)
    if filters.starts_within_weeks is not None:
        last_start = today + timedelta(weeks=filters.starts_within_weeks)
        conditions.append(col(Project.start_date) <= last_start)
    return conditions


def _my_status(actor: User) -> Any:
    """The status of the actor's live application to the project, if any."""
    return (
        sa_select(col(Application.status))
        .where(
            col(Application.project_id) == col(Project.id),
            col(Application.student_id) == actor.id,
            col(Application.status).in_(LIVE_STATUSES),
        )
        .correlate(Project)
        .limit(1)
        .scalar_subquery()
        .label("my_status")
    )


# ---------------------------------------------------------------------------- reads


def tags_with_interest(
    session: Session, project_ids: Sequence[int], actor: User
) -> dict[int, list[tuple[str, bool]]]:
    """Each project's tag names (alphabetical) and whether the actor shares each, in one query."""
    found: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    if not project_ids:
        return found
    mine = exists(
        sa_select(literal(1))
        .select_from(UserInterest)
        .where(
            col(UserInterest.user_id) == actor.id,
            col(UserInterest.tag_id) == col(ProjectTag.tag_id),
        )
        .correlate(ProjectTag)
    )
    rows = session.execute(
        sa_select(col(ProjectTag.project_id), col(Tag.name), mine)
        .join(Tag, col(Tag.id) == col(ProjectTag.tag_id))
        .where(col(ProjectTag.project_id).in_(list(project_ids)))
        .order_by(col(ProjectTag.project_id), col(Tag.name))
    ).all()
    for project_id, name, shared in rows:
        found[int(project_id)].append((str(name), bool(shared)))
    return found


def _is_student(actor: User) -> bool:
    return actor.role is Role.STUDENT


def _score(
    tagged: Sequence[tuple[str, bool]],
    committed: Sequence[Commitment],
    limit: float,
    hours: float,
    start: date,
    end: date,
    deadline: date,
    today: date,
) -> MatchScore:
    free = least_free_hours(committed, Commitment(start, end, hours), limit)
    shared = [name for name, is_mine in tagged if is_mine]
    return score(shared, [name for name, _ in tagged], hours, free, start, deadline, today)


def _count(session: Session, conditions: list[Any]) -> int:
    return int(
        session.execute(
            sa_select(func.count()).select_from(Project).where(*conditions)
        ).scalar_one()
    )


def _card_columns(actor: User) -> list[Any]:
    return [
        col(Project.id),
        col(Project.title),
        col(Project.summary),
        col(Project.department),
        col(Project.mode),
        col(Project.seats),
        col(Project.filled),
        col(Project.student_hours),
        col(Project.duration_weeks),
        col(Project.start_date),
        col(Project.end_date),
        col(Project.deadline),
        col(Project.published_at),
        _my_status(actor),
    ]


def _page_rows(
    session: Session, actor: User, filters: _Filters, conditions: list[Any], current: int
) -> Sequence[Any]:
    """Read one page of cards, ordered and limited in SQL."""
    # Two steps in one statement: the page's ids are chosen from the sort keys alone (for the
    # default sorts an index of open projects holds them, so project rows are not read), then
    # only those rows are read with the actor's application status. Selecting every column
    # while sorting would read and carry every open project's row through the sort.
    if filters.sort == "best":
        shared = shared_tag_count(actor)
        keys: list[Any] = [col(Project.id).label("id"), shared]
    elif filters.sort == "newest":
        keys = [col(Project.id).label("id"), col(Project.published_at).label("published_at")]
    else:
        keys = [
            col(Project.id).label("id"),
            col(Project.deadline).label("deadline"),
            col(Project.start_date).label("start_date"),
        ]
    chosen = sa_select(*keys).where(*conditions)
    if filters.sort == "best":
        chosen = chosen.order_by(*best_first(keys[1]))
    elif filters.sort == "newest":
        chosen = chosen.order_by(col(Project.published_at).desc(), col(Project.id).desc())
    else:
        chosen = chosen.order_by(col(Project.deadline), col(Project.start_date), col(Project.id))
    page_ids = (
        chosen.limit(filters.per_page).offset((current - 1) * filters.per_page).subquery("page")
    )
    if filters.sort == "best":
        order: list[Any] = best_first(page_ids.c.shared)
    elif filters.sort == "newest":
        order = [col(Project.published_at).desc(), col(Project.id).desc()]
    else:
        order = [col(Project.deadline), col(Project.start_date), col(Project.id)]
    return session.execute(
        sa_select(*_card_columns(actor))
        .select_from(page_ids)
        .join(Project, col(Project.id) == page_ids.c.id)
        .order_by(*order)
    ).all()


def _best_ranking(
    session: Session, actor: User, conditions: list[Any]
) -> tuple[tuple[int, ...], int]:
    """Return the first HORIZON ids in best-match order and how many projects match in all."""
    shared = shared_tag_count(actor)
    rows = session.execute(
        # Ordered by the label, so each project's count is computed once; the window count
        # gives the total from the same scan instead of a COUNT statement of its own.
        sa_select(col(Project.id), shared, func.count().over())
        .where(*conditions)
        .order_by(*best_first(shared))
        .limit(HORIZON)
    ).all()
    return tuple(int(row[0]) for row in rows), int(rows[0][2]) if rows else 0


def _remembered_ranking(
    session: Session,
    memo: RankingMemo,
    actor: User,
    filters: _Filters,
    conditions: list[Any],
    today: date,
) -> tuple[tuple[int, ...], int]:
    """Return the best-match ranking (from memory when recent) and the current total."""
    computed: list[int] = []

    def compute() -> tuple[int, ...]:
        ids, total = _best_ranking(session, actor, conditions)
        computed.append(total)
        return ids

    # The profile's change time is in the key: interests shape the order.
    first_page = replace(filters, page=1)
    key = ("search", database_of(session), actor.id, actor.updated_at, today, first_page)
    ranking = memo.get_or_compute(key, compute)
    total = computed[0] if computed else _count(session, conditions)
    return ranking, total


def _rows_in_order(
    session: Session, actor: User, ids: Sequence[int], conditions: list[Any]
) -> Sequence[Any]:
    """Read the cards of remembered ids, in their order, dropping any no longer open."""
    if not ids:
        return []
    rows = session.execute(
        sa_select(*_card_columns(actor)).where(col(Project.id).in_(list(ids)), *conditions)
    ).all()
    position = {pid: index for index, pid in enumerate(ids)}
    return sorted(rows, key=lambda row: position[int(row[0])])


def search_projects(
    session: Session,
    *,
    actor: User,
    query: str = "",
    tags: Sequence[str] = (),
    department: str | None = None,
    mode: ProjectMode | str | None = None,
    max_hours: float | None = None,
    max_weeks: int | None = None,
    starts_within_weeks: int | None = None,
    sort: str = "best",
    page: int = 1,
    per_page: int = PER_PAGE,
    today: date | None = None,
    memo: RankingMemo | None = None,
) -> SearchPage:
    """Search open projects still taking applications; return one page and the total.

    Text matches every word against title, summary, description and tag names; `tags` keeps
    projects carrying any of them. Sorts: "best" (most tags shared with the actor's interests,
    then starting soonest), "newest" (most recently published) and "deadline" (closing
    soonest). A page past the last one shows the last page. With a `memo`, the best-match
    order of the first HORIZON projects is computed once a minute per student and filter.
    """
    ensure_active(actor, action="project.search", entity="project")
    filters = _validate(
        query,
        tags,
        department,
        mode,
        max_hours,
        max_weeks,
        starts_within_weeks,
        sort,
        page,
        per_page,
    )
    today = today or date.today()
    conditions = _open_conditions(filters, today)
    ranking = None
    if filters.sort == "best" and memo is not None and filters.page * filters.per_page <= HORIZON:
        ranking, total = _remembered_ranking(session, memo, actor, filters, conditions, today)
    else:
        total = _count(session, conditions)
    pages = max(1, math.ceil(total / filters.per_page))
    current = min(filters.page, pages)
    if total == 0:
        return SearchPage(rows=[], total=0, page=1, per_page=filters.per_page)
    if ranking is not None and current * filters.per_page <= HORIZON:
        chosen_ids = ranking[(current - 1) * filters.per_page : current * filters.per_page]
        rows = _rows_in_order(session, actor, chosen_ids, conditions)
    else:
        rows = _page_rows(session, actor, filters, conditions, current)
    ids = [int(row[0]) for row in rows]
    tagged = tags_with_interest(session, ids, actor)
    student = _is_student(actor)
    committed: list[Commitment] = []
    if student and actor.id is not None:
        committed = approved_commitments(session, [actor.id]).get(actor.id, [])
    found: list[CatalogRow] = []
    for row in rows:
        pid = int(row[0])
        project_tagged = tagged.get(pid, [])
        found.append(
            CatalogRow(
                project_id=pid,
                title=row[1],
                summary=row[2],
                department=row[3],
                mode=ProjectMode(row[4]),
                seats=int(row[5]),
                filled=int(row[6]),
                student_hours=float(row[7]),
                duration_weeks=int(row[8]),
                start_date=row[9],
                end_date=row[10],
                deadline=row[11],
                published_at=row[12],
                tags=tuple(name for name, _ in project_tagged),
                shared_tags=tuple(name for name, is_mine in project_tagged if is_mine),
                my_status=ApplicationStatus(row[13]) if row[13] is not None else None,
                score=_score(
                    project_tagged,
                    committed,
                    actor.weekly_hours,
                    float(row[7]),
                    row[9],
                    row[10],
                    row[11],
                    today,
                )
                if student
                else None,
            )
        )
    return SearchPage(rows=found, total=total, page=current, per_page=filters.per_page)


def departments(session: Session, *, today: date | None = None) -> list[str]:
    """Return the departments that have open projects still taking applications."""
    today = today or date.today()
    statement = (
        sa_select(col(Project.department))
        .where(col(Project.status) == ProjectStatus.OPEN, col(Project.deadline) >= today)
        .distinct()
        .order_by(col(Project.department))
    )
    return [str(name) for name in session.execute(statement).scalars()]


# ---------------------------------------------------------------------------- one project


@dataclass(frozen=True)
class MentorProfile:
    """What any signed-in user may see of a mentor (never the e-mail address)."""

    display_name: str
    department: str | None
    role: Role


@dataclass(frozen=True)
class MyLiveApplication:
    id: int
    status: ApplicationStatus
    created_at: datetime


@dataclass(frozen=True)
class ProjectDetail:
    """A project as a student reads it before applying, with their own fit for it."""

    project: Project
    tags: tuple[str, ...]
    shared_tags: tuple[str, ...]
    milestones: tuple[tuple[str, int], ...]
    mentor: MentorProfile
    # Students only: the score, their committed hours per week and the first week over limit.
    score: MatchScore | None
    weeks: tuple[date, ...]
    committed: dict[date, float]
    weekly_hours: float
    overrun: Overrun | None
    my_application: MyLiveApplication | None
    warnings: tuple[str, ...]
    today: date

    @property
    def seats_left(self) -> int:
        return max(self.project.seats - self.project.filled, 0)

    @property
    def taking_applications(self) -> bool:
        return self.project.status is ProjectStatus.OPEN and self.today <= self.project.deadline

    @property
    def fits(self) -> bool:
        return self.overrun is None


def project_detail(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> ProjectDetail:
    """Return a project with its mentor's public profile, blueprint and the actor's fit.

    Someone else's draft is reported as missing (and the attempt audited), as in `get_project`.
    """
    ensure_active(actor, action="project.view", entity="project", entity_id=project_id)
    today = today or date.today()
    project = get_project(session, actor=actor, project_id=project_id)
    owner = session.get(User, project.owner_id)
    assert owner is not None
    mentor = MentorProfile(owner.display_name, owner.department, owner.role)
    tagged = tags_with_interest(session, [project_id], actor).get(project_id, [])
    milestones = tuple(
        (title, int(week))
        for title, week in session.execute(
            sa_select(col(MilestoneBlueprint.title), col(MilestoneBlueprint.due_week))
            .where(col(MilestoneBlueprint.project_id) == project_id)
            .order_by(col(MilestoneBlueprint.position))
        ).all()
    )
    span = Commitment(project.start_date, project.end_date, project.student_hours)
    student = _is_student(actor) and actor.id is not None
    committed: dict[date, float] = {}
    overrun = None
    match_score = None
    mine: MyLiveApplication | None = None
    warnings: tuple[str, ...] = ()
    if student:
        assert actor.id is not None
        existing = approved_commitments(session, [actor.id]).get(actor.id, [])
        load = weekly_load(existing)
        committed = {monday: load.get(monday, 0.0) for monday in span.weeks}
        overrun = first_overrun(existing, span, actor.weekly_hours)
        match_score = _score(
            tagged,
            existing,
            actor.weekly_hours,
            project.student_hours,
            project.start_date,
            project.end_date,
            project.deadline,
            today,
        )
        live = session.exec(
            select(Application).where(
                Application.student_id == actor.id,
                Application.project_id == project_id,
                col(Application.status).in_(LIVE_STATUSES),
            )
        ).first()
        if live is not None and live.id is not None:
            mine = MyLiveApplication(live.id, live.status, live.created_at)
        elif overrun is None and project.status is ProjectStatus.OPEN:
            warnings = tuple(apply_warnings(session, actor=actor, project_id=project_id))
    return ProjectDetail(
        project=project,
        tags=tuple(name for name, _ in tagged),
        shared_tags=tuple(name for name, is_mine in tagged if is_mine),
        milestones=milestones,
        mentor=mentor,
        score=match_score,
        weeks=tuple(span.weeks),
        committed=committed,
        weekly_hours=actor.weekly_hours,
        overrun=overrun,
        my_application=mine,
        warnings=warnings,
        today=today,
    )
