"""The mentor directory: students find mentors by name, expertise and department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func

from core.models import (
    MentorExpertise,
    PersonProfile,
    Project,
    ProjectStatus,
    Role,
    Tag,
    User,
    Verification,
)
from core.platform.permissions import ensure_active
from core.platform.text import clean_text
from core.projects.tags import mentor_expertise, normalise_tag

PAGE_SIZE = 12


@dataclass(frozen=True)
class DirectoryRow:
    mentor_id: int
    display_name: str
    role: Role
    department: str | None
    headline: str
    expertise: tuple[str, ...]
    open_projects: int


@dataclass(frozen=True)
class DirectoryPage:
    rows: list[DirectoryRow]
    # Whether another page follows this one.
    more: bool


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_mentors(
    session: Session,
    *,
    actor: User,
    name: str = "",
    tag: str = "",
    department: str = "",
    page: int = 1,
    today: date | None = None,
) -> DirectoryPage:
    """Return listed mentors matching every filter given, by name (three statements)."""
    ensure_active(actor, action="mentor.directory", entity="user")
    name = clean_text(name, "name", max_length=80, min_length=0)
    department = clean_text(department, "department", max_length=80, min_length=0)
    wanted_tag = normalise_tag(tag) if tag.strip() else ""
    today = today or date.today()
    page = max(1, int(page))
    statement = (
        sa_select(
            col(User.id),
            col(User.display_name),
            col(User.role),
            col(User.department),
            col(PersonProfile.headline),
        )
        .outerjoin(PersonProfile, col(PersonProfile.user_id) == col(User.id))
        .where(
            col(User.role).in_((Role.ALUMNI, Role.FACULTY)),
            col(User.is_active).is_(True),
            col(User.verification) == Verification.VERIFIED,
            # Mentors who hid themselves, or never wrote a profile row (not hidden), as chosen.
            func.coalesce(col(PersonProfile.hidden), False).is_(False),
        )
        .order_by(func.lower(col(User.display_name)), col(User.id))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if name:
        statement = statement.where(func.lower(col(User.display_name)).like(_like(name), "\\"))
    if department:
        statement = statement.where(func.lower(col(User.department)) == department.lower())
    if wanted_tag:
        statement = statement.where(
            sa_select(col(MentorExpertise.user_id))
            .join(Tag, col(Tag.id) == col(MentorExpertise.tag_id))
            .where(col(MentorExpertise.user_id) == col(User.id), col(Tag.name) == wanted_tag)
            .exists()
        )
    found = session.execute(statement).all()
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    ids = [int(row[0]) for row in found]
    expertise = mentor_expertise(session, ids)
    counts: dict[int, int] = {}
    if ids:
        counts = {
            int(owner): int(count)
            for owner, count in session.execute(
                sa_select(col(Project.owner_id), func.count())
                .where(
                    col(Project.owner_id).in_(ids),
                    col(Project.status) == ProjectStatus.OPEN,
                    col(Project.deadline) >= today,
                )
                .group_by(col(Project.owner_id))
            ).all()
        }
    rows = [
        DirectoryRow(
            mentor_id=int(mentor_id),
            display_name=str(display_name),
            role=Role(role),
            department=department_name,
            headline=headline or "",
            expertise=tuple(expertise[int(mentor_id)]),
            open_projects=counts.get(int(mentor_id), 0),
        )
        for mentor_id, display_name, role, department_name, headline in found
    ]
    return DirectoryPage(rows=rows, more=more)


def mentor_departments(session: Session) -> list[str]:
    """Return the departments of listed mentors, alphabetically."""
    statement = (
        sa_select(col(User.department))
        .where(
            col(User.role).in_((Role.ALUMNI, Role.FACULTY)),
            col(User.is_active).is_(True),
            col(User.department).is_not(None),
        )
        .distinct()
        .order_by(col(User.department))
    )
    return [str(name) for name in session.execute(statement).scalars()]
