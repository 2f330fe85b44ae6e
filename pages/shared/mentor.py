"""A mentor's profile: who they are, what they offer, their record, and their open projects."""

from __future__ import annotations

import streamlit as st

from core.mentors import follow_mentor, mentor_page, unfollow_mentor
from core.mentors.profiles import MIN_RATINGS, MentorPage
from core.models import Role
from core.platform.db import read_session
from core.platform.errors import NotFound
from core.platform.wording import counted, day
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import link
from pages.components.student import MENTOR_ID_PARAM, MENTORS, project_link
from pages.components.ui import (
    escape_markdown,
    id_param,
    literal,
    markdown_link,
    show_flash,
    small,
)

ROLE_LABELS = {Role.ALUMNI: "Alumni mentor", Role.FACULTY: "Faculty mentor"}


def render() -> None:
    """Show one mentor's profile, chosen by the `id` query parameter."""
    user = signed_in_user()
    mentor_id = id_param(MENTOR_ID_PARAM)
    if mentor_id is None:
        _nothing_chosen(user.role)
        return
    try:
        with read_session(get_engine()) as session:
            page = mentor_page(session, actor=user, mentor_id=mentor_id)
    except NotFound as error:
        _nothing_chosen(user.role, error.message)
        return
    st.title(escape_markdown(page.display_name))
    show_flash()
    st.markdown(_summary(page))
    if user.role is Role.STUDENT:
        _follow(page)
    st.header("About")
    st.markdown(literal(page.about.bio) if page.about.bio else small("No bio yet."))
    st.header("Record in the portal")
    st.markdown(_record(page))
    st.header("Open projects")
    if not page.open_projects:
        st.markdown(small("No project is taking applications right now."))
    for project in page.open_projects:
        # Shown as typed, in a link's Markdown label as in a block.
        label = escape_markdown(f"{project.title} · apply by {day(project.deadline)}")
        if user.role is Role.STUDENT:
            project_link(project.id, label, icon=":material/description:")
        else:
            st.markdown(label)


def _nothing_chosen(role: Role, message: str | None = None) -> None:
    st.title("Mentor profile")
    st.info(message or "Choose a mentor from a project page or the mentor directory.")
    if role is Role.STUDENT:
        link(MENTORS, "Find a mentor", icon=":material/groups:")


def _summary(page: MentorPage) -> str:
    facts = [ROLE_LABELS.get(page.role, page.role.value.title())]
    if page.department:
        facts.append(escape_markdown(page.department))
    if page.graduation_year:
        facts.append(f"class of {page.graduation_year}")
    lines = [" · ".join(facts)]
    if page.about.headline:
        lines.insert(0, f"**{escape_markdown(page.about.headline)}**")
    if page.expertise:
        lines.append("Expertise: " + escape_markdown(", ".join(page.expertise)))
    if page.about.links:
        lines.append("Links: " + " · ".join(markdown_link(url) for url in page.about.links))
    return "  \n".join(lines)


def _record(page: MentorPage) -> str:
    facts = page.facts
    lines = [
        f"- {counted(facts.projects_run, 'project')} run",
        f"- {counted(facts.matches_completed, 'match', 'matches')} completed",
        f"- {counted(facts.sessions_logged, 'confirmed session')} logged",
        f"- {counted(facts.questions_answered, 'question')} from students answered",
    ]
    if facts.average_rating is not None:
        lines.append(
            f"- Students' average rating **{facts.average_rating:.1f} of 5** "
            f"({counted(facts.ratings, 'rating')})"
        )
    else:
        lines.append(f"- Average rating shown once {MIN_RATINGS} students have rated their matches")
    return "\n".join(lines)


def _follow(page: MentorPage) -> None:
    user = signed_in_user()
    if page.following:
        st.caption("You will hear when this mentor posts a project (inbox and e-mail).")
        if st.button("Stop following", key="mentor_unfollow"):
            act(
                lambda s: unfollow_mentor(s, actor=user, mentor_id=page.mentor_id),
                success=f"You no longer follow {page.display_name}.",
            )
    elif st.button(
        "Notify me when this mentor posts", key="mentor_follow", icon=":material/notifications:"
    ):
        act(
            lambda s: follow_mentor(s, actor=user, mentor_id=page.mentor_id),
            success=f"You will hear when {page.display_name} posts a project.",
        )
