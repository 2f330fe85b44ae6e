"""Glue shared by the mentor screens: links between them, the chosen project, messages."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.commitment import week_label
from core.errors import DomainError
from core.models import ProjectStatus
from core.projects import status_label
from pages.components.navigation import SCREENS
from pages.components.ui import escape_markdown, show_error

MY_PROJECTS = "my-projects"
APPLICANTS = "applicants"
MY_TIME = "my-time"
PROFILE = "profile"
# `?project=<id>` picks the project a mentor screen shows; `?project=new` opens a new draft.
PROJECT_PARAM = "project"
NEW = "new"
# A message to show once after st.rerun(): (level, text).
FLASH = "mentor_flash"

STATUS_ICON = {
    ProjectStatus.DRAFT: ":material/edit_note:",
    ProjectStatus.OPEN: ":material/campaign:",
    ProjectStatus.CLOSED: ":material/lock:",
    ProjectStatus.IN_PROGRESS: ":material/play_circle:",
    ProjectStatus.COMPLETED: ":material/task_alt:",
    ProjectStatus.CANCELLED: ":material/cancel:",
}


def page(url_path: str) -> st.Page:
    """Return the st.Page of a registered screen (pages are identified by their URL path)."""
    for screen in SCREENS:
        if screen.url_path == url_path:
            return screen.page()
    raise KeyError(url_path)


def has_screen(url_path: str) -> bool:
    return any(screen.url_path == url_path for screen in SCREENS)


def link(
    url_path: str, label: str, *, project: int | str | None = None, icon: str | None = None
) -> None:
    """A real link to another screen (or this one), optionally for one project."""
    params = {PROJECT_PARAM: str(project)} if project is not None else None
    st.page_link(page(url_path), label=label, icon=icon, query_params=params)


def chosen_project() -> int | str | None:
    """Return the project id asked for in the URL, `NEW`, or None (bad values count as None)."""
    raw = st.query_params.get(PROJECT_PARAM)
    if raw is None:
        return None
    # A link to the same page with new query parameters reaches the server but leaves the
    # browser's address bar as it was; writing the parameter back keeps later reruns (and a
    # reload or a copied link) on this project.
    st.query_params[PROJECT_PARAM] = raw
    if raw == NEW:
        return NEW
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if number > 0 else None


def choose_project(project: int | str | None) -> None:
    """Point the URL at a project (or at none), so the view can be linked and reloaded."""
    if project is None:
        st.query_params.pop(PROJECT_PARAM, None)
    else:
        st.query_params[PROJECT_PARAM] = str(project)


def refusal(error: DomainError) -> None:
    """Show a refused action's message (escaped: it may quote what a person typed)."""
    show_error(error)


def flash(level: str, text: str) -> None:
    """Keep a message (plain text) for the next run, after st.rerun()."""
    st.session_state[FLASH] = (level, text)


def show_flash() -> None:
    """Show the message kept by `flash`, once."""
    kept = st.session_state.pop(FLASH, None)
    if not kept:
        return
    level, text = kept
    shown = escape_markdown(text)
    if level == "success":
        st.success(shown, icon=":material/check_circle:")
    elif level == "error":
        st.error(shown, icon=":material/block:")
    else:
        st.info(shown)


def status_text(status: ProjectStatus) -> str:
    return status_label(status)


def hours(value: float) -> str:
    """Show hours without a needless `.0`."""
    return f"{value:g}"


def day(value: date) -> str:
    return f"{value:%d %b %Y}"


def week_name(monday: date) -> str:
    return f"{week_label(monday)} ({monday:%d %b})"
