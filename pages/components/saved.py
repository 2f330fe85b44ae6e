"""Save for later: the button on project cards and the Saved list on browse."""

from __future__ import annotations

import streamlit as st

from core.catalog.saved_projects import SavedRow, save_project, unsave_project
from core.platform.wording import day
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.student import project_link
from pages.components.ui import escape_markdown


def _toggle(project_id: int, saved: bool) -> None:
    actor = signed_in_user()
    change = unsave_project if saved else save_project
    # A button's callback: Streamlit reruns after it anyway.
    act(lambda session: change(session, actor=actor, project_id=project_id), rerun=False)


def save_button(project_id: int, *, saved: bool) -> None:
    st.button(
        "Saved · remove" if saved else "Save for later",
        key=f"save_{project_id}",
        on_click=_toggle,
        args=(project_id, saved),
        icon=":material/bookmark_remove:" if saved else ":material/bookmark_add:",
    )


def saved_list(rows: list[SavedRow]) -> None:
    """Show the student's saved projects (with their deadlines) in a collapsed section."""
    if not rows:
        return
    with st.expander(f"Saved ({len(rows)})", icon=":material/bookmarks:"):
        for row in rows:
            state = "" if row.status.value == "open" else f" · {row.status.value.replace('_', ' ')}"
            st.markdown(f"**{escape_markdown(row.title)}** · apply by {day(row.deadline)}{state}")
            project_link(row.project_id, "View", icon=":material/visibility:")
