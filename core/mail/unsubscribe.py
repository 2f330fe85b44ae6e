"""Signed, expiring one-click unsubscribe links (RFC 8058): no login, one kind of e-mail off.

The signing key is derived from the cookie signing key with a purpose string, so there is no
second secret to keep, and a token for this purpose can never pass as anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session

from core.mail.preferences import kind_title, preference_key, turn_off
from core.models import User
from core.platform import audit
from core.platform.errors import DomainError
from core.platform.types import utcnow

PURPOSE = b"micro-mentoring mail unsubscribe v1"
LIFETIME = timedelta(days=60)
PATH = "/mail/unsubscribe"
TOKEN_PARAM = "t"


class UnsubscribeRefused(DomainError):
    """The link is malformed, tampered with or expired."""


def _key(signing_key: str) -> bytes:
    return hmac.new(signing_key.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(signing_key: str, *, user_id: int, kind: str, now: datetime | None = None) -> str:
    """Return a token that turns `kind` off for `user_id` until it expires."""
    expires = int(((now or utcnow()) + LIFETIME).timestamp())
    payload = f"{user_id}|{preference_key(kind)}|{expires}".encode()
    signature = hmac.new(_key(signing_key), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str


def read_token(signing_key: str, token: str, *, now: datetime | None = None) -> Unsubscribe:
    """Return what a token asks for, or raise UnsubscribeRefused."""
    refused = UnsubscribeRefused("This unsubscribe link is not valid.")
    try:
        payload_text, signature_text = token.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, UnicodeError):
        raise refused from None
    expected = hmac.new(_key(signing_key), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise refused
    try:
        user_text, kind, expires_text = payload.decode().split("|")
        user_id, expires = int(user_text), int(expires_text)
    except ValueError:
        raise refused from None
    if (now or utcnow()).timestamp() >= expires:
        raise UnsubscribeRefused(
            "This unsubscribe link has expired. Change your e-mail settings in your profile."
        )
    return Unsubscribe(user_id=user_id, kind=kind)


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}?{urlencode({TOKEN_PARAM: token})}"


def apply_unsubscribe(
    session: Session, signing_key: str, token: str, *, now: datetime | None = None
) -> str:
    """Turn off the kind of e-mail a valid token names; return what was turned off."""
    asked = read_token(signing_key, token, now=now)
    user = session.get(User, asked.user_id)
    if user is None:
        raise UnsubscribeRefused("This unsubscribe link is not valid.")
    turn_off(session, user_id=asked.user_id, kind=asked.kind)
    audit.record(
        session,
        actor=user,
        action="mail.unsubscribe",
        entity="user",
        entity_id=user.id,
        after={"kind": asked.kind, "mode": "off"},
    )
    return kind_title(asked.kind)
