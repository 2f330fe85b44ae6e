"""Who may see and manage a project (a hidden project looks like a missing one)."""

from __future__ import annotations

from core.models import Project, ProjectStatus, Role, User
from core.platform.errors import NotFound, PermissionDenied
from core.platform.permissions import deny, ensure_active, is_admin

ENTITY = "project"
MENTOR_ROLES = (Role.ALUMNI, Role.FACULTY)


class ProjectNotVisible(NotFound, PermissionDenied):
    """Someone else's draft: reported as missing, audited as a refused action."""


def _hidden(actor: User, project: Project, action: str) -> ProjectNotVisible:
    return ProjectNotVisible(
        "That project does not exist.",
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        entity=ENTITY,
        entity_id=project.id,
    )


def _can_see(actor: User, project: Project) -> bool:
    return project.status is not ProjectStatus.DRAFT or can_manage(actor, project)


def can_manage(actor: User, project: Project) -> bool:
    """Return whether the actor may edit and move the project: its mentor or an administrator."""
    return actor.id == project.owner_id or is_admin(actor)


def _ensure_manages(actor: User, project: Project, action: str) -> None:
    """Refuse unless the actor (active) is the project's mentor or an administrator."""
    ensure_active(actor, action=action, entity=ENTITY, entity_id=project.id)
    if can_manage(actor, project):
        return
    if not _can_see(actor, project):
        raise _hidden(actor, project, action)
    raise deny(
        actor,
        "Only the project's mentor or an administrator may do this.",
        action=action,
        entity=ENTITY,
        entity_id=project.id,
    )
