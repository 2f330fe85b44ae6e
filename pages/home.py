"""Home: who you are, what you can do next, and what is new."""

from __future__ import annotations

import streamlit as st

from core.models import Role
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.ui import escape_markdown
from pages.components.unread import unread_count

NEXT_STEPS = {
    Role.STUDENT: [
        "Browse open projects and see which ones fit your free hours.",
        "Check *Recommended for you* for projects matching your interests.",
        "Follow your applications and work with your mentor in the match workspace.",
    ],
    Role.ALUMNI: [
        "Post a short project: a few hours a week for a few weeks.",
        "Review applicants and pick the students you want to mentor.",
        "Log sessions and track milestones with your mentees.",
    ],
    Role.FACULTY: [
        "Approve matches in your department's approval queue.",
        "Post your own projects and review applicants.",
        "Read the program's health on the dashboard.",
    ],
    Role.ADMIN: [
        "Manage users: roles, deactivation, faculty invites and reset links.",
        "Import users from CSV and read the audit log.",
        "Approve matches across the whole program.",
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
    steps = "\n".join(f"- {step}" for step in NEXT_STEPS[user.role])
    st.markdown(f"## What you can do next\n{steps}")


if __name__ == "__main__":
    # Opened directly as a legacy page: hand over to the entry script, which gates and routes.
    from app import main

    main()
