"""Which e-mail each person gets: per notification kind, immediately, in the digest, or off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.mail.models import MailMode, MailPreference
from core.models import Role, User
from core.platform import audit
from core.platform.errors import ValidationFailed
from core.platform.permissions import ensure_active
from core.platform.types import utcnow

M = MailMode
_STUDENT = frozenset({Role.STUDENT})
_MENTOR = frozenset({Role.ALUMNI, Role.FACULTY})
_PARTY = _STUDENT | _MENTOR
_APPROVER = frozenset({Role.FACULTY, Role.ADMIN})
_ALL = frozenset(Role)

# Kinds that are never held or turned off: they tell a person about their own account's safety.
SECURITY_KINDS = frozenset(
    {
        "account.password_changed",
        "account.password_reset",
        "account.locked",
        "account.signed_out_everywhere",
    }
)
# Messages sent on request (an admin's test message): always at once, no unsubscribe link.
DIRECT_KINDS = frozenset({"mail.test"})
# The daily summary of every kind a person chose to get as a digest.
DIGEST_KIND = "digest"
DIGEST_TITLE = "The daily summary"
# The preference row that covers every kind not listed in MAIL_KINDS.
OTHER = "other"


@dataclass(frozen=True)
class MailKind:
    kind: str
    label: str
    default: MailMode
    roles: frozenset[Role]


# What a person can choose, in the order the preferences screen lists them. The defaults: at
# once for what asks the reader to act or tells them a decision; the digest for the rest.
MAIL_KINDS: tuple[MailKind, ...] = (
    MailKind("application.submitted", "A student applies to my project", M.IMMEDIATELY, _MENTOR),
    MailKind("application.accepted", "My application is accepted", M.IMMEDIATELY, _STUDENT),
    MailKind("application.waitlisted", "My application is waitlisted", M.IMMEDIATELY, _STUDENT),
    MailKind("application.declined", "My application is declined", M.IMMEDIATELY, _STUDENT),
    MailKind("application.approved", "A match is approved", M.IMMEDIATELY, _PARTY),
    MailKind("application.rejected", "A match is not approved", M.IMMEDIATELY, _PARTY),
    MailKind("application.promoted", "A waitlisted application moves up", M.DIGEST, _PARTY),
    MailKind("application.withdrawn", "An application is withdrawn", M.DIGEST, _PARTY),
    MailKind("application.expired", "An application expires", M.DIGEST, _STUDENT),
    MailKind("application.completed", "A match is completed", M.DIGEST, _STUDENT),
    MailKind("application.ended_early", "A match ends early", M.DIGEST, _PARTY),
    MailKind("mentor.posted", "A mentor I follow posts a project", M.IMMEDIATELY, _STUDENT),
    MailKind("question.asked", "A student asks about my project", M.IMMEDIATELY, _MENTOR),
    MailKind("question.answered", "A mentor answers my question", M.IMMEDIATELY, _STUDENT),
    MailKind("workspace.session_to_confirm", "A session to confirm", M.IMMEDIATELY, _PARTY),
    MailKind("workspace.session_confirmed", "A session is confirmed", M.DIGEST, _PARTY),
    MailKind("workspace.milestone_to_verify", "A milestone to verify", M.DIGEST, _MENTOR),
    MailKind("workspace.milestone_verified", "A milestone is verified", M.DIGEST, _STUDENT),
    MailKind("workspace.message", "A new workspace message", M.DIGEST, _PARTY),
    MailKind("workspace.feedback", "Feedback on a match", M.DIGEST, _PARTY),
    MailKind("workspace.at_risk", "A match has gone quiet", M.DIGEST, _PARTY),
    MailKind(
        "reminder.approvals",
        "Matches waiting for my approval over 3 days",
        M.IMMEDIATELY,
        _APPROVER,
    ),
    MailKind("reminder.session", "Reminder: a session still to confirm", M.IMMEDIATELY, _PARTY),
    MailKind("reminder.deadline", "Reminder: a saved project's deadline", M.DIGEST, _STUDENT),
    MailKind("reminder.milestone", "Reminder: a milestone due soon", M.DIGEST, _STUDENT),
    MailKind("reminder.feedback", "Reminder: feedback to give", M.DIGEST, _PARTY),
    MailKind(OTHER, "Everything else (project and account updates)", M.DIGEST, _ALL),
)
_BY_KIND = {item.kind: item for item in MAIL_KINDS}


def preference_key(kind: str) -> str:
    """Return the preference that governs a notification kind (its own, or `other`); the
    daily summary is governed by every kind it gathers."""
    return kind if kind in _BY_KIND or kind == DIGEST_KIND else OTHER


def default_mode(kind: str) -> MailMode:
    return _BY_KIND[preference_key(kind)].default


def kind_title(kind: str) -> str:
    """Return how the preferences screen names the e-mail of a kind."""
    if kind == DIGEST_KIND:
        return DIGEST_TITLE
    return _BY_KIND[preference_key(kind)].label


def is_always_sent(kind: str) -> bool:
    return kind in SECURITY_KINDS or kind in DIRECT_KINDS


def mode_for(session: Session, *, user_id: int, kind: str) -> MailMode:
    """Return how a person gets e-mail of this kind (security notices: always at once)."""
    if is_always_sent(kind):
        return M.IMMEDIATELY
    key = preference_key(kind)
    chosen = session.get(MailPreference, (user_id, key))
    return chosen.mode if chosen is not None else _BY_KIND[key].default


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    mode: MailMode
    default: MailMode


def list_preferences(session: Session, *, actor: User) -> list[PreferenceRow]:
    """Return the actor's choice for every kind of e-mail their role can receive."""
    ensure_active(actor, action="mail.preferences", entity="user", entity_id=actor.id)
    chosen = {
        row.kind: row.mode
        for row in session.exec(select(MailPreference).where(MailPreference.user_id == actor.id))
    }
    return [
        PreferenceRow(item.kind, item.label, chosen.get(item.kind, item.default), item.default)
        for item in MAIL_KINDS
        if actor.role in item.roles
    ]


def set_preference(session: Session, *, actor: User, kind: str, mode: MailMode | str) -> None:
    """Set the actor's own choice for one kind of e-mail."""
    ensure_active(actor, action="mail.preferences", entity="user", entity_id=actor.id)
    assert actor.id is not None
    if kind not in _BY_KIND:
        raise ValidationFailed.from_fields({"kind": "is not a kind of e-mail you can choose"})
    try:
        wanted = MailMode(mode)
    except ValueError:
        raise ValidationFailed.from_fields({"mode": "choose immediately, digest or off"}) from None
    _store(session, user_id=actor.id, kind=kind, mode=wanted)
    audit.record(
        session,
        actor=actor,
        action="mail.preference",
        entity="user",
        entity_id=actor.id,
        after={"kind": kind, "mode": wanted.value},
    )


def _store(session: Session, *, user_id: int, kind: str, mode: MailMode) -> None:
    row = session.get(MailPreference, (user_id, kind))
    if row is None:
        row = MailPreference(user_id=user_id, kind=kind, mode=mode)
    row.mode = mode
    row.updated_at = utcnow()
    session.add(row)


def turn_off(session: Session, *, user_id: int, kind: str) -> None:
    """Turn one kind of e-mail off for a person (the one-click unsubscribe; no login).

    The daily summary is turned off by turning off every kind it gathers for the person.
    """
    if kind != DIGEST_KIND:
        _store(session, user_id=user_id, kind=preference_key(kind), mode=M.OFF)
        return
    for item in MAIL_KINDS:
        if mode_for(session, user_id=user_id, kind=item.kind) is M.DIGEST:
            _store(session, user_id=user_id, kind=item.kind, mode=M.OFF)


def chosen_modes(session: Session, user_id: int) -> dict[str, MailMode]:
    statement = select(MailPreference).where(col(MailPreference.user_id) == user_id)
    return {row.kind: row.mode for row in session.exec(statement)}
