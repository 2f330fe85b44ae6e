"""Inbox: the user's notifications, newest first, with unread ones marked."""

from __future__ import annotations

import streamlit as st

from core.db import read_session, write_transaction
from core.notifications import list_notifications, mark_all_read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.ui import user_text


def render() -> None:
    """List the user's notifications and let them mark all read."""
    user = signed_in_user()
    engine = get_engine()
    st.title("Inbox")
    with read_session(engine) as session:
        notes = list_notifications(session, actor=user)
    if not notes:
        st.info("No notifications yet. Updates about your projects and applications land here.")
        return
    if any(note.read_at is None for note in notes) and st.button("Mark all read"):
        with write_transaction(engine) as session:
            mark_all_read(session, actor=user)
        st.rerun()
    for note in notes:
        with st.container(border=True):
            marker = "New · " if note.read_at is None else ""
            st.caption(f"{marker}{note.created_at:%d %b %Y %H:%M} UTC · {note.kind}")
            user_text(note.text)


if __name__ == "__main__":
    from app import main

    main()
