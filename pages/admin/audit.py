"""Admin · Audit log: who did what, when, filtered and paginated."""

from __future__ import annotations

import streamlit as st

from core import accounts as admin
from core.platform.wording import local_time
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.tables import text_table
from pages.components.times import viewer_zone

PAGE_SIZE = 50
ALL_ACTIONS = "All actions"


def _day_help(zone: str) -> str:
    return f"Whole days in your time zone, {zone} (set in Profile)."


def render() -> None:
    """Filter and page through the audit log, newest first."""
    actor = signed_in_user()
    st.title("Audit log")
    actions = read(lambda session: admin.list_audit_actions(session, actor=actor))
    if actions is None:
        return
    first, second, third = st.columns(3)
    actor_username = first.text_input("Actor (username)", key="audit_actor", max_chars=40)
    action = second.selectbox("Action", [ALL_ACTIONS, *actions], key="audit_action")
    entity = third.text_input("Entity (e.g. user, project)", key="audit_entity", max_chars=40)
    zone = viewer_zone()
    start_col, end_col, refused_col, page_col = st.columns([2, 2, 2, 1])
    start = start_col.date_input(
        "From", value=None, key="audit_start", format="DD/MM/YYYY", help=_day_help(zone)
    )
    end = end_col.date_input(
        "To", value=None, key="audit_end", format="DD/MM/YYYY", help=_day_help(zone)
    )
    refused_only = refused_col.checkbox("Refused only", key="audit_refused")
    page = page_col.number_input("Page", min_value=1, step=1, key="audit_page")
    found = read(
        lambda session: admin.query_audit_log(
            session,
            actor=actor,
            actor_username=actor_username,
            action="" if action == ALL_ACTIONS else action,
            entity=entity,
            start=start,
            end=end,
            refused_only=refused_only,
            page=int(page),
            page_size=PAGE_SIZE,
            zone=zone,
        )
    )
    if found is None:
        return
    entries = "entry" if found.total == 1 and not found.more else "entries"
    st.caption(
        f"{found.total_label} {entries} · page {found.page} of {found.pages} · times in {zone}"
    )
    if not found.rows:
        st.info("No audit entries match these filters.")
        return
    text_table(
        [
            {
                f"Time ({zone})": local_time(row.entry.at, zone, named=False, seconds=True),
                "Actor": row.actor_username or "system",
                "Role": row.entry.actor_role or "",
                "Action": row.entry.action,
                "Entity": row.entry.entity,
                "Id": "" if row.entry.entity_id is None else str(row.entry.entity_id),
                "Outcome": row.entry.outcome,
                "Before": row.entry.before or "",
                "After": row.entry.after or "",
                "Detail": row.entry.detail or "",
            }
            for row in found.rows
        ]
    )
