"""The unread-notification count shown in the menu and on Home, and notifications marked read
when they are opened."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from core.models import User
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.platform.notifications import count_unread, mark_read
from core.workspace import unread_badges

# The notification an inbox link was opened from: `?note=<id>` on the screen it leads to.
NOTE_PARAM = "note"


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


def mark_opened_note(engine: Engine, user: User) -> None:
    """Mark read the notification whose link brought the user here, then drop it from the URL.

    An id that is not one of the user's own notifications changes nothing (the service refuses
    it); the screen opens all the same.
    """
    raw = st.query_params.get(NOTE_PARAM)
    if raw is None:
        return
    del st.query_params[NOTE_PARAM]
    if not raw.isdigit():
        return
    try:
        with write_transaction(engine) as session:
            mark_read(session, actor=user, notification_id=int(raw))
    except DomainError:
        return
