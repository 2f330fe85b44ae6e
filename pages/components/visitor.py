"""Screens for visitors who are not logged in: registration, faculty invite and password links.

The router shows one of these instead of the login form when the address asks for it:
`?register=1`, `?invite=TOKEN` or `?reset=TOKEN`.
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy import Engine

from core.accounts.registration import (
    EARLIEST_GRADUATION_YEAR,
    LinkNotUsable,
    LinksUnavailable,
    find_usable_invite,
    find_usable_reset,
    register_account,
    register_faculty,
    set_password_with_link,
)
from core.mail.password_reset import request_password_reset
from core.models import Role
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.platform.settings import get_settings
from core.projects.tags import list_tags
from pages.components.auth import client_address
from pages.components.links import (
    FORGOT_PARAM,
    INVITE_PARAM,
    REGISTER_PARAM,
    RESET_PARAM,
    portal_url,
)
from pages.components.ui import escape_markdown, show_error

NOTICE = "visitor_notice"
ROLE_LABELS = {Role.STUDENT: "Student", Role.ALUMNI: "Alumna / alumnus"}
PASSWORD_HELP = (
    "At least 12 characters and at most 72 bytes (about 72 plain letters). No rules about "
    "digits or symbols, but common or leaked passwords, repeats and runs (aaaa, 1234, qwerty) "
    "and your username or e-mail are refused: a few unrelated words work well."
)


def render_visitor_screen(engine: Engine) -> bool:
    """Show the screen the address asks for; return False when the login form should show."""
    params = st.query_params
    if INVITE_PARAM in params:
        render_invite(engine, params[INVITE_PARAM])
    elif RESET_PARAM in params:
        render_reset(engine, params[RESET_PARAM])
    elif params.get(REGISTER_PARAM) == "1":
        render_registration(engine)
    elif params.get(FORGOT_PARAM) == "1":
        render_forgot_password(engine)
    else:
        return False
    return True


def show_notice() -> None:
    """Show what a visitor screen just did (shown once, above the login form)."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")


def offer_registration() -> None:
    """Offer a forgotten password's way back, and registration, below the login form."""
    st.button("Forgot password?", key="visitor_open_forgot", on_click=_open_forgot)
    st.caption("New here? Students and alumni can create their own account.")
    st.button("Create an account", key="visitor_open_register", on_click=_open_registration)


def _open_forgot() -> None:
    st.query_params[FORGOT_PARAM] = "1"


def render_forgot_password(engine: Engine) -> None:
    """Ask for a username or e-mail and send a reset link; answer the same either way."""
    st.title("Forgot your password?")
    st.caption(
        "Enter your username or e-mail address. If an account matches, we e-mail it a link to "
        "choose a new password."
    )
    with st.form("forgot_form", enter_to_submit=True):
        identifier = st.text_input("Username or e-mail", key="forgot_identifier", max_chars=254)
        sent = st.form_submit_button("Send me a reset link", type="primary")
    st.button("Back to log in", key="forgot_back", on_click=_back_to_login)
    if not sent:
        return
    try:
        base_url = portal_url()
    except LinksUnavailable as error:
        st.error(escape_markdown(error.message), icon=":material/link_off:")
        return
    with write_transaction(engine) as session:
        answer = request_password_reset(
            session,
            identifier=identifier,
            base_url=base_url,
            settings=get_settings(),
            client=client_address(),
        )
    st.success(escape_markdown(answer), icon=":material/mark_email_read:")


def _open_registration() -> None:
    st.query_params[REGISTER_PARAM] = "1"


def _back_to_login() -> None:
    st.query_params.clear()


def _done(notice: str) -> None:
    st.session_state[NOTICE] = notice
    st.query_params.clear()
    st.rerun()


def _vocabulary(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list_tags(session, "", 200)


# ---------------------------------------------------------------------------- registration


def render_registration(engine: Engine) -> None:
    """Let a student or alumnus create their own account."""
    st.title("Create an account")
    st.caption("For students and alumni. Professors join through an invite from an administrator.")
    role = st.radio(
        "I am a",
        list(ROLE_LABELS),
        format_func=ROLE_LABELS.__getitem__,
        horizontal=True,
        key="register_role",
    )
    latest = date.today().year + 1
    with st.form("register_form"):
        username = st.text_input("Username", key="register_username", max_chars=40)
        email = st.text_input("E-mail", key="register_email", max_chars=254)
        display_name = st.text_input("Display name", key="register_display_name", max_chars=80)
        department = st.text_input("Department", key="register_department", max_chars=80)
        interests = st.multiselect(
            "Interests",
            _vocabulary(engine),
            key="register_interests",
            accept_new_options=True,
            placeholder="Type to search or add an interest",
        )
        year = None
        if role is Role.ALUMNI:
            year = st.number_input(
                "Graduation year",
                min_value=EARLIEST_GRADUATION_YEAR,
                max_value=latest,
                value=None,
                step=1,
                key="register_graduation_year",
            )
        password = st.text_input(
            "Password", type="password", key="register_password", help=PASSWORD_HELP
        )
        confirmation = st.text_input(
            "Repeat the password", type="password", key="register_password_confirmation"
        )
        submitted = st.form_submit_button("Create account", type="primary")
    st.button("Back to log in", key="register_back", on_click=_back_to_login)
    if not submitted:
        return
    try:
        with write_transaction(engine) as session:
            user = register_account(
                session,
                role=role,
                username=username,
                email=email,
                display_name=display_name,
                password=password,
                password_confirmation=confirmation,
                department=department,
                interests=interests,
                graduation_year=int(year) if year is not None else None,
            )
    except DomainError as error:
        show_error(error)
        return
    _done(
        f"Your account {escape_markdown(user.username)} was created. "
        "Log in below with your username and password."
    )


# ---------------------------------------------------------------------------- faculty invite


def render_invite(engine: Engine, token: str) -> None:
    """Let an invited professor create their faculty account (once)."""
    st.title("Join as faculty")
    try:
        with read_session(engine) as session:
            invite = find_usable_invite(session, token)
    except LinkNotUsable as error:
        show_error(error)
        st.button("Go to log in", key="invite_back", on_click=_back_to_login)
        return
    st.write("You were invited to the micro-mentoring portal as a faculty member.")
    st.text_input("E-mail", value=invite.email, disabled=True, key="invite_email")
    scope = "every department" if invite.program_wide else (invite.department or "—")
    st.text_input("Approves matches for", value=scope, disabled=True, key="invite_scope")
    with st.form("invite_form"):
        username = st.text_input("Username", key="invite_username", max_chars=40)
        display_name = st.text_input("Display name", key="invite_display_name", max_chars=80)
        interests = st.multiselect(
            "Interests",
            _vocabulary(engine),
            key="invite_interests",
            accept_new_options=True,
            placeholder="Type to search or add an interest",
        )
        password = st.text_input(
            "Password", type="password", key="invite_password", help=PASSWORD_HELP
        )
        confirmation = st.text_input(
            "Repeat the password", type="password", key="invite_password_confirmation"
        )
        submitted = st.form_submit_button("Create faculty account", type="primary")
    if not submitted:
        return
    try:
        with write_transaction(engine) as session:
            user = register_faculty(
                session,
                token=token,
                username=username,
                display_name=display_name,
                password=password,
                password_confirmation=confirmation,
                interests=interests,
            )
    except DomainError as error:
        show_error(error)
        return
    _done(
        f"Your faculty account {escape_markdown(user.username)} was created and the invite "
        "link is now used up. Log in below."
    )


# ---------------------------------------------------------------------------- set-password link


def render_reset(engine: Engine, token: str) -> None:
    """Let a person set a new password through a single-use link."""
    st.title("Set your password")
    try:
        with read_session(engine) as session:
            _link, user = find_usable_reset(session, token)
    except LinkNotUsable as error:
        show_error(error)
        st.button("Go to log in", key="reset_back", on_click=_back_to_login)
        return
    st.write("Choose a new password for this account:")
    st.text_input("Username", value=user.username, disabled=True, key="reset_username")
    with st.form("reset_form", clear_on_submit=True):
        password = st.text_input(
            "New password", type="password", key="reset_password", help=PASSWORD_HELP
        )
        confirmation = st.text_input(
            "Repeat the new password", type="password", key="reset_password_confirmation"
        )
        submitted = st.form_submit_button("Set password", type="primary")
    if not submitted:
        return
    try:
        with write_transaction(engine) as session:
            set_password_with_link(
                session, token=token, new_password=password, password_confirmation=confirmation
            )
    except DomainError as error:
        show_error(error)
        return
    _done(
        "Your password was set and every earlier session of this account was signed out. "
        "Log in below with the new password."
    )
