"""Admin · Users: search, roles, deactivation, sign out everywhere, password reset links."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import accounts as admin
from core.accounts import sso
from core.models import Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.platform.wording import counted, local_time
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.links import RESET_PARAM, link_url, links_available
from pages.components.tables import text_table
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown, show_error

RESULT = "admin_users_result"
CONFIRM_DEACTIVATE = "admin_users_confirm_deactivate"
PAGE_SIZE = 25
ALL_ROLES = "All roles"


def render() -> None:
    """List accounts and act on one of them."""
    actor = signed_in_user()
    st.title("Users")
    _show_result()
    search_col, role_col, page_col = st.columns([3, 2, 1])
    search = search_col.text_input(
        "Search name, username or e-mail", key="admin_users_search", max_chars=100
    )
    role_choice = role_col.selectbox(
        "Role", [ALL_ROLES, *[role.value for role in Role]], key="admin_users_role"
    )
    page_number = page_col.number_input("Page", min_value=1, step=1, key="admin_users_page")
    role = None if role_choice == ALL_ROLES else Role(role_choice)
    try:
        with read_session(get_engine()) as session:
            found = admin.list_users(
                session,
                actor=actor,
                search=search,
                role=role,
                page=int(page_number),
                page_size=PAGE_SIZE,
            )
            signs_in = sso.sign_in_methods(session, found.users)  # password, SSO or both
    except DomainError as error:
        show_error(error)
        return
    st.caption(f"{counted(found.total, 'account')} · page {found.page} of {found.pages}")
    if not found.users:
        st.info("No account matches this search.")
        return
    text_table(
        [
            {
                "Username": user.username,
                "Display name": user.display_name,
                "E-mail": user.email,
                "Role": user.role.value,
                "Department": user.department or "",
                "Active": user.is_active,
                "Signs in with": signs_in.get(user.id or 0, ""),
            }
            for user in found.users
        ]
    )
    by_id = {user.id: user for user in found.users}
    chosen_id = st.selectbox(
        "Account",
        list(by_id),
        format_func=lambda user_id: f"{by_id[user_id].username} — {by_id[user_id].display_name}",
        key="admin_users_selected",
    )
    _actions(actor, by_id[chosen_id], signs_in.get(chosen_id, ""))


def _actions(actor: User, target: User, signs_in: str = "") -> None:
    assert target.id is not None
    user_id = target.id
    name = escape_markdown(target.username)
    with st.container(border=True):
        role_col, button_col = st.columns([3, 2], vertical_alignment="bottom")
        new_role = role_col.selectbox(
            "New role",
            list(Role),
            index=list(Role).index(target.role),
            format_func=lambda role: role.value,
            key=f"admin_users_new_role_{user_id}",
        )
        if button_col.button("Change role", key="admin_users_change_role"):
            _run(
                lambda s: admin.change_role(s, actor=actor, user_id=user_id, role=new_role),
                lambda _: f"{name} is now {new_role.value}.",
            )
        dept_col, wide_col, dept_button = st.columns([3, 2, 2], vertical_alignment="bottom")
        new_department = dept_col.text_input(
            "Department",
            value=target.department or "",
            max_chars=80,
            key=f"admin_users_department_{user_id}",
            help="A faculty member approves, exports and sees the dashboard of this department.",
        )
        program_wide = wide_col.checkbox(
            "All departments",
            value=target.program_wide,
            key=f"admin_users_program_wide_{user_id}",
            disabled=target.role is not Role.FACULTY,
        )
        if dept_button.button("Set department", key="admin_users_set_department"):
            _run(
                lambda s: admin.set_department(
                    s,
                    actor=actor,
                    user_id=user_id,
                    department=new_department,
                    program_wide=program_wide,
                ),
                lambda user: (
                    f"{name} now belongs to "
                    f"{escape_markdown(user.department or 'no department')}"  # type: ignore[attr-defined]
                    + (" and approves for every department." if user.program_wide else ".")  # type: ignore[attr-defined]
                ),
            )
        actions = st.container(horizontal=True)
        if target.is_active:
            actions.button(
                "Deactivate…",
                key="admin_users_deactivate",
                on_click=lambda: st.session_state.update({CONFIRM_DEACTIVATE: user_id}),
            )
        elif actions.button("Reactivate", key="admin_users_reactivate"):
            _run(
                lambda s: admin.reactivate_user(s, actor=actor, user_id=user_id),
                lambda _: f"{name} can log in again.",
            )
        if actions.button("Sign out everywhere", key="admin_users_sign_out"):
            _run(
                lambda s: admin.sign_out_everywhere(s, actor=actor, user_id=user_id),
                lambda n: f"{name} was signed out of {counted(n, 'session')}.",
            )
        if signs_in in ("SSO", "both") and actions.button("Unlink SSO", key="admin_users_unlink"):
            _run(
                lambda s: sso.unlink(s, actor=actor, user_id=user_id),
                lambda _: f"{name} is no longer linked to a university account.",
            )
        if actions.button("Create reset link", key="admin_users_reset") and links_available():
            _run(
                lambda s: admin.issue_reset_link(s, actor=actor, user_id=user_id),
                lambda link: (
                    f"A password reset link for {name} was created. It works once, until "
                    f"{local_time(link.expires_at, viewer_zone())}. Send it to them privately:"
                ),
                link=lambda link: link_url(link, RESET_PARAM),
            )
        if target.is_active and st.session_state.get(CONFIRM_DEACTIVATE) == user_id:
            _confirm_deactivation(actor, user_id, name)


def _confirm_deactivation(actor: User, user_id: int, name: str) -> None:
    """Say what deactivating does (projects closed, applications expired) and ask first."""
    impact = read(lambda session: admin.deactivation_impact(session, actor=actor, user_id=user_id))
    if impact is None:
        return
    st.warning(impact.describe(name), icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button("Yes, deactivate", key="admin_users_deactivate_yes", type="primary"):
        st.session_state.pop(CONFIRM_DEACTIVATE, None)
        _run(
            lambda s: admin.deactivate_user(s, actor=actor, user_id=user_id),
            lambda n: f"{name} was deactivated and signed out of {counted(n, 'session')}.",
        )
    if no.button("Keep the account", key="admin_users_deactivate_no"):
        st.session_state.pop(CONFIRM_DEACTIVATE, None)
        st.rerun()


def _run(
    call: Callable[[object], object],
    describe: Callable[[object], str],
    *,
    link: Callable[[object], str] | None = None,
) -> None:
    """Run one admin action in its own transaction and keep its outcome for the next run."""
    try:
        with write_transaction(get_engine()) as session:
            outcome = call(session)
    except DomainError as error:
        st.session_state[RESULT] = ("error", escape_markdown(error.message), None)
    else:
        st.session_state[RESULT] = ("success", describe(outcome), link(outcome) if link else None)
    st.rerun()


def _show_result() -> None:
    result = st.session_state.pop(RESULT, None)
    if result is None:
        return
    kind, message, url = result
    if kind == "error":
        st.error(message, icon=":material/block:")
        return
    st.success(message, icon=":material/check_circle:")
    if url:
        st.code(url, language=None, wrap_lines=True)
