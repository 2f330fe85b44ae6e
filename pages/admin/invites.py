"""Admin · Faculty invites: single-use registration links for professors."""

from __future__ import annotations

import streamlit as st

from core import accounts as admin
from core.models import FacultyInvite
from core.platform.types import utcnow
from core.platform.wording import local_day, local_time
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.links import INVITE_PARAM, link_url, links_available
from pages.components.tables import text_table
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown


def _status(invite: FacultyInvite, zone: str) -> str:
    if invite.used_at is not None:
        return f"used {local_day(invite.used_at, zone)}"
    if invite.expires_at <= utcnow():
        return "expired or cancelled"
    return "open"


def render() -> None:
    """Create faculty invites and list the recent ones."""
    actor = signed_in_user()
    zone = viewer_zone()
    st.title("Faculty invites")
    st.caption("Professors join only through an invite: the link works once, for 7 days.")
    with st.form("invite_create_form"):
        email = st.text_input("Professor's e-mail", key="invite_create_email", max_chars=254)
        department = st.text_input("Department", key="invite_create_department", max_chars=80)
        program_wide = st.checkbox(
            "Approves matches for every department (program-wide)", key="invite_create_wide"
        )
        submitted = st.form_submit_button("Create invite link", type="primary")
    if submitted and links_available():
        link = act(
            lambda session: admin.create_faculty_invite(
                session,
                actor=actor,
                email=email,
                department=department,
                program_wide=program_wide,
            ),
            rerun=False,
        )
        if link is not None:
            st.success(
                f"Invite created for {escape_markdown(email.strip().lower())}. It works once, "
                f"until {local_time(link.expires_at, zone)}. Send this link to them privately:",
                icon=":material/check_circle:",
            )
            st.code(link_url(link, INVITE_PARAM), language=None, wrap_lines=True)
    invites = read(lambda session: admin.list_invites(session, actor=actor))
    if invites is None:
        return
    st.header("Recent invites")
    if not invites:
        st.info("No invites yet.")
        return
    text_table(
        [
            {
                "E-mail": invite.email,
                "Department": invite.department or "",
                "Program-wide": invite.program_wide,
                f"Created ({zone})": local_time(invite.created_at, zone, named=False),
                f"Expires ({zone})": local_time(invite.expires_at, zone, named=False),
                "Status": _status(invite, zone),
            }
            for invite in invites
        ]
    )
    open_invites = {i.id: i for i in invites if _status(i, zone) == "open"}
    if not open_invites:
        return
    col_pick, col_button = st.columns([3, 1], vertical_alignment="bottom")
    chosen = col_pick.selectbox(
        "Open invite",
        list(open_invites),
        format_func=lambda invite_id: open_invites[invite_id].email,
        key="invite_cancel_choice",
    )
    if col_button.button("Cancel invite", key="invite_cancel"):
        act(lambda session: admin.cancel_invite(session, actor=actor, invite_id=int(chosen)))
