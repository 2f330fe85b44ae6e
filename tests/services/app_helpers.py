"""Direct-insert builders for the application tests (fast enough for bulk race fixtures)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.commitment import project_end
from core.models import (
    SEAT_STATUSES,
    Application,
    ApplicationStatus,
    AuditEntry,
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

DEPARTMENT = "Engineering"
STATEMENT = "I would like to join because this project matches what I study and want to learn."
_numbers = itertools.count(1)


def user(session: Session, role: Role, **kw: Any) -> User:
    """Insert an active user of `role` (no password hashing: these never log in)."""
    n = next(_numbers)
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
        title=title or f"Project {next(_numbers)}",
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
