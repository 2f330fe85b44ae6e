"""The approver's moves: approve (with the cascade that withdraws what no longer fits), reject.

The cascade locks every row it may touch up front, in the order of core.platform.locks.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.applications.common import (
    _ensure_move,
    _free_seat,
    _get_application,
    _get_project,
    _move,
    _name,
    _require_text,
    _tell,
)
from core.applications.guards import _ensure_approver
from core.applications.loads import _check_hours, _fits, approved_commitments
from core.applications.rules import NO_LONGER_FITS, PENDING_STATUSES, Actor
from core.applications.system import promote_waitlist
from core.models import Application, ApplicationStatus, Project, User
from core.platform.db import LockSetChanged
from core.platform.errors import NotFound
from core.platform.locks import HeldRows, lock_seat_release
from core.platform.types import utcnow

S = ApplicationStatus


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
    from core.workspace.start import start_match_workspace  # workspace builds on applications

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
