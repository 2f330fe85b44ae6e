"""Accounts: creating users, logging in with a throttle, and server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, delete, func, select, update

from core import audit
from core.errors import (
    DomainError,
    InvalidCredentials,
    LoginThrottled,
    NotFound,
    SessionEnded,
    ValidationFailed,
)
from core.models import AuthSession, LoginAttempt, Role, User
from core.notifications import notify
from core.passwords import (
    hash_password,
    is_correct_password,
    password_problem,
    spend_a_password_check,
)
from core.settings import Settings
from core.types import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
DEFAULT_WEEKLY_HOURS = {Role.STUDENT: 8.0, Role.ALUMNI: 4.0, Role.FACULTY: 4.0, Role.ADMIN: 4.0}
# Sessions are touched at most this often, so a rerun does not always write.
TOUCH_INTERVAL = timedelta(seconds=60)
WRONG_PASSWORD = "Username or password is incorrect."


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
    problem = password_problem(password, personal=(name, mail))
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


def _lock_key(kind: str, value: str) -> int:
    """Return a stable signed 64-bit advisory-lock key for an account name or a client."""
    digest = hashlib.sha256(f"login-throttle:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise_attempts(session: Session, *, name: str, client: str | None) -> None:
    """Make attempts on this account (and from this client) wait for each other.

    SQLite write transactions already hold the database's write lock (BEGIN IMMEDIATE). On
    PostgreSQL a transaction-scoped advisory lock per account and per client, taken in one
    order, makes count, check and record one step: no more than the limit is ever checked.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({_lock_key("user", name), *([_lock_key("client", client)] if client else [])})
    for key in keys:
        session.exec(select(func.pg_advisory_xact_lock(key)))


def _lock_end(
    session: Session,
    condition: ColumnElement[bool],
    *,
    limit: int,
    window: timedelta,
    now: datetime,
    since: datetime | None = None,
) -> datetime | None:
    """Return when the failures matching `condition` stop exceeding the limit, or None."""
    start = now - window if since is None else max(since, now - window)
    recent = list(
        session.exec(
            select(LoginAttempt.at)
            .where(condition, col(LoginAttempt.succeeded).is_(False), LoginAttempt.at > start)
            .order_by(col(LoginAttempt.at).desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    until = recent[-1] + window
    return until if now < until else None


def throttled_until(
    session: Session, *, username: str, settings: Settings, now: datetime | None = None
) -> datetime | None:
    """Return when the account's lock ends, or None when attempts are allowed.

    Locked while `login_max_failures` failures since the last success lie within one sliding
    window; the lock lifts by itself when the oldest of them leaves it (never permanent).
    """
    now = now or utcnow()
    name = normalise_username(username)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == name, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    return _lock_end(
        session,
        col(LoginAttempt.username) == name,
        limit=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
        now=now,
        since=last_success,
    )


def client_throttled_until(
    session: Session, *, client: str | None, settings: Settings, now: datetime | None = None
) -> datetime | None:
    """Return when a client address may try passwords again, or None when it may now."""
    if not client:
        return None
    return _lock_end(
        session,
        col(LoginAttempt.client) == client,
        limit=settings.client_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
        now=now or utcnow(),
    )


def prune_login_records(session: Session, *, settings: Settings, now: datetime) -> None:
    """Delete throttle rows past their window (the audit log itself is append-only)."""
    session.exec(
        delete(LoginAttempt).where(
            col(LoginAttempt.at) < now - timedelta(minutes=settings.login_window_minutes)
        )
    )


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() // 60) + 1)


def _checked_password(
    session: Session,
    *,
    name: str,
    client: str | None,
    settings: Settings,
    check: Callable[[User | None], bool],
    action: str,
) -> tuple[User | None, DomainError | None]:
    """Check a password for an account name under both throttles and record the attempt.

    Returns the account and None when `check` passed, else what to tell the person. Unknown,
    deactivated and not-yet-activated names do the same bcrypt work as a wrong password.
    """
    now = utcnow()
    _serialise_attempts(session, name=name, client=client)
    prune_login_records(session, settings=settings, now=now)
    user = find_user_by_username(session, name)
    client_until = client_throttled_until(session, client=client, settings=settings, now=now)
    if client_until is not None:
        return user, LoginThrottled(
            "Too many failed attempts from this device or network. Try again in "
            f"{_minutes_until(client_until, now)} minutes."
        )
    until = throttled_until(session, username=name, settings=settings, now=now)
    if until is not None:
        return user, LoginThrottled(
            "Too many failed attempts for this account. Try again in "
            f"{_minutes_until(until, now)} minutes."
        )
    ok = check(user)
    session.add(LoginAttempt(username=name, at=now, succeeded=ok, client=client))
    if ok:
        return user, None
    audit.record_refusal(
        session,
        actor=user,
        action=action,
        entity="user",
        entity_id=user.id if user else None,
        detail=f"username={name}" + (f" client={client}" if client else ""),
    )
    session.flush()
    if client_throttled_until(session, client=client, settings=settings, now=now):
        audit.record_refusal(
            session,
            actor=None,
            action="login.client_locked",
            entity="user",
            entity_id=None,
            detail=f"client={client}",
        )
    until = throttled_until(session, username=name, settings=settings, now=now)
    if until is not None and user is not None:
        assert user.id is not None
        audit.record_refusal(
            session,
            actor=user,
            action="login.locked",
            entity="user",
            entity_id=user.id,
            detail=f"{settings.login_max_failures} failed attempts",
        )
        notify(
            session,
            user_id=user.id,
            kind="account.locked",
            text=(
                f"Your account was locked for {_minutes_until(until, now)} minutes after "
                f"{settings.login_max_failures} wrong passwords. If that was not you, change "
                "your password once you can log in, or tell an administrator."
            ),
        )
    return user, InvalidCredentials(WRONG_PASSWORD)


def attempt_login(
    session: Session,
    *,
    username: str,
    password: str,
    settings: Settings,
    client: str | None = None,
) -> LoginResult:
    """Check a password under the account and client throttles, recording the attempt."""
    name = normalise_username(username)[:40]

    def check(user: User | None) -> bool:
        if user is None or not user.is_active or not user.password_hash:
            spend_a_password_check(password)
            return False
        return is_correct_password(password, user.password_hash)

    user, error = _checked_password(
        session, name=name, client=client, settings=settings, check=check, action="login.failed"
    )
    if error is not None:
        return LoginResult(None, error)
    assert user is not None
    audit.record(session, actor=user, action="login.succeeded", entity="user", entity_id=user.id)
    return LoginResult(user)


def check_own_password(
    session: Session,
    *,
    actor: User,
    password: str,
    settings: Settings,
    client: str | None = None,
) -> DomainError | None:
    """Check the actor's current password under the login throttles; return what went wrong."""
    stored = session.get(User, actor.id)
    name = stored.username if stored is not None else ""

    def check(user: User | None) -> bool:
        if user is None or not user.is_active:
            spend_a_password_check(password)
            return False
        return is_correct_password(password, user.password_hash)

    _user, error = _checked_password(
        session,
        name=name,
        client=client,
        settings=settings,
        check=check,
        action="user.change_password",
    )
    if isinstance(error, InvalidCredentials):
        return InvalidCredentials(
            "Your current password is not correct; the password was not changed."
        )
    return error


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
