"""What a match's workspace screen and its parts share: the keys of its state in the session,
and the write helper that keeps the person on the tab where they acted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlmodel import Session

from core.platform.settings import get_settings
from pages.components import actions
from pages.components.auth import recheck_user
from pages.components.engine import get_engine

T = TypeVar("T")

# Which session (id) is being edited.
EDITING = "matches_editing_session"
# The workspace tab the person last acted on, and the tab being drawn (which act records).
ACTIVE_TAB = "matches_active_tab"
DRAWING_TAB = "matches_drawing_tab"
# The match whose sessions, or thread, a callback just changed: a fragment's own rerun reads
# them again (the view and thread it was given come from the last whole run).
SESSIONS_CHANGED = "matches_sessions_changed"
THREAD_CHANGED = "matches_thread_changed"


def act(action: Callable[[Session], T], **options: Any) -> T | None:
    """Run one workspace write (components.actions.act), staying on the tab where it was made.

    The session is checked again first: a button in the sessions' fragment runs only the
    fragment, which app.py's gate does not see.
    """
    stay_on_this_tab()
    if recheck_user(get_engine(), get_settings()) is None:
        st.rerun(scope="app")
    return actions.act(action, **options)


def stay_on_this_tab() -> None:
    """Open the workspace on the tab being drawn when the person acted, after the rerun."""
    st.session_state[ACTIVE_TAB] = st.session_state.get(DRAWING_TAB)
