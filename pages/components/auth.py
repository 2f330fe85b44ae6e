"""Login gate: streamlit-authenticator draws the form and sets the cookie; the database decides.

The library's own weak spots (DESIGN §5) are closed here: passwords are checked by core under
a time-windowed throttle, every login gets a server-side session tied to its cookie, and that
session is checked on every rerun, so logout, idle time or an admin revocation really end it.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy import Engine
from streamlit.delta_generator import DeltaGenerator

from core.accounts import attempt_login, check_session, end_session, resume_session, start_session
from core.models import User
from core.platform.db import read_session, write_transaction
from core.platform.errors import SessionEnded
from core.platform.settings import Settings
from pages.components import sso as sso_glue

SESSION_ID = "auth_session_id"
CURRENT_USER = "auth_current_user"
LOGOUT_REQUESTED = "auth_logout_requested"
MESSAGE = "auth_message"
# The library's own session-state flag: while set, it ignores the login cookie.
LIBRARY_LOGGED_OUT = "logout"
# The signed login cookie, until the browser confirms it wrote it.
PENDING_COOKIE = "auth_pending_cookie"


def request_logout() -> None:
    """Ask the next run to log out (used as a button callback)."""
    st.session_state[LOGOUT_REQUESTED] = True


def client_address() -> str | None:
    """Return the browser's address: the proxy's X-Forwarded-For when a local proxy sent it.

    A forwarded address is believed only from a proxy on this machine or network (the one in
    deploy/ appends the real address last); a browser's own header is never taken.
    """
    direct = st.context.ip_address
    forwarded = st.context.headers.get("X-Forwarded-For") or ""
    direct = direct if isinstance(direct, str) else None  # not a real browser (AppTest)
    forwarded = forwarded if isinstance(forwarded, str) else ""
    if forwarded and (direct is None or _is_local(direct)):
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return direct[:64] if direct else None


def _is_local(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_loopback or parsed.is_private


def signed_in_user() -> User:
    """Return the user the gate let in for this run (pages run only behind the gate)."""
    user = st.session_state.get(CURRENT_USER)
    if not isinstance(user, User):
        st.stop()
    return user


def recheck_user(engine: Engine, settings: Settings) -> User | None:
    """Check the server-side session again, as the gate does, for a write outside its run.

    A widget callback runs before the script, so before the gate; the run it sets off may be
    a fragment's alone, which skips app.py altogether. A write made there must still come
    from a live session of an active account. None when the session ended: the caller then
    reruns the whole app and the gate logs the person out.
    """
    session_id = st.session_state.get(SESSION_ID)
    if session_id is None:
        return None
    with read_session(engine) as session:
        check = check_session(session, session_id=session_id, settings=settings)
    if check.user is not None and check.needs_write:
        # A live session last seen over a minute ago (a message typed slowly): its last-seen
        # time is written here, as the gate would, and the click still counts.
        with write_transaction(engine) as session:
            check = check_session(session, session_id=session_id, settings=settings, write=True)
    if check.user is None:
        return None
    st.session_state[CURRENT_USER] = check.user
    return check.user


class LoginGate:
    """One per run: wraps the single `Authenticate` instance of this run."""

    def __init__(self, engine: Engine, settings: Settings, *, area: DeltaGenerator) -> None:
        self.engine = engine
        self.settings = settings
        # Everything the gate draws goes in this container, the first element of every run, so
        # the screen below keeps its place. A screen whose elements shift by one from the run
        # before shows both runs' copies side by side until the run ends (seen right after a
        # login, after a logout and between the registration and login forms).
        self._area = area
        self._key = settings.signing_key()
        # Only the accounts this run deals with are given to the library, never the user table.
        self._credentials: dict[str, Any] = {}
        self.logged_out = False

    @cached_property
    def _components(self) -> DeltaGenerator:
        """Hold the library's cookie components, however many this run renders."""
        return self._area.container()

    @cached_property
    def screen(self) -> DeltaGenerator:
        """Hold a visitor's screen (login, registration, password), below the components.

        The components come and go from run to run (the logout run renders one more), so the
        screen gets a container of its own, always the second in the gate's area.
        """
        _ = self._components
        return self._area.container()

    @cached_property
    def authenticator(self) -> stauth.Authenticate:
        """Build the library's object when this run needs it: login, cookie, logout.

        A logged-in rerun only checks the server-side session, so it skips the library's
        set-up (and the cookie-reading component it renders) altogether.
        """
        with self._components:
            authenticator = stauth.Authenticate(
                {"usernames": {}},
                self.settings.cookie_name,
                self._key,
                self.settings.cookie_lifetime_hours / 24,
                auto_hash=False,
                login_sleep_time=0,  # the library sleeps 0.7 s on every logged-out rerun otherwise
            )
        model = authenticator.authentication_controller.authentication_model
        known = model.credentials["usernames"]
        known.update(self._credentials)
        self._credentials = known
        model.check_credentials = self._check_credentials
        # The gate writes the cookie itself once the login is finished (_finish_login).
        authenticator.cookie_controller.set_cookie = self._leave_cookie_to_gate  # type: ignore[method-assign]
        return authenticator

    # -------------------------------------------------------------- the gate
    def current_user(self) -> User | None:
        """Return the logged-in user after checking the server-side session, or None."""
        if st.session_state.pop(LOGOUT_REQUESTED, False):
            self._logout()
            return None
        session_id = st.session_state.get(SESSION_ID)
        if session_id is not None:
            user = self._user_of_session(session_id)
            if user is not None:
                self.write_pending_cookie()
            return user
        if st.session_state.get("authentication_status"):
            # The library logged in but the run stopped before the gate's session was in place.
            user = self._finish_login()
            if user is not None:
                self.write_pending_cookie()
                return user
        sso_user = self._sso_sign_in()  # a university sign-in that just came back
        if sso_user is not None:
            return sso_user
        # Every run of a visitor sets the library up first, as the login form's run must, so
        # the form keeps its place in the gate's area from one run to the next.
        _ = self.authenticator
        token = st.context.cookies.get(self.settings.cookie_name)
        if isinstance(token, str) and token and not st.session_state.get(LIBRARY_LOGGED_OUT):
            return self._resume_from_cookie(token)
        return None

    def render_login(self, header: Callable[[], None]) -> User | None:
        """Show the login form; return the user when this run's submission logged them in."""
        # Kept until the next login: the reruns a logout sets off must not wipe its notice.
        message = st.session_state.get(MESSAGE)
        slot = self.screen.empty()
        with slot.container():
            header()
            # The page's outline (WCAG 1.3.1): the library titles its form with an h3, so an
            # h2 comes first, over the single sign-on button and the form alike.
            st.header("Log in")
            sso_glue.render_button(self.settings)
            self.authenticator.login(
                location="main",
                fields={
                    "Form name": "With your username and password",
                    "Username": "Username",
                    "Password": "Password",
                    "Login": "Log in",
                },
            )
            message = st.session_state.get(MESSAGE) or message
            if message and not st.session_state.get("authentication_status"):
                st.error(message)
        if not st.session_state.get("authentication_status"):
            return None
        st.session_state.pop(MESSAGE, None)
        user = self._finish_login()
        slot.empty()
        self.write_pending_cookie()
        return user

    def write_pending_cookie(self) -> None:
        """Render the cookie writer on each run until the browser says it wrote the cookie.

        The writer is an iframe component. Rendered only once, it is unmounted by the next
        rerun if that comes before the iframe has loaded, and the cookie is never written
        (seen on every other login in one tab); its value turns true once it has run.
        """
        pending = st.session_state.get(PENDING_COOKIE)
        if not pending:
            return
        manager = self.authenticator.cookie_controller.cookie_model.cookie_manager
        with self._components:
            written = manager.cookie_manager(
                method="set",
                cookie=self.settings.cookie_name,
                value=pending["value"],
                options={
                    "path": "/",
                    "expires": pending["expires"],
                    "sameSite": "strict",
                    # Secure whenever the portal is served over HTTPS (BASE_URL).
                    "secure": self.settings.cookie_secure,
                },
                key=pending["key"],
                default=False,
            )
        if written:
            st.session_state.pop(PENDING_COOKIE, None)

    # -------------------------------------------------------------- helpers
    def _leave_cookie_to_gate(self) -> None:
        """Stand in for the library's cookie writer, which would write inside the form."""

    def _remember(self, user: User) -> None:
        self._credentials[user.username] = {
            "email": user.email,
            "name": user.display_name,
            "roles": [user.role.value],
            "password": "",
        }
        st.session_state[CURRENT_USER] = user

    def _check_credentials(self, username: str, password: str) -> bool:
        with write_transaction(self.engine) as session:
            result = attempt_login(
                session,
                username=username,
                password=password,
                settings=self.settings,
                client=client_address(),
            )
        if result.user is None:
            st.session_state[MESSAGE] = result.error.message if result.error else "Login failed."
            return False
        self._remember(result.user)
        return True

    def _finish_login(self) -> User | None:
        """Start the server-side session of a checked login and queue its cookie.

        Streamlit stops a run at any element or session-state access once the browser asks
        for another run (a component reporting, say), so a login run can stop anywhere after
        the password was checked. The next run then calls this again: the session id is
        stored last, so until it is, every run retries. A login the library recorded without
        the gate's user is dropped, and the form shows again.
        """
        user = st.session_state.get(CURRENT_USER)
        if not isinstance(user, User):
            st.session_state.pop("authentication_status", None)
            return None
        model = self.authenticator.cookie_controller.cookie_model
        model.exp_date = model._set_exp_date()
        # The library signs {username, exp_date} with our key; the same claims give the same
        # token, so the session can be found again from the cookie on a later page load.
        token = jwt.encode(
            {"username": user.username, "exp_date": model.exp_date}, self._key, algorithm="HS256"
        )
        with write_transaction(self.engine) as session:
            record = start_session(session, user=user, token=token, settings=self.settings)
        expires = datetime.now() + timedelta(days=model.cookie_expiry_days)
        st.session_state[PENDING_COOKIE] = {
            "value": token,
            "expires": expires.isoformat(),
            # A fresh key per login: a new writer, never the previous login's finished one.
            "key": f"auth_cookie_writer_{secrets.token_hex(4)}",
        }
        st.session_state[SESSION_ID] = record.id
        return user

    def _sso_sign_in(self) -> User | None:
        """Start (or resume) the server-side session of this tab's university sign-in."""
        login = sso_glue.sign_in_from_identity(self.engine, self.settings)
        if login is None:
            return None
        if login.user is None or login.session_id is None:
            st.session_state[MESSAGE] = login.error.message if login.error else "Sign-in failed."
            return None
        self._remember(login.user)
        st.session_state[SESSION_ID] = login.session_id
        return login.user

    def _user_of_session(self, session_id: int) -> User | None:
        try:
            with read_session(self.engine) as session:
                check = check_session(session, session_id=session_id, settings=self.settings)
            if check.needs_write:
                with write_transaction(self.engine) as session:
                    check = check_session(
                        session, session_id=session_id, settings=self.settings, write=True
                    )
            user = check.user_or_raise()
        except SessionEnded as ended:
            self._forget(ended.message)
            return None
        self._remember(user)
        return user

    def _resume_from_cookie(self, token: str) -> User | None:
        try:
            with write_transaction(self.engine) as session:
                record, user = resume_session(session, token=token, settings=self.settings)
        except SessionEnded:
            # A stale or revoked cookie: make the library ignore it for this browser session.
            st.session_state[LIBRARY_LOGGED_OUT] = True
            return None
        self._remember(user)
        st.session_state[SESSION_ID] = record.id
        with self._components:
            self.authenticator.login(location="unrendered")
        return user if st.session_state.get("authentication_status") else None

    def _forget(self, message: str | None) -> None:
        # The user goes first: should the run stop after the session id (see _finish_login),
        # the next run must not finish a login from the library's leftover state.
        st.session_state.pop(CURRENT_USER, None)
        st.session_state.pop(PENDING_COOKIE, None)
        st.session_state.pop(SESSION_ID, None)
        if st.session_state.get("authentication_status"):
            with self._components:
                self.authenticator.logout(location="unrendered")  # also deletes the cookie
        st.session_state[LIBRARY_LOGGED_OUT] = True
        if message:
            st.session_state[MESSAGE] = message

    def _logout(self) -> None:
        session_id = st.session_state.get(SESSION_ID)
        if session_id is not None:
            with write_transaction(self.engine) as session:
                end_session(session, session_id=session_id)
        # No st.rerun() here: the cookie deletion must reach the browser in this run.
        self._forget("You are logged out.")
        sso_glue.end_identity()  # and Streamlit's identity cookie, for a university sign-in
        # The next person to log in on this tab starts at Home, not on this user's last page.
        self.logged_out = True
