"""Admin · Users: search, roles, deactivation, sign out everywhere, password reset links."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import admin
from core.db import read_session, write_transaction
from core.errors import DomainError
from core.models import Role, User
from core.wording import counted
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.links import RESET_PARAM, link_url
from pages.components.ui import escape_markdown, records_table, show_error

RESULT = "admin_users_result"
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
    except DomainError as error:
        show_error(error)
        return
    st.caption(f"{counted(found.total, 'account')} · page {found.page} of {found.pages}")
    if not found.users:
        st.info("No account matches this search.")
        return
    st.dataframe(
        records_table(
            [
                {
                    "Username": user.username,
                    "Display name": user.display_name,
                    "E-mail": user.email,
                    "Role": user.role.value,
                    "Department": user.department or "",
                    "Active": user.is_active,
                }
                for user in found.users
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {user.id: user for user in found.users}
    chosen_id = st.selectbox(
        "Account",
        list(by_id),
        format_func=lambda user_id: f"{by_id[user_id].username} — {by_id[user_id].display_name}",
        key="admin_users_selected",
    )
    _actions(actor, by_id[chosen_id])


def _actions(actor: User, target: User) -> None:
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
        actions = st.container(horizontal=True)
        if target.is_active:
            if actions.button("Deactivate", key="admin_users_deactivate"):
                _run(
                    lambda s: admin.deactivate_user(s, actor=actor, user_id=user_id),
                    lambda n: f"{name} was deactivated and signed out of {counted(n, 'session')}.",
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
        if actions.button("Create reset link", key="admin_users_reset"):
            _run(
                lambda s: admin.issue_reset_link(s, actor=actor, user_id=user_id),
                lambda link: (
                    f"A password reset link for {name} was created. It works once, until "
                    f"{link.expires_at:%d %b %Y %H:%M} UTC. Send it to them privately:"
                ),
                link=lambda link: link_url(link, RESET_PARAM),
            )


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


if __name__ == "__main__":
    from app import main

    main()
