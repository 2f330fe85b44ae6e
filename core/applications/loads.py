"""A student's approved matches as time commitments, and the hours check every move makes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.commitment import Commitment, describe_student_overrun, first_overrun
from core.models import Application, ApplicationStatus, Project, User
from core.platform.errors import OverCommitted

S = ApplicationStatus


def approved_matches(
    session: Session, student_ids: Iterable[int]
) -> dict[int, list[tuple[int, Commitment]]]:
    """Return each student's approved matches as (project id, commitment), in one query."""
    ids = sorted(set(student_ids))
    found: dict[int, list[tuple[int, Commitment]]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        sa_select(
            col(Application.student_id),
            col(Project.id),
            col(Project.start_date),
            col(Project.end_date),
            col(Project.student_hours),
        )
        .join(Project, col(Project.id) == Application.project_id)
        .where(col(Application.student_id).in_(ids), col(Application.status) == S.APPROVED)
    ).all()
    for student_id, project_id, start, end, weekly in rows:
        found[student_id].append((project_id or 0, Commitment(start, end, weekly)))
    return found


def approved_commitments(
    session: Session, student_ids: Iterable[int]
) -> dict[int, list[Commitment]]:
    """Return each student's committed load: projects where they hold an approved match."""
    found: dict[int, list[Commitment]] = defaultdict(list)
    for student_id, matches in approved_matches(session, student_ids).items():
        found[student_id] = [commitment for _, commitment in matches]
    return found


def _span(project: Project) -> Commitment:
    return Commitment(project.start_date, project.end_date, project.student_hours)


def _check_hours(session: Session, student: User, project: Project) -> None:
    assert student.id is not None
    existing = approved_commitments(session, [student.id])[student.id]
    overrun = first_overrun(existing, _span(project), student.weekly_hours)
    if overrun is not None:
        raise OverCommitted(describe_student_overrun(overrun))


def _fits(existing: Sequence[Commitment], project: Project, limit: float) -> bool:
    return first_overrun(existing, _span(project), limit) is None
