"""Opening a match's workspace: everything one screen shows, in one read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.models import Application, Project, User
from core.models import ApplicationStatus as S
from core.platform.errors import NotFound
from core.platform.permissions import ensure_active
from core.platform.types import utcnow
from core.workspace.closeout import _feedback_view
from core.workspace.guards import _Match, _match, _match_from
from core.workspace.models import (
    MatchMessage,
    MatchMilestone,
    MatchSession,
    MessageRead,
    MilestoneStatus,
    SelfEfficacy,
    SelfEfficacyPhase,
)
from core.workspace.rules import (
    CLOSED_STATUSES,
    _approved_on,
    at_risk_since,
    can_log_session,
    is_at_risk,
    is_overdue,
    last_session_day,
    milestone_rights,
    session_rights,
)
from core.workspace.views import FeedbackView, MilestoneView, SessionView, WorkspaceView


def _workspace_view(
    session: Session, actor: User, application_id: int, today: date
) -> tuple[WorkspaceView, _Match]:
    ensure_active(actor, action="match.view", entity="match", entity_id=application_id)
    student, mentor = aliased(User), aliased(User)
    row = session.execute(
        sa.select(Application, Project, student, mentor)
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(student, col(student.id) == col(Application.student_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .where(col(Application.id) == application_id)
    ).first()
    if row is None:
        raise NotFound("That match does not exist.")
    application, project, student_row, mentor_row = row
    match = _match_from(actor, application, project, action="match.view")
    milestones = session.exec(
        select(MatchMilestone)
        .where(MatchMilestone.application_id == application_id)
        .order_by(col(MatchMilestone.position), col(MatchMilestone.id))
    ).all()
    sessions = session.exec(
        select(MatchSession)
        .where(MatchSession.application_id == application_id)
        .order_by(col(MatchSession.held_on).desc(), col(MatchSession.id).desc())
    ).all()
    names = {student_row.id: student_row.display_name, mentor_row.id: mentor_row.display_name}
    verified = sum(1 for m in milestones if m.status is MilestoneStatus.VERIFIED)
    confirmed_minutes = sum(s.minutes for s in sessions if s.confirmed_at is not None)
    last = max((s.held_on for s in sessions), default=None)
    since = at_risk_since(project.start_date, _approved_on(application), last)
    viewer = actor.id

    def milestone_view(m: MatchMilestone) -> MilestoneView:
        done, verify, reopen = milestone_rights(
            viewer, application.status, match.student_id, match.mentor_id, m.status
        )
        return MilestoneView(
            id=m.id or 0,
            position=m.position,
            title=m.title,
            due_date=m.due_date,
            status=m.status,
            done_at=m.done_at,
            verified_at=m.verified_at,
            note=m.note,
            overdue=is_overdue(m.status, m.due_date, today),
            can_mark_done=done,
            can_verify=verify,
            can_reopen=reopen,
        )

    def session_view(s: MatchSession) -> SessionView:
        confirm, change = session_rights(
            viewer, application.status, s.author_id, s.confirmed_at is not None
        )
        return SessionView(
            id=s.id or 0,
            author_id=s.author_id,
            author_name=names.get(s.author_id, "?"),
            held_on=s.held_on,
            minutes=s.minutes,
            summary=s.summary,
            confirmed_at=s.confirmed_at,
            can_confirm=confirm,
            can_change=change,
        )

    view = WorkspaceView(
        application_id=match.id,
        status=application.status,
        project_id=project.id or 0,
        project_title=project.title,
        start_date=project.start_date,
        end_date=project.end_date,
        student_id=student_row.id,
        student_name=student_row.display_name,
        student_email=student_row.email,
        mentor_id=mentor_row.id,
        mentor_name=mentor_row.display_name,
        mentor_email=mentor_row.email,
        hours_planned=project.student_hours * project.duration_weeks,
        hours_logged=round(confirmed_minutes / 60, 2),
        milestones=[milestone_view(m) for m in milestones],
        sessions=[session_view(s) for s in sessions],
        progress=verified / len(milestones) if milestones else 0.0,
        at_risk=application.status is S.APPROVED and is_at_risk(since, today),
        last_session_on=last,
        can_log_session=can_log_session(application.status, project.start_date, today),
        log_from=project.start_date,
        log_until=last_session_day(today),
    )
    return view, match


def workspace_view(
    session: Session, *, actor: User, application_id: int, today: date | None = None
) -> WorkspaceView:
    """Return a match's workspace (milestones, sessions, figures) for one of its parties.

    For a screen that redraws only its sessions after logging one: the thread and the
    close-out are not read again.
    """
    return _workspace_view(session, actor, application_id, today or date.today())[0]


def _thread(session: Session, match: _Match) -> list[MatchMessage]:
    return list(
        session.exec(
            select(MatchMessage)
            .where(MatchMessage.application_id == match.id)
            .order_by(col(MatchMessage.id))
        ).all()
    )


def match_thread(session: Session, *, actor: User, application_id: int) -> list[MatchMessage]:
    """Return a match's messages, oldest first, for one of its parties.

    For a screen that redraws only the thread after a message was sent.
    """
    match = _match(session, actor, application_id, action="match.view")
    return _thread(session, match)


@dataclass(frozen=True)
class WorkspacePage:
    """Everything the workspace screen shows, read with one permission check."""

    view: WorkspaceView
    thread: list[MatchMessage]
    unread: int
    answered: set[SelfEfficacyPhase]
    feedback: FeedbackView | None  # once the match has ended


def open_workspace(
    session: Session,
    *,
    actor: User,
    application_id: int,
    today: date | None = None,
    now: datetime | None = None,
) -> WorkspacePage:
    """Return a match's workspace, thread, questionnaires and feedback for one of its parties."""
    view, match = _workspace_view(session, actor, application_id, today or date.today())
    thread = _thread(session, match)
    mark = session.get(MessageRead, (match.id, actor.id or 0))
    last_read = mark.last_read_id if mark is not None else 0
    phases = session.exec(
        select(SelfEfficacy.phase).where(SelfEfficacy.application_id == match.id)
    ).all()
    closed = match.application.status in CLOSED_STATUSES
    return WorkspacePage(
        view=view,
        thread=thread,
        unread=sum(1 for m in thread if m.sender_id != actor.id and (m.id or 0) > last_read),
        answered={SelfEfficacyPhase(phase) for phase in phases},
        feedback=_feedback_view(session, actor, match, now or utcnow()) if closed else None,
    )
