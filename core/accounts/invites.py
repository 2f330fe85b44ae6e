"""Faculty invites: created, listed and cancelled by admins."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.accounts.admin import MAX_PAGE_SIZE, ensure_admin
from core.accounts.registration import (
    INVITE_LIFETIME,
    IssuedLink,
    department_problem,
    new_link_token,
)
from core.accounts.users import email_problem, token_digest
from core.models import FacultyInvite, User
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound, ValidationFailed
from core.platform.types import utcnow


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
    if problem := email_problem(mail):
        problems["email"] = problem
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
