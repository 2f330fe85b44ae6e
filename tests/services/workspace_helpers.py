"""A running match to test the workspace on: a mentor, a student, blueprint milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core import workspace
from core.models import ApplicationStatus, MilestoneBlueprint, ProjectStatus, Role, User
from core.platform.types import utcnow
from tests.services.app_helpers import application, build, project, user

TODAY = date.today()


@dataclass
class Pair:
    student: User
    mentor: User
    application_id: int
    project_id: int
    start: date
    end: date


def make_pair(
    session: Session,
    *,
    status: ApplicationStatus = ApplicationStatus.APPROVED,
    start: date | None = None,
    duration: int = 4,
    approved_days_ago: int = 7,
    weeks: tuple[int, ...] = (1, 2, 4),
    student: User | None = None,
    mentor: User | None = None,
    **kw: Any,
) -> Pair:
    """Insert a match (approved by default, started a week ago) with its milestones copied."""
    mentor = mentor or user(session, Role.ALUMNI)
    student = student or user(session, Role.STUDENT)
    start = start or TODAY - timedelta(days=7)
    target = project(
        session, mentor, start=start, duration=duration, status=ProjectStatus.IN_PROGRESS, **kw
    )
    for position, week in enumerate(weeks, start=1):
        session.add(
            MilestoneBlueprint(
                project_id=target.id, position=position, title=f"Step {position}", due_week=week
            )
        )
    session.flush()
    found = application(
        session,
        student,
        target,
        status=status,
        approved_at=utcnow() - timedelta(days=approved_days_ago),
    )
    workspace.start_match_workspace(session, application=found)
    assert found.id is not None and target.id is not None
    return Pair(student, mentor, found.id, target.id, target.start_date, target.end_date)


def pair(engine: Engine, **kw: Any) -> Pair:
    return build(engine, lambda s: make_pair(s, **kw))
