"""A student's mentoring passport: finished matches as entries, CSV and printable HTML."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from core.documents.csv_safe import safe_cell
from core.models import Application, Project, Role, User
from core.models import ApplicationStatus as S
from core.platform.errors import NotFound
from core.platform.permissions import deny, ensure_active
from core.platform.types import utcnow
from core.workspace.models import MatchFeedback, MatchMilestone, MatchSession, MilestoneStatus
from core.workspace.rules import _ended_at, is_feedback_revealed


@dataclass(frozen=True)
class PassportEntry:
    application_id: int
    project_title: str
    mentor_name: str
    start_date: date
    end_date: date
    status: S
    milestones_verified: int
    milestones_total: int
    hours_logged: float
    feedback_rating: int | None
    feedback_comment: str | None


def student_passport(
    session: Session, *, actor: User, student_id: int, now: datetime | None = None
) -> list[PassportEntry]:
    """Return a student's completed micro-mentoring projects (the student, faculty, admins)."""
    action = "match.passport"
    ensure_active(actor, action=action, entity="app_user", entity_id=student_id)
    if actor.id != student_id and actor.role not in (Role.FACULTY, Role.ADMIN):
        raise deny(
            actor,
            "Only the student, faculty and administrators may see a student's passport.",
            action=action,
            entity="app_user",
            entity_id=student_id,
        )
    student = session.get(User, student_id)
    if student is None or student.role is not Role.STUDENT:
        raise NotFound("That student does not exist.")
    mentor = aliased(User)
    of_match = col(MatchMilestone.application_id) == col(Application.id)
    # Per-match figures as correlated subqueries: one statement however many matches.
    verified_q = (
        sa.select(func.count())
        .where(of_match, col(MatchMilestone.status) == MilestoneStatus.VERIFIED)
        .scalar_subquery()
    )
    total_q = sa.select(func.count()).where(of_match).scalar_subquery()
    minutes_q = (
        sa.select(func.coalesce(func.sum(col(MatchSession.minutes)), 0))
        .where(
            col(MatchSession.application_id) == col(Application.id),
            col(MatchSession.confirmed_at).is_not(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Application, Project, col(mentor.display_name), verified_q, total_q, minutes_q)
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .where(
            col(Application.student_id) == student_id,
            col(Application.status) == S.COMPLETED,
        )
        .order_by(col(Project.end_date), col(Application.id))
    ).all()
    ids = [row[0].id for row in rows]
    # Feedback the student received (the mentor's), shown under the same blind rule as in the
    # workspace: once the student gave theirs too, or 14 days after the match ended.
    received: dict[int, MatchFeedback] = {}
    given: set[int] = set()
    for f in session.exec(
        select(MatchFeedback).where(col(MatchFeedback.application_id).in_(ids))
    ).all():
        if f.author_id == student_id:
            given.add(f.application_id)
        else:
            received[f.application_id] = f
    moment = now or utcnow()
    entries = []
    for application, project, mentor_name, verified, total, minutes in rows:
        feedback = received.get(application.id)
        if feedback is not None and not is_feedback_revealed(
            mine_given=application.id in given,
            theirs_given=True,
            ended_at=_ended_at(application),
            now=moment,
        ):
            feedback = None
        entries.append(
            PassportEntry(
                application_id=application.id,
                project_title=project.title,
                mentor_name=mentor_name,
                start_date=project.start_date,
                end_date=project.end_date,
                status=application.status,
                milestones_verified=int(verified),
                milestones_total=int(total),
                hours_logged=round(int(minutes or 0) / 60, 2),
                feedback_rating=feedback.rating if feedback else None,
                feedback_comment=feedback.comment if feedback else None,
            )
        )
    return entries


PASSPORT_COLUMNS = (
    "project",
    "mentor",
    "start_date",
    "end_date",
    "milestones_verified",
    "milestones_total",
    "hours_logged",
    "feedback_rating",
    "feedback_comment",
)


def passport_csv_text(entries: Sequence[PassportEntry]) -> str:
    """Render passport entries as CSV, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PASSPORT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                safe_cell(e.project_title),
                safe_cell(e.mentor_name),
                e.start_date.isoformat(),
                e.end_date.isoformat(),
                e.milestones_verified,
                e.milestones_total,
                f"{e.hours_logged:g}",
                "" if e.feedback_rating is None else e.feedback_rating,
                safe_cell(e.feedback_comment),
            ]
        )
    return out.getvalue()


def passport_html_text(student_name: str, entries: Sequence[PassportEntry]) -> str:
    """Render passport entries as a printable HTML page, every value escaped."""
    name = html.escape(student_name)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(cell))}</td>"
            for cell in (
                e.project_title,
                e.mentor_name,
                f"{e.start_date:%d %b %Y} – {e.end_date:%d %b %Y}",
                f"{e.milestones_verified} of {e.milestones_total}",
                f"{e.hours_logged:g}",
                f"{e.feedback_rating}/5 {e.feedback_comment}" if e.feedback_rating else "",
            )
        )
        + "</tr>"
        for e in entries
    )
    empty = "" if entries else "<p>No completed projects yet.</p>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Mentoring passport — {name}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:.4em;text-align:left;vertical-align:top}</style>"
        f"</head><body><h1>Mentoring passport</h1><p><strong>{name}</strong></p>{empty}"
        "<table><thead><tr><th>Project</th><th>Mentor</th><th>Dates</th>"
        "<th>Milestones verified</th><th>Hours logged</th><th>Mentor feedback</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
