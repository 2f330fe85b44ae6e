"""Applications: the state table, who may move an application, and the services that move it.

Every move checks permission first, then the input, then the rules; it writes one audit row and
the notifications in the caller's transaction and never commits.

Row locks on PostgreSQL (SQLite holds the whole database with BEGIN IMMEDIATE) follow the order
of core.locks: projects (ascending id) before users before applications.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core import audit
from core.commitment import (
    Commitment,
    describe_student_overrun,
    first_overrun,
    least_free_hours,
    week_name,
)
from core.db import LockSetChanged, read_session, write_transaction
from core.errors import (
    CapacityExceeded,
    InvalidTransition,
    NotFound,
    OverCommitted,
    ValidationFailed,
)
from core.locks import (
    HeldRows,
    lock_application,
    lock_project,
    lock_seat_release,
    lock_user,
)
from core.models import (
    LIVE_PROJECT_STATUSES,
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    AuditEntry,
    Project,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
    UserInterest,
)
from core.notifications import notify
from core.permissions import deny, ensure_active, ensure_role, is_admin
from core.schedule import is_due
from core.types import utcnow
from core.wording import counted, hours

S = ApplicationStatus

STATEMENT_MIN, STATEMENT_MAX = 50, 2000
ANSWER_MAX = 2000
REASON_MAX = 500
EXPIRY_DAYS = 14
NO_LONGER_FITS = "no longer fits weekly availability"

# Applications still waiting for a decision or holding a seat (not yet a match).
PENDING_STATUSES = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED)
# Applications that the system expires when nobody decides.
UNDECIDED_STATUSES = (S.SUBMITTED, S.WAITLISTED)


class Actor(enum.StrEnum):
    """Who makes a move, relative to the application."""

    STUDENT = "student"  # the applicant
    MENTOR = "mentor"  # the project's owner
    APPROVER = "approver"  # faculty in scope of the project's department, or an admin
    SYSTEM = "system"  # automatic moves: seat promotion, no longer fits, expiry


_A = Actor
# The application state table (docs/architecture.md): (from, to) → who may make the move;
# None is "no application".
TRANSITIONS: dict[tuple[ApplicationStatus | None, ApplicationStatus], frozenset[Actor]] = {
    (None, S.SUBMITTED): frozenset({_A.STUDENT}),
    (S.SUBMITTED, S.ACCEPTED): frozenset({_A.MENTOR}),
    (S.SUBMITTED, S.WAITLISTED): frozenset({_A.MENTOR}),
    (S.SUBMITTED, S.DECLINED): frozenset({_A.MENTOR}),
    (S.WAITLISTED, S.ACCEPTED): frozenset({_A.MENTOR, _A.SYSTEM}),
    (S.ACCEPTED, S.APPROVED): frozenset({_A.APPROVER}),
    (S.ACCEPTED, S.REJECTED): frozenset({_A.APPROVER}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.WAITLISTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.SUBMITTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    (S.WAITLISTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    # The seat lapses when the project is cancelled or its mentor leaves the portal; a running
    # match ends with the reason when the project is cancelled.
    (S.ACCEPTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    (S.APPROVED, S.COMPLETED): frozenset({_A.MENTOR}),
    (S.APPROVED, S.ENDED_EARLY): frozenset({_A.STUDENT, _A.MENTOR, _A.SYSTEM}),
}

_VERBS = {
    S.SUBMITTED: "submitted",
    S.ACCEPTED: "accepted",
    S.WAITLISTED: "waitlisted",
    S.DECLINED: "declined",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.WITHDRAWN: "withdrawn",
    S.EXPIRED: "expired",
    S.COMPLETED: "marked completed",
    S.ENDED_EARLY: "ended early",
}


def can_move(
    from_status: ApplicationStatus | None, to_status: ApplicationStatus, by: Actor | None = None
) -> bool:
    """Tell whether the state table allows the move (by `by`, when given)."""
    allowed = TRANSITIONS.get((from_status, to_status))
    if allowed is None:
        return False
    return by is None or by in allowed


def allowed_actors(
    from_status: ApplicationStatus | None, to_status: ApplicationStatus
) -> frozenset[Actor]:
    """Return who may make the move (empty when the move does not exist)."""
    return TRANSITIONS.get((from_status, to_status), frozenset())


def mentor_moves(
    status: ApplicationStatus, *, seat_free: bool, fits: bool
) -> tuple[ApplicationStatus, ...]:
    """Return the moves a mentor can make on an application now, in the order offered."""
    moves = [
        to for to in (S.ACCEPTED, S.WAITLISTED, S.DECLINED) if can_move(status, to, Actor.MENTOR)
    ]
    if S.ACCEPTED in moves and not (seat_free and fits):
        moves.remove(S.ACCEPTED)
    return tuple(moves)


def seats_full_refusal(project: Project, status: ApplicationStatus) -> str:
    """Explain a full project in words that fit the application's state."""
    taken = f"All {project.seats} seats of “{project.title}” are taken"
    if status is S.WAITLISTED:
        return f"{taken}; the application stays on the waitlist and moves up when a seat frees."
    return f"{taken}; waitlist the application instead."


def transition_refusal(from_status: ApplicationStatus, to_status: ApplicationStatus) -> str:
    """Explain why an application in `from_status` cannot go to `to_status`."""
    return (
        f"This application is {from_status.value.replace('_', ' ')}, "
        f"so it cannot be {_VERBS[to_status]}."
    )


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MyApplication:
    """One row of a student's own applications."""

    id: int
    project_id: int
    project_title: str
    status: ApplicationStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime
    deadline: date
    start_date: date
    end_date: date


@dataclass(frozen=True)
class TimelineEntry:
    """One step in an application's history."""

    at: datetime
    action: str
    before: str | None
    after: str | None
    actor_role: str | None
    detail: str | None


@dataclass(frozen=True)
class Applicant:
    """An applicant as the project's mentor sees them, with their fit for the project."""

    application_id: int
    student_id: int
    name: str
    blind: bool
    status: ApplicationStatus
    statement: str
    screening_answer: str | None
    created_at: datetime
    interests: tuple[str, ...]
    shared_tags: tuple[str, ...]
    least_free_hours: float
    hours_needed: float
    # The moves the mentor can make now (state table, a free seat, the student's hours).
    moves: tuple[ApplicationStatus, ...] = ()

    @property
    def fits(self) -> bool:
        return self.least_free_hours + 1e-9 >= self.hours_needed


@dataclass(frozen=True)
class QueueItem:
    """An accepted application waiting for a faculty decision."""

    application_id: int
    project_id: int
    project_title: str
    department: str
    student_id: int
    student_name: str
    mentor_name: str
    accepted_at: datetime | None
    age_days: int
    hours_needed: float
    least_free_hours: float
    weekly_hours: float

    @property
    def fits(self) -> bool:
        return self.least_free_hours + 1e-9 >= self.hours_needed


# ---------------------------------------------------------------------------- loads


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


# ---------------------------------------------------------------------------- helpers


def _get_application(session: Session, application_id: int) -> Application:
    found = session.get(Application, application_id)
    if found is None:
        raise NotFound("That application does not exist.")
    return found


def _get_project(session: Session, project_id: int) -> Project:
    found = session.get(Project, project_id)
    if found is None:
        raise NotFound("That project does not exist.")
    return found


def _ensure_move(application: Application, to_status: ApplicationStatus, by: Actor) -> None:
    if not can_move(application.status, to_status, by):
        raise InvalidTransition(transition_refusal(application.status, to_status))


def _take_seat(session: Session, project: Project, status: ApplicationStatus = S.SUBMITTED) -> None:
    """Take one seat with a conditional UPDATE, so concurrent takers cannot oversell."""
    result: Any = session.execute(
        update(Project)
        .where(col(Project.id) == project.id, col(Project.filled) < col(Project.seats))
        .values(filled=col(Project.filled) + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(project, ["filled"])
    if result.rowcount != 1:
        raise CapacityExceeded(seats_full_refusal(project, status))


def _free_seat(session: Session, project: Project) -> None:
    session.execute(
        update(Project)
        .where(col(Project.id) == project.id, col(Project.filled) > 0)
        .values(filled=col(Project.filled) - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(project, ["filled"])


def _move(
    session: Session,
    application: Application,
    to_status: ApplicationStatus,
    *,
    actor: User | None,
    action: str,
    reason: str | None = None,
) -> None:
    """Set the new status and write the move's one audit row."""
    before = application.status
    application.status = to_status
    application.updated_at = utcnow()
    if reason is not None:
        application.reason = reason[:REASON_MAX]
    session.add(application)
    audit.record(
        session,
        actor=actor,
        action=f"application.{action}",
        entity="application",
        entity_id=application.id,
        before={"status": before.value},
        after={"status": to_status.value},
        detail=reason,
    )


def notification_link(application: Application, user_id: int) -> str:
    """Return where a notification about this application takes its reader.

    A match's parties go to its workspace; otherwise the student goes to the application and
    the mentor to the project's applicants.
    """
    if application.status in (S.APPROVED, S.COMPLETED, S.ENDED_EARLY):
        return f"match:{application.id}"
    if user_id == application.student_id:
        return f"application:{application.id}"
    return f"applicants:{application.project_id}"


def _tell(
    session: Session,
    about: Application,
    user_ids: Iterable[int],
    kind: str,
    text: str,
    *,
    to_student: str | None = None,
) -> None:
    """Notify each reader; `to_student` is the student's own wording, when it differs."""
    for user_id in dict.fromkeys(user_ids):
        own = to_student if to_student is not None and user_id == about.student_id else None
        notify(
            session,
            user_id=user_id,
            kind=f"application.{kind}",
            text=own or text,
            link=notification_link(about, user_id),
        )


def _name(student: User, status: ApplicationStatus) -> str:
    blind = student.blind_review and status not in (S.APPROVED, S.COMPLETED, S.ENDED_EARLY)
    return student.pseudonym if blind else student.display_name


def _require_text(value: str | None, field: str, maximum: int = REASON_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.from_fields({field: "is required"})
    if len(text) > maximum:
        raise ValidationFailed.from_fields({field: f"must be at most {maximum} characters"})
    return text


def _optional_text(value: str | None, field: str, maximum: int = REASON_MAX) -> str | None:
    text = (value or "").strip()
    if len(text) > maximum:
        raise ValidationFailed.from_fields({field: f"must be at most {maximum} characters"})
    return text or None


# ---------------------------------------------------------------------------- permissions


def in_approval_scope(actor: User, project: Project) -> bool:
    """Tell whether the actor may approve matches on this project."""
    if not actor.is_active or project.owner_id == actor.id:
        return False
    if is_admin(actor):
        return True
    if actor.role is not Role.FACULTY:
        return False
    return actor.program_wide or (
        actor.department is not None and actor.department == project.department
    )


def _ensure_owner(actor: User, project: Project, *, action: str, entity_id: int | None) -> None:
    ensure_active(actor, action=action, entity="application", entity_id=entity_id)
    if project.owner_id != actor.id:
        raise deny(
            actor,
            "Only the project's mentor may decide on its applications.",
            action=action,
            entity="application",
            entity_id=entity_id,
        )


def _ensure_approver(actor: User, project: Project, *, action: str, entity_id: int) -> None:
    ensure_role(
        actor, (Role.FACULTY, Role.ADMIN), action=action, entity="application", entity_id=entity_id
    )
    if project.owner_id == actor.id:
        raise deny(
            actor,
            "You mentor this project, so another faculty member must approve its matches.",
            action=action,
            entity="application",
            entity_id=entity_id,
        )
    if not in_approval_scope(actor, project):
        raise deny(
            actor,
            f"Only faculty of {project.department} or program-wide faculty may decide on this "
            "match.",
            action=action,
            entity="application",
            entity_id=entity_id,
        )


def _ensure_applicant(actor: User, application: Application, *, action: str) -> None:
    ensure_active(actor, action=action, entity="application", entity_id=application.id)
    if application.student_id != actor.id:
        raise deny(
            actor,
            "Only the student who applied may do this.",
            action=action,
            entity="application",
            entity_id=application.id,
        )


# ---------------------------------------------------------------------------- apply


def _statement_problems(project: Project, statement: str, answer: str | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    text = (statement or "").strip()
    if not STATEMENT_MIN <= len(text) <= STATEMENT_MAX:
        problems["statement"] = (
            f"must be {STATEMENT_MIN}–{STATEMENT_MAX} characters (now {len(text)})"
        )
    if project.screening_question:
        reply = (answer or "").strip()
        if not 1 <= len(reply) <= ANSWER_MAX:
            problems["screening_answer"] = (
                f"please answer the screening question (1–{ANSWER_MAX} characters)"
            )
    return problems


def _live_application(session: Session, student_id: int, project_id: int) -> Application | None:
    return session.exec(
        select(Application).where(
            Application.student_id == student_id,
            Application.project_id == project_id,
            col(Application.status).in_(LIVE_STATUSES),
        )
    ).first()


def apply(
    session: Session,
    *,
    actor: User,
    project_id: int,
    statement: str,
    screening_answer: str | None = None,
    today: date | None = None,
) -> Application:
    """Submit the actor's application to an open project."""
    ensure_role(
        actor, (Role.STUDENT,), action="application.apply", entity="project", entity_id=project_id
    )
    assert actor.id is not None
    project = session.get(Project, project_id)
    if project is None or project.status is ProjectStatus.DRAFT:
        raise NotFound("That project does not exist.")
    problems = _statement_problems(project, statement, screening_answer)
    if problems:
        raise ValidationFailed.from_fields(problems)
    # The project (shared: applicants do not queue behind each other) and then the student's
    # row, as an approval takes them: the hours checked below cannot change before we commit,
    # and an approval committing first is seen here, or sees this application.
    project = lock_project(session, project_id, shared=True)
    actor = lock_user(session, actor.id)
    assert actor.id is not None
    problems = _statement_problems(project, statement, screening_answer)
    if problems:
        raise ValidationFailed.from_fields(problems)
    today = today or date.today()
    if project.status is not ProjectStatus.OPEN:
        raise InvalidTransition("This project is not taking applications.")
    if today > project.deadline:
        raise InvalidTransition(
            f"Applications for this project closed on {project.deadline:%d %b %Y}."
        )
    existing = _live_application(session, actor.id, project_id)
    if existing is not None:
        raise InvalidTransition(
            f"You already have a live application to this project ({existing.status.value}); "
            "withdraw it before applying again."
        )
    _check_hours(session, actor, project)
    application = Application(
        project_id=project_id,
        student_id=actor.id,
        statement=statement.strip(),
        screening_answer=(screening_answer or "").strip() or None
        if project.screening_question
        else None,
    )
    session.add(application)
    try:
        session.flush()
    except IntegrityError as error:
        raise InvalidTransition(
            "You already have a live application to this project; "
            "withdraw it before applying again."
        ) from error
    audit.record(
        session,
        actor=actor,
        action="application.apply",
        entity="application",
        entity_id=application.id,
        before=None,
        after={"status": S.SUBMITTED.value},
    )
    _tell(
        session,
        application,
        [project.owner_id],
        "submitted",
        f"{_name(actor, S.SUBMITTED)} applied to “{project.title}”.",
    )
    return application


def apply_warnings(session: Session, *, actor: User, project_id: int) -> list[str]:
    """Warn when the actor's pending applications plus this project would overrun a week."""
    assert actor.id is not None
    project = _get_project(session, project_id)
    rows = session.exec(
        select(col(Project.start_date), col(Project.end_date), col(Project.student_hours))
        .join(Application, col(Application.project_id) == Project.id)
        .where(
            Application.student_id == actor.id,
            col(Application.status).in_(PENDING_STATUSES),
            Application.project_id != project_id,
        )
    ).all()
    if not rows:
        return []
    pending = [Commitment(start, end, weekly) for start, end, weekly in rows]
    approved = approved_commitments(session, [actor.id])[actor.id]
    overrun = first_overrun([*approved, *pending], _span(project), actor.weekly_hours)
    if overrun is None:
        return []
    one = len(pending) == 1
    return [
        f"If your {counted(len(pending), 'pending application')} "
        f"{'was' if one else 'were all'} approved, week "
        f"{week_name(overrun.week)} would need {hours(overrun.total)} hours, over your "
        f"{hours(overrun.limit)} available hours per week. Approval of one may withdraw the "
        f"{'other' if one else 'others'}."
    ]


# ---------------------------------------------------------------------------- mentor moves


def _mentor_start(
    session: Session, actor: User, application_id: int, action: str
) -> tuple[Application, Project]:
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_owner(actor, project, action=action, entity_id=application_id)
    return application, project


def accept(session: Session, *, actor: User, application_id: int) -> Application:
    """Accept a submitted or waitlisted application into a free seat."""
    action = "application.accept"
    application, project = _mentor_start(session, actor, application_id, action)
    _ensure_move(application, S.ACCEPTED, Actor.MENTOR)
    if project.filled >= project.seats:
        raise CapacityExceeded(seats_full_refusal(project, application.status))
    project = lock_project(session, project.id or 0)
    student = lock_user(session, application.student_id)
    application = lock_application(session, application_id)
    _ensure_move(application, S.ACCEPTED, Actor.MENTOR)
    _check_hours(session, student, project)
    _take_seat(session, project, application.status)
    application.accepted_at = utcnow()
    _move(session, application, S.ACCEPTED, actor=actor, action="accept")
    _tell(
        session,
        application,
        [application.student_id],
        "accepted",
        f"Your application to “{project.title}” was accepted by the mentor; "
        "a faculty member will now review the match.",
    )
    return application


def waitlist(session: Session, *, actor: User, application_id: int) -> Application:
    """Put a submitted application on the project's waitlist."""
    action = "application.waitlist"
    application, project = _mentor_start(session, actor, application_id, action)
    _ensure_move(application, S.WAITLISTED, Actor.MENTOR)
    # The project first: a cascade holding it reads a waitlist that cannot grow under it.
    project = lock_project(session, project.id or 0)
    application = lock_application(session, application_id)
    _ensure_move(application, S.WAITLISTED, Actor.MENTOR)
    _move(session, application, S.WAITLISTED, actor=actor, action="waitlist")
    _tell(
        session,
        application,
        [application.student_id],
        "waitlisted",
        f"Your application to “{project.title}” is on the waitlist; "
        "you move up automatically when a seat frees.",
    )
    return application


def decline(
    session: Session, *, actor: User, application_id: int, note: str | None = None
) -> Application:
    """Decline a submitted application, with an optional note to the student."""
    action = "application.decline"
    application, project = _mentor_start(session, actor, application_id, action)
    text = _optional_text(note, "note")
    _ensure_move(application, S.DECLINED, Actor.MENTOR)
    application = lock_application(session, application_id)
    _ensure_move(application, S.DECLINED, Actor.MENTOR)
    application.mentor_note = text
    _move(session, application, S.DECLINED, actor=actor, action="decline", reason=text)
    message = f"Your application to “{project.title}” was declined."
    _tell(
        session,
        application,
        [application.student_id],
        "declined",
        f"{message} {text}" if text else message,
    )
    return application


# ---------------------------------------------------------------------------- faculty moves


def approve(session: Session, *, actor: User, application_id: int) -> Application:
    """Approve an accepted application as a match, then withdraw what no longer fits."""
    action = "application.approve"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_approver(actor, project, action=action, entity_id=application_id)
    _ensure_move(application, S.APPROVED, Actor.APPROVER)
    student_id = application.student_id
    held = _lock_approval_cascade(session, application)
    project = held.projects[application.project_id]
    student = held.users[student_id]
    application = held.applications[application_id]
    _ensure_move(application, S.APPROVED, Actor.APPROVER)
    _check_hours(session, student, project)
    application.approved_at = utcnow()
    application.approved_by = actor.id
    _move(session, application, S.APPROVED, actor=actor, action="approve")
    _tell(
        session,
        application,
        [student_id, project.owner_id],
        "approved",
        f"The match for “{project.title}” was approved. You can start working together.",
    )
    session.flush()
    # The pair's milestones exist from the first moment the match does.
    from core.workspace import start_match_workspace  # workspace builds on applications

    start_match_workspace(session, application=application)
    _withdraw_unfitting(session, student, held, approved_title=project.title)
    return application


def _pending_of(session: Session, student_id: int) -> list[tuple[int, int]]:
    """Return (application id, project id) of the student's pending applications."""
    rows = session.exec(
        select(Application.id, Application.project_id).where(
            Application.student_id == student_id,
            col(Application.status).in_(PENDING_STATUSES),
        )
    ).all()
    return [(number or 0, project_id) for number, project_id in rows]


def _lock_approval_cascade(session: Session, application: Application) -> HeldRows:
    """Lock everything approving `application` may touch, in the global lock order.

    That is the project, the student, every project of the student's pending applications
    (an auto-withdrawal frees their seats) with the students waiting on them (a freed seat
    promotes one), and all those applications. The student's pending set is read again under
    the locks: when it grew meanwhile, the transaction starts over (`LockSetChanged`).
    """
    pending = _pending_of(session, application.student_id)
    held = lock_seat_release(
        session,
        project_ids=[application.project_id, *(project_id for _, project_id in pending)],
        user_ids=[application.student_id],
        application_ids=[application.id or 0, *(number for number, _ in pending)],
    )
    if application.id not in held.applications:
        raise NotFound("That application does not exist.")
    now_pending = _pending_of(session, application.student_id)
    held.ensure_projects(project_id for _, project_id in now_pending)
    if {number for number, _ in now_pending} - held.applications.keys():
        raise LockSetChanged("the student applied again while the approval took its locks")
    return held


def _withdraw_unfitting(
    session: Session, student: User, held: HeldRows, *, approved_title: str
) -> None:
    """Withdraw the student's live applications that no longer fit their weekly hours."""
    assert student.id is not None
    committed = approved_commitments(session, [student.id])[student.id]
    rows = session.exec(
        select(Application, Project)
        .join(Project, col(Project.id) == Application.project_id)
        .where(
            Application.student_id == student.id,
            col(Application.status).in_(PENDING_STATUSES),
        )
        .order_by(col(Application.id))
    ).all()
    for other, other_project in rows:
        if _fits(committed, other_project, student.weekly_hours):
            continue
        # Every row touched here was locked up front by _lock_approval_cascade.
        held.ensure_projects([other_project.id or 0])
        held_seat = other.status is S.ACCEPTED
        _move(
            session, other, S.WITHDRAWN, actor=None, action="auto_withdraw", reason=NO_LONGER_FITS
        )
        _tell(
            session,
            other,
            [student.id, other_project.owner_id],
            "withdrawn",
            f"The application of {_name(student, S.WITHDRAWN)} to “{other_project.title}” was "
            f"withdrawn automatically: it {NO_LONGER_FITS} after another match was approved.",
            to_student=f"Your application to “{other_project.title}” was withdrawn "
            f"automatically: it no longer fits your weekly hours now that your match on "
            f"“{approved_title}” is approved.",
        )
        if held_seat:
            _free_seat(session, other_project)
            session.flush()
            promote_waitlist(session, project=other_project)


def reject(session: Session, *, actor: User, application_id: int, reason: str) -> Application:
    """Reject an accepted application with a reason, freeing its seat."""
    action = "application.reject"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_approver(actor, project, action=action, entity_id=application_id)
    text = _require_text(reason, "reason")
    _ensure_move(application, S.REJECTED, Actor.APPROVER)
    held = lock_seat_release(
        session, project_ids=[application.project_id], application_ids=[application_id]
    )
    project = held.projects[application.project_id]
    application = held.applications[application_id]
    _ensure_move(application, S.REJECTED, Actor.APPROVER)
    _move(session, application, S.REJECTED, actor=actor, action="reject", reason=text)
    _tell(
        session,
        application,
        [application.student_id, project.owner_id],
        "rejected",
        f"The match for “{project.title}” was not approved: {text}",
    )
    _free_seat(session, project)
    session.flush()
    promote_waitlist(session, project=project)
    return application


# ---------------------------------------------------------------------------- student and pair


def withdraw(session: Session, *, actor: User, application_id: int) -> Application:
    """Withdraw the actor's own live application (before it becomes a match)."""
    action = "application.withdraw"
    application = _get_application(session, application_id)
    _ensure_applicant(actor, application, action=action)
    _ensure_move(application, S.WITHDRAWN, Actor.STUDENT)
    held = lock_seat_release(
        session, project_ids=[application.project_id], application_ids=[application_id]
    )
    project = held.projects[application.project_id]
    application = held.applications[application_id]
    _ensure_move(application, S.WITHDRAWN, Actor.STUDENT)
    held_seat = application.status is S.ACCEPTED
    _move(session, application, S.WITHDRAWN, actor=actor, action="withdraw")
    _tell(
        session,
        application,
        [project.owner_id],
        "withdrawn",
        f"{_name(actor, S.WITHDRAWN)} withdrew their application to “{project.title}”.",
    )
    if held_seat:
        _free_seat(session, project)
        session.flush()
        promote_waitlist(session, project=project)
    return application


def complete_match(
    session: Session, *, actor: User, application_id: int, today: date | None = None
) -> Application:
    """Mark an approved match completed, on or after the project's end date."""
    action = "application.complete"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    _ensure_owner(actor, project, action=action, entity_id=application_id)
    _ensure_move(application, S.COMPLETED, Actor.MENTOR)
    today = today or date.today()
    if today < project.end_date:
        raise InvalidTransition(
            f"The project ends on {project.end_date:%d %b %Y}; "
            "the match can be completed from then on."
        )
    project = lock_project(session, application.project_id)
    application = lock_application(session, application_id)
    _ensure_move(application, S.COMPLETED, Actor.MENTOR)
    _move(session, application, S.COMPLETED, actor=actor, action="complete")
    _free_seat(session, project)
    _tell(
        session,
        application,
        [application.student_id],
        "completed",
        f"Your match on “{project.title}” is complete. Please leave your feedback.",
    )
    return application


def end_early(session: Session, *, actor: User, application_id: int, reason: str) -> Application:
    """End an approved match early, by the student or the mentor, with a reason."""
    action = "application.end_early"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    ensure_active(actor, action=action, entity="application", entity_id=application_id)
    if actor.id not in (application.student_id, project.owner_id):
        raise deny(
            actor,
            "Only the student or the mentor of this match may end it.",
            action=action,
            entity="application",
            entity_id=application_id,
        )
    text = _require_text(reason, "reason")
    by = Actor.STUDENT if actor.id == application.student_id else Actor.MENTOR
    _ensure_move(application, S.ENDED_EARLY, by)
    held = lock_seat_release(
        session, project_ids=[application.project_id], application_ids=[application_id]
    )
    project = held.projects[application.project_id]
    application = held.applications[application_id]
    _ensure_move(application, S.ENDED_EARLY, by)
    _move(session, application, S.ENDED_EARLY, actor=actor, action="end_early", reason=text)
    other = project.owner_id if by is Actor.STUDENT else application.student_id
    _tell(
        session,
        application,
        [other],
        "ended_early",
        f"The match on “{project.title}” was ended early: {text}",
    )
    _free_seat(session, project)
    session.flush()
    promote_waitlist(session, project=project)
    return application


# ---------------------------------------------------------------------------- system moves


def promote_waitlist(
    session: Session, *, project: Project, today: date | None = None
) -> Application | None:
    """Promote the earliest waitlisted application that still fits into a free seat.

    The caller holds the project's row lock; each candidate's student row is locked before
    their hours are checked.
    """
    session.refresh(project, ["filled", "seats", "status"])
    today = today or date.today()
    if (
        project.filled >= project.seats
        or project.status not in LIVE_PROJECT_STATUSES
        or today > project.end_date
    ):
        return None
    candidates = session.exec(
        select(Application.id, Application.student_id)
        .where(Application.project_id == project.id, Application.status == S.WAITLISTED)
        .order_by(col(Application.created_at), col(Application.id))
    ).all()
    for application_id, student_id in candidates:
        assert application_id is not None
        student = lock_user(session, student_id)
        committed = approved_commitments(session, [student_id])[student_id]
        if not _fits(committed, project, student.weekly_hours):
            continue
        application = lock_application(session, application_id)
        if application.status is not S.WAITLISTED:
            continue
        _take_seat(session, project)
        application.accepted_at = utcnow()
        _move(
            session,
            application,
            S.ACCEPTED,
            actor=None,
            action="promote",
            reason="a seat became free",
        )
        _tell(
            session,
            application,
            [student_id, project.owner_id],
            "promoted",
            f"A seat became free on “{project.title}”: the application of "
            f"{_name(student, S.ACCEPTED)} moved from the waitlist to accepted.",
            to_student=f"A seat became free on “{project.title}”: your application moved from "
            "the waitlist to accepted. A faculty member will now review the match.",
        )
        session.flush()
        return application
    return None


def _due_condition(today: date) -> Any:
    cutoff = today - timedelta(days=EXPIRY_DAYS)
    return or_(col(Project.status) != ProjectStatus.OPEN, col(Project.deadline) <= cutoff)


def expire_stale(session: Session, *, today: date | None = None) -> int:
    """Expire undecided applications 14 days after the deadline or once the project closed."""
    today = today or date.today()
    rows = session.exec(
        select(Application, Project.title, Project.status)
        .join(Project, col(Project.id) == Application.project_id)
        .where(col(Application.status).in_(UNDECIDED_STATUSES), _due_condition(today))
        .order_by(col(Application.id))
        .with_for_update(of=Application)
    ).all()
    for application, title, project_status in rows:
        if ProjectStatus(project_status) is ProjectStatus.OPEN:
            reason = f"no decision within {EXPIRY_DAYS} days of the deadline"
        else:
            reason = f"the project is {ProjectStatus(project_status).value.replace('_', ' ')}"
        _move(session, application, S.EXPIRED, actor=None, action="expire", reason=reason)
        _tell(
            session,
            application,
            [application.student_id],
            "expired",
            f"Your application to “{title}” expired: {reason}.",
        )
    session.flush()
    return len(rows)


def expire_due_exists(session: Session, *, today: date | None = None) -> bool:
    """Tell cheaply whether any application is due to expire."""
    today = today or date.today()
    statement = select(
        exists().where(
            col(Application.project_id) == col(Project.id),
            col(Application.status).in_(UNDECIDED_STATUSES),
            _due_condition(today),
        )
    )
    return bool(session.exec(statement).one())


def expire_if_due(
    engine: Engine, *, today: date | None = None, min_interval_seconds: float = 300.0
) -> int:
    """Expire stale applications when some are due; check at most every few minutes."""
    if not is_due("expire", engine, min_interval_seconds=min_interval_seconds):
        return 0
    with read_session(engine) as session:
        if not expire_due_exists(session, today=today):
            return 0
    with write_transaction(engine) as session:
        return expire_stale(session, today=today)


# ---------------------------------------------------------------------------- reads


def list_my_applications(session: Session, *, actor: User) -> list[MyApplication]:
    """Return the student's own applications, most recently changed first."""
    ensure_role(actor, (Role.STUDENT,), action="application.list", entity="application")
    rows = session.exec(
        select(Application, Project)
        .join(Project, col(Project.id) == Application.project_id)
        .where(Application.student_id == actor.id)
        .order_by(col(Application.updated_at).desc(), col(Application.id).desc())
    ).all()
    return [
        MyApplication(
            id=application.id or 0,
            project_id=project.id or 0,
            project_title=project.title,
            status=application.status,
            reason=application.reason,
            created_at=application.created_at,
            updated_at=application.updated_at,
            deadline=project.deadline,
            start_date=project.start_date,
            end_date=project.end_date,
        )
        for application, project in rows
    ]


def application_timeline(
    session: Session, *, actor: User, application_id: int
) -> list[TimelineEntry]:
    """Return the history of one application, oldest step first."""
    action = "application.timeline"
    application = _get_application(session, application_id)
    project = _get_project(session, application.project_id)
    ensure_active(actor, action=action, entity="application", entity_id=application_id)
    allowed = (
        actor.id in (application.student_id, project.owner_id)
        or is_admin(actor)
        or in_approval_scope(actor, project)
    )
    if not allowed:
        raise deny(
            actor,
            "You may not see this application.",
            action=action,
            entity="application",
            entity_id=application_id,
        )
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "application",
            AuditEntry.entity_id == application_id,
            AuditEntry.outcome == "ok",
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    ).all()
    return [
        TimelineEntry(
            at=entry.at,
            action=entry.action,
            before=_status_of(entry.before),
            after=_status_of(entry.after),
            actor_role=entry.actor_role or "system",
            detail=entry.detail,
        )
        for entry in entries
    ]


def _status_of(dumped: str | None) -> str | None:
    import json

    if not dumped:
        return None
    value = json.loads(dumped)
    status = value.get("status") if isinstance(value, dict) else None
    return str(status) if status is not None else None


def _tag_names(
    session: Session, owner_column: Any, link: Any, ids: Sequence[int]
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.exec(
        select(owner_column, Tag.name)
        .join(Tag, col(Tag.id) == link.tag_id)
        .where(owner_column.in_(ids))
        .order_by(col(Tag.name))
    ).all()
    for owner_id, name in rows:
        found[owner_id].append(name)
    return found


def user_interests(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the interest tag names of each user, in one query."""
    return _tag_names(session, col(UserInterest.user_id), UserInterest, user_ids)


def project_tags(session: Session, project_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the tag names of each project, in one query."""
    return _tag_names(session, col(ProjectTag.project_id), ProjectTag, project_ids)


def list_applicants(session: Session, *, actor: User, project_id: int) -> list[Applicant]:
    """Return the applicants of the actor's project with their fit, newest status first."""
    project = _get_project(session, project_id)
    action = "application.list_applicants"
    ensure_active(actor, action=action, entity="project", entity_id=project_id)
    if project.owner_id != actor.id:
        raise deny(
            actor,
            "Only the project's mentor may see its applicants.",
            action=action,
            entity="project",
            entity_id=project_id,
        )
    rows = session.exec(
        select(Application, User)
        .join(User, col(User.id) == Application.student_id)
        .where(Application.project_id == project_id)
        .order_by(col(Application.created_at), col(Application.id))
    ).all()
    student_ids = [user.id or 0 for _, user in rows]
    interests = user_interests(session, student_ids)
    wanted = set(project_tags(session, [project_id])[project_id])
    loads = approved_matches(session, student_ids)
    span = _span(project)
    seat_free = project.filled < project.seats
    applicants = []
    for application, student in rows:
        sid = student.id or 0
        own = interests.get(sid, [])
        # A match on this very project is not a competing commitment.
        existing = [c for pid, c in loads.get(sid, []) if pid != project_id]
        name = _name(student, application.status)
        free = least_free_hours(existing, span, student.weekly_hours)
        applicants.append(
            Applicant(
                application_id=application.id or 0,
                student_id=sid,
                name=name,
                blind=name != student.display_name,
                status=application.status,
                statement=application.statement,
                screening_answer=application.screening_answer,
                created_at=application.created_at,
                interests=tuple(own),
                shared_tags=tuple(name for name in own if name in wanted),
                least_free_hours=free,
                hours_needed=project.student_hours,
                moves=mentor_moves(
                    application.status,
                    seat_free=seat_free,
                    fits=free + 1e-9 >= project.student_hours,
                ),
            )
        )
    return applicants


def approval_queue(
    session: Session, *, actor: User, limit: int = 50, offset: int = 0
) -> list[QueueItem]:
    """Return accepted applications awaiting the actor's decision, oldest first."""
    ensure_role(actor, (Role.FACULTY, Role.ADMIN), action="application.queue", entity="application")
    mentor = aliased(User)
    statement = (
        select(Application, Project, User, mentor.display_name)
        .join(Project, col(Project.id) == Application.project_id)
        .join(User, col(User.id) == Application.student_id)
        .join(mentor, col(mentor.id) == Project.owner_id)
        .where(Application.status == S.ACCEPTED)
    )
    if not is_admin(actor):
        statement = statement.where(Project.owner_id != actor.id)
        if not actor.program_wide:
            if actor.department is None:
                return []
            # Walk accepted applications oldest first and stop at `limit`, rather than start at
            # the department's projects (thousands at scale, then a sort). SQLite needs `|| ''`
            # to leave the department index alone; PostgreSQL chooses the walk from its
            # statistics, which the expression would hide from it.
            department: Any = col(Project.department)
            if session.get_bind().dialect.name == "sqlite":
                department = department.op("||")("")
            statement = statement.where(department == actor.department)
    # An accepted application's updated_at is the moment it was accepted (nothing else
    # touches it in that state), and (status, updated_at) is indexed.
    rows = session.exec(
        statement.order_by(col(Application.updated_at), col(Application.id))
        .offset(offset)
        .limit(limit)
    ).all()
    loads = approved_commitments(session, [user.id or 0 for _, _, user, _ in rows])
    now = utcnow()
    items = []
    for application, project, student, mentor_name in rows:
        waiting_since = application.accepted_at or application.updated_at
        items.append(
            QueueItem(
                application_id=application.id or 0,
                project_id=project.id or 0,
                project_title=project.title,
                department=project.department,
                student_id=student.id or 0,
                student_name=_name(student, application.status),
                mentor_name=mentor_name,
                accepted_at=application.accepted_at,
                age_days=max(0, (now - waiting_since).days),
                hours_needed=project.student_hours,
                least_free_hours=least_free_hours(
                    loads.get(student.id or 0, []), _span(project), student.weekly_hours
                ),
                weekly_hours=student.weekly_hours,
            )
        )
    return items
