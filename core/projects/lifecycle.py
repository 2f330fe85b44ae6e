"""Lifecycle moves: publish, close, cancel (ending running matches), start, complete."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from core.accounts.verification import publishing_refusal
from core.applications.common import notification_link
from core.applications.rules import Actor, can_move
from core.mentors.follows import tell_followers
from core.models import Application, ApplicationStatus, Project, ProjectStatus, User
from core.platform import audit
from core.platform.errors import InvalidTransition, ValidationFailed
from core.platform.locks import lock_project
from core.platform.notifications import notify
from core.platform.text import clean_text
from core.platform.types import utcnow
from core.projects.editing import (
    _date_problems,
    _ensure_budget,
    _link,
    _move,
    _record_move,
    _student_ids,
    _tell_owner,
    _tell_students,
    mentor_commitment,
)
from core.projects.guards import _ensure_manages
from core.projects.rules import _ensure_move


def publish_project(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> Project:
    """Open a draft for applications, if its dates are ahead and the mentor has the hours."""
    action = "project.publish"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.OPEN)
    owner = session.get(User, project.owner_id)
    refusal = publishing_refusal(owner) if owner is not None else None
    if refusal:
        raise InvalidTransition(refusal)
    problems = _date_problems(project, today or date.today())
    if problems:
        raise ValidationFailed.from_fields(problems)
    _ensure_budget(
        session,
        owner_id=project.owner_id,
        commitment=mentor_commitment(project),
        exclude_project_id=project.id,
    )
    before = _move(project, ProjectStatus.OPEN)
    first_publication = project.published_at is None
    project.published_at = utcnow()
    session.add(project)
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session,
        project,
        actor,
        "project.published",
        f"An administrator published “{project.title}”.",
    )
    if first_publication and owner is not None:
        tell_followers(session, project, owner)
    session.flush()
    return project


def expire_open_applications(
    session: Session,
    project: Project,
    actor: User | None,
    *,
    include_accepted: bool = False,
    reason: str = "the project no longer takes applications",
) -> list[Application]:
    """Expire a project's pending applications (and accepted ones too when asked); notify."""
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED]
    if include_accepted:
        statuses.append(ApplicationStatus.ACCEPTED)
    statement = (
        select(Application)
        .where(Application.project_id == project.id, col(Application.status).in_(statuses))
        .order_by(col(Application.id))
        .with_for_update(key_share=True)
    )
    expired = list(session.exec(statement))
    now = utcnow()
    freed = 0
    for application in expired:
        before = application.status
        # The state table must allow it (an accepted seat lapses only when a project is cancelled).
        assert can_move(before, ApplicationStatus.EXPIRED, Actor.SYSTEM)
        freed += before is ApplicationStatus.ACCEPTED
        application.status = ApplicationStatus.EXPIRED
        application.reason = reason[:500]
        application.updated_at = now
        session.add(application)
        audit.record(
            session,
            actor=actor,
            action="application.expire",
            entity="application",
            entity_id=application.id,
            before={"status": before.value},
            after={"status": application.status.value},
            detail=reason,
        )
        notify(
            session,
            user_id=application.student_id,
            kind="application.expired",
            text=f"Your application to “{project.title}” has expired: {reason}.",
            link=_link(project),
        )
    if freed:
        project.filled = max(0, project.filled - freed)
        session.add(project)
    session.flush()
    return expired


def _end_running_matches(session: Session, project: Project, actor: User, *, reason: str) -> None:
    """End a cancelled project's approved matches early, freeing the students' hours."""
    matches = list(
        session.exec(
            select(Application)
            .where(
                Application.project_id == project.id,
                Application.status == ApplicationStatus.APPROVED,
            )
            .order_by(col(Application.id))
            .with_for_update(key_share=True)
        )
    )
    for match in matches:
        assert can_move(match.status, ApplicationStatus.ENDED_EARLY, Actor.SYSTEM)
        match.status = ApplicationStatus.ENDED_EARLY
        match.reason = reason[:500]
        match.updated_at = utcnow()
        session.add(match)
        audit.record(
            session,
            actor=actor,
            action="application.end_early",
            entity="application",
            entity_id=match.id,
            before={"status": ApplicationStatus.APPROVED.value},
            after={"status": ApplicationStatus.ENDED_EARLY.value},
            detail=reason,
        )
        notify(
            session,
            user_id=match.student_id,
            kind="application.ended_early",
            text=f"Your match on “{project.title}” has ended: {reason}. "
            "Your hours in its weeks are free again.",
            link=notification_link(match, match.student_id),
        )
    if matches:
        project.filled = max(0, project.filled - len(matches))
        session.add(project)
        session.flush()


def close_for_departed_mentor(
    session: Session, *, actor: User, project: Project, reason: str
) -> None:
    """Close a locked project whose mentor left the portal; expire everything waiting on it.

    Unlike a mentor's own close, accepted applications lapse too: nobody is left to run them.
    """
    if project.status is ProjectStatus.OPEN:
        before = _move(project, ProjectStatus.CLOSED)
        session.add(project)
        _record_move(
            session,
            actor=actor,
            project=project,
            action="project.close",
            before=before,
            detail=reason,
        )
    expire_open_applications(session, project, actor, include_accepted=True, reason=reason)


def close_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Stop taking applications; pending ones expire and their students are told."""
    action = "project.close"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.CLOSED)
    before = _move(project, ProjectStatus.CLOSED)
    session.add(project)
    expire_open_applications(
        session, project, actor, reason="the project was closed to new applications"
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session, project, actor, "project.closed", f"An administrator closed “{project.title}”."
    )
    return project


def cancel_project(
    session: Session, *, actor: User, project_id: int, reason: str | None = None
) -> Project:
    """Cancel a project before completion; open applications expire and students are told."""
    action = "project.cancel"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    reason = clean_text(reason, "reason", max_length=500, min_length=0, multiline=True) or None
    _ensure_move(project, ProjectStatus.CANCELLED)
    if reason is None and _student_ids(session, project_id, [ApplicationStatus.APPROVED]):
        raise ValidationFailed.from_fields(
            {"reason": "is required while matches run: their students will read it"}
        )
    before = _move(project, ProjectStatus.CANCELLED)
    session.add(project)
    because = f"the project was cancelled ({reason})" if reason else "the project was cancelled"
    expire_open_applications(session, project, actor, include_accepted=True, reason=because)
    _end_running_matches(session, project, actor, reason=f"the project was cancelled: {reason}")
    _record_move(session, actor=actor, project=project, action=action, before=before, detail=reason)
    _tell_owner(
        session,
        project,
        actor,
        "project.cancelled",
        f"An administrator cancelled “{project.title}”" + (f": {reason}" if reason else "."),
    )
    return project


def start_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Mark an open or closed project as in progress; pending applications expire."""
    action = "project.start"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.IN_PROGRESS)
    before = _move(project, ProjectStatus.IN_PROGRESS)
    session.add(project)
    if before is ProjectStatus.OPEN:
        expire_open_applications(session, project, actor, reason="the project has started")
    _tell_students(
        session,
        project,
        [ApplicationStatus.APPROVED],
        "project.started",
        f"“{project.title}” has started.",
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session, project, actor, "project.started", f"An administrator started “{project.title}”."
    )
    return project


def complete_project(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> Project:
    """Mark a project in progress as completed, at or after its end date."""
    action = "project.complete"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.COMPLETED)
    if (today or date.today()) < project.end_date:
        raise InvalidTransition(
            f"This project runs until {project.end_date:%d %b %Y}; "
            "it can be completed from that day on."
        )
    before = _move(project, ProjectStatus.COMPLETED)
    session.add(project)
    _tell_students(
        session,
        project,
        [ApplicationStatus.APPROVED],
        "project.completed",
        f"“{project.title}” is completed. Please leave your feedback.",
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session,
        project,
        actor,
        "project.completed",
        f"An administrator completed “{project.title}”.",
    )
    return project
