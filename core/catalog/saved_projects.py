"""Projects a student saved for later: a short list on browse, and deadline reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete, select

from core.mail.models import SavedProject
from core.models import Project, ProjectStatus, Role, User
from core.platform.errors import NotFound
from core.platform.permissions import ensure_role

_STUDENT = (Role.STUDENT,)
SAVED_LIMIT = 50


@dataclass(frozen=True)
class SavedRow:
    project_id: int
    title: str
    deadline: date
    status: ProjectStatus


def saved_projects(session: Session, *, actor: User) -> list[SavedRow]:
    """Return the actor's saved projects, nearest deadline first (one statement)."""
    ensure_role(actor, _STUDENT, action="project.saved", entity="user", entity_id=actor.id)
    rows = session.exec(
        select(Project)
        .join(SavedProject, col(SavedProject.project_id) == col(Project.id))
        .where(col(SavedProject.user_id) == actor.id)
        .order_by(col(Project.deadline), col(Project.id))
        .limit(SAVED_LIMIT)
    ).all()
    return [SavedRow(p.id or 0, p.title, p.deadline, p.status) for p in rows]


def save_project(session: Session, *, actor: User, project_id: int) -> None:
    """Save a published project for later (saving twice keeps one)."""
    ensure_role(actor, _STUDENT, action="project.save", entity="project", entity_id=project_id)
    project = session.get(Project, project_id)
    if project is None or project.status is ProjectStatus.DRAFT:
        raise NotFound("That project does not exist.")
    if session.get(SavedProject, (actor.id, project_id)) is None:
        session.add(SavedProject(user_id=actor.id or 0, project_id=project_id))


def unsave_project(session: Session, *, actor: User, project_id: int) -> None:
    """Remove a project from the actor's saved list."""
    ensure_role(actor, _STUDENT, action="project.unsave", entity="project", entity_id=project_id)
    session.exec(
        delete(SavedProject).where(
            col(SavedProject.user_id) == actor.id, col(SavedProject.project_id) == project_id
        )
    )
