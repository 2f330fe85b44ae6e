"""E-mail settings: per kind of e-mail, immediately, in the daily digest, or off."""

from __future__ import annotations

import streamlit as st

from core.mail.models import MailMode
from core.mail.preferences import list_preferences, set_preference
from core.platform.db import read_session
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.ui import escape_markdown

MODES = {
    MailMode.IMMEDIATELY: "Immediately",
    MailMode.DIGEST: "In the daily digest",
    MailMode.OFF: "Off",
}


def _changed(kind: str) -> None:
    actor = signed_in_user()
    mode = st.session_state[f"mail_pref_{kind}"]
    # A widget's callback: Streamlit reruns after it anyway.
    act(lambda session: set_preference(session, actor=actor, kind=kind, mode=mode), rerun=False)


def render() -> None:
    """List every kind of e-mail the user's role can get, each with its three choices."""
    user = signed_in_user()
    st.title("E-mail settings")
    st.caption(
        f"Messages go to {escape_markdown(user.email)}. Security notices (password changed, "
        "account locked, signed out everywhere) are always sent."
    )
    with read_session(get_engine()) as session:
        rows = list_preferences(session, actor=user)
    for row in rows:
        st.radio(
            row.label,
            options=list(MODES),
            format_func=MODES.__getitem__,
            index=list(MODES).index(row.mode),
            key=f"mail_pref_{row.kind}",
            horizontal=True,
            on_change=_changed,
            args=(row.kind,),
        )
