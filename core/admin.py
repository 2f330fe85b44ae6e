"""Administration: users, roles, deactivation, faculty invites, reset links, import, audit log.

Every service here starts by checking that the actor is an active admin; refusals raise an
audited PermissionDenied.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from core import audit
from core.accounts import (
    DEFAULT_WEEKLY_HOURS,
    EMAIL_PATTERN,
    account_problems,
    new_pseudonym,
    normalise_username,
    revoke_user_sessions,
    token_digest,
)
from core.errors import InvalidTransition, NotFound, ValidationFailed
from core.locks import lock_rows, lock_user
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    FacultyInvite,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.notifications import notify
from core.permissions import ensure_role
from core.projects import expire_open_applications
from core.registration import (
    INVITE_LIFETIME,
    RESET_LIFETIME,
    WELCOME_LIFETIME,
    IssuedLink,
    department_problem,
    graduation_year_problem,
    make_set_password_link,
    new_link_token,
)
from core.types import utcnow
from core.wording import counted

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


# ---------------------------------------------------------------------------- users


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
    conditions: list[Any] = []
    if search.strip():
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
    # Projects before the user (the global lock order); the user is locked by the caller after.
    for project in lock_rows(
        session, project_ids=_mentor_projects(session, user_id)
    ).projects.values():
        if project.status is ProjectStatus.OPEN:
            project.status = ProjectStatus.CLOSED
            project.updated_at = utcnow()
            session.add(project)
            audit.record(
                session,
                actor=actor,
                action="project.close",
                entity="project",
                entity_id=project.id,
                before={"status": ProjectStatus.OPEN.value},
                after={"status": ProjectStatus.CLOSED.value},
                detail=MENTOR_LEFT,
            )
        expire_open_applications(session, project, actor, include_accepted=True, reason=MENTOR_LEFT)


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


# ---------------------------------------------------------------------------- faculty invites


def create_faculty_invite(
    session: Session,
    *,
    actor: User,
    email: str,
    department: str | None = None,
    program_wide: bool = False,
) -> IssuedLink:
    """Make a single-use faculty registration link for an e-mail address (valid 7 days)."""
    action = "admin.create_invite"
    ensure_admin(actor, action=action, entity="faculty_invite")
    mail = email.strip().lower()
    problems: dict[str, str] = {}
    if len(mail) > 254 or not EMAIL_PATTERN.match(mail):
        problems["email"] = "is not a valid e-mail address"
    elif session.exec(select(User.id).where(User.email == mail)).first() is not None:
        problems["email"] = "already belongs to an account"
    problem = department_problem(department, required=not program_wide)
    if problem:
        problems["department"] = problem
    if problems:
        raise ValidationFailed.from_fields(problems)
    assert actor.id is not None
    token = new_link_token()
    now = utcnow()
    invite = FacultyInvite(
        token_hash=token_digest(token),
        email=mail,
        department=(department or "").strip() or None,
        program_wide=program_wide,
        created_by=actor.id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    session.add(invite)
    session.flush()
    assert invite.id is not None
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="faculty_invite",
        entity_id=invite.id,
        after={"email": mail, "department": invite.department, "program_wide": program_wide},
    )
    return IssuedLink(token=token, expires_at=invite.expires_at, record_id=invite.id)


def list_invites(session: Session, *, actor: User, limit: int = 50) -> list[FacultyInvite]:
    """Return the newest faculty invites."""
    ensure_admin(actor, action="admin.list_invites", entity="faculty_invite")
    statement = (
        select(FacultyInvite)
        .order_by(col(FacultyInvite.id).desc())
        .limit(max(1, min(limit, MAX_PAGE_SIZE)))
    )
    return list(session.exec(statement))


def cancel_invite(session: Session, *, actor: User, invite_id: int) -> FacultyInvite:
    """Withdraw an unused invite so its link no longer works."""
    action = "admin.cancel_invite"
    ensure_admin(actor, action=action, entity="faculty_invite", entity_id=invite_id)
    invite = session.get(FacultyInvite, invite_id)
    if invite is None:
        raise NotFound("That invite does not exist.")
    now = utcnow()
    if invite.used_at is not None or invite.expires_at <= now:
        raise InvalidTransition("That invite is already used or expired.")
    invite.expires_at = now
    session.add(invite)
    audit.record(session, actor=actor, action=action, entity="faculty_invite", entity_id=invite_id)
    return invite


# ---------------------------------------------------------------------------- CSV import


@dataclass
class ImportRow:
    """One data row of an import file, as typed, with what is wrong with each field."""

    line: int
    username: str
    email: str
    display_name: str
    role: str
    department: str
    graduation_year: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    """What an import would create; `problems` are about the file as a whole."""

    rows: list[ImportRow]
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems and bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(1 for row in self.rows if row.errors)


@dataclass(frozen=True)
class ImportedAccount:
    """An imported account and its single-use set-password link."""

    user_id: int
    username: str
    email: str
    link: IssuedLink


def _parse_year(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _check_row(session: Session, row: ImportRow, today: date) -> None:
    # The password is set later through the welcome link; a placeholder satisfies the check.
    problems = account_problems(
        session,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        password="placeholder-password",
    )
    try:
        role = Role(row.role.strip().lower())
    except ValueError:
        role = None
    if role not in IMPORT_ROLES:
        problems["role"] = "must be student, alumni or faculty"
    problem = department_problem(row.department, required=False)
    if problem:
        problems["department"] = problem
    if row.graduation_year.strip():
        year = _parse_year(row.graduation_year.strip())
        problem = graduation_year_problem(year, today=today)
        if problem:
            problems["graduation_year"] = problem
    row.errors.update(problems)


def _columns(names: list[str]) -> str:
    """Return "column" for one name and "columns" for several."""
    return "column" if len(names) == 1 else "columns"


def parse_user_import(
    session: Session, csv_text: str, *, today: date | None = None
) -> ImportPreview:
    """Parse and check an import file without permission checks (callers check)."""
    today = today or date.today()
    if len(csv_text) > IMPORT_MAX_CHARS:
        return ImportPreview([], ["The file is too large (at most 1 MB)."])
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in IMPORT_REQUIRED_COLUMNS if name not in header]
    unknown = [
        name for name in header if name not in IMPORT_REQUIRED_COLUMNS + IMPORT_OPTIONAL_COLUMNS
    ]
    problems: list[str] = []
    if missing:
        problems.append(f"Missing {_columns(missing)}: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown {_columns(unknown)}: {', '.join(unknown)}.")
    if problems:
        expected = ", ".join(IMPORT_REQUIRED_COLUMNS + IMPORT_OPTIONAL_COLUMNS)
        problems.append(f"The first line must name the columns: {expected}.")
        return ImportPreview([], problems)
    reader.fieldnames = header
    rows: list[ImportRow] = []
    for raw in reader:
        if len(rows) >= IMPORT_MAX_ROWS:
            return ImportPreview(rows, [f"Import at most {IMPORT_MAX_ROWS} rows at a time."])
        values = {key: (value or "").strip() for key, value in raw.items() if key is not None}
        if not any(values.values()):
            continue
        row = ImportRow(
            line=reader.line_num,
            username=values.get("username", ""),
            email=values.get("email", ""),
            display_name=values.get("display_name", ""),
            role=values.get("role", ""),
            department=values.get("department", ""),
            graduation_year=values.get("graduation_year", ""),
        )
        if None in raw:
            row.errors["row"] = "has more values than there are columns"
        _check_row(session, row, today)
        rows.append(row)
    if not rows:
        return ImportPreview([], ["The file holds no accounts."])
    _mark_duplicates(rows)
    return ImportPreview(rows)


def _mark_duplicates(rows: list[ImportRow]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for name, value in (
            ("username", normalise_username(row.username)),
            ("email", row.email.strip().lower()),
        ):
            if not value:
                continue
            first = seen.setdefault((name, value), row.line)
            if first != row.line and name not in row.errors:
                row.errors[name] = f"repeats line {first} of the file"


def preview_user_import(
    session: Session, *, actor: User, csv_text: str, today: date | None = None
) -> ImportPreview:
    """Check an import file and show what would be created, with every row's errors."""
    ensure_admin(actor, action="admin.preview_import")
    return parse_user_import(session, csv_text, today=today)


def import_users(
    session: Session, *, actor: User, csv_text: str, today: date | None = None
) -> list[ImportedAccount]:
    """Create every account of a valid file with a set-password link; nothing if a row is wrong."""
    action = "admin.import_users"
    ensure_admin(actor, action=action)
    preview = parse_user_import(session, csv_text, today=today)
    if not preview.is_valid:
        raise ValidationFailed(
            f"Nothing was imported: {counted(preview.error_count, 'problem')} in the file. "
            "Fix them and preview again."
        )
    created: list[ImportedAccount] = []
    for row in preview.rows:
        role = Role(row.role.strip().lower())
        user = User(
            username=normalise_username(row.username),
            email=row.email.strip().lower(),
            display_name=row.display_name.strip(),
            role=role,
            # No usable password until the person sets one through their link.
            password_hash="",
            department=row.department.strip() or None,
            weekly_hours=DEFAULT_WEEKLY_HOURS[role],
            graduation_year=_parse_year(row.graduation_year) if role is Role.ALUMNI else None,
            pseudonym=new_pseudonym(),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        link = make_set_password_link(
            session,
            user_id=user.id,
            created_by=actor.id,
            purpose="welcome",
            lifetime=WELCOME_LIFETIME,
        )
        audit.record(
            session,
            actor=actor,
            action="user.create",
            entity="user",
            entity_id=user.id,
            after={"username": user.username, "role": role.value, "source": "import"},
        )
        created.append(ImportedAccount(user.id, user.username, user.email, link))
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=None,
        after={"accounts": len(created)},
    )
    return created


# ---------------------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditRow:
    """An audit entry with the username of whoever acted (None for the system)."""

    entry: AuditEntry
    actor_username: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int
    # True when there are more matching entries than were counted (see AUDIT_COUNT_CAP).
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def total_label(self) -> str:
        return f"{self.total:,}+" if self.more else f"{self.total:,}"


# Counting a million-row log on every page view costs more than the page itself: count at
# most this many matching entries and show "10,000+" beyond.
AUDIT_COUNT_CAP = 10_000
# The action filter offers the actions seen among this many newest entries.
AUDIT_ACTIONS_WINDOW = 5_000


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def query_audit_log(
    session: Session,
    *,
    actor: User,
    actor_username: str = "",
    action: str = "",
    entity: str = "",
    start: date | None = None,
    end: date | None = None,
    refused_only: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """Return a page of audit entries, newest first, filtered by actor, action, entity and dates.

    `action` matches a prefix ("login" finds login.failed); dates are inclusive UTC days.
    """
    ensure_admin(actor, action="admin.query_audit_log", entity="audit_log")
    page, page_size = _page_bounds(page, page_size)
    acting = aliased(User)
    conditions: list[Any] = []
    if actor_username.strip():
        wanted = select(User.id).where(User.username == normalise_username(actor_username))
        conditions.append(col(AuditEntry.actor_id) == wanted.scalar_subquery())
    if action.strip():
        prefix = action.strip().lower().replace("\\", "\\\\").replace("%", "\\%")
        conditions.append(
            col(AuditEntry.action).like(prefix.replace("_", "\\_") + "%", escape="\\")
        )
    if entity.strip():
        conditions.append(col(AuditEntry.entity) == entity.strip().lower())
    if start is not None:
        conditions.append(col(AuditEntry.at) >= _day_start(start))
    if end is not None:
        conditions.append(col(AuditEntry.at) < _day_start(end + timedelta(days=1)))
    if refused_only:
        conditions.append(col(AuditEntry.outcome) == "refused")
    capped = select(AuditEntry.id).where(*conditions).limit(AUDIT_COUNT_CAP + 1).subquery()
    total = int(session.exec(select(func.count()).select_from(capped)).one())
    found = session.exec(
        select(AuditEntry, acting.username)
        .outerjoin(acting, col(acting.id) == col(AuditEntry.actor_id))
        .where(*conditions)
        .order_by(col(AuditEntry.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    rows = [AuditRow(entry, username) for entry, username in found]
    more = total > AUDIT_COUNT_CAP
    return AuditPage(rows, min(total, AUDIT_COUNT_CAP), page, page_size, more)


def list_audit_actions(session: Session, *, actor: User) -> list[str]:
    """Return the distinct actions recorded so far, for the audit log's filter."""
    ensure_admin(actor, action="admin.query_audit_log", entity="audit_log")
    recent = (
        select(AuditEntry.action).order_by(col(AuditEntry.id).desc()).limit(AUDIT_ACTIONS_WINDOW)
    )
    window = recent.subquery()
    return list(session.exec(select(window.c.action).distinct().order_by(window.c.action)))
