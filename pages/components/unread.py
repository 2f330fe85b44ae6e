"""The unread-notification count shown in the menu and on Home."""

from __future__ import annotations

from sqlalchemy import Engine

from core.db import read_session
from core.models import User
from core.notifications import count_unread
from core.workspace import unread_badges


def unread_count(engine: Engine, user: User) -> int:
    """Return the user's unread notifications."""
    with read_session(engine) as session:
        return count_unread(session, actor=user)


def menu_badges(engine: Engine, user: User, *, messages: bool) -> tuple[int, int]:
    """Return the user's unread notifications and (when asked) unread match messages."""
    with read_session(engine) as session:
        if not messages:
            return count_unread(session, actor=user), 0
        return unread_badges(session, actor=user)
