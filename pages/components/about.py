"""The profile's "About you" form: headline, bio, links, and a mentor's expertise."""

from __future__ import annotations

import streamlit as st

from core.mentors.profiles import BIO_MAX, HEADLINE_MAX, MAX_LINKS, my_about, update_about
from core.models import Role, User
from core.platform.db import read_session
from core.projects.tags import list_tags
from pages.components.actions import act
from pages.components.engine import get_engine
from pages.components.navigation import link
from pages.components.student import MENTOR, MENTOR_ID_PARAM

AUDIENCE = {
    Role.STUDENT: (
        "Mentors of the projects you apply to read this beside your application. With blind "
        "review on they see it without your name or links until a match is approved, so "
        "leave your name out of it."
    ),
    Role.ALUMNI: "Students read this on your mentor profile, from every project you post.",
    Role.FACULTY: "Students read this on your mentor profile, from every project you post.",
}


def has_about(role: Role) -> bool:
    """Return whether people of this role tell others about themselves (admins do not)."""
    return role in AUDIENCE


def about_form(user: User) -> None:
    """Edit what the signed-in user tells others about themselves."""
    if not has_about(user.role):
        return  # administrators have no public profile
    assert user.id is not None
    with read_session(get_engine()) as session:
        about, expertise = my_about(session, actor=user)
        vocabulary = list_tags(session, "", 200) if user.role.is_mentor else []
    st.header("About you")
    st.caption(AUDIENCE[user.role])
    with st.form("about_form"):
        headline = st.text_input(
            "Headline",
            value=about.headline,
            max_chars=HEADLINE_MAX,
            key="about_headline",
            placeholder="e.g. Data engineer at a logistics firm, class of 2014"
            if user.role.is_mentor
            else "e.g. Third-year biology student interested in field work",
        )
        bio = st.text_area(
            "Short bio", value=about.bio, max_chars=BIO_MAX, key="about_bio", height=120
        )
        links = [
            st.text_input(
                f"Link {number + 1} (optional)",
                value=about.links[number] if number < len(about.links) else "",
                key=f"about_link_{number}",
                placeholder="https://…",
                help="A profile or portfolio page; https addresses only.",
            )
            for number in range(MAX_LINKS)
        ]
        chosen: list[str] = []
        hidden = False
        if user.role.is_mentor:
            chosen = st.multiselect(
                "Expertise",
                sorted(set(vocabulary) | set(expertise)),
                default=list(expertise),
                key="about_expertise",
                accept_new_options=True,
                placeholder="Type to search or add a tag",
                help="Students find mentors by these tags in the mentor directory. Up to 10.",
            )
            hidden = st.checkbox(
                "Keep me out of the mentor directory (my projects still show my profile)",
                value=about.hidden,
                key="about_hidden",
            )
        submitted = st.form_submit_button("Save about you")
    if submitted:
        act(
            lambda session: update_about(
                session,
                actor=user,
                user_id=user.id or 0,
                headline=headline,
                bio=bio,
                links=links,
                expertise=chosen,
                hidden=hidden,
            ),
            success="What you wrote about yourself was saved.",
        )
    if user.role.is_mentor:
        link(
            MENTOR,
            "See my mentor profile",
            params={MENTOR_ID_PARAM: user.id},
            icon=":material/badge:",
        )
