"""The unread-notification count shown in the menu and on Home."""

from __future__ import annotations

from sqlalchemy import Engine

from core.db import read_session
from core.models import User
from core.notifications import count_unread
from core.workspace import unread_total


def unread_count(engine: Engine, user: User) -> int:
    """Return the user's unread notifications."""
    with read_session(engine) as session:
        return count_unread(session, actor=user)


def unread_messages(engine: Engine, user: User) -> int:
    """Return the user's unread messages over all their matches."""
    with read_session(engine) as session:
        return unread_total(session, actor=user)
