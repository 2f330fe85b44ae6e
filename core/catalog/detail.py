"""One project in detail, as the catalog shows it to the reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.applications.loads import approved_commitments
from core.applications.student import apply_warnings
from core.catalog.matching import MatchScore
from core.catalog.search import _is_student, _score, tags_with_interest
from core.commitment import Commitment, Overrun, first_overrun, weekly_load
from core.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    PersonProfile,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform.permissions import ensure_active
from core.projects.reads import get_project


@dataclass(frozen=True)
class MentorProfile:
    """What any signed-in user may see of a mentor (never the e-mail address)."""

    user_id: int
    display_name: str
    department: str | None
    role: Role
    headline: str


@dataclass(frozen=True)
class MyLiveApplication:
    id: int
    status: ApplicationStatus
    created_at: datetime


@dataclass(frozen=True)
class ProjectDetail:
    """A project as a student reads it before applying, with their own fit for it."""

    project: Project
    tags: tuple[str, ...]
    shared_tags: tuple[str, ...]
    milestones: tuple[tuple[str, int], ...]
    mentor: MentorProfile
    # Students only: the score, their committed hours per week and the first week over limit.
    score: MatchScore | None
    weeks: tuple[date, ...]
    committed: dict[date, float]
    weekly_hours: float
    overrun: Overrun | None
    my_application: MyLiveApplication | None
    warnings: tuple[str, ...]
    today: date

    @property
    def seats_left(self) -> int:
        return max(self.project.seats - self.project.filled, 0)

    @property
    def taking_applications(self) -> bool:
        return self.project.status is ProjectStatus.OPEN and self.today <= self.project.deadline

    @property
    def fits(self) -> bool:
        return self.overrun is None


def project_detail(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> ProjectDetail:
    """Return a project with its mentor's public profile, blueprint and the actor's fit.

    Someone else's draft is reported as missing (and the attempt audited), as in `get_project`.
    """
    ensure_active(actor, action="project.view", entity="project", entity_id=project_id)
    today = today or date.today()
    project = get_project(session, actor=actor, project_id=project_id)
    # The mentor and their headline in one statement (the page has a statement budget).
    owner, headline = session.execute(
        sa_select(User, col(PersonProfile.headline))
        .outerjoin(PersonProfile, col(PersonProfile.user_id) == col(User.id))
        .where(col(User.id) == project.owner_id)
    ).one()
    mentor = MentorProfile(
        project.owner_id, owner.display_name, owner.department, owner.role, headline or ""
    )
    tagged = tags_with_interest(session, [project_id], actor).get(project_id, [])
    milestones = tuple(
        (title, int(week))
        for title, week in session.execute(
            sa_select(col(MilestoneBlueprint.title), col(MilestoneBlueprint.due_week))
            .where(col(MilestoneBlueprint.project_id) == project_id)
            .order_by(col(MilestoneBlueprint.position))
        ).all()
    )
    span = Commitment(project.start_date, project.end_date, project.student_hours)
    student = _is_student(actor) and actor.id is not None
    committed: dict[date, float] = {}
    overrun = None
    match_score = None
    mine: MyLiveApplication | None = None
    warnings: tuple[str, ...] = ()
    if student:
        assert actor.id is not None
        existing = approved_commitments(session, [actor.id]).get(actor.id, [])
        load = weekly_load(existing)
        committed = {monday: load.get(monday, 0.0) for monday in span.weeks}
        overrun = first_overrun(existing, span, actor.weekly_hours)
        match_score = _score(
            tagged,
            existing,
            actor.weekly_hours,
            project.student_hours,
            project.start_date,
            project.end_date,
            project.deadline,
            today,
        )
        live = session.exec(
            select(Application).where(
                Application.student_id == actor.id,
                Application.project_id == project_id,
                col(Application.status).in_(LIVE_STATUSES),
            )
        ).first()
        if live is not None and live.id is not None:
            mine = MyLiveApplication(live.id, live.status, live.created_at)
        elif overrun is None and project.status is ProjectStatus.OPEN:
            warnings = tuple(apply_warnings(session, actor=actor, project_id=project_id))
    return ProjectDetail(
        project=project,
        tags=tuple(name for name, _ in tagged),
        shared_tags=tuple(name for name, is_mine in tagged if is_mine),
        milestones=milestones,
        mentor=mentor,
        score=match_score,
        weeks=tuple(span.weeks),
        committed=committed,
        weekly_hours=actor.weekly_hours,
        overrun=overrun,
        my_application=mine,
        warnings=warnings,
        today=today,
    )
