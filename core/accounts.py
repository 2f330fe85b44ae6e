"""Accounts: creating users, logging in with a throttle, and server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select, update

from core import audit, sso
from core.errors import (
    DomainError,
    InvalidCredentials,
    LoginThrottled,
    NotFound,
    SessionEnded,
    ValidationFailed,
)
from core.models import AuthSession, LoginAttempt, Role, User
from core.passwords import hash_password, is_correct_password, password_problem
from core.settings import Settings
from core.types import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
DEFAULT_WEEKLY_HOURS = {Role.STUDENT: 8.0, Role.ALUMNI: 4.0, Role.FACULTY: 4.0, Role.ADMIN: 4.0}
# Sessions are touched at most this often, so a rerun does not always write.
TOUCH_INTERVAL = timedelta(seconds=60)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def token_digest(token: str) -> str:
    """Return the SHA-256 of a login cookie: only the digest is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_pseudonym() -> str:
    """Return a neutral name shown to mentors while a student's review is blind."""
    return f"Applicant {secrets.token_hex(3).upper()}"


def account_problems(
    session: Session, *, username: str, email: str, display_name: str, password: str
) -> dict[str, str]:
    """Return a field → problem map for a new account (empty when everything is fine)."""
    problems: dict[str, str] = {}
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        problems["username"] = "use 3–40 letters, digits, dots, dashes or underscores"
    elif session.exec(select(User.id).where(User.username == name)).first() is not None:
        problems["username"] = "is already taken"
    mail = email.strip().lower()
    if len(mail) > 254 or not EMAIL_PATTERN.match(mail):
        problems["email"] = "is not a valid e-mail address"
    elif session.exec(select(User.id).where(User.email == mail)).first() is not None:
        problems["email"] = "is already registered"
    if not display_name.strip() or len(display_name.strip()) > 80:
        problems["display_name"] = "must be 1–80 characters"
    problem = password_problem(password)
    if problem:
        problems["password"] = problem
    return problems


def create_user(
    session: Session,
    *,
    username: str,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    department: str | None = None,
    program_wide: bool = False,
    weekly_hours: float | None = None,
    graduation_year: int | None = None,
    actor: User | None = None,
) -> User:
    """Create an account after checking every field; nothing is written when one is wrong."""
    problems = account_problems(
        session, username=username, email=email, display_name=display_name, password=password
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    user = User(
        username=normalise_username(username),
        email=email.strip().lower(),
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
        department=(department or "").strip() or None,
        program_wide=program_wide,
        weekly_hours=weekly_hours if weekly_hours is not None else DEFAULT_WEEKLY_HOURS[role],
        graduation_year=graduation_year,
        pseudonym=new_pseudonym(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor or user,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after={"username": user.username, "role": user.role.value},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    """Return the user with this id or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That account does not exist.")
    return user


def find_user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalise_username(username))).first()


# ---------------------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password attempt; failures are returned so their record commits."""

    user: User | None
    error: DomainError | None = None


def throttled_until(
    session: Session, *, username: str, settings: Settings, now: datetime | None = None
) -> datetime | None:
    """Return when the account's lockout ends, or None when attempts are allowed.

    Locked when the last `login_max_failures` attempts since the last success all failed
    within one window; the lock lasts one window from the newest of them and then lifts
    by itself (never a permanent lock).
    """
    now = now or utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    name = normalise_username(username)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == name, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    statement = select(LoginAttempt.at).where(
        LoginAttempt.username == name,
        col(LoginAttempt.succeeded).is_(False),
        LoginAttempt.at > now - 2 * window,
    )
    if last_success is not None:
        statement = statement.where(LoginAttempt.at > last_success)
    recent = list(
        session.exec(
            statement.order_by(col(LoginAttempt.at).desc()).limit(settings.login_max_failures)
        )
    )
    if len(recent) < settings.login_max_failures:
        return None
    newest, oldest = recent[0], recent[-1]
    if newest - oldest > window:
        return None
    until = newest + window
    return until if now < until else None


def attempt_login(
    session: Session, *, username: str, password: str, settings: Settings
) -> LoginResult:
    """Check a password under the throttle, recording the attempt and an audit row."""
    name = normalise_username(username)[:40]
    now = utcnow()
    until = throttled_until(session, username=name, settings=settings, now=now)
    user = find_user_by_username(session, name)
    if until is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        audit.record_refusal(
            session,
            actor=user,
            action="login.throttled",
            entity="user",
            entity_id=user.id if user else None,
            detail=f"username={name}",
        )
        return LoginResult(
            None,
            LoginThrottled(
                f"Too many failed attempts for this account. Try again in {minutes} minutes."
            ),
        )
    ok = user is not None and user.is_active and is_correct_password(password, user.password_hash)
    refusal = sso.password_login_refusal(session, user, settings) if ok else None
    session.add(LoginAttempt(username=name, at=now, succeeded=ok and refusal is None))
    if refusal is not None:
        return LoginResult(None, refusal)
    if not ok:
        audit.record_refusal(
            session,
            actor=user,
            action="login.failed",
            entity="user",
            entity_id=user.id if user else None,
            detail=f"username={name}",
        )
        return LoginResult(None, InvalidCredentials("Username or password is incorrect."))
    assert user is not None
    audit.record(session, actor=user, action="login.succeeded", entity="user", entity_id=user.id)
    return LoginResult(user)


# ---------------------------------------------------------------------------- sessions


def start_session(session: Session, *, user: User, token: str, settings: Settings) -> AuthSession:
    """Record a server-side session for a freshly issued login cookie."""
    assert user.id is not None
    now = utcnow()
    record = AuthSession(
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.cookie_lifetime_hours),
    )
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class SessionCheck:
    """The verdict on a session: its user, or why it ended, and whether a write is due."""

    user: User | None
    ended: str | None = None
    needs_write: bool = False

    def user_or_raise(self) -> User:
        if self.user is None:
            raise SessionEnded(self.ended or "Please log in.")
        return self.user


def _verdict(record: AuthSession | None, user: User | None, settings: Settings) -> SessionCheck:
    """Judge a session and its user as read (pure: the caller decides what to write)."""
    now = utcnow()
    if record is None:
        return SessionCheck(None, "Please log in.")
    if record.revoked_at is not None:
        return SessionCheck(None, "You were signed out. Please log in again.")
    if now >= record.expires_at:
        return SessionCheck(None, "Your session has expired. Please log in again.", True)
    if now - record.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return SessionCheck(
            None, "You were signed out after a period of inactivity. Please log in again.", True
        )
    if user is None or not user.is_active:
        return SessionCheck(None, "This account is no longer active.", True)
    return SessionCheck(user, needs_write=now - record.last_seen_at > TOUCH_INTERVAL)


def _apply(session: Session, record: AuthSession | None, check: SessionCheck) -> None:
    """Revoke an ended session or refresh a live one's last-seen time."""
    if record is None or not check.needs_write:
        return
    if check.user is None:
        _revoke(session, record, "expired")
    else:
        record.last_seen_at = utcnow()
        session.add(record)


def _session_with_user(
    session: Session, condition: ColumnElement[bool]
) -> tuple[AuthSession | None, User | None]:
    # One statement for both rows: the check runs on every rerun of every page.
    row = session.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == AuthSession.user_id, isouter=True)
        .where(condition)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def check_session(
    session: Session, *, session_id: int, settings: Settings, write: bool = False
) -> SessionCheck:
    """Judge a session id (checked on every rerun); with `write`, also revoke or touch it.

    Reading first and writing only when `needs_write` keeps most reruns free of writes.
    """
    record, user = _session_with_user(session, col(AuthSession.id) == session_id)
    check = _verdict(record, user, settings)
    if write:
        _apply(session, record, check)
    return check


def resume_session(session: Session, *, token: str, settings: Settings) -> tuple[AuthSession, User]:
    """Return the live session and user of a login cookie, or raise SessionEnded."""
    record, user = _session_with_user(session, col(AuthSession.token_hash) == token_digest(token))
    check = _verdict(record, user, settings)
    _apply(session, record, check)
    user = check.user_or_raise()
    assert record is not None
    return record, user


def _revoke(session: Session, record: AuthSession, reason: str) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_reason = reason
        session.add(record)


def end_session(session: Session, *, session_id: int, reason: str = "logout") -> None:
    """Revoke one session (logout)."""
    record = session.get(AuthSession, session_id)
    if record is not None:
        _revoke(session, record, reason)
        user = session.get(User, record.user_id)
        audit.record(
            session, actor=user, action="logout", entity="auth_session", entity_id=record.id
        )


def revoke_user_sessions(session: Session, *, user_id: int, reason: str) -> int:
    """Revoke every live session of a user; return how many were revoked."""
    result = session.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)
