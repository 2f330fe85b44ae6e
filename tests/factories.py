"""Small builders for tests: users, project input, and published projects.

Signatures here are shared by several test modules; keep them stable.

Also rows inserted directly (`user`, `project`, `application`: no service, no audit), the
reads tests check state with, and a running match with its workspace (`make_pair`, `pair`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import workspace
from core.accounts import create_user
from core.commitment import project_end
from core.models import (
    SEAT_STATUSES,
    Application,
    ApplicationStatus,
    AuditEntry,
    MilestoneBlueprint,
    Notification,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
    UserInterest,
)
from core.platform.db import write_transaction
from core.platform.types import utcnow
from core.projects import ProjectInput, create_project, publish_project

PASSWORD = "correct horse battery staple"
DEPARTMENT = "Engineering"

_numbers = itertools.count(1)


def make_user(session: Session, role: Role | str, **kw: Any) -> User:
    """Create an active account of `role`; keyword arguments go to `create_user`.

    Defaults: a unique username (`<role><n>`), `<username>@example.edu`, department
    "Engineering", and the role's default weekly hours.
    """
    role = Role(role)
    username = kw.pop("username", f"{role.value}{next(_numbers)}")
    kw.setdefault("email", f"{username}@example.edu")
    kw.setdefault("display_name", username.title())
    kw.setdefault("department", DEPARTMENT)
    kw.setdefault("password", PASSWORD)
    return create_user(session, username=username, role=role, **kw)


def project_input_data(**overrides: Any) -> dict[str, Any]:
    """Return valid raw project fields (a dict), with `overrides` applied."""
    start = date.today() + timedelta(days=14)
    data: dict[str, Any] = {
        "title": "Build a course-planning dashboard",
        "summary": "Help a student ship a small data dashboard in four weeks.",
        "description": "We meet weekly, plan the work, and review the code together.",
        "tags": ["python", "data-visualisation"],
        "department": DEPARTMENT,
        "mode": ProjectMode.REMOTE,
        "seats": 2,
        "student_hours": 3.0,
        "mentor_hours": 1.0,
        "duration_weeks": 4,
        "start_date": start,
        "deadline": start - timedelta(days=7),
        "screening_question": None,
        "milestones": [
            {"title": "Agree on the scope", "due_week": 1},
            {"title": "Demo the dashboard", "due_week": 4},
        ],
    }
    data.update(overrides)
    return data


def project_input(**overrides: Any) -> ProjectInput:
    """Return a valid `ProjectInput` (starts in 14 days, deadline in 7), with `overrides`."""
    return ProjectInput(**project_input_data(**overrides))


def make_open_project(session: Session, owner: User, **kw: Any) -> Project:
    """Create and publish a project of `owner`; keyword arguments override `project_input`."""
    project = create_project(session, actor=owner, data=project_input(**kw))
    assert project.id is not None
    return publish_project(session, actor=owner, project_id=project.id)


STATEMENT = "I would like to join because this project matches what I study and want to learn."
_row_numbers = itertools.count(1)  # users inserted directly (never log in)


def user(session: Session, role: Role, **kw: Any) -> User:
    """Insert an active user of `role` (no password hashing: these never log in)."""
    n = next(_row_numbers)
    name = kw.pop("username", f"{role.value}{n}")
    kw.setdefault("department", DEPARTMENT)
    kw.setdefault("weekly_hours", 8.0 if role is Role.STUDENT else 10.0)
    found = User(
        username=name,
        email=f"{name}@example.edu",
        display_name=kw.pop("display_name", f"{role.value.title()} {n}"),
        role=role,
        password_hash="not-a-real-hash",
        pseudonym=f"Applicant {n:04d}",
        **kw,
    )
    session.add(found)
    session.flush()
    return found


def tags(session: Session, names: Iterable[str]) -> list[Tag]:
    """Return the tags with these names, creating the missing ones."""
    found = []
    for name in names:
        tag = session.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        found.append(tag)
    return found


def interests(session: Session, person: User, names: Iterable[str]) -> None:
    """Give a user these interest tags."""
    for tag in tags(session, names):
        session.add(UserInterest(user_id=person.id, tag_id=tag.id))
    session.flush()


def project(
    session: Session,
    owner: User,
    *,
    seats: int = 2,
    student_hours: float = 3.0,
    start: date | None = None,
    duration: int = 4,
    deadline: date | None = None,
    status: ProjectStatus = ProjectStatus.OPEN,
    tag_names: Iterable[str] = (),
    question: str | None = None,
    department: str = DEPARTMENT,
    title: str | None = None,
) -> Project:
    """Insert a project (open by default, starting in 14 days, deadline a week before)."""
    start = start or date.today() + timedelta(days=14)
    found = Project(
        owner_id=owner.id,
        title=title or f"Project {next(_row_numbers)}",
        summary="A short project.",
        description="Details.",
        department=department,
        mode=ProjectMode.REMOTE,
        seats=seats,
        student_hours=student_hours,
        mentor_hours=1.0,
        duration_weeks=duration,
        start_date=start,
        end_date=project_end(start, duration),
        deadline=deadline or start - timedelta(days=7),
        screening_question=question,
        status=status,
    )
    session.add(found)
    session.flush()
    for tag in tags(session, tag_names):
        session.add(ProjectTag(project_id=found.id, tag_id=tag.id))
    session.flush()
    return found


def application(
    session: Session,
    student: User,
    target: Project,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
    **kw: Any,
) -> Application:
    """Insert an application in any status, keeping the project's seat count right."""
    found = Application(
        project_id=target.id, student_id=student.id, status=status, statement=STATEMENT, **kw
    )
    if status in SEAT_STATUSES:
        found.accepted_at = utcnow()
        target.filled += 1
        session.add(target)
    session.add(found)
    session.flush()
    return found


def status_of(engine: Engine, application_id: int) -> ApplicationStatus:
    with Session(engine) as session:
        found = session.get(Application, application_id)
        assert found is not None
        return found.status


def filled_of(engine: Engine, project_id: int) -> int:
    with Session(engine) as session:
        found = session.get(Project, project_id)
        assert found is not None
        return found.filled


def audit_rows(engine: Engine, **where: Any) -> list[AuditEntry]:
    with Session(engine) as session:
        statement = select(AuditEntry).order_by(col(AuditEntry.id))
        for key, value in where.items():
            statement = statement.where(getattr(AuditEntry, key) == value)
        return list(session.exec(statement).all())


def notifications_of(engine: Engine, user_id: int) -> list[Notification]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(col(Notification.id))
            ).all()
        )


def counts(engine: Engine) -> tuple[int, int, int]:
    """Return (applications, audit rows, notifications) — to prove nothing was written."""
    from sqlmodel import func

    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Application)).one(),
            session.exec(select(func.count()).select_from(AuditEntry)).one(),
            session.exec(select(func.count()).select_from(Notification)).one(),
        )


def build(engine: Engine, fn: Any) -> Any:
    """Run a builder in its own committed transaction and return what it returns."""
    with write_transaction(engine) as session:
        return fn(session)


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
