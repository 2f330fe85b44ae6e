""" "Forgot password?": a reset link by e-mail, the same answer whether or not the account exists.

The link is the admin's kind of set-password link (single use, expiring, stored as a digest);
it travels only in the e-mail (the outbox row's secret URL, erased once sent), never in the
in-app inbox. Requests are throttled per account and per client address, so the form can neither
flood someone's mailbox nor probe for accounts faster than the login form could.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from core.accounts.registration import RESET_LIFETIME, make_set_password_link
from core.accounts.sso import password_refusal
from core.accounts.users import find_user_by_username, normalise_username
from core.mail.outbox import enqueue
from core.models import LoginAttempt, PasswordReset, User
from core.platform import audit
from core.platform.settings import Settings
from core.platform.text import character_problem
from core.platform.types import utcnow

KIND = "account.password_reset"
# At most this many reset e-mails per account in a window, and requests per client address.
ACCOUNT_LIMIT = 3
ACCOUNT_WINDOW = timedelta(hours=1)
CLIENT_KEY = "password-reset-request"

SENT = (
    "If an account matches, a password reset link is on its way to the account's e-mail "
    "address. It works once, for 24 hours. Nothing arrived? Check the spam folder, or ask the "
    "program office."
)


def _account(session: Session, identifier: str) -> User | None:
    name = normalise_username(identifier)
    found = find_user_by_username(session, name)
    if found is not None:
        return found
    return session.exec(select(User).where(User.email == name)).first()


def _client_throttled(session: Session, client: str | None, settings: Settings) -> bool:
    if not client:
        return False
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    asked = session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == CLIENT_KEY,
            LoginAttempt.client == client,
            col(LoginAttempt.at) >= since,
        )
    ).one()
    return int(asked) >= settings.client_max_failures


def _account_throttled(session: Session, user_id: int) -> bool:
    recent = session.exec(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user_id,
            PasswordReset.purpose == "reset",
            col(PasswordReset.created_by).is_(None),
            col(PasswordReset.created_at) >= utcnow() - ACCOUNT_WINDOW,
        )
    ).one()
    return int(recent) >= ACCOUNT_LIMIT


def request_password_reset(
    session: Session, *, identifier: str, base_url: str, settings: Settings, client: str | None
) -> str:
    """E-mail a reset link when `identifier` (username or e-mail) names an active account.

    Returns what to tell the person: the same sentence whether or not the account exists, was
    throttled or got its e-mail. Only an account of a domain that must use single sign-on is
    told to use the university sign-in instead (its domain's policy is no secret).
    """
    text = identifier.strip()
    if not text or len(text) > 254 or character_problem(text):
        return SENT
    if _client_throttled(session, client, settings):
        return SENT
    session.add(LoginAttempt(username=CLIENT_KEY, at=utcnow(), succeeded=False, client=client))
    user = _account(session, text)
    if user is None or not user.is_active:
        return SENT
    refusal = password_refusal(user, settings)
    if refusal is not None:
        return (
            f"{refusal.message} Use that button on the login screen: there is no password to reset."
        )
    assert user.id is not None
    if _account_throttled(session, user.id):
        return SENT
    link = make_set_password_link(
        session, user_id=user.id, created_by=None, lifetime=RESET_LIFETIME
    )
    url = link.url(base_url, "reset")
    enqueue(
        session,
        user_id=user.id,
        kind=KIND,
        text=(
            f"Someone asked to reset the password of {user.username}. Open the link below to "
            "choose a new one; it works once, for 24 hours. If it was not you, ignore this "
            "e-mail: your password stays as it is."
        ),
        secret_url=url,
    )
    audit.record(
        session,
        actor=user,
        action="user.reset_requested",
        entity="user",
        entity_id=user.id,
        detail=f"client={client}" if client else None,
    )
    return SENT
