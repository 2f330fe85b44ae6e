"""Starting a match's workspace when its application is approved."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.models import Application, Project
from core.platform.errors import NotFound
from core.workspace.models import MatchMilestone
from core.workspace.rules import milestone_due


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
