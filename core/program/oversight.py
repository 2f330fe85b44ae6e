"""Oversight for faculty and admins: find a student, list matches at risk, read one match.

Faculty see what falls in their approval scope (their department's projects and students, or
everything when program-wide); admins see everything. A match is read without its private
messages: milestones, sessions and the last activity are what oversight needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, or_, select

from core.accounts.users import find_user_by_username
from core.applications.guards import in_approval_scope
from core.models import MATCH_STATUSES, Application, ApplicationStatus, Project, Role, User
from core.platform.errors import NotFound
from core.platform.permissions import deny, ensure_role, is_admin
from core.platform.text import character_problem
from core.workspace.at_risk import at_risk_matches
from core.workspace.models import MatchMilestone, MatchSession, MilestoneStatus
from core.workspace.rules import AT_RISK_DAYS

SEARCH_LIMIT = 20
READERS = (Role.FACULTY, Role.ADMIN)


def _sees_everything(actor: User) -> bool:
    return is_admin(actor) or actor.program_wide


@dataclass(frozen=True)
class StudentHit:
    """A student found by name, username or e-mail."""

    user_id: int
    username: str
    display_name: str
    email: str
    department: str | None


def find_students(
    session: Session, *, actor: User, query: str, limit: int = SEARCH_LIMIT
) -> list[StudentHit]:
    """Find students in the actor's scope whose name, username or e-mail contains `query`."""
    ensure_role(actor, READERS, action="oversight.find_students", entity="app_user")
    text = query.strip().lower()
    # Nothing to search for; text no name can hold (a NUL would also break PostgreSQL).
    if not text or character_problem(text):
        return []
    found: list[User] = []
    if len(text) >= 2:  # one letter would match nearly everyone
        found = _students_like(session, actor, text, limit)
    # A username typed in full finds its student first: a passport link names them so.
    exact = find_user_by_username(session, text)
    if exact is not None and exact.role is Role.STUDENT and exact not in found:
        found.insert(0, exact)
    return [StudentHit(u.id or 0, u.username, u.display_name, u.email, u.department) for u in found]


def _students_like(session: Session, actor: User, text: str, limit: int) -> list[User]:
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = select(User).where(
        User.role == Role.STUDENT,
        or_(
            func.lower(col(User.display_name)).like(like, escape="\\"),
            func.lower(col(User.username)).like(like, escape="\\"),
            func.lower(col(User.email)).like(like, escape="\\"),
        ),
    )
    if not _sees_everything(actor):
        applied_here = sa.exists().where(
            col(Application.student_id) == col(User.id),
            col(Application.project_id) == col(Project.id),
            col(Project.department) == actor.department,
        )
        statement = statement.where(or_(col(User.department) == actor.department, applied_here))
    return list(session.exec(statement.order_by(col(User.display_name), col(User.id)).limit(limit)))


@dataclass(frozen=True)
class AtRiskRow:
    """A running match with no session for a while, as faculty read it."""

    application_id: int
    project_title: str
    department: str
    student_name: str
    mentor_name: str
    last_activity: date
    days_silent: int


def at_risk_list(
    session: Session, *, actor: User, today: date | None = None, department: str | None = None
) -> list[AtRiskRow]:
    """List the running matches at risk in the actor's scope, the longest silent first."""
    ensure_role(actor, READERS, action="oversight.at_risk", entity="application")
    today = today or date.today()
    found = at_risk_matches(session, today=today)
    # The same statements with or without matches at risk (no early return): a screen's
    # statement count does not depend on what the database holds.
    people = {
        u.id: u
        for u in session.exec(
            select(User).where(
                col(User.id).in_({m.student_id for m in found} | {m.mentor_id for m in found})
            )
        )
    }
    projects = {
        p.id: p
        for p in session.exec(
            select(Project).where(col(Project.id).in_({m.project_id for m in found}))
        )
    }
    rows = []
    for match in found:
        project = projects[match.project_id]
        if not (is_admin(actor) or in_approval_scope(actor, project)):
            continue
        if department and project.department != department:
            continue
        last = match.last_session_on or match.since
        rows.append(
            AtRiskRow(
                application_id=match.application_id,
                project_title=project.title,
                department=project.department,
                student_name=people[match.student_id].display_name,
                mentor_name=people[match.mentor_id].display_name,
                last_activity=last,
                days_silent=(today - last).days,
            )
        )
    return sorted(rows, key=lambda row: (-row.days_silent, row.application_id))


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    due_date: date
    status: MilestoneStatus


@dataclass(frozen=True)
class SessionLine:
    held_on: date
    minutes: int
    summary: str
    confirmed: bool


@dataclass(frozen=True)
class MatchOverview:
    """One match read by faculty or an admin: never its private messages."""

    application_id: int
    project_title: str
    department: str
    status: ApplicationStatus
    student_name: str
    mentor_name: str
    start_date: date
    end_date: date
    milestones: list[MilestoneLine]
    sessions: list[SessionLine]
    last_activity: date | None
    at_risk_days: int = AT_RISK_DAYS

    @property
    def verified(self) -> int:
        return sum(m.status is MilestoneStatus.VERIFIED for m in self.milestones)


def match_overview(session: Session, *, actor: User, application_id: int) -> MatchOverview:
    """Return a match's milestones, sessions and last activity, for faculty in scope or admins."""
    action = "oversight.match"
    ensure_role(actor, READERS, action=action, entity="application", entity_id=application_id)
    application = session.get(Application, application_id)
    if application is None or application.status not in MATCH_STATUSES:
        raise NotFound("That match does not exist.")
    project = session.get(Project, application.project_id)
    assert project is not None
    if not (is_admin(actor) or in_approval_scope(actor, project)):
        raise deny(
            actor,
            "Only faculty of this project's department and administrators may read this match.",
            action=action,
            entity="application",
            entity_id=application_id,
        )
    student = session.get(User, application.student_id)
    mentor = session.get(User, project.owner_id)
    assert student is not None and mentor is not None
    milestones = [
        MilestoneLine(m.title, m.due_date, m.status)
        for m in session.exec(
            select(MatchMilestone)
            .where(MatchMilestone.application_id == application_id)
            .order_by(col(MatchMilestone.due_date), col(MatchMilestone.position))
        )
    ]
    sessions = [
        SessionLine(s.held_on, s.minutes, s.summary, s.confirmed_at is not None)
        for s in session.exec(
            select(MatchSession)
            .where(MatchSession.application_id == application_id)
            .order_by(col(MatchSession.held_on).desc(), col(MatchSession.id).desc())
        )
    ]
    return MatchOverview(
        application_id=application_id,
        project_title=project.title,
        department=project.department,
        status=application.status,
        student_name=student.display_name,
        mentor_name=mentor.display_name,
        start_date=project.start_date,
        end_date=project.end_date,
        milestones=milestones,
        sessions=sessions,
        last_activity=sessions[0].held_on if sessions else None,
    )
