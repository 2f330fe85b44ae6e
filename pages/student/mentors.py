"""Find a mentor: students search mentors by name, expertise and department."""

from __future__ import annotations

import streamlit as st

from core.mentors import DirectoryRow, find_mentors, mentor_departments
from core.models import Role
from core.platform.db import read_session
from core.platform.settings import get_settings
from core.platform.wording import counted
from core.projects.tags import list_tags
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import link
from pages.components.student import MENTOR, MENTOR_ID_PARAM
from pages.components.ui import escape_markdown, small

ROLE_LABELS = {Role.ALUMNI: "Alumni", Role.FACULTY: "Faculty"}
OPTIONS_TTL_SECONDS = 60
PAGE = "mentors_page"
ANY = "Any"


@st.cache_data(ttl=OPTIONS_TTL_SECONDS, show_spinner=False)
def _departments(database_url: str) -> list[str]:
    """The mentors' departments: the same for every student and slow to change, so kept for
    a minute (they are read from every mentor's row: 40 ms at `large`). The expertise tags
    are read on every run: a mentor's new expertise is findable at once."""
    with read_session(get_engine()) as session:
        return mentor_departments(session)


def render() -> None:
    """Search the directory and list the mentors found, a page at a time."""
    user = signed_in_user()
    st.title("Find a mentor")
    st.caption(
        "Mentors who post projects here, by name, expertise and department. Open a profile to "
        "read about them, see their open projects, and ask to hear when they post."
    )
    with read_session(get_engine()) as session:
        tags = list_tags(session, "", 200)
    departments = _departments(get_settings().effective_database_url)
    with st.form("mentor_search", border=False, enter_to_submit=True):
        name_col, tag_col, department_col = st.columns([2, 2, 2])
        name = name_col.text_input("Name", key="mentor_name", max_chars=80)
        tag = tag_col.selectbox("Expertise", [ANY, *tags], key="mentor_tag")
        department = department_col.selectbox(
            "Department", [ANY, *departments], key="mentor_department"
        )
        if st.form_submit_button("Search", icon=":material/search:"):
            st.session_state[PAGE] = 1
    page = int(st.session_state.get(PAGE, 1))
    found = read(
        lambda session: find_mentors(
            session,
            actor=user,
            name=name,
            tag="" if tag == ANY else tag,
            department="" if department == ANY else department,
            page=page,
        )
    )
    if found is None:
        return
    if not found.rows:
        st.info(
            "No mentor matches these filters. Try fewer words in the name, or Any expertise."
            if page == 1
            else "No more mentors."
        )
    for row in found.rows:
        _row(row)
    _pager(page, more=found.more)


def _row(row: DirectoryRow) -> None:
    facts = [ROLE_LABELS.get(row.role, row.role.value.title())]
    if row.department:
        facts.append(escape_markdown(row.department))
    facts.append(counted(row.open_projects, "open project"))
    lines = [" · ".join(facts)]
    if row.headline:
        lines.insert(0, escape_markdown(row.headline))
    if row.expertise:
        lines.append("Expertise: " + escape_markdown(", ".join(row.expertise)))
    link(
        MENTOR,
        escape_markdown(row.display_name),  # a link's label is Markdown
        params={MENTOR_ID_PARAM: row.mentor_id},
        icon=":material/person:",
    )
    st.markdown(small("  \n".join(lines)))


def _pager(page: int, *, more: bool) -> None:
    if page == 1 and not more:
        return
    back, _, forward = st.columns([1, 4, 1])
    if page > 1 and back.button("Previous", key="mentors_previous"):
        st.session_state[PAGE] = page - 1
        st.rerun()
    if more and forward.button("Next", key="mentors_next"):
        st.session_state[PAGE] = page + 1
        st.rerun()
