"""The match workspace: sessions, milestones, messages, close-out feedback, calendar, passport.

A match is an application in status approved (afterwards completed or ended early). Only its
two parties — the student and the project's mentor — may see or change its workspace; everyone
else, faculty and admins included, is refused with an audited PermissionDenied (faculty and
admins see matches as figures on the program dashboard and read a student's passport, not the
private thread). Services never commit: the caller owns the transaction.

When a match ended: core.applications sets the application's updated_at when it moves it to
completed or ended early, and nothing writes the row afterwards, so updated_at of a closed match
is its end time (the 14-day feedback reveal counts from it).

Completing and ending a match early live in core.applications (complete_match, end_early).
Row locks on PostgreSQL: only the application row (then a workspace row), after any project or
user lock a caller already holds, in the order of core.locks.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import icalendar
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from core import audit
from core.db import write_transaction
from core.errors import InvalidTransition, NotFound, ValidationFailed
from core.models import (
    LIVE_PROJECT_STATUSES,
    Application,
    Notification,
    Project,
    Role,
    User,
)
from core.models import ApplicationStatus as S
from core.notifications import ACTOR, notify, unread_count_statement
from core.permissions import deny, ensure_active
from core.schedule import is_due
from core.text import clean_text, field_problem, normalise_text, spreadsheet_cell
from core.types import utcnow
from core.workspace_models import (
    COMMENT_MAX,
    MESSAGE_MAX,
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    SELF_EFFICACY_ITEMS,
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    SUMMARY_MAX,
    MatchFeedback,
    MatchMessage,
    MatchMilestone,
    MatchSession,
    MessageRead,
    MilestoneStatus,
    SelfEfficacy,
    SelfEfficacyPhase,
)

# Application states that are (or were) a match and so have a workspace.
MATCH_STATUSES = (S.APPROVED, S.COMPLETED, S.ENDED_EARLY)
CLOSED_STATUSES = (S.COMPLETED, S.ENDED_EARLY)
AT_RISK_DAYS = 21
FEEDBACK_REVEAL_DAYS = 14
AT_RISK_KIND = "workspace.at_risk"


def match_link(application_id: int) -> str:
    """Return the notification link to a match's workspace."""
    return f"match:{application_id}"


# ---------------------------------------------------------------------------- views


@dataclass(frozen=True)
class MilestoneView:
    id: int
    position: int
    title: str
    due_date: date
    status: MilestoneStatus
    done_at: datetime | None
    verified_at: datetime | None
    note: str | None
    overdue: bool
    # What the viewer may do with it now (the services' own rules, see can_move_milestone).
    can_mark_done: bool = False
    can_verify: bool = False
    can_reopen: bool = False


@dataclass(frozen=True)
class SessionView:
    id: int
    author_id: int
    author_name: str
    held_on: date
    minutes: int
    summary: str
    confirmed_at: datetime | None
    # The viewer may confirm it (the other party), or edit and delete it (its author).
    can_confirm: bool = False
    can_change: bool = False

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class WorkspaceView:
    application_id: int
    status: S
    project_id: int
    project_title: str
    start_date: date
    end_date: date
    student_id: int
    student_name: str
    student_email: str
    mentor_id: int
    mentor_name: str
    mentor_email: str
    hours_planned: float
    hours_logged: float
    milestones: list[MilestoneView]
    sessions: list[SessionView]
    progress: float
    at_risk: bool
    last_session_on: date | None
    # Whether the viewer may log a session now, and the dates one may be held on.
    can_log_session: bool = False
    log_from: date | None = None
    log_until: date | None = None


@dataclass(frozen=True)
class FeedbackView:
    """The actor's own feedback and, once revealed, the other party's."""

    mine: MatchFeedback | None
    theirs: MatchFeedback | None
    other_has_given: bool
    revealed: bool
    reveal_on: date | None


@dataclass(frozen=True)
class AtRiskMatch:
    application_id: int
    project_id: int
    project_title: str
    student_id: int
    mentor_id: int
    last_session_on: date | None
    since: date


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


# ---------------------------------------------------------------------------- loading and guards


@dataclass(frozen=True)
class _Match:
    application: Application
    project: Project

    @property
    def id(self) -> int:
        return self.application.id or 0

    @property
    def student_id(self) -> int:
        return self.application.student_id

    @property
    def mentor_id(self) -> int:
        return self.project.owner_id

    def other(self, actor: User) -> int:
        return self.mentor_id if actor.id == self.student_id else self.student_id


def _lock_application(session: Session, application_id: int) -> Application | None:
    statement = (
        select(Application)
        .where(Application.id == application_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def _match(
    session: Session, actor: User, application_id: int, *, action: str, lock: bool = False
) -> _Match:
    """Load a match the actor is a party of, or refuse (audited)."""
    ensure_active(actor, action=action, entity="match", entity_id=application_id)
    application = (
        _lock_application(session, application_id)
        if lock
        else session.get(Application, application_id)
    )
    if application is None:
        raise NotFound("That match does not exist.")
    project = session.get(Project, application.project_id)
    if project is None:
        raise NotFound("That project does not exist.")
    return _match_from(actor, application, project, action=action)


def _ensure_student(actor: User, match: _Match, *, action: str, what: str) -> None:
    if actor.id != match.student_id:
        raise deny(
            actor,
            f"Only the student of this match may {what}.",
            action=action,
            entity="match",
            entity_id=match.id,
        )


def _ensure_mentor(actor: User, match: _Match, *, action: str, what: str) -> None:
    if actor.id != match.mentor_id:
        raise deny(
            actor,
            f"Only the mentor of this match may {what}.",
            action=action,
            entity="match",
            entity_id=match.id,
        )


def _ensure_open(match: _Match, what: str) -> None:
    if match.application.status is not S.APPROVED:
        raise InvalidTransition(
            f"This match is {match.application.status.value.replace('_', ' ')}; "
            f"{what} only while it is running."
        )


def _row_or_404(session: Session, model: Any, row_id: int, what: str, *, lock: bool) -> Any:
    statement = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if lock:
        statement = statement.with_for_update(key_share=True)
    found = session.exec(statement).first()
    if found is None:
        raise NotFound(f"That {what} does not exist.")
    return found


def _text(value: str | None, field: str, maximum: int, *, required: bool = True) -> str:
    return clean_text(
        value, field, max_length=maximum, min_length=1 if required else 0, multiline=True
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------- pure rules


def milestone_due(project: Project, due_week: int) -> date:
    """Return the due date of a blueprint week: the last day of that week, within the project."""
    due = project.start_date + timedelta(days=7 * due_week - 1)
    return max(project.start_date, min(due, project.end_date))


def is_overdue(status: MilestoneStatus, due_date: date, today: date) -> bool:
    """Return whether a milestone is past its due date and not yet verified."""
    return status is not MilestoneStatus.VERIFIED and due_date < today


def last_session_day(today: date) -> date:
    """Return the latest day a session may be logged for: tomorrow (a meeting set for the
    morning may be logged the evening before)."""
    return today + timedelta(days=1)


def can_log_session(status: S, start_date: date, today: date) -> bool:
    """Return whether a session may be logged on a match now (running, started by tomorrow)."""
    return status is S.APPROVED and start_date <= last_session_day(today)


def session_rights(
    viewer_id: int | None, status: S, author_id: int, confirmed: bool
) -> tuple[bool, bool]:
    """Return (may confirm, may edit or delete) a session, as the session services decide.

    A running match's unconfirmed session is confirmed by the other party and changed only by
    its author; the viewer is one of the match's two parties.
    """
    open_ = status is S.APPROVED and not confirmed
    return open_ and viewer_id != author_id, open_ and viewer_id == author_id


def milestone_rights(
    viewer_id: int | None, status: S, student_id: int, mentor_id: int, milestone: MilestoneStatus
) -> tuple[bool, bool, bool]:
    """Return (may mark done, may verify, may reopen) a milestone, as the services decide.

    While the match runs, the student marks a milestone to do as done; the mentor verifies a
    done one and reopens a done or verified one.
    """
    if status is not S.APPROVED:
        return False, False, False
    student, mentor = viewer_id == student_id, viewer_id == mentor_id
    return (
        student and milestone is MilestoneStatus.TODO,
        mentor and milestone is MilestoneStatus.DONE,
        mentor and milestone is not MilestoneStatus.TODO,
    )


def at_risk_since(start_date: date, approved_on: date, last_session_on: date | None) -> date:
    """Return the day from which a match's silence is counted (its latest sign of life)."""
    return max([start_date, approved_on, *([last_session_on] if last_session_on else [])])


def is_at_risk(since: date, today: date, days: int = AT_RISK_DAYS) -> bool:
    """A match is at risk when no session was held in the `days` days up to today."""
    return since <= today - timedelta(days=days)


def feedback_reveal_at(ended_at: datetime) -> datetime:
    """Return when a closed match's feedback is shown to both parties regardless."""
    return ended_at + timedelta(days=FEEDBACK_REVEAL_DAYS)


def is_feedback_revealed(
    *, mine_given: bool, theirs_given: bool, ended_at: datetime | None, now: datetime
) -> bool:
    """Return whether the other party's feedback may be shown: both gave it, or 14 days passed."""
    if ended_at is None:  # the match is still running
        return False
    return (mine_given and theirs_given) or now >= feedback_reveal_at(ended_at)


def _ended_at(application: Application) -> datetime | None:
    return application.updated_at if application.status in CLOSED_STATUSES else None


def _approved_on(application: Application) -> date:
    moment = application.approved_at or application.updated_at
    return moment.astimezone(UTC).date()


# ---------------------------------------------------------------------------- start


def start_match_workspace(session: Session, *, application: Application) -> None:
    """Copy the project's milestone blueprint into the match with real due dates (idempotent)."""
    from core.models import MilestoneBlueprint

    assert application.id is not None
    exists = session.exec(
        select(MatchMilestone.id).where(MatchMilestone.application_id == application.id).limit(1)
    ).first()
    if exists is not None:
        return
    project = session.get(Project, application.project_id)
    if project is None:
        raise NotFound("That project does not exist.")
    blueprints = session.exec(
        select(MilestoneBlueprint)
        .where(MilestoneBlueprint.project_id == project.id)
        .order_by(col(MilestoneBlueprint.position), col(MilestoneBlueprint.id))
    ).all()
    for blueprint in blueprints:
        session.add(
            MatchMilestone(
                application_id=application.id,
                position=blueprint.position,
                title=blueprint.title,
                due_date=milestone_due(project, blueprint.due_week),
            )
        )
    session.flush()


# ---------------------------------------------------------------------------- workspace


def get_workspace(
    session: Session, *, actor: User, application_id: int, today: date | None = None
) -> WorkspaceView:
    """Return a match's workspace for one of its two parties."""
    return _workspace_view(session, actor, application_id, today or date.today())[0]


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
    thread = list(
        session.exec(
            select(MatchMessage)
            .where(MatchMessage.application_id == match.id)
            .order_by(col(MatchMessage.id))
        ).all()
    )
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


def _match_from(actor: User, application: Application, project: Project, *, action: str) -> _Match:
    if actor.id not in (application.student_id, project.owner_id):
        raise deny(
            actor,
            "Only the student and the mentor of this match may use its workspace.",
            action=action,
            entity="match",
            entity_id=application.id,
        )
    if application.status not in MATCH_STATUSES:
        raise deny(
            actor,
            "This application is not an approved match, so it has no workspace.",
            action=action,
            entity="match",
            entity_id=application.id,
        )
    return _Match(application, project)


# ---------------------------------------------------------------------------- sessions


def _session_problems(
    project: Project, held_on: object, minutes: object, summary: str | None, today: date
) -> tuple[dict[str, str], str]:
    problems: dict[str, str] = {}
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        problems["held_on"] = "must be a date"
    elif held_on > last_session_day(today):
        problems["held_on"] = "cannot be later than tomorrow"
    elif held_on < project.start_date:
        problems["held_on"] = f"cannot be before the project starts ({project.start_date:%d %b %Y})"
    if not _is_int(minutes) or not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX:  # type: ignore[operator]
        problems["minutes"] = (
            f"must be a whole number from {SESSION_MINUTES_MIN} to {SESSION_MINUTES_MAX}"
        )
    problem = field_problem(summary, max_length=SUMMARY_MAX, multiline=True)
    if problem:
        problems["summary"] = problem
    return problems, normalise_text(summary if isinstance(summary, str) else "", multiline=True)


def _session_state(row: MatchSession) -> dict[str, Any]:
    return {
        "held_on": row.held_on.isoformat(),
        "minutes": row.minutes,
        "confirmed": row.confirmed_at is not None,
    }


def log_session(
    session: Session,
    *,
    actor: User,
    application_id: int,
    held_on: date,
    minutes: int,
    summary: str,
    today: date | None = None,
) -> MatchSession:
    """Log a mentoring session; either party may, while the match runs."""
    action = "match_session.log"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_open(match, "sessions can be logged")
    problems, text = _session_problems(
        match.project, held_on, minutes, summary, today or date.today()
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    row = MatchSession(
        application_id=match.id,
        author_id=actor.id or 0,
        held_on=held_on,
        minutes=minutes,
        summary=text,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        after={"application_id": match.id, **_session_state(row)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_to_confirm",
        text=f"{actor.display_name} logged a {minutes}-minute session on {held_on:%d %b %Y} "
        f"for “{match.project.title}”. Please confirm it.",
        link=match_link(match.id),
    )
    return row


def _session_and_match(
    session: Session, actor: User, session_id: int, *, action: str
) -> tuple[MatchSession, _Match]:
    row = session.get(MatchSession, session_id)
    if row is None:
        raise NotFound("That session does not exist.")
    match = _match(session, actor, row.application_id, action=action, lock=True)
    row = _row_or_404(session, MatchSession, session_id, "session", lock=True)
    return row, match


def confirm_session(session: Session, *, actor: User, session_id: int) -> MatchSession:
    """Confirm a session the other party logged."""
    action = "match_session.confirm"
    row, match = _session_and_match(session, actor, session_id, action=action)
    if row.author_id == actor.id:
        raise deny(
            actor,
            "A session is confirmed by the other party, not by whoever logged it.",
            action=action,
            entity="match_session",
            entity_id=session_id,
        )
    if row.confirmed_at is not None:
        raise InvalidTransition("This session is already confirmed.")
    _ensure_open(match, "sessions can be confirmed")
    before = _session_state(row)
    row.confirmed_by = actor.id
    row.confirmed_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        before=before,
        after=_session_state(row),
    )
    notify(
        session,
        user_id=row.author_id,
        kind="workspace.session_confirmed",
        text=f"{actor.display_name} confirmed your session of {row.held_on:%d %b %Y}.",
        link=match_link(match.id),
    )
    return row


def _ensure_author_unconfirmed(
    actor: User, row: MatchSession, match: _Match, *, action: str, what: str
) -> None:
    if row.author_id != actor.id:
        raise deny(
            actor,
            f"Only whoever logged a session may {what} it.",
            action=action,
            entity="match_session",
            entity_id=row.id,
        )
    if row.confirmed_at is not None:
        raise InvalidTransition(f"This session is confirmed; it can no longer be {what}ed.")
    _ensure_open(match, f"sessions can be {what}ed")


def edit_session(
    session: Session,
    *,
    actor: User,
    session_id: int,
    held_on: date,
    minutes: int,
    summary: str,
    today: date | None = None,
) -> MatchSession:
    """Change an unconfirmed session; only its author may."""
    action = "match_session.edit"
    row, match = _session_and_match(session, actor, session_id, action=action)
    _ensure_author_unconfirmed(actor, row, match, action=action, what="edit")
    problems, text = _session_problems(
        match.project, held_on, minutes, summary, today or date.today()
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    before = {**_session_state(row), "summary_length": len(row.summary)}
    row.held_on, row.minutes, row.summary = held_on, minutes, text
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=row.id,
        before=before,
        after={**_session_state(row), "summary_length": len(text)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_to_confirm",
        text=f"{actor.display_name} changed the session of {held_on:%d %b %Y}. Please confirm it.",
        link=match_link(match.id),
    )
    return row


def delete_session(session: Session, *, actor: User, session_id: int) -> None:
    """Delete an unconfirmed session; only its author may."""
    action = "match_session.delete"
    row, match = _session_and_match(session, actor, session_id, action=action)
    _ensure_author_unconfirmed(actor, row, match, action=action, what="delete")
    before = _session_state(row)
    held_on = row.held_on
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_session",
        entity_id=session_id,
        before={"application_id": match.id, **before},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.session_deleted",
        text=f"{actor.display_name} deleted the unconfirmed session of {held_on:%d %b %Y}; "
        "there is nothing to confirm.",
        link=match_link(match.id),
    )


# ---------------------------------------------------------------------------- milestones


def _milestone_and_match(
    session: Session, actor: User, milestone_id: int, *, action: str
) -> tuple[MatchMilestone, _Match]:
    row = session.get(MatchMilestone, milestone_id)
    if row is None:
        raise NotFound("That milestone does not exist.")
    match = _match(session, actor, row.application_id, action=action, lock=True)
    row = _row_or_404(session, MatchMilestone, milestone_id, "milestone", lock=True)
    return row, match


def _move_milestone(
    session: Session,
    actor: User,
    row: MatchMilestone,
    to: MilestoneStatus,
    *,
    action: str,
    note: str | None = None,
) -> None:
    before = row.status
    row.status = to
    now = utcnow()
    if to is MilestoneStatus.DONE:
        row.done_at = now
    elif to is MilestoneStatus.VERIFIED:
        row.verified_at = now
    else:
        row.done_at = row.verified_at = None
    if note is not None:
        row.note = note
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_milestone",
        entity_id=row.id,
        before={"status": before.value},
        after={"status": to.value},
        detail=note,
    )


def mark_milestone_done(session: Session, *, actor: User, milestone_id: int) -> MatchMilestone:
    """The student marks a milestone done, for the mentor to verify."""
    action = "match_milestone.done"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_student(actor, match, action=action, what="mark milestones done")
    _ensure_open(match, "milestones can be marked")
    if row.status is not MilestoneStatus.TODO:
        raise InvalidTransition(f"This milestone is already {row.status.value}.")
    _move_milestone(session, actor, row, MilestoneStatus.DONE, action=action)
    notify(
        session,
        user_id=match.mentor_id,
        kind="workspace.milestone_to_verify",
        text=f"{actor.display_name} marked “{row.title}” done. Please verify it.",
        link=match_link(match.id),
    )
    return row


def verify_milestone(session: Session, *, actor: User, milestone_id: int) -> MatchMilestone:
    """The mentor verifies a milestone the student marked done."""
    action = "match_milestone.verify"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_mentor(actor, match, action=action, what="verify milestones")
    _ensure_open(match, "milestones can be verified")
    if row.status is not MilestoneStatus.DONE:
        raise InvalidTransition(
            "Only a milestone the student marked done can be verified "
            f"(this one is {row.status.value})."
        )
    _move_milestone(session, actor, row, MilestoneStatus.VERIFIED, action=action)
    notify(
        session,
        user_id=match.student_id,
        kind="workspace.milestone_verified",
        text=f"{actor.display_name} verified “{row.title}”.",
        link=match_link(match.id),
    )
    return row


def reopen_milestone(
    session: Session, *, actor: User, milestone_id: int, note: str
) -> MatchMilestone:
    """The mentor sends a done or verified milestone back to the student, with a note."""
    action = "match_milestone.reopen"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_mentor(actor, match, action=action, what="reopen milestones")
    _ensure_open(match, "milestones can be reopened")
    text = _text(note, "note", NOTE_MAX)
    if row.status is MilestoneStatus.TODO:
        raise InvalidTransition("This milestone is still to do; there is nothing to reopen.")
    _move_milestone(session, actor, row, MilestoneStatus.TODO, action=action, note=text)
    notify(
        session,
        user_id=match.student_id,
        kind="workspace.milestone_reopened",
        text=f"{actor.display_name} reopened “{row.title}”: {text}",
        link=match_link(match.id),
    )
    return row


# ---------------------------------------------------------------------------- messages


def _mark_read(session: Session, application_id: int, user_id: int, last_id: int) -> None:
    """Raise the user's read mark on a thread to `last_id` (never lowers it)."""
    found = session.get(MessageRead, (application_id, user_id))
    if found is None:
        session.add(
            MessageRead(application_id=application_id, user_id=user_id, last_read_id=last_id)
        )
        session.flush()
    elif found.last_read_id < last_id:
        found.last_read_id = last_id
        session.add(found)


def send_message(session: Session, *, actor: User, application_id: int, body: str) -> MatchMessage:
    """Post a plain-text message to the match's thread."""
    action = "match_message.send"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_open(match, "messages can be sent")
    text = _text(body, "message", MESSAGE_MAX)
    row = MatchMessage(application_id=match.id, sender_id=actor.id or 0, body=text)
    session.add(row)
    session.flush()
    _mark_read(session, match.id, actor.id or 0, row.id or 0)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_message",
        entity_id=row.id,
        after={"application_id": match.id, "length": len(text)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.message",
        text=f"New message from {actor.display_name} about “{match.project.title}”.",
        link=match_link(match.id),
    )
    return row


def list_messages(session: Session, *, actor: User, application_id: int) -> list[MatchMessage]:
    """Return the match's thread, newest last (reading does not mark it read)."""
    match = _match(session, actor, application_id, action="match_message.list")
    return list(
        session.exec(
            select(MatchMessage)
            .where(MatchMessage.application_id == match.id)
            .order_by(col(MatchMessage.id))
        ).all()
    )


def mark_thread_read(
    session: Session, *, actor: User, application_id: int, up_to: int | None = None
) -> int:
    """Mark the match's thread read up to message `up_to` (default: the newest); return the mark.

    A screen passes the id of the last message it showed, so a message that arrived after the
    thread was read stays unread.
    """
    # Locked like any write: two tabs must not insert the same read mark twice.
    match = _match(session, actor, application_id, action="match_message.read", lock=True)
    newest = session.exec(
        select(func.max(MatchMessage.id)).where(MatchMessage.application_id == match.id)
    ).one()
    last = int(newest or 0) if up_to is None else min(int(up_to), int(newest or 0))
    if last > 0:
        _mark_read(session, match.id, actor.id or 0, last)
    found = session.get(MessageRead, (match.id, actor.id or 0))
    return found.last_read_id if found is not None else 0


# The unread counts run on every rerun of every screen (the menu badges). Their statements are
# built once with the actor as a parameter (ACTOR): building one costs about a millisecond,
# more than running it.


@cache
def _unread_messages() -> sa.Subquery:
    """Select (match, message) rows of the actor's matches they have not read yet."""
    actor = sa.bindparam(ACTOR, type_=sa.Integer)
    read = aliased(MessageRead)
    return (
        sa.select(col(MatchMessage.application_id))
        .join(Application, col(Application.id) == col(MatchMessage.application_id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .outerjoin(
            read,
            sa.and_(
                col(read.application_id) == col(MatchMessage.application_id),
                col(read.user_id) == actor,
            ),
        )
        .where(
            sa.or_(col(Application.student_id) == actor, col(Project.owner_id) == actor),
            col(Application.status).in_(MATCH_STATUSES),
            col(MatchMessage.sender_id) != actor,
            col(MatchMessage.id) > func.coalesce(col(read.last_read_id), 0),
        )
        .subquery()
    )


@cache
def _unread_per_match() -> sa.Select[Any]:
    unread = _unread_messages()
    return sa.select(unread.c.application_id, func.count()).group_by(unread.c.application_id)


@cache
def _badges() -> sa.Select[Any]:
    notes = unread_count_statement().scalar_subquery()
    messages = sa.select(func.count()).select_from(_unread_messages()).scalar_subquery()
    return sa.select(notes, messages)


def unread_counts(session: Session, *, actor: User) -> dict[int, int]:
    """Return unread messages per match of the actor (matches with none are left out)."""
    rows = session.execute(_unread_per_match(), {ACTOR: actor.id}).all()
    return {int(application_id): int(count) for application_id, count in rows}


def unread_total(session: Session, *, actor: User) -> int:
    """Return the actor's unread messages over all their matches (for the sidebar badge)."""
    return unread_badges(session, actor=actor)[1]


def unread_badges(session: Session, *, actor: User) -> tuple[int, int]:
    """Return the actor's unread notifications and unread messages, in one statement."""
    row = session.execute(_badges(), {ACTOR: actor.id}).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class MatchSummary:
    """One line of the actor's match list."""

    application_id: int
    project_title: str
    other_name: str
    is_student: bool
    status: S
    start_date: date
    end_date: date
    unread: int


def my_matches(session: Session, *, actor: User) -> list[MatchSummary]:
    """Return the actor's matches (running first, then finished), with unread messages."""
    ensure_active(actor, action="match.list", entity="match", entity_id=None)
    unread = unread_counts(session, actor=actor)
    matches = _calendar_matches(session, actor)
    matches.sort(
        key=lambda m: (m.application.status is not S.APPROVED, -m.project.end_date.toordinal())
    )
    return [
        MatchSummary(
            application_id=m.application.id or 0,
            project_title=m.project.title,
            other_name=m.other_name,
            is_student=m.application.student_id == actor.id,
            status=m.application.status,
            start_date=m.project.start_date,
            end_date=m.project.end_date,
            unread=unread.get(m.application.id or 0, 0),
        )
        for m in matches
    ]


# ---------------------------------------------------------------------------- close-out


def give_feedback(
    session: Session, *, actor: User, application_id: int, rating: int, comment: str
) -> MatchFeedback:
    """Give the once-only close-out rating (1–5) and comment of a finished match."""
    action = "match_feedback.give"
    match = _match(session, actor, application_id, action=action, lock=True)
    if match.application.status not in CLOSED_STATUSES:
        raise InvalidTransition("Feedback opens once the match is completed or ended early.")
    problems: dict[str, str] = {}
    if not _is_int(rating) or not RATING_MIN <= rating <= RATING_MAX:
        problems["rating"] = f"must be a whole number from {RATING_MIN} to {RATING_MAX}"
    problem = field_problem(comment, max_length=COMMENT_MAX, multiline=True)
    if problem:
        problems["comment"] = problem
    text = normalise_text(comment if isinstance(comment, str) else "", multiline=True)
    if problems:
        raise ValidationFailed.from_fields(problems)
    given = session.exec(
        select(MatchFeedback.id).where(
            MatchFeedback.application_id == match.id, MatchFeedback.author_id == actor.id
        )
    ).first()
    if given is not None:
        raise InvalidTransition("You have already given your feedback on this match.")
    row = MatchFeedback(
        application_id=match.id, author_id=actor.id or 0, rating=rating, comment=text
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_feedback",
        entity_id=row.id,
        after={"application_id": match.id, "rating": rating},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.feedback",
        text=f"{actor.display_name} left feedback on “{match.project.title}”. "
        "Leave yours to see it.",
        link=match_link(match.id),
    )
    return row


def visible_feedback(
    session: Session, *, actor: User, application_id: int, now: datetime | None = None
) -> FeedbackView:
    """Return the actor's feedback and the other party's once revealed.

    The other party's is hidden until both have given theirs or 14 days have passed since
    the match ended.
    """
    match = _match(session, actor, application_id, action="match_feedback.view")
    return _feedback_view(session, actor, match, now or utcnow())


def _feedback_view(session: Session, actor: User, match: _Match, now: datetime) -> FeedbackView:
    rows = session.exec(select(MatchFeedback).where(MatchFeedback.application_id == match.id)).all()
    mine = next((f for f in rows if f.author_id == actor.id), None)
    theirs = next((f for f in rows if f.author_id != actor.id), None)
    ended_at = _ended_at(match.application)
    revealed = is_feedback_revealed(
        mine_given=mine is not None,
        theirs_given=theirs is not None,
        ended_at=ended_at,
        now=now,
    )
    reveal_on = feedback_reveal_at(ended_at).astimezone(UTC).date() if ended_at else None
    return FeedbackView(
        mine=mine,
        theirs=theirs if revealed else None,
        other_has_given=theirs is not None,
        revealed=revealed,
        reveal_on=reveal_on,
    )


def record_self_efficacy(
    session: Session,
    *,
    actor: User,
    application_id: int,
    phase: SelfEfficacyPhase,
    scores: Sequence[int],
) -> SelfEfficacy:
    """The student answers the 5-item leadership self-efficacy scale at start or at close."""
    action = "self_efficacy.record"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_student(actor, match, action=action, what="answer the self-efficacy scale")
    phase = SelfEfficacyPhase(phase)
    status = match.application.status
    if phase is SelfEfficacyPhase.START and status is not S.APPROVED:
        raise InvalidTransition("The start questionnaire is answered while the match runs.")
    if phase is SelfEfficacyPhase.CLOSE and status not in CLOSED_STATUSES:
        raise InvalidTransition(
            "The close questionnaire opens once the match is completed or ended early."
        )
    values = list(scores)
    if len(values) != SELF_EFFICACY_ITEMS or not all(
        _is_int(v) and RATING_MIN <= v <= RATING_MAX for v in values
    ):
        raise ValidationFailed.from_fields(
            {"scores": f"answer all {SELF_EFFICACY_ITEMS} items with a number from 1 to 5"}
        )
    answered = session.exec(
        select(SelfEfficacy.id).where(
            SelfEfficacy.application_id == match.id, SelfEfficacy.phase == phase
        )
    ).first()
    if answered is not None:
        raise InvalidTransition(f"You have already answered the {phase.value} questionnaire.")
    row = SelfEfficacy(
        application_id=match.id,
        student_id=actor.id or 0,
        phase=phase,
        item1=values[0],
        item2=values[1],
        item3=values[2],
        item4=values[3],
        item5=values[4],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="self_efficacy",
        entity_id=row.id,
        after={"application_id": match.id, "phase": phase.value},
    )
    return row


def answered_self_efficacy(
    session: Session, *, actor: User, application_id: int
) -> set[SelfEfficacyPhase]:
    """Return which self-efficacy questionnaires the match's student has answered."""
    _match(session, actor, application_id, action="self_efficacy.view")
    phases = session.exec(
        select(SelfEfficacy.phase).where(SelfEfficacy.application_id == application_id)
    ).all()
    return {SelfEfficacyPhase(phase) for phase in phases}


# ---------------------------------------------------------------------------- at risk


def at_risk_matches(
    session: Session, *, today: date | None = None, days: int = AT_RISK_DAYS
) -> list[AtRiskMatch]:
    """Return running matches with no session in the last `days` days, in one query.

    Silence counts from the latest of: the last session, the approval, the project start
    (so a match approved weeks before its project starts is not flagged early).
    """
    today = today or date.today()
    cutoff = today - timedelta(days=days)
    cutoff_moment = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    last = (
        sa.select(
            col(MatchSession.application_id).label("application_id"),
            func.max(col(MatchSession.held_on)).label("last_on"),
        )
        .group_by(col(MatchSession.application_id))
        .subquery()
    )
    approved = func.coalesce(col(Application.approved_at), col(Application.updated_at))
    rows = session.execute(
        sa.select(
            col(Application.id),
            col(Project.id),
            col(Project.title),
            col(Application.student_id),
            col(Project.owner_id),
            last.c.last_on,
            col(Project.start_date),
            approved,
        )
        .join(Project, col(Project.id) == col(Application.project_id))
        .outerjoin(last, last.c.application_id == col(Application.id))
        .where(
            col(Application.status) == S.APPROVED,
            col(Project.start_date) <= cutoff,
            approved < cutoff_moment,
            sa.or_(last.c.last_on.is_(None), last.c.last_on <= cutoff),
        )
        .order_by(col(Application.id))
    ).all()
    found = []
    for app_id, project_id, title, student_id, owner_id, last_on, start, approved_at in rows:
        approved_on = approved_at.astimezone(UTC).date()
        found.append(
            AtRiskMatch(
                application_id=app_id,
                project_id=project_id,
                project_title=title,
                student_id=student_id,
                mentor_id=owner_id,
                last_session_on=last_on,
                since=at_risk_since(start, approved_on, last_on),
            )
        )
    return found


def flag_at_risk(session: Session, *, today: date | None = None) -> int:
    """Notify both parties of each at-risk match once per silent period; return how many."""
    _serialise_flagging(session)
    matches = at_risk_matches(session, today=today)
    if not matches:
        return 0
    links = {match_link(m.application_id): m for m in matches}
    flagged_at = dict(
        session.execute(
            sa.select(col(Notification.link), func.max(col(Notification.created_at)))
            .where(col(Notification.kind) == AT_RISK_KIND, col(Notification.link).in_(links))
            .group_by(col(Notification.link))
        ).all()
    )
    count = 0
    for link, match in links.items():
        previous = flagged_at.get(link)
        if previous is not None and previous.astimezone(UTC).date() > match.since:
            continue
        text = (
            f"No session has been logged on “{match.project_title}” for {AT_RISK_DAYS} days. "
            "Plan your next one."
        )
        for user_id in (match.student_id, match.mentor_id):
            notify(session, user_id=user_id, kind=AT_RISK_KIND, text=text, link=link)
        audit.record(
            session,
            actor=None,
            action="match.at_risk",
            entity="match",
            entity_id=match.application_id,
            after={"since": match.since.isoformat()},
        )
        count += 1
    return count


def _serialise_flagging(session: Session) -> None:
    """Let one flagging run at a time see and write the at-risk notifications.

    SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL two runs (cron and a
    manual one) would otherwise both find no earlier flag and notify twice. A transaction-level
    advisory lock takes no row locks, so it cannot deadlock with the app's writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FLAG_LOCK_KEY})


_FLAG_LOCK_KEY = 7_021_021  # any constant unique to this job among the project's advisory locks


def run_flag_at_risk(engine: Engine, *, today: date | None = None) -> int:
    """Flag at-risk matches in a transaction of its own and return how many (for the CLI)."""
    with write_transaction(engine) as session:
        return flag_at_risk(session, today=today)


def flag_at_risk_if_due(engine: Engine, *, min_interval_seconds: float = 3600.0) -> int:
    """Flag at-risk matches at most once an hour per process (the app calls this lazily)."""
    if not is_due("flag_at_risk", engine, min_interval_seconds=min_interval_seconds):
        return 0
    return run_flag_at_risk(engine)


# ---------------------------------------------------------------------------- calendar


# Where a project window belongs in a calendar: matches that ran or run to their end, and a
# mentor's projects that are live (taking or holding students).
CALENDAR_MATCH_STATUSES = (S.APPROVED, S.COMPLETED)


@dataclass(frozen=True)
class _CalendarMatch:
    application: Application
    project: Project
    other_name: str

    @property
    def label(self) -> str:
        return f"{self.project.title}, with {self.other_name}"


def _calendar_matches(session: Session, actor: User) -> list[_CalendarMatch]:
    student, mentor = aliased(User), aliased(User)
    matched = col(Application.status).in_(MATCH_STATUSES)
    # The actor's side as a student and as a mentor, each found through its own index: one OR
    # over the two joined tables made PostgreSQL read every match of the program.
    mine = sa.union(
        sa.select(col(Application.id)).where(col(Application.student_id) == actor.id, matched),
        sa.select(col(Application.id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(col(Project.owner_id) == actor.id, matched),
    ).subquery()
    rows = session.execute(
        sa.select(Application, Project, col(student.display_name), col(mentor.display_name))
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(student, col(student.id) == col(Application.student_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .where(col(Application.id).in_(sa.select(mine.c.id)))
        .order_by(col(Project.start_date), col(Application.id))
    ).all()
    return [
        _CalendarMatch(a, p, mentor_name if a.student_id == actor.id else student_name)
        for a, p, student_name, mentor_name in rows
    ]


def calendar_ics(session: Session, *, actor: User) -> bytes:
    """Return an RFC 5545 calendar of the actor's project windows, milestone dues and sessions.

    Windows: the actor's approved and completed matches and, for a mentor, each of their live
    projects or projects with such a match (once per project). Milestones: those of approved
    and completed matches. Sessions: every logged session of the actor's matches, ended early
    ones included (they were held).
    """
    ensure_active(actor, action="match.calendar", entity="match", entity_id=None)
    matches = _calendar_matches(session, actor)
    by_id = {m.application.id: m for m in matches}
    running = [i for i, m in by_id.items() if m.application.status in CALENDAR_MATCH_STATUSES]
    own_projects = session.exec(
        select(Project)
        .where(Project.owner_id == actor.id, col(Project.status).in_(LIVE_PROJECT_STATUSES))
        .order_by(col(Project.start_date), col(Project.id))
    ).all()
    milestones = (
        session.exec(
            select(MatchMilestone)
            .where(col(MatchMilestone.application_id).in_(running))
            .order_by(col(MatchMilestone.application_id), col(MatchMilestone.position))
        ).all()
        if running
        else []
    )
    sessions = (
        session.exec(
            select(MatchSession)
            .where(col(MatchSession.application_id).in_(list(by_id)))
            .order_by(col(MatchSession.held_on), col(MatchSession.id))
        ).all()
        if by_id
        else []
    )
    stamp = utcnow()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Micro-mentoring portal//workspace//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Micro-mentoring")

    def event(uid: str, summary: str, start: date, end: date) -> None:
        item = icalendar.Event()
        item.add("uid", f"{uid}@micro-mentoring")
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        item.add("dtstart", start)
        item.add("dtend", end + timedelta(days=1))  # all-day events: DTEND is exclusive
        calendar.add_component(item)

    windows: dict[str, Project] = {}
    for project in own_projects:
        windows[f"project-{project.id}"] = project
    for m in matches:
        if m.application.status not in CALENDAR_MATCH_STATUSES:
            continue
        if m.project.owner_id == actor.id:
            windows.setdefault(f"project-{m.project.id}", m.project)
        else:
            windows[f"match-{m.application.id}"] = m.project
    for uid, project in sorted(windows.items(), key=lambda kv: (kv[1].start_date, kv[0])):
        event(uid, f"Project: {project.title}", project.start_date, project.end_date)
    for milestone in milestones:
        event(
            f"milestone-{milestone.id}",
            f"Milestone due: {milestone.title} ({by_id[milestone.application_id].label})",
            milestone.due_date,
            milestone.due_date,
        )
    for row in sessions:
        event(
            f"session-{row.id}",
            f"Session ({row.minutes} min): {by_id[row.application_id].label}",
            row.held_on,
            row.held_on,
        )
    return calendar.to_ical()


# ---------------------------------------------------------------------------- passport


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


def passport_csv(
    session: Session, *, actor: User, student_id: int, now: datetime | None = None
) -> str:
    """Return the student's passport as CSV text (same permission as student_passport)."""
    return passport_csv_text(student_passport(session, actor=actor, student_id=student_id, now=now))


def passport_csv_text(entries: Sequence[PassportEntry]) -> str:
    """Render passport entries as CSV, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PASSPORT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                spreadsheet_cell(e.project_title),
                spreadsheet_cell(e.mentor_name),
                e.start_date.isoformat(),
                e.end_date.isoformat(),
                e.milestones_verified,
                e.milestones_total,
                f"{e.hours_logged:g}",
                "" if e.feedback_rating is None else e.feedback_rating,
                spreadsheet_cell(e.feedback_comment),
            ]
        )
    return out.getvalue()


def passport_html(
    session: Session, *, actor: User, student_id: int, now: datetime | None = None
) -> str:
    """Return the student's passport as a self-contained printable HTML page (text escaped)."""
    entries = student_passport(session, actor=actor, student_id=student_id, now=now)
    student = session.get(User, student_id)
    return passport_html_text(student.display_name if student else "", entries)


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
