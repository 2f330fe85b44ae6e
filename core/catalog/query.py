"""Catalog search input: validated filters and the SQL conditions they become."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, and_, exists, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select

from core.catalog.matching import MatchScore
from core.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Tag,
    User,
)
from core.platform.errors import ValidationFailed
from core.platform.text import has_control_characters
from core.projects.tags import normalise_tags, tag_problem

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
# The shortest term the text index can find (one trigram); shorter ones are tested with LIKE.
MIN_INDEXED_TERM = 3


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
    mentor_name: str = ""

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
    # A term's start dates (both inclusive), or None for any start date.
    starts_from: date | None = None
    starts_until: date | None = None


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
    starts_from: object = None,
    starts_until: object = None,
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
    for name, value in (("starts_from", starts_from), ("starts_until", starts_until)):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            problems[name] = "must be a date"
    if (
        isinstance(starts_from, date)
        and isinstance(starts_until, date)
        and "starts_from" not in problems
        and "starts_until" not in problems
        and starts_until < starts_from
    ):
        problems["starts_until"] = "must not be before the first start date"
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
        starts_from=starts_from,  # type: ignore[arg-type]
        starts_until=starts_until,  # type: ignore[arg-type]
    )


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_string(term: str) -> str:
    """Quote a term as one FTS5 string, so that every character in it is taken literally."""
    return '"' + term.replace('"', '""') + '"'


class _FoldedLike(FunctionElement[bool]):
    """`column ILIKE pattern ESCAPE '\\'`, written as each database runs it fastest.

    SQLAlchemy writes ILIKE on SQLite as `lower(column) LIKE lower(pattern)`, which copies
    every title, summary and description it tests. SQLite's LIKE already ignores the case of
    ASCII letters, and its lower() changes nothing else, so a plain LIKE finds exactly the same
    rows without the copies. PostgreSQL has ILIKE itself.
    """

    type = Boolean()
    inherit_cache = True
    name = "folded_like"
    # A comparison: no `= 1` after it on databases without a boolean type (SQLite).
    _is_implicitly_boolean = True


def _folded_like_parts(element: _FoldedLike, compiler: Any, **kw: Any) -> tuple[str, str, str]:
    column, pattern = list(element.clauses)
    escape = compiler.render_literal_value("\\", String())
    return compiler.process(column, **kw), compiler.process(pattern, **kw), escape


@compiles(_FoldedLike)
def _folded_like_default(element: _FoldedLike, compiler: Any, **kw: Any) -> str:
    column, pattern, escape = _folded_like_parts(element, compiler, **kw)
    return f"(lower({column}) LIKE lower({pattern}) ESCAPE {escape})"


@compiles(_FoldedLike, "sqlite")
def _folded_like_sqlite(element: _FoldedLike, compiler: Any, **kw: Any) -> str:
    column, pattern, escape = _folded_like_parts(element, compiler, **kw)
    return f"({column} LIKE {pattern} ESCAPE {escape})"


@compiles(_FoldedLike, "postgresql")
def _folded_like_postgresql(element: _FoldedLike, compiler: Any, **kw: Any) -> str:
    column, pattern, escape = _folded_like_parts(element, compiler, **kw)
    return f"({column} ILIKE {pattern} ESCAPE {escape})"


class _IndexedText(FunctionElement[bool]):
    """A term in the project's title, summary or description (any case), via the text index.

    SQLite: the ids of the projects whose text holds the term, found once per statement in
    migration 0014's `project_text` (its trigram tokenizer folds case and turns an FTS5 string
    of 3 characters or more into a substring search), and each project tested against that
    list. Elsewhere (PostgreSQL among them, see the migration): a folded LIKE on each column.
    The term travels as bound parameters, one in each form, so statements differing only in
    their terms share one compiled form.
    """

    type = Boolean()
    inherit_cache = True
    name = "indexed_text"
    _is_implicitly_boolean = True

    def __init__(self, term: str) -> None:
        super().__init__(
            col(Project.id),
            col(Project.title),
            col(Project.summary),
            col(Project.description),
            literal(_fts_string(term), String()),
            literal(_like_pattern(term), String()),
        )


@compiles(_IndexedText)
def _indexed_text_default(element: _IndexedText, compiler: Any, **kw: Any) -> str:
    _, title, summary, description, _, pattern = list(element.clauses)
    columns = (title, summary, description)
    return str(compiler.process(or_(*(_FoldedLike(c, pattern) for c in columns)), **kw))


@compiles(_IndexedText, "sqlite")
def _indexed_text_sqlite(element: _IndexedText, compiler: Any, **kw: Any) -> str:
    project_id, _, _, _, fts_string, _ = list(element.clauses)
    # IN a list, never a join on rowid: joined, SQLite searched the full-text table again for
    # every project row (seconds at the `large` profile).
    return (
        f"({compiler.process(project_id, **kw)} IN (SELECT rowid FROM project_text"
        f" WHERE project_text MATCH {compiler.process(fts_string, **kw)}))"
    )


def text_condition(terms: Sequence[str]) -> ColumnElement[bool] | None:
    """Every term appears in the title, summary, description or a tag name (case-insensitive).

    The one place text search is defined. On SQLite a term of 3 characters or more is found
    through the text index (see _IndexedText); otherwise by LIKE on each open project's text.
    """
    if not terms:
        return None
    conditions = []
    for term in terms:
        pattern = _like_pattern(term)
        # The tags whose names match are few (a vocabulary of a couple of hundred): their ids
        # are found once per statement and each project's tags probed for them, instead of
        # joining every open project's tags to their names. Tested first: probing the project's
        # tags is cheaper than the LIKEs on its text, which need its row.
        matching_tags = sa_select(col(Tag.id)).where(
            col(Tag.name).like(pattern, escape="\\")  # tag names are stored lower-case
        )
        in_tags = exists(
            sa_select(literal(1))
            .select_from(ProjectTag)
            .where(
                col(ProjectTag.project_id) == col(Project.id),
                col(ProjectTag.tag_id).in_(matching_tags),
            )
            .correlate(Project)
        )
        in_text: ColumnElement[bool] = (
            _IndexedText(term)
            if len(term) >= MIN_INDEXED_TERM
            else or_(
                _FoldedLike(col(Project.title), pattern),
                _FoldedLike(col(Project.summary), pattern),
                _FoldedLike(col(Project.description), pattern),
            )
        )
        conditions.append(or_(in_tags, in_text))
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
    if filters.starts_from is not None:
        conditions.append(col(Project.start_date) >= filters.starts_from)
    if filters.starts_until is not None:
        conditions.append(col(Project.start_date) <= filters.starts_until)
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
