"""What screens read about projects: one project, a mentor's list, tags, milestone plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from core.models import (
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Project,
    ProjectStatus,
    User,
)
from core.platform.errors import NotFound
from core.projects.guards import _can_see, _hidden


def get_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Return a project; someone else's draft is reported as missing (and audited)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("That project does not exist.")
    if not _can_see(actor, project):
        raise _hidden(actor, project, "project.view")
    return project


@dataclass(frozen=True)
class MyProjectRow:
    """One line of a mentor's project list, with its seat and applicant counts."""

    id: int
    title: str
    status: ProjectStatus
    seats: int
    filled: int
    waiting: int
    start_date: date
    end_date: date
    deadline: date
    mentor_hours: float


def list_my_projects(session: Session, *, actor: User) -> list[MyProjectRow]:
    """Return the actor's projects, newest first, with applicants waiting (one query)."""
    waiting = func.count(col(Application.id))
    statement = (
        select(Project, waiting)
        .outerjoin(
            Application,
            and_(
                col(Application.project_id) == col(Project.id),
                col(Application.status) == ApplicationStatus.SUBMITTED,
            ),
        )
        .where(col(Project.owner_id) == actor.id)
        .group_by(col(Project.id))
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
    )
    return [
        MyProjectRow(
            id=project.id or 0,
            title=project.title,
            status=project.status,
            seats=project.seats,
            filled=project.filled,
            waiting=int(count),
            start_date=project.start_date,
            end_date=project.end_date,
            deadline=project.deadline,
            mentor_hours=project.mentor_hours,
        )
        for project, count in session.exec(statement)
    ]


def milestone_blueprint(session: Session, project_id: int) -> list[MilestoneBlueprint]:
    """Return a project's expected milestones in order."""
    statement = (
        select(MilestoneBlueprint)
        .where(MilestoneBlueprint.project_id == project_id)
        .order_by(col(MilestoneBlueprint.position))
    )
    return list(session.exec(statement))
