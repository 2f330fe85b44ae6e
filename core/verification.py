"""Alumni verification: a self-registered alumna publishes once the program vouches for her.

Anyone can register as alumni; until an admin, or a faculty member of the department she
claims, verifies the account, she can fill her profile and draft projects but not publish
(so a stranger cannot reach students the minute she registers). Refusing needs a reason; the
account owner is told either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from core import audit
from core.errors import InvalidTransition, NotFound, ValidationFailed
from core.locks import lock_user
from core.models import Role, User, Verification
from core.notifications import notify
from core.permissions import deny, ensure_role, is_admin
from core.text import text_problem
from core.types import utcnow

ACTION_VERIFY = "user.verify_alumni"
ACTION_REFUSE = "user.refuse_alumni"
REASON_MAX = 500
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class Claim:
    """One alumni account waiting for verification, with what the person claimed."""

    user_id: int
    username: str
    display_name: str
    email: str
    department: str | None
    graduation_year: int | None
    registered_at: datetime


def is_verified(user: User) -> bool:
    """Tell whether the program vouches for this account (only alumni can wait)."""
    return user.verification is Verification.VERIFIED


def publishing_refusal(owner: User) -> str | None:
    """Return why this mentor's projects cannot be published yet, or None when they can."""
    if owner.role is not Role.ALUMNI or is_verified(owner):
        return None
    if owner.verification is Verification.REFUSED:
        return (
            "This alumni account was not verified, so its projects cannot be published"
            + (f": {owner.verification_note}" if owner.verification_note else ".")
            + " Contact the program office if this is a mistake."
        )
    return (
        "Publishing waits until the program verifies this alumni account (an administrator or a "
        "faculty member of its department does it). Keep editing the draft meanwhile; you will "
        "be told as soon as it is verified."
    )


def can_verify(actor: User, claimant: User) -> bool:
    """Tell whether the actor may verify this account: an admin, or faculty of its department."""
    if not actor.is_active:
        return False
    if is_admin(actor):
        return True
    return actor.role is Role.FACULTY and (
        actor.program_wide
        or (actor.department is not None and actor.department == claimant.department)
    )


def _ensure_verifier(actor: User, claimant: User, action: str) -> None:
    ensure_role(
        actor, (Role.ADMIN, Role.FACULTY), action=action, entity="user", entity_id=claimant.id
    )
    if not can_verify(actor, claimant):
        raise deny(
            actor,
            "Only an administrator or a faculty member of this person's department may verify "
            "them.",
            action=action,
            entity="user",
            entity_id=claimant.id,
        )


def verification_queue(session: Session, *, actor: User) -> list[Claim]:
    """Return the alumni accounts waiting for the actor's verification, oldest first."""
    ensure_role(actor, (Role.ADMIN, Role.FACULTY), action="user.verification_queue", entity="user")
    statement = select(User).where(
        User.role == Role.ALUMNI,
        User.verification == Verification.PENDING,
        col(User.is_active).is_(True),
    )
    if not is_admin(actor) and not actor.program_wide:
        statement = statement.where(User.department == actor.department)
    rows = session.exec(statement.order_by(col(User.created_at), col(User.id)).limit(QUEUE_LIMIT))
    return [
        Claim(
            user_id=user.id or 0,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            department=user.department,
            graduation_year=user.graduation_year,
            registered_at=user.created_at,
        )
        for user in rows
    ]


def _claimant(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role is not Role.ALUMNI:
        raise NotFound("That alumni account does not exist.")
    return user


def _decide(
    session: Session,
    *,
    actor: User,
    user_id: int,
    outcome: Verification,
    note: str | None,
    action: str,
) -> User:
    claimant = _claimant(session, user_id)
    _ensure_verifier(actor, claimant, action)
    claimant = lock_user(session, user_id)
    if claimant.verification is outcome:
        raise InvalidTransition(f"This account is already {outcome.value}.")
    before = claimant.verification
    claimant.verification = outcome
    claimant.verification_note = note
    claimant.updated_at = utcnow()
    session.add(claimant)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user_id,
        before={"verification": before.value},
        after={"verification": outcome.value},
        detail=note,
    )
    if outcome is Verification.VERIFIED:
        text = "Your alumni account is verified: you can now publish your projects."
    else:
        text = f"Your alumni account was not verified: {note}"
    notify(session, user_id=user_id, kind="account.verification", text=text)
    return claimant


def verify_alumni(session: Session, *, actor: User, user_id: int) -> User:
    """Verify a self-registered alumni account; its owner is told."""
    return _decide(
        session,
        actor=actor,
        user_id=user_id,
        outcome=Verification.VERIFIED,
        note=None,
        action=ACTION_VERIFY,
    )


def refuse_alumni(session: Session, *, actor: User, user_id: int, reason: str) -> User:
    """Refuse to verify an alumni account, with a reason its owner reads."""
    text = (reason or "").strip()
    problem = text_problem(text, min_length=1, max_length=REASON_MAX, multiline=True)
    if problem:
        raise ValidationFailed.from_fields({"reason": problem})
    return _decide(
        session,
        actor=actor,
        user_id=user_id,
        outcome=Verification.REFUSED,
        note=text,
        action=ACTION_REFUSE,
    )


def verify_many(session: Session, *, actor: User, user_ids: Sequence[int]) -> int:
    """Verify several alumni accounts at once (all or nothing); return how many."""
    for user_id in dict.fromkeys(user_ids):
        verify_alumni(session, actor=actor, user_id=user_id)
    return len(dict.fromkeys(user_ids))
