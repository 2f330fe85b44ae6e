"""The login gate and the role-based shell, driven through AppTest."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.models import AuditEntry, AuthSession
from core.platform.db import read_session, write_transaction
from core.platform.notifications import count_unread, notify
from core.platform.settings import Settings
from tests.pages.conftest import log_in, new_app

ROLE_OF = {
    "demo-student": "student",
    "demo-student2": "student",
    "demo-alumni": "alumni",
    "demo-faculty": "faculty",
    "demo-admin": "admin",
}


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += [s.value for s in at.header] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_visitors_see_the_login_form_and_no_menu(app_env):
    at = new_app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.sidebar.button) == 0
    assert "Welcome" not in texts(at)


@pytest.mark.parametrize("username", sorted(ROLE_OF))
def test_each_demo_role_lands_on_its_home(logged_in, username):
    at = logged_in(username)
    assert not at.exception
    assert "Welcome" in texts(at)
    assert f"signed in as **{ROLE_OF[username]}**" in texts(at)
    assert at.metric[0].label == "Unread notifications"
    assert not any(b.label == "Log in" for b in at.button), "the login form is cleared"
    menu_top = at.sidebar.markdown[0].value
    assert menu_top.endswith(f":small[:gray[Signed in as {ROLE_OF[username]}]]"), menu_top


def test_a_login_creates_a_server_side_session(logged_in, app_env):
    logged_in("demo-alumni")
    with read_session(app_env) as session:
        sessions = session.exec(select(AuthSession)).all()
    assert len(sessions) == 1 and sessions[0].revoked_at is None


def test_a_wrong_password_is_refused_with_a_message_and_audited(app_env):
    at = log_in(new_app().run(), "demo-student", "not the right password")
    assert "Username or password is incorrect." in texts(at)
    assert "Welcome" not in texts(at)
    with read_session(app_env) as session:
        actions = session.exec(select(AuditEntry.action)).all()
    assert "login.failed" in actions


def test_an_over_long_password_is_refused_without_a_crash(app_env):
    at = log_in(new_app().run(), "demo-student", "é" * 80)
    assert not at.exception
    assert "Username or password is incorrect." in texts(at)


def test_a_password_past_the_accounts_failure_limit_is_throttled(app_env):
    at = new_app().run()
    for _ in range(Settings.model_fields["login_max_failures"].default):
        at = log_in(at, "demo-student", "wrong password 123")
    at = log_in(at, "demo-student", "mentoring-demo-2026")
    assert "Too many failed attempts" in texts(at)
    assert "Welcome" not in texts(at)


def test_logout_revokes_the_session_and_shows_the_login_form(logged_in, app_env):
    at = logged_in("demo-student")
    at.sidebar.button(key="menu_logout").click().run()
    assert not at.exception
    assert "You are logged out." in texts(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    with read_session(app_env) as session:
        record = session.exec(select(AuthSession)).one()
    assert record.revoked_reason == "logout"


def _place_of(at, label: str) -> tuple[int, ...]:
    """Return the delta path of the first widget with this label in the main area."""

    def walk(node, path: tuple[int, ...]) -> tuple[int, ...] | None:
        if getattr(node, "label", None) == label:
            return path
        for index, child in getattr(node, "children", {}).items():
            found = walk(child, (*path, index))
            if found is not None:
                return found
        return None

    found = walk(at.main, ())
    assert found is not None, f"no {label!r} on screen"
    return found


def test_the_login_form_keeps_its_place_between_the_logout_run_and_the_next(logged_in):
    # The logout run renders the library's cookie-deleting component, the run after it does
    # not; a form that moves between the two shows twice in the browser for a moment.
    at = logged_in("demo-faculty")
    at.sidebar.button(key="menu_logout").click().run()
    after_logout = _place_of(at, "Username")
    at.run()
    assert "You are logged out." in texts(at)
    assert _place_of(at, "Username") == after_logout


def _asks_for_a_rerun(*_args: object) -> None:
    """Ask for another run, as a browser does when a component reports while a run is going.

    Streamlit stops the current run at its next element or session-state access.
    """
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    assert ctx is not None and ctx.script_requests is not None
    ctx.script_requests.request_rerun(
        RerunData(query_string=ctx.query_string, page_script_hash=ctx.page_script_hash)
    )


def test_a_login_run_stopped_after_the_check_finishes_the_login_in_the_next(app_env, monkeypatch):
    # Seen in a browser right after a logout: the cookie-deleting component reported while
    # the next login's run was going, and that run stopped once the library had recorded the
    # login but before the gate's session was in place. The page then showed neither the form
    # nor the menu.
    from pages.components import auth

    # The library hands the cookie to the gate right after it records the login.
    monkeypatch.setattr(auth.LoginGate, "_leave_cookie_to_gate", _asks_for_a_rerun)
    at = log_in(new_app().run(), "demo-student")
    assert not at.exception
    assert "Welcome" in texts(at)
    assert at.sidebar.button(key="menu_logout")
    assert auth.PENDING_COOKIE in at.session_state  # the login cookie is still written
    with read_session(app_env) as session:
        assert len(session.exec(select(AuthSession)).all()) == 1


def test_a_login_run_stopped_before_the_library_records_it_shows_the_form_again(
    app_env, monkeypatch
):
    from pages.components import auth

    real = auth.LoginGate._check_credentials

    def checked_then_interrupted(self, username, password):
        accepted = real(self, username, password)
        _asks_for_a_rerun()
        return accepted

    monkeypatch.setattr(auth.LoginGate, "_check_credentials", checked_then_interrupted)
    at = log_in(new_app().run(), "demo-student")
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    monkeypatch.undo()
    assert "Welcome" in texts(log_in(at, "demo-student"))


def test_a_logout_run_stopped_early_stays_logged_out(logged_in, app_env, monkeypatch):
    import streamlit_authenticator as stauth

    real = stauth.Authenticate.logout

    def interrupted(self, *args, **kwargs):
        _asks_for_a_rerun()  # the library's own logout then stops at its first step
        return real(self, *args, **kwargs)

    at = logged_in("demo-student")
    monkeypatch.setattr(stauth.Authenticate, "logout", interrupted)
    at.sidebar.button(key="menu_logout").click().run()
    assert not at.exception
    assert "Welcome" not in texts(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    with read_session(app_env) as session:
        assert [r.revoked_reason for r in session.exec(select(AuthSession))] == ["logout"]


def test_a_session_revoked_elsewhere_ends_on_the_next_rerun(logged_in, app_env):
    at = logged_in("demo-faculty")
    from core.accounts import revoke_user_sessions

    with write_transaction(app_env) as session:
        record = session.exec(select(AuthSession)).one()
        revoke_user_sessions(session, user_id=record.user_id, reason="admin")
    at.run()
    assert "You were signed out" in texts(at)
    assert "Welcome" not in texts(at)


def test_home_and_menu_show_the_unread_count(logged_in, app_env):
    from core.accounts import find_user_by_username

    with write_transaction(app_env) as session:
        user = find_user_by_username(session, "demo-student")
        before = count_unread(session, actor=user)
        notify(session, user_id=user.id, kind="test", text="One")
        notify(session, user_id=user.id, kind="test", text="Two")
    at = logged_in("demo-student")
    assert at.metric[0].value == str(before + 2)
    assert any(f"{before + 2} unread" in str(link.label) for link in at.sidebar.get("page_link"))
