"""Inbox: the user's notifications, newest first, unread ones marked, each linking to its place;
opening one marks it read."""

from __future__ import annotations

import streamlit as st

from core.mail.messages import screen_address
from core.models import Notification, User
from core.platform.db import read_session, write_transaction
from core.platform.notifications import (
    count_notifications,
    kind_label,
    list_notifications,
    mark_all_read,
    mark_read,
)
from core.platform.wording import local_time
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import screen_page, screens_for
from pages.components.times import viewer_zone
from pages.components.ui import literal, show_more_button, shown_in_steps, small
from pages.components.unread import NOTE_PARAM

# How many notifications the inbox shows at first; "Show more" adds as many again.
SHOWN = "inbox_shown"
STEP = 10


def link_target(user: User, link: str | None) -> tuple[str, dict[str, str]] | None:
    """Return the screen and query parameters a notification link opens for this user.

    None when the link names nothing, or a screen this user's role may not open.
    """
    target = screen_address(user.role, link)
    if target is None or not any(s.url_path == target[0] for s in screens_for(user.role)):
        return None
    return target


def _mark_one(notification_id: int) -> None:
    # A button's callback: Streamlit reruns after it anyway.
    user = signed_in_user()
    act(lambda s: mark_read(s, actor=user, notification_id=notification_id), rerun=False)


def _note(user: User, note: Notification) -> None:
    with st.container(border=True):
        marker = "**New** · " if note.read_at is None else ""
        when = f"{local_time(note.created_at, viewer_zone())} · {kind_label(note.kind)}"
        # The line about the note and its text are one element (a page shows ten notes).
        st.markdown(f"{small(marker + when)}  \n{literal(note.text)}")
        target = link_target(user, note.link)
        unread = note.read_at is None
        if target is not None:
            # Opening an unread note marks it read (the screen it leads to sees `?note=`).
            url_path, params = target
            if unread:
                params = {**params, NOTE_PARAM: str(note.id)}
            st.page_link(
                screen_page(url_path),
                label="Open",
                query_params=params,
                icon=":material/open_in_new:",
            )
        elif unread:
            st.button(
                "Mark read",
                key=f"read_{note.id}",
                on_click=_mark_one,
                args=(note.id,),
                icon=":material/done:",
            )


def render() -> None:
    """List the user's notifications with links; mark one or all read."""
    user = signed_in_user()
    engine = get_engine()
    st.title("Inbox")
    # Only the notifications on screen are read, so the list has no length limit.
    shown = shown_in_steps(SHOWN, STEP)
    with read_session(engine) as session:
        notes = list_notifications(session, actor=user, limit=shown)
        total = count_notifications(session, actor=user) if len(notes) == shown else len(notes)
    if not notes:
        st.info("No notifications yet. Updates about your projects and applications land here.")
        return
    # Unread notifications come first: if any is unread, the first one is.
    if notes[0].read_at is None and st.button("Mark all read"):
        with write_transaction(engine) as session:
            mark_all_read(session, actor=user)
        st.rerun()
    for note in notes:
        _note(user, note)
    show_more_button(
        SHOWN, shown=shown, step=STEP, remaining=total - shown, label="Show more notifications"
    )
