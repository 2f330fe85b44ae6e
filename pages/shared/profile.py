"""Profile: name, department, interests, weekly hours, blind review, about you, password."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.accounts.profiles import update_profile
from core.accounts.registration import change_own_password
from core.accounts.sso import password_refusal
from core.models import Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.platform.wording import counted, time_zone_names
from core.projects.tags import list_tags, user_interest_names
from pages.components.about import about_form, has_about
from pages.components.actions import act
from pages.components.auth import SESSION_ID, client_address, signed_in_user
from pages.components.engine import get_engine
from pages.components.times import browser_zone
from pages.components.ui import escape_markdown, show_error, show_flash
from pages.components.visitor import PASSWORD_HELP

HOURS_LABEL = {
    Role.STUDENT: "Hours available per week",
    Role.ALUMNI: "Weekly mentoring budget (hours)",
    Role.FACULTY: "Weekly mentoring budget (hours)",
    Role.ADMIN: "Weekly mentoring budget (hours)",
}
HOURS_HELP = {
    Role.STUDENT: "Applications that would take more of your weeks than this are refused.",
    Role.ALUMNI: "Publishing a project that would take more of a week than this is refused.",
    Role.FACULTY: "Publishing a project that would take more of a week than this is refused.",
    Role.ADMIN: "Only used if you also mentor.",
}


# The screen's tabs; the open one is kept in the session (and drawn alone).
TAB = "profile_tab"
DETAILS = "Your details"
ABOUT = "About you"
PASSWORD = "Password"


def render() -> None:
    """Show and edit the signed-in user's profile and password."""
    user = signed_in_user()
    st.title("Profile")
    show_flash()
    sections: dict[str, Callable[[], None]] = {DETAILS: lambda: _profile_form(user)}
    if has_about(user.role):
        sections[ABOUT] = lambda: about_form(user)
    sections[PASSWORD] = lambda: _password_form(user)
    # Only the open tab is drawn: the three forms at once (some twenty fields, a list of
    # 600 time zones) kept the browser drawing for longer than the 5x-a-bare-page budget.
    tabs = st.tabs(list(sections), key=TAB, on_change="rerun")
    for draw, tab in zip(sections.values(), tabs, strict=True):
        if tab.open:
            with tab:
                draw()


def _profile_form(user: User) -> None:
    engine = get_engine()
    assert user.id is not None
    with read_session(engine) as session:
        current = user_interest_names(session, user.id)
        vocabulary = list_tags(session, "", 200)
    options = sorted(set(vocabulary) | set(current))
    is_student = user.role is Role.STUDENT
    with st.form("profile_form"):
        display_name = st.text_input(
            "Display name", value=user.display_name, key="profile_display_name", max_chars=80
        )
        st.text_input(
            "E-mail",
            value=user.email,
            disabled=True,
            key="profile_email",
            help="Shown only to your partner in an approved match. An administrator can change it.",
        )
        is_faculty = user.role is Role.FACULTY
        department = st.text_input(
            "Department",
            value=("All departments" if user.program_wide else user.department or "")
            if is_faculty
            else user.department or "",
            key="profile_department",
            max_chars=80,
            disabled=is_faculty,
            help=(
                "Decides which matches you approve and export; set by your invite. Ask an "
                "administrator to change it."
                if is_faculty
                else None
            ),
        )
        if is_faculty:
            department = user.department or ""
        interests = st.multiselect(
            "Interests",
            options,
            default=current,
            key="profile_interests",
            accept_new_options=True,
            placeholder="Type to search or add an interest",
            help="Used to recommend projects and to match people. Up to 20.",
        )
        weekly_hours = st.number_input(
            HOURS_LABEL[user.role],
            min_value=0.5,
            max_value=40.0,
            value=float(user.weekly_hours),
            step=0.5,
            key="profile_weekly_hours",
            help=HOURS_HELP[user.role],
        )
        blind_review = user.blind_review
        if is_student:
            blind_review = st.checkbox(
                "Blind review: mentors see a pseudonym instead of my name until a match is "
                "approved",
                value=user.blind_review,
                key="profile_blind_review",
            )
        time_zone = _time_zone_select(user)
        submitted = st.form_submit_button("Save profile", type="primary")
    if not submitted:
        return
    # act() reruns, so the whole screen, the menu's name included, shows what was saved.
    act(
        lambda session: update_profile(
            session,
            actor=user,
            user_id=user.id or 0,
            display_name=display_name,
            department=department,
            weekly_hours=float(weekly_hours),
            blind_review=bool(blind_review),
            interests=interests,
            time_zone=time_zone,
        ),
        success="Your profile was saved.",
    )


def _time_zone_select(user: User) -> str:
    """Offer the browser's zone (the default) or any named zone; return "" for the browser's."""
    browser = browser_zone()
    options = ["", *sorted(time_zone_names())]

    def label(name: str) -> str:
        if name:
            return name.replace("_", " ")
        return f"As my browser says ({browser})" if browser else "As my browser says"

    current = user.time_zone if user.time_zone in time_zone_names() else ""
    return str(
        st.selectbox(
            "Time zone",
            options,
            index=options.index(current),
            format_func=label,
            key="profile_time_zone",
            help="Times in the portal (inbox, messages, timelines, the audit log) are shown in "
            "this zone.",
        )
    )


def _password_form(user: User) -> None:
    st.header("Change password")
    sso_only = password_refusal(user)
    if sso_only is not None:
        st.info(escape_markdown(sso_only.message), icon=":material/key:")
        return
    with st.form("password_form", clear_on_submit=True):
        current = st.text_input("Current password", type="password", key="password_current")
        new = st.text_input("New password", type="password", key="password_new", help=PASSWORD_HELP)
        confirmation = st.text_input(
            "Repeat the new password", type="password", key="password_confirmation"
        )
        submitted = st.form_submit_button("Change password")
    if not submitted:
        return
    try:
        with write_transaction(get_engine()) as session:
            change = change_own_password(
                session,
                actor=user,
                current_password=current,
                new_password=new,
                password_confirmation=confirmation,
                keep_session_id=st.session_state.get(SESSION_ID),
                client=client_address(),
            )
    except DomainError as error:
        show_error(error)
        return
    if change.error is not None:
        show_error(change.error)
        return
    revoked = change.revoked
    verb = "was" if revoked == 1 else "were"
    others = f" {counted(revoked, 'other session')} {verb} signed out." if revoked else ""
    st.success(f"Your password was changed.{others}", icon=":material/check_circle:")
