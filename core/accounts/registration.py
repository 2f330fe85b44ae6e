"""Self-service accounts: registration, faculty invites, set-password links, own password."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, col, select, update

from core.accounts import sso
from core.accounts.passwords import hash_password, password_problem
from core.accounts.users import (
    account_problems,
    check_own_password,
    create_user,
    revoke_user_sessions,
    token_digest,
)
from core.models import AuthSession, FacultyInvite, PasswordReset, Role, User, Verification
from core.platform import audit
from core.platform.errors import DomainError, ValidationFailed
from core.platform.notifications import notify
from core.platform.permissions import deny, ensure_active
from core.platform.settings import Settings, get_settings
from core.platform.text import text_problem
from core.platform.types import utcnow
from core.projects.tags import interests_problem, set_user_interests

INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=24)
# Imported accounts get a longer first-password link: people do not read mail every day.
WELCOME_LIFETIME = timedelta(days=7)
SELF_SERVICE_ROLES = (Role.STUDENT, Role.ALUMNI)
EARLIEST_GRADUATION_YEAR = 1950


class LinkNotUsable(DomainError):
    """An invite or set-password link is unknown, already used or expired."""


@dataclass(frozen=True)
class IssuedLink:
    """A freshly made single-use link: the token is shown once and only its digest is stored."""

    token: str
    expires_at: datetime
    record_id: int

    def url(self, base_url: str, param: str) -> str:
        """Return the full address a person opens to use the link."""
        return f"{base_url.rstrip('/')}/?{param}={self.token}"


class LinksUnavailable(DomainError):
    """BASE_URL is not set and the portal is not opened on this machine: links would be
    addressed to whatever host a request names (host-header poisoning), so none are made."""


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
NO_BASE_URL = (
    "Invite and password links cannot be made: the portal's public address is not set. "
    "Set BASE_URL (for example https://mentoring.example.edu) in the environment or .env "
    "and restart the portal. Until then no link is created."
)


def link_base_url(base_url: str, request_url: str | None) -> str:
    """Return the address links start with: BASE_URL, or this machine's own when unset.

    A request's host is only believed when it is localhost (a demo on this machine);
    anywhere else an unset BASE_URL raises LinksUnavailable rather than trust the request.
    """
    configured = base_url.strip()
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(request_url or "")
    if parts.scheme in ("http", "https") and (parts.hostname or "") in LOCAL_HOSTS:
        return f"{parts.scheme}://{parts.netloc}"
    raise LinksUnavailable(NO_BASE_URL)


def new_link_token() -> str:
    """Return a fresh unguessable token for an invite or set-password link."""
    return secrets.token_urlsafe(32)


# ---------------------------------------------------------------------------- field checks


def graduation_year_problem(year: object, *, today: date | None = None) -> str | None:
    """Return what is wrong with an alumni graduation year, or None."""
    latest = (today or date.today()).year + 1
    if isinstance(year, bool) or not isinstance(year, int):
        return f"enter a year from {EARLIEST_GRADUATION_YEAR} to {latest}"
    if not EARLIEST_GRADUATION_YEAR <= year <= latest:
        return f"must be from {EARLIEST_GRADUATION_YEAR} to {latest}"
    return None


def department_problem(department: str | None, *, required: bool) -> str | None:
    """Return what is wrong with a department name, or None."""
    value = (department or "").strip()
    if not value:
        return "is required" if required else None
    return text_problem(value, min_length=1, max_length=80)


def _confirmation_problem(password: str, confirmation: str | None) -> str | None:
    if confirmation is not None and confirmation != password:
        return "does not match the password"
    return None


# ---------------------------------------------------------------------------- registration


def register_account(
    session: Session,
    *,
    role: Role,
    username: str,
    email: str,
    display_name: str,
    password: str,
    department: str,
    interests: Sequence[str] = (),
    graduation_year: int | None = None,
    password_confirmation: str | None = None,
    today: date | None = None,
) -> User:
    """Register a student or alumni account; every wrong field is named, nothing is written."""
    if role not in SELF_SERVICE_ROLES:
        raise ValidationFailed.from_fields(
            {"role": "only students and alumni register themselves; faculty need an invite"}
        )
    problems = account_problems(
        session, username=username, email=email, display_name=display_name, password=password
    )
    extra = {
        "password_confirmation": _confirmation_problem(password, password_confirmation),
        "department": department_problem(department, required=True),
        "interests": interests_problem(list(interests)),
        "graduation_year": (
            graduation_year_problem(graduation_year, today=today) if role is Role.ALUMNI else None
        ),
    }
    problems.update({name: problem for name, problem in extra.items() if problem})
    if problems:
        raise ValidationFailed.from_fields(problems)
    user = create_user(
        session,
        username=username,
        email=email,
        display_name=display_name,
        role=role,
        password=password,
        department=department,
        graduation_year=graduation_year if role is Role.ALUMNI else None,
    )
    assert user.id is not None
    if role is Role.ALUMNI:
        # Anyone can claim to be an alumna: publishing waits for the program to vouch for her.
        user.verification = Verification.PENDING
        session.add(user)
    if interests:
        set_user_interests(session, actor=user, user_id=user.id, names=list(interests))
    audit.record(
        session,
        actor=user,
        action="user.register",
        entity="user",
        entity_id=user.id,
        after={"role": role.value},
    )
    return user


def find_usable_invite(session: Session, token: str) -> FacultyInvite:
    """Return the unused, unexpired invite of a link, or raise LinkNotUsable."""
    invite = session.exec(
        select(FacultyInvite).where(FacultyInvite.token_hash == token_digest(token))
    ).first()
    if invite is None:
        raise LinkNotUsable("This invite link is not valid. Ask an administrator for a new one.")
    if invite.used_at is not None:
        raise LinkNotUsable(
            "This invite link has already been used. Log in, or ask an administrator for a new one."
        )
    if utcnow() >= invite.expires_at:
        raise LinkNotUsable("This invite link has expired. Ask an administrator for a new one.")
    return invite


def register_faculty(
    session: Session,
    *,
    token: str,
    username: str,
    display_name: str,
    password: str,
    password_confirmation: str | None = None,
    interests: Sequence[str] = (),
) -> User:
    """Create a faculty account from a single-use invite (its e-mail and department)."""
    invite = find_usable_invite(session, token)
    problems = account_problems(
        session,
        username=username,
        email=invite.email,
        display_name=display_name,
        password=password,
    )
    extra = {
        "password_confirmation": _confirmation_problem(password, password_confirmation),
        "interests": interests_problem(list(interests)),
    }
    problems.update({name: problem for name, problem in extra.items() if problem})
    if problems:
        raise ValidationFailed.from_fields(problems)
    # Claim the invite with a conditional update: of two simultaneous uses only one wins.
    now = utcnow()
    claimed = session.exec(
        update(FacultyInvite)
        .where(
            col(FacultyInvite.id) == invite.id,
            col(FacultyInvite.used_at).is_(None),
            col(FacultyInvite.expires_at) > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise LinkNotUsable("This invite link has already been used.")
    user = create_user(
        session,
        username=username,
        email=invite.email,
        display_name=display_name,
        role=Role.FACULTY,
        password=password,
        department=invite.department,
        program_wide=invite.program_wide,
    )
    assert user.id is not None
    session.exec(
        update(FacultyInvite).where(col(FacultyInvite.id) == invite.id).values(used_by=user.id)
    )
    if interests:
        set_user_interests(session, actor=user, user_id=user.id, names=list(interests))
    audit.record(
        session,
        actor=user,
        action="invite.accept",
        entity="faculty_invite",
        entity_id=invite.id,
        after={"user_id": user.id},
    )
    return user


# ---------------------------------------------------------------------------- set-password links


def make_set_password_link(
    session: Session,
    *,
    user_id: int,
    created_by: int | None,
    purpose: str = "reset",
    lifetime: timedelta = RESET_LIFETIME,
) -> IssuedLink:
    """Store a new set-password link for a user, superseding their unused ones (no checks)."""
    now = utcnow()
    session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.user_id) == user_id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > now,
        )
        .values(expires_at=now)
    )
    token = new_link_token()
    record = PasswordReset(
        token_hash=token_digest(token),
        user_id=user_id,
        purpose=purpose,
        created_by=created_by,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    return IssuedLink(token=token, expires_at=record.expires_at, record_id=record.id)


def find_usable_reset(session: Session, token: str) -> tuple[PasswordReset, User]:
    """Return the unused, unexpired set-password link and its account, or raise LinkNotUsable."""
    link = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_digest(token))
    ).first()
    if link is None:
        raise LinkNotUsable("This password link is not valid. Ask an administrator for a new one.")
    if link.used_at is not None:
        raise LinkNotUsable(
            "This password link has already been used. Ask an administrator for a new one."
        )
    if utcnow() >= link.expires_at:
        raise LinkNotUsable("This password link has expired. Ask an administrator for a new one.")
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise LinkNotUsable("This account is deactivated. Contact an administrator.")
    if (refusal := sso.password_refusal(user)) is not None:  # SSO-only domains: no password
        raise LinkNotUsable(refusal.message)
    return link, user


def set_password_with_link(
    session: Session, *, token: str, new_password: str, password_confirmation: str | None = None
) -> User:
    """Set a new password through a single-use link and sign the account out everywhere."""
    link, user = find_usable_reset(session, token)
    problems = {
        "new_password": password_problem(new_password, personal=(user.username, user.email)),
        "password_confirmation": _confirmation_problem(new_password, password_confirmation),
    }
    found = {name: problem for name, problem in problems.items() if problem}
    if found:
        raise ValidationFailed.from_fields(found)
    now = utcnow()
    claimed = session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.id) == link.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise LinkNotUsable("This password link has already been used.")
    user.password_hash = hash_password(new_password)
    user.updated_at = now
    session.add(user)
    assert user.id is not None
    revoked = revoke_user_sessions(session, user_id=user.id, reason="password_reset")
    audit.record(
        session,
        actor=user,
        action="user.set_password_with_link",
        entity="user",
        entity_id=user.id,
        after={"purpose": link.purpose, "sessions_revoked": revoked},
    )
    if link.purpose == "reset":
        # A security notice: always e-mailed, so a reset nobody asked for is noticed.
        notify(
            session,
            user_id=user.id,
            kind="account.password_changed",
            text="Your password was changed through a reset link; every session was signed "
            "out. If this was not you, contact the program office at once.",
        )
    return user


# ---------------------------------------------------------------------------- own password


@dataclass(frozen=True)
class PasswordChange:
    """The outcome of a password change; a refused current password is returned, not raised,
    so the attempt it counts against the throttle commits with it."""

    revoked: int
    error: DomainError | None = None


def change_own_password(
    session: Session,
    *,
    actor: User,
    current_password: str,
    new_password: str,
    password_confirmation: str | None = None,
    keep_session_id: int | None = None,
    settings: Settings | None = None,
    client: str | None = None,
) -> PasswordChange:
    """Change the actor's password after checking the current one under the login throttle.

    The change signs out every other session and voids every unused set-password link.
    """
    action = "user.change_password"
    settings = settings or get_settings()
    ensure_active(actor, action=action, entity="user", entity_id=actor.id)
    user = session.get(User, actor.id)
    if user is None:
        raise deny(
            actor,
            "This account no longer exists.",
            action=action,
            entity="user",
            entity_id=actor.id,
        )
    # An account its university signs in owns no password of its own to change.
    sso_only = sso.password_refusal(user, settings)
    if sso_only is not None:
        raise sso_only
    problems = {
        "new_password": password_problem(new_password, personal=(user.username, user.email))
        or ("must differ from the current password" if new_password == current_password else None),
        "password_confirmation": _confirmation_problem(new_password, password_confirmation),
    }
    found = {name: problem for name, problem in problems.items() if problem}
    if found:
        raise ValidationFailed.from_fields(found)
    error = check_own_password(
        session, actor=user, password=current_password, settings=settings, client=client
    )
    if error is not None:
        return PasswordChange(0, error)
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.updated_at = now
    session.add(user)
    others = update(AuthSession).where(
        col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None)
    )
    if keep_session_id is not None:
        others = others.where(col(AuthSession.id) != keep_session_id)
    result = session.exec(others.values(revoked_at=now, revoked_reason="password_change"))
    revoked = int(result.rowcount or 0)
    voided = session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.user_id) == user.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > now,
        )
        .values(expires_at=now)
    )
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user.id,
        after={"sessions_revoked": revoked, "links_voided": int(voided.rowcount or 0)},
    )
    notify(
        session,
        user_id=user.id or 0,
        kind="account.password_changed",
        text="Your password was changed and your other sessions were signed out. If this was "
        "not you, reset your password or contact the program office at once.",
    )
    return PasswordChange(revoked)
