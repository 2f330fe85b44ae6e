"""Home: who you are, what you can do next, and what is new."""

from __future__ import annotations

import streamlit as st

from core.accounts.verification import publishing_refusal
from core.models import Role
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import screen_page
from pages.components.ui import escape_markdown
from pages.components.unread import unread_count

# What each role can do next: (screen URL path, what the link says). Each is a real link.
NEXT_STEPS = {
    Role.STUDENT: [
        ("browse", "Browse open projects and see which ones fit your free hours"),
        ("profile", "Tell the portal your interests and free hours, for better recommendations"),
        ("my-applications", "Follow your applications"),
        ("matches", "Work with your mentor in the match workspace"),
    ],
    Role.ALUMNI: [
        ("my-projects", "Post a short project: a few hours a week for a few weeks"),
        ("applicants", "Review applicants and pick the students you want to mentor"),
        ("matches", "Log sessions and track milestones with your mentees"),
    ],
    Role.FACULTY: [
        ("approvals", "Approve matches in your department's approval queue"),
        ("verify-alumni", "Verify alumni who registered for your department"),
        ("my-projects", "Post your own projects and review applicants"),
        ("dashboard", "Read the program's health on the dashboard"),
    ],
    Role.ADMIN: [
        ("admin-users", "Manage users: roles, departments, deactivation, reset links"),
        ("admin-invites", "Invite faculty"),
        ("admin-import", "Import users from CSV"),
        ("approvals", "Approve matches across the whole program"),
    ],
}


def render() -> None:
    """Show the signed-in user's home."""
    user = signed_in_user()
    st.title("Home")
    st.header(f"Welcome, {escape_markdown(user.display_name)}")
    st.write(f"You are signed in as **{user.role.value}**.")
    unread = unread_count(get_engine(), user)
    st.metric("Unread notifications", unread)
    waiting = publishing_refusal(user)
    if waiting:
        st.info(escape_markdown(waiting), icon=":material/hourglass_top:")
    st.markdown("## What you can do next")
    for url_path, label in NEXT_STEPS[user.role]:
        st.page_link(screen_page(url_path), label=label, icon=":material/arrow_forward:")
