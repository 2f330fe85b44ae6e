"""University single sign-on (OpenID Connect) beside passwords: the rules, no protocol.

Streamlit (`st.login`, Authlib underneath) runs the protocol: the redirect, state, nonce,
the code exchange and the ID token's signature, issuer, audience and expiry. What it hands
the app is the ID token's claims (`st.user`). This module decides what those claims may do:

1. an account already linked to the provider subject (`iss` + `sub`) signs in;
2. else an account with the same e-mail signs in and is linked, but only when the provider
   says the e-mail is verified (`email_verified` true);
3. else a usable faculty invite sent to that verified e-mail is accepted (a faculty account);
4. else a new student account is made when the e-mail's domain is a student domain;
5. else the person is told that faculty accounts come from an invite.

Deactivated accounts are refused; refusals are audited and throttled per subject the same way
password failures are per username. Accounts of a domain that must use SSO cannot log in or
reset a password with a password (`password_refusal`, called by the password paths).

The [auth] secrets and the domain settings are in core.accounts.sso_settings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select, update

from core.accounts import users
from core.accounts.sso_settings import GENERATED_MARKER as GENERATED_MARKER
from core.accounts.sso_settings import auth_secrets_toml as auth_secrets_toml
from core.accounts.sso_settings import button_label as button_label
from core.accounts.sso_settings import domain_set as domain_set
from core.accounts.sso_settings import email_domain as email_domain
from core.accounts.sso_settings import is_configured as is_configured
from core.accounts.sso_settings import redirect_uri as redirect_uri
from core.accounts.sso_settings import write_auth_secrets as write_auth_secrets
from core.models import AuditEntry, AuthSession, FacultyInvite, LoginAttempt, Role, User
from core.platform import audit
from core.platform.errors import DomainError, SessionEnded
from core.platform.permissions import ensure_role
from core.platform.settings import Settings, get_settings
from core.platform.types import UTCDateTime, utcnow

# An identity is used to start a session only this soon after the provider issued it: the
# identity cookie outlives the portal session by far (30 days), and must not restart it.
MAX_IDENTITY_AGE = timedelta(minutes=10)
# The generated secrets file starts with this line; only such a file is ever rewritten.
PROVIDER = "default"
# Password hashes of accounts made by SSO: never a bcrypt hash, so no password matches.
NO_PASSWORD = "!sso"


class SsoRefused(DomainError):
    """The provider vouched for someone the portal will not let in (the message says why)."""


class SsoRequired(DomainError):
    """A password was used for an account whose domain must sign in with SSO."""


class SsoIdentity(SQLModel, table=True):
    """The link between a portal account and one provider subject (issuer + subject)."""

    __tablename__ = "sso_identity"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_sso_identity_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=254)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------- the password paths


def password_refusal(user: User | None, settings: Settings | None = None) -> SsoRequired | None:
    """Return the refusal for a password used on an account that must use SSO, else None.

    Called by password login and by set-password (reset) links.
    """
    if user is None:
        return None
    settings = settings or get_settings()
    domain = email_domain(user.email)
    if not domain or domain not in domain_set(settings.oidc_required_domains):
        return None
    return SsoRequired(
        f"Accounts at {domain} sign in with the university account "
        f"(“{button_label(settings)}”), not with a password."
    )


def password_login_refusal(
    session: Session, user: User | None, settings: Settings
) -> SsoRequired | None:
    """Refuse (audited) a correct password of an account that must use SSO, else None."""
    refusal = password_refusal(user, settings)
    if refusal is not None and user is not None:
        audit.record_refusal(
            session,
            actor=user,
            action="login.sso_required",
            entity="user",
            entity_id=user.id,
            detail=f"username={user.username}",
        )
    return refusal


# ---------------------------------------------------------------------------- identities


def _verified(value: object) -> bool:
    # Some providers send the claim as a string.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the ID token claims the portal reads."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    nonce: str | None
    issued_at: datetime | None

    @classmethod
    def from_claims(cls, claims: Mapping[str, object]) -> Identity:
        """Read `st.user`'s claims; refuse an identity without issuer or subject."""
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not issuer or not isinstance(subject, str) or not subject:
            raise SsoRefused("The university sign-in did not say who you are. Please try again.")
        email = claims.get("email")
        name = claims.get("name") or claims.get("preferred_username")
        nonce = claims.get("nonce")
        return cls(
            issuer=issuer[:255],
            subject=subject[:255],
            email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
            email_verified=_verified(claims.get("email_verified")),
            name=name.strip()[:80] if isinstance(name, str) and name.strip() else None,
            nonce=nonce if isinstance(nonce, str) and nonce else None,
            issued_at=_timestamp(claims.get("iat")),
        )

    @property
    def verified_email(self) -> str | None:
        return self.email if self.email and self.email_verified else None

    @property
    def session_token(self) -> str:
        """The secret that ties one sign-in to its server-side session.

        The nonce is random per sign-in and only travels inside Streamlit's signed, HttpOnly
        identity cookie, so the same identity cookie finds the same session again (a new tab,
        a reload) and nothing else does.
        """
        return f"sso|{self.issuer}|{self.subject}|{self.nonce or ''}"

    @property
    def throttle_key(self) -> str:
        """The name failed sign-ins of this subject are counted under (like a username)."""
        digest = hashlib.sha256(f"{self.issuer}|{self.subject}".encode()).hexdigest()
        return "sso:" + digest[:32]


def identity_problem(identity: Identity, *, now: datetime | None = None) -> str | None:
    """Return why an identity may not start a session (stale or replayed), else None."""
    now = now or utcnow()
    if identity.nonce is None:
        return "The university sign-in was incomplete. Please sign in again."
    if identity.issued_at is None or now - identity.issued_at > MAX_IDENTITY_AGE:
        return "That university sign-in is too old to use. Please sign in again."
    if identity.issued_at - now > timedelta(minutes=2):
        return "That university sign-in is dated in the future. Please sign in again."
    return None


# ---------------------------------------------------------------------------- signing in


@dataclass(frozen=True)
class SsoResult:
    """The outcome of an SSO sign-in; refusals are returned so their records commit."""

    user: User | None
    how: str = ""  # "linked" (by subject), "linked_by_email", "invite", "created"
    error: DomainError | None = None


def _linked_user(session: Session, identity: Identity) -> tuple[SsoIdentity | None, User | None]:
    row = session.exec(
        select(SsoIdentity, User)
        .join(User, col(User.id) == SsoIdentity.user_id)
        .where(SsoIdentity.issuer == identity.issuer, SsoIdentity.subject == identity.subject)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _link(session: Session, user: User, identity: Identity) -> SsoIdentity:
    assert user.id is not None
    link = SsoIdentity(
        user_id=user.id, issuer=identity.issuer, subject=identity.subject, email=identity.email
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="sso.link",
        entity="user",
        entity_id=user.id,
        after={"issuer": identity.issuer, "email": identity.email},
    )
    return link


def _free_username(session: Session, email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", email.partition("@")[0].lower()).strip("._-")
    base = (base or "student")[:34]
    if len(base) < 3:
        base = f"{base}-sso"
    taken = set(
        session.exec(
            select(User.username).where(col(User.username).like(f"{base}%", escape="\\"))
        ).all()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _new_account(
    session: Session,
    identity: Identity,
    *,
    role: Role,
    department: str | None = None,
    program_wide: bool = False,
) -> User:
    email = identity.verified_email
    assert email is not None
    user = User(
        username=_free_username(session, email),
        email=email,
        display_name=(identity.name or email.partition("@")[0])[:80],
        role=role,
        password_hash=NO_PASSWORD,
        department=department,
        program_wide=program_wide,
        weekly_hours=users.DEFAULT_WEEKLY_HOURS[role],
        pseudonym=users.new_pseudonym(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after={"username": user.username, "role": role.value, "via": "sso"},
    )
    return user


def _accept_invite(session: Session, identity: Identity) -> User | None:
    """Make the faculty account of a usable invite sent to the verified e-mail, if any."""
    email = identity.verified_email
    now = utcnow()
    invite = session.exec(
        select(FacultyInvite)
        .where(
            FacultyInvite.email == email,
            col(FacultyInvite.used_at).is_(None),
            col(FacultyInvite.expires_at) > now,
        )
        .order_by(col(FacultyInvite.created_at).desc())
    ).first()
    if invite is None:
        return None
    # Claimed with a conditional update, as the invite link does: one use wins.
    claimed = session.exec(
        update(FacultyInvite)
        .where(col(FacultyInvite.id) == invite.id, col(FacultyInvite.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        return None
    user = _new_account(
        session,
        identity,
        role=Role.FACULTY,
        department=invite.department,
        program_wide=invite.program_wide,
    )
    session.exec(
        update(FacultyInvite).where(col(FacultyInvite.id) == invite.id).values(used_by=user.id)
    )
    audit.record(
        session,
        actor=user,
        action="invite.accept",
        entity="faculty_invite",
        entity_id=invite.id,
        after={"user_id": user.id, "via": "sso"},
    )
    return user


def _refuse(
    session: Session, identity: Identity, user: User | None, message: str, *, reason: str
) -> SsoResult:
    session.add(LoginAttempt(username=identity.throttle_key, at=utcnow(), succeeded=False))
    audit.record_refusal(
        session,
        actor=user,
        action="login.failed",
        entity="user",
        entity_id=user.id if user else None,
        detail=f"sso {reason}; issuer={identity.issuer}; email={identity.email or '-'}",
    )
    return SsoResult(None, error=SsoRefused(message))


def sign_in(
    session: Session, *, identity: Identity, settings: Settings, now: datetime | None = None
) -> SsoResult:
    """Find, link or make the account of a provider identity, under the login throttle.

    Writes the attempt, the audit rows and any link or new account in the caller's
    transaction; never starts the session (the caller does, as for a password login).
    """
    now = now or utcnow()
    key = identity.throttle_key
    until = users.throttled_until(session, username=key, settings=settings, now=now)
    if until is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        audit.record_refusal(
            session,
            actor=None,
            action="login.throttled",
            entity="user",
            entity_id=None,
            detail=f"sso issuer={identity.issuer}",
        )
        return SsoResult(
            None,
            error=SsoRefused(
                f"Too many refused sign-ins for this account. Try again in {minutes} minutes."
            ),
        )
    problem = identity_problem(identity, now=now)
    if problem:
        return _refuse(session, identity, None, problem, reason="stale identity")
    how = "linked"
    link, user = _linked_user(session, identity)
    if user is None and identity.email:
        by_email = session.exec(select(User).where(User.email == identity.email)).first()
        if by_email is not None and not identity.email_verified:
            return _refuse(
                session,
                identity,
                by_email,
                "Your university account's e-mail address is not verified, so it cannot be "
                "matched to your portal account. Log in with your password, or ask the IT "
                "office to verify the address.",
                reason="unverified e-mail",
            )
        if by_email is not None:
            user, how = by_email, "linked_by_email"
    if user is not None and not user.is_active:
        return _refuse(
            session,
            identity,
            user,
            "This account is deactivated. Contact an administrator.",
            reason="deactivated",
        )
    if user is None:
        if identity.verified_email is None:
            return _refuse(
                session,
                identity,
                None,
                "Your university account did not share a verified e-mail address, so no "
                "portal account can be found or made for it.",
                reason="no verified e-mail",
            )
        user = _accept_invite(session, identity)
        how = "invite"
        if user is None and email_domain(identity.email) in domain_set(
            settings.oidc_student_domains
        ):
            user = _new_account(session, identity, role=Role.STUDENT)
            how = "created"
        if user is None:
            return _refuse(
                session,
                identity,
                None,
                "There is no portal account for this university account. Students sign up "
                "with their student e-mail; faculty accounts come from an invite sent by a "
                "program administrator; alumni register with a password.",
                reason="no account",
            )
    if link is None:
        link = _link(session, user, identity)
    link.last_login_at = now
    session.add(link)
    session.add(LoginAttempt(username=key, at=now, succeeded=True))
    assert user.id is not None
    audit.record(
        session,
        actor=user,
        action="login.succeeded",
        entity="user",
        entity_id=user.id,
        detail=f"sso {how}",
    )
    return SsoResult(user, how=how)


# ---------------------------------------------------------------------------- admin


def has_password(user: User) -> bool:
    return user.password_hash.startswith("$2")


def sign_in_methods(session: Session, users: list[User]) -> dict[int, str]:
    """Return "password", "SSO", "both" or "none" for each account, in one statement."""
    ids = [user.id for user in users if user.id is not None]
    linked = (
        set(
            session.exec(select(SsoIdentity.user_id).where(col(SsoIdentity.user_id).in_(ids))).all()
        )
        if ids
        else set()
    )
    methods: dict[int, str] = {}
    for user in users:
        assert user.id is not None
        password, sso = has_password(user), user.id in linked
        methods[user.id] = (
            "both" if password and sso else "password" if password else "SSO" if sso else "none"
        )
    return methods


def unlink(session: Session, *, actor: User, user_id: int) -> int:
    """Remove an account's SSO links (admin only, audited); return how many were removed.

    The account keeps its password, if it has one; its next SSO sign-in links again by
    verified e-mail.
    """
    action = "admin.unlink_sso"
    ensure_role(actor, (Role.ADMIN,), action=action, entity="user", entity_id=user_id)
    target = session.get(User, user_id)
    if target is None:
        raise SsoRefused("That account does not exist.")
    links = list(session.exec(select(SsoIdentity).where(SsoIdentity.user_id == user_id)))
    if not links:
        raise SsoRefused(f"{target.username} has no single sign-on link.")
    for link in links:
        session.delete(link)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        before={"issuers": sorted(link.issuer for link in links)},
    )
    return len(links)


def last_audit(session: Session, action: str) -> AuditEntry | None:
    """Return the newest audit row of an action (for screens and tests)."""
    return session.exec(
        select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id).desc())
    ).first()


# ---------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SsoLogin:
    """A sign-in's server-side session and user, or why there is none."""

    session_id: int | None
    user: User | None
    error: DomainError | None = None
    how: str = ""


def start_or_resume(session: Session, *, identity: Identity, settings: Settings) -> SsoLogin:
    """Resume the session of this sign-in (a new tab, a reload), or sign in and start one.

    The session is the same server-side session a password login gets (idle and absolute
    expiry, revocation by logout, deactivation and "sign out everywhere"), keyed by the
    digest of the sign-in's `session_token`. A sign-in whose session has ended never starts
    another. Refusals are returned, not raised, so the caller's commit keeps their records.
    """
    token = identity.session_token
    digest = users.token_digest(token)
    if session.exec(select(AuthSession.id).where(AuthSession.token_hash == digest)).first():
        try:
            record, user = users.resume_session(session, token=token, settings=settings)
        except SessionEnded as ended:
            return SsoLogin(None, None, ended)
        return SsoLogin(record.id, user, how="resumed")
    result = sign_in(session, identity=identity, settings=settings)
    if result.user is None:
        return SsoLogin(None, None, result.error)
    record = users.start_session(session, user=result.user, token=token, settings=settings)
    return SsoLogin(record.id, result.user, how=result.how)
