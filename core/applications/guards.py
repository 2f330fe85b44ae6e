"""Who may act on an application: owners, approvers, the applicant."""

from __future__ import annotations

from core.models import Application, ApplicationStatus, Project, Role, User
from core.platform.permissions import deny, ensure_active, ensure_role, is_admin

S = ApplicationStatus


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
