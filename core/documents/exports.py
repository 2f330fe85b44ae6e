"""CSV exports of matches and projects for faculty, formulas neutralised."""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from core.documents.csv_safe import safe_cell
from core.models import (
    MATCH_STATUSES,
    Application,
    ApplicationStatus,
    ProgramTerm,
    Project,
    ProjectStatus,
    ProjectTag,
    Tag,
    User,
)
from core.platform.errors import NotFound
from core.platform.permissions import is_admin
from core.program.approval_queue import _ensure_faculty
from core.program.dashboard import PUBLISHED
from core.workspace.models import MatchSession

log = logging.getLogger(__name__)

S = ApplicationStatus
P = ProjectStatus

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).

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


def _term_conditions(session: Session, term_id: int | None) -> list[Any]:
    """Return the conditions on Project for the projects of a term (none without a term)."""
    if term_id is None:
        return []
    term = session.get(ProgramTerm, term_id)
    if term is None:
        raise NotFound("This term no longer exists: choose another one.")
    return [
        col(Project.start_date) >= term.start_date,
        col(Project.start_date) <= term.end_date,
    ]


def match_rows(session: Session, *, actor: User, term_id: int | None = None) -> Iterator[list[str]]:
    """Return the header and one row per match in the actor's scope, oldest approval first.

    With a term, only the matches on projects that start within it."""
    _ensure_faculty(actor, "program.export_matches")
    return _match_rows(session, actor, _term_conditions(session, term_id))


def _match_rows(session: Session, actor: User, term: list[Any]) -> Iterator[list[str]]:
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
        .where(
            col(Application.status).in_(MATCH_STATUSES), *export_scope(actor).conditions(), *term
        )
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


def project_rows(
    session: Session, *, actor: User, term_id: int | None = None
) -> Iterator[list[str]]:
    """Return the header and one row per published project in the actor's scope.

    With a term, only the projects that start within it."""
    _ensure_faculty(actor, "program.export_projects")
    return _project_rows(session, actor, _term_conditions(session, term_id))


def _project_rows(session: Session, actor: User, term: list[Any]) -> Iterator[list[str]]:
    scope = [*export_scope(actor).conditions(), *term]
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


def export_csv(session: Session, *, actor: User, kind: str, term_id: int | None = None) -> str:
    """Return the CSV text of one export (`matches` or `projects`) for the actor's scope,
    narrowed to the projects starting within a term when `term_id` is given."""
    if kind not in EXPORTS:
        raise ValueError(f"unknown export {kind!r}")
    buffer = io.StringIO()
    write_csv(EXPORTS[kind](session, actor=actor, term_id=term_id), buffer)
    return buffer.getvalue()
