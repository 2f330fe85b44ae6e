"""The student's catalog: search open projects with facets, ranked best first for students.

`search_projects` sends a fixed number of statements whatever the data size: one COUNT, one
page query (ordered and limited in SQL), one batched tag query and one for the student's
committed hours. Nothing loads every open project into Python. The best-match order is the
one read that grows with the catalogue; with a memo (core.ranking) a student's reruns reuse
it for a minute, while the cards on the page are always read fresh.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import exists, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.applications.loads import approved_commitments
from core.catalog.matching import MatchScore, best_first, score, shared_tag_count
from core.catalog.query import (
    PER_PAGE,
    CatalogRow,
    SearchPage,
    _Filters,
    _my_status,
    _open_conditions,
    _validate,
)
from core.catalog.ranking import RankingMemo, database_of
from core.commitment import Commitment, least_free_hours
from core.models import (
    ApplicationStatus,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
    UserInterest,
)
from core.platform.permissions import ensure_active

# Projects a remembered best-match ranking holds: the first 16 pages at 25 a page.
HORIZON = 400


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
        sa_select(col(User.display_name))
        .where(col(User.id) == col(Project.owner_id))
        .scalar_subquery(),
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
    starts_from: date | None = None,
    starts_until: date | None = None,
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
    soonest). `starts_from`/`starts_until` keep projects starting on or between those days
    (a program term's dates). A page past the last one shows the last page. With a `memo`,
    the best-match order of the first HORIZON projects is computed once a minute per student
    and filter.
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
        starts_from,
        starts_until,
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
                mentor_name=str(row[14]),
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
