"""Glue shared by the mentor screens: links between them, the chosen project, messages."""

from __future__ import annotations

import streamlit as st

from core.commitment import week_name as week_name
from core.platform.wording import day as day
from core.platform.wording import hours as hours

# has_screen, link, flash and show_flash are re-exported for the screens of this role.
from pages.components.navigation import has_screen as has_screen
from pages.components.navigation import link as link
from pages.components.ui import flash as flash
from pages.components.ui import id_param
from pages.components.ui import show_flash as show_flash

MY_PROJECTS = "my-projects"
APPLICANTS = "applicants"
MY_TIME = "my-time"
PROFILE = "profile"
# `?project=<id>` picks the project a mentor screen shows; `?project=new` opens a new draft.
PROJECT_PARAM = "project"
NEW = "new"


def chosen_project() -> int | str | None:
    """Return the project id asked for in the URL, `NEW`, or None (bad values count as None)."""
    if st.query_params.get(PROJECT_PARAM) == NEW:
        st.query_params[PROJECT_PARAM] = NEW  # kept in the address bar, as ids are
        return NEW
    return id_param(PROJECT_PARAM)


def choose_project(project: int | str | None) -> None:
    """Point the URL at a project (or at none), so the view can be linked and reloaded."""
    if project is None:
        st.query_params.pop(PROJECT_PARAM, None)
    else:
        st.query_params[PROJECT_PARAM] = str(project)
