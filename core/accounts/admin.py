"""Administration: users, roles, deactivation, faculty invites, reset links, import, audit log.

Every service here starts by checking that the actor is an active admin; refusals raise an
audited PermissionDenied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, or_, select

from core.accounts.registration import (
    RESET_LIFETIME,
    IssuedLink,
    department_problem,
    make_set_password_link,
)
from core.accounts.users import revoke_user_sessions
from core.models import (
    Application,
    ApplicationStatus,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound, ValidationFailed
from core.platform.locks import lock_rows, lock_user
from core.platform.notifications import notify
from core.platform.permissions import ensure_role
from core.platform.text import clean_text
from core.platform.types import utcnow
from core.platform.wording import counted

MAX_PAGE_SIZE = 200
IMPORT_MAX_ROWS = 1000
IMPORT_MAX_CHARS = 1_000_000
IMPORT_REQUIRED_COLUMNS = ("username", "email", "display_name", "role")
IMPORT_OPTIONAL_COLUMNS = ("department", "graduation_year")
IMPORT_ROLES = (Role.STUDENT, Role.ALUMNI, Role.FACULTY)


def ensure_admin(
    actor: User, *, action: str, entity: str = "user", entity_id: int | None = None
) -> None:
    """Refuse (audited) unless the actor is an active admin."""
    ensure_role(actor, (Role.ADMIN,), action=action, entity=entity, entity_id=entity_id)


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    return max(1, int(page)), size


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _target(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That account does not exist.")
    return user


@dataclass(frozen=True)
class UserPage:
    """One page of a user search, with the total number of matches."""

    users: list[User]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def list_users(
    session: Session,
    *,
    actor: User,
    search: str = "",
    role: Role | None = None,
    page: int = 1,
    page_size: int = 25,
) -> UserPage:
    """Return a page of accounts matching a name/username/e-mail search and a role filter."""
    ensure_admin(actor, action="admin.list_users")
    page, page_size = _page_bounds(page, page_size)
    # A search is typed text too: a NUL in it would reach PostgreSQL as a query parameter.
    search = clean_text(search, "search", max_length=200, min_length=0)
    conditions: list[Any] = []
    if search:
        pattern = _like(search)
        conditions.append(
            or_(
                func.lower(col(User.username)).like(pattern, escape="\\"),
                func.lower(col(User.email)).like(pattern, escape="\\"),
                func.lower(col(User.display_name)).like(pattern, escape="\\"),
            )
        )
    if role is not None:
        conditions.append(col(User.role) == role)
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    users = session.exec(
        select(User)
        .where(*conditions)
        .order_by(col(User.username))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return UserPage(list(users), int(total), page, page_size)


def change_role(session: Session, *, actor: User, user_id: int, role: Role) -> User:
    """Give an account another role (never the admin's own, so an admin always remains)."""
    action = "admin.change_role"
    ensure_admin(actor, action=action, entity_id=user_id)
    user = _target(session, user_id)
    if user.id == actor.id:
        raise InvalidTransition("You cannot change your own role; ask another administrator.")
    if user.role is role:
        return user
    before = user.role
    user.role = role
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user.id,
        before={"role": before.value},
        after={"role": role.value},
    )
    notify(
        session,
        user_id=user_id,
        kind="account.role",
        text=f"An administrator changed your role from {before.value} to {role.value}.",
    )
    return user


# What students read when a mentor's account closes under their application.
MENTOR_LEFT = "the mentor is no longer available on the portal"
PENDING = (ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED, ApplicationStatus.ACCEPTED)


@dataclass(frozen=True)
class DeactivationImpact:
    """What deactivating an account does beyond signing it out (shown before confirming)."""

    open_projects: int
    waiting_applications: int
    running_matches: int

    def describe(self, name: str) -> str:
        """Say in plain words what happens, for the confirmation."""
        if not (self.open_projects or self.waiting_applications or self.running_matches):
            return f"{name} will be signed out everywhere and cannot log in until reactivated."
        parts = [f"{name} will be signed out everywhere."]
        if self.open_projects:
            parts.append(f"Their {counted(self.open_projects, 'open project')} will close.")
        if self.waiting_applications:
            parts.append(
                f"{counted(self.waiting_applications, 'application')} waiting on their projects "
                "will expire, and each student is told why."
            )
        if self.running_matches:
            parts.append(
                f"{counted(self.running_matches, 'running match', 'running matches')} stay as "
                "they are: end them from the match if they cannot go on."
            )
        return " ".join(parts)


def _mentor_projects(session: Session, user_id: int) -> list[int]:
    found = session.exec(
        select(Project.id).where(
            Project.owner_id == user_id,
            col(Project.status).in_([ProjectStatus.OPEN, ProjectStatus.CLOSED]),
        )
    )
    return sorted(number for number in found if number is not None)


def deactivation_impact(session: Session, *, actor: User, user_id: int) -> DeactivationImpact:
    """Count what deactivating this account would close, expire and leave running."""
    ensure_admin(actor, action="admin.deactivation_impact", entity_id=user_id)
    _target(session, user_id)
    owned = Project.owner_id == user_id

    def count(*where: Any) -> int:
        return int(
            session.exec(
                select(func.count())
                .select_from(Application)
                .join(Project, col(Project.id) == Application.project_id)
                .where(owned, *where)
            ).one()
        )

    return DeactivationImpact(
        open_projects=int(
            session.exec(
                select(func.count()).where(owned, Project.status == ProjectStatus.OPEN)
            ).one()
        ),
        waiting_applications=count(
            col(Project.status).in_([ProjectStatus.OPEN, ProjectStatus.CLOSED]),
            col(Application.status).in_(
                [
                    ApplicationStatus.SUBMITTED,
                    ApplicationStatus.WAITLISTED,
                    ApplicationStatus.ACCEPTED,
                ]
            ),
        ),
        running_matches=count(Application.status == ApplicationStatus.APPROVED),
    )


def _close_mentor_projects(session: Session, actor: User, user_id: int) -> None:
    """Close a leaving mentor's open projects; expire what waits on them, with the reason."""
    from core.projects.lifecycle import close_for_departed_mentor  # projects build on accounts

    # Projects before the user (the global lock order); the user is locked by the caller after.
    held = lock_rows(session, project_ids=_mentor_projects(session, user_id))
    for project in held.projects.values():
        close_for_departed_mentor(session, actor=actor, project=project, reason=MENTOR_LEFT)


def set_department(
    session: Session,
    *,
    actor: User,
    user_id: int,
    department: str | None,
    program_wide: bool | None = None,
) -> User:
    """Set an account's department (a faculty member's approval scope) and program-wide flag."""
    action = "admin.set_department"
    ensure_admin(actor, action=action, entity_id=user_id)
    user = _target(session, user_id)
    wide = user.program_wide if program_wide is None else bool(program_wide)
    if user.role is not Role.FACULTY:
        wide = False
    problem = department_problem(department, required=user.role is Role.FACULTY and not wide)
    if problem:
        raise ValidationFailed.from_fields({"department": problem})
    new_department = (department or "").strip() or None
    before = {"department": user.department, "program_wide": user.program_wide}
    after = {"department": new_department, "program_wide": wide}
    if before == after:
        return user
    user.department, user.program_wide = new_department, wide
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        before=before,
        after=after,
    )
    scope = "every department" if wide else (new_department or "no department")
    notify(
        session,
        user_id=user_id,
        kind="account.department",
        text=f"An administrator set your department to {scope}.",
    )
    return user


def deactivate_user(session: Session, *, actor: User, user_id: int) -> int:
    """Deactivate an account and sign it out everywhere; return how many sessions ended.

    A mentor's open projects close and every application waiting on their projects expires,
    each student told why; running matches are left for their pairs to end.
    """
    action = "admin.deactivate_user"
    ensure_admin(actor, action=action, entity_id=user_id)
    user = _target(session, user_id)
    if user.id == actor.id:
        raise InvalidTransition("You cannot deactivate your own account.")
    if not user.is_active:
        raise InvalidTransition("That account is already deactivated.")
    if user.role.is_mentor:
        _close_mentor_projects(session, actor, user_id)
    user = lock_user(session, user_id)
    user.is_active = False
    user.updated_at = utcnow()
    session.add(user)
    revoked = revoke_user_sessions(session, user_id=user_id, reason="deactivated")
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        before={"is_active": True},
        after={"is_active": False, "sessions_revoked": revoked},
    )
    return revoked


def reactivate_user(session: Session, *, actor: User, user_id: int) -> User:
    """Let a deactivated account log in again."""
    action = "admin.reactivate_user"
    ensure_admin(actor, action=action, entity_id=user_id)
    user = _target(session, user_id)
    if user.is_active:
        raise InvalidTransition("That account is already active.")
    user.is_active = True
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        before={"is_active": False},
        after={"is_active": True},
    )
    notify(session, user_id=user_id, kind="account.active", text="Your account was reactivated.")
    return user


def sign_out_everywhere(session: Session, *, actor: User, user_id: int) -> int:
    """End every live session of an account; return how many ended."""
    action = "admin.sign_out_everywhere"
    ensure_admin(actor, action=action, entity_id=user_id)
    _target(session, user_id)
    revoked = revoke_user_sessions(session, user_id=user_id, reason="admin_sign_out")
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        after={"sessions_revoked": revoked},
    )
    notify(
        session,
        user_id=user_id,
        kind="account.signed_out_everywhere",
        text="An administrator signed you out on every device. Log in again to continue.",
    )
    return revoked


def issue_reset_link(session: Session, *, actor: User, user_id: int) -> IssuedLink:
    """Make a single-use password reset link for an account (valid 24 hours)."""
    action = "admin.issue_reset_link"
    ensure_admin(actor, action=action, entity_id=user_id)
    user = _target(session, user_id)
    if not user.is_active:
        raise InvalidTransition("Reactivate the account before issuing a reset link.")
    link = make_set_password_link(
        session, user_id=user_id, created_by=actor.id, purpose="reset", lifetime=RESET_LIFETIME
    )
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="password_reset",
        entity_id=link.record_id,
        after={"user_id": user_id, "expires_at": link.expires_at},
    )
    return link
