"""Single sign-on glue: Streamlit's `[auth]` secrets, the SSO button, `st.user` → a session.

Streamlit runs the OpenID Connect protocol itself (`st.login` → `/auth/login` → the
provider → `/oauth2callback`, Authlib underneath) and keeps the ID token's claims in its own
signed, HttpOnly identity cookie, which `st.user` reads when a browser session starts. The
portal turns that identity into its usual server-side session (core.sso.start_or_resume),
checked on every rerun like a password login's; logout ends both (LoginGate._logout).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from streamlit import config as st_config
from streamlit.runtime.secrets import secrets_singleton

from core.accounts import sso
from core.platform.db import write_transaction
from core.platform.errors import DomainError
from core.platform.settings import Settings

# The session token of the sign-in this browser session already handled (started, resumed,
# refused or ended): it is never handled twice in one browser session.
HANDLED = "sso_handled_token"
# Set while this browser session's portal session came from SSO: logout ends both.
SSO_SESSION = "sso_session"

_prepared: dict[str, str] = {}


def prepare(settings: Settings) -> None:
    """Write Streamlit's `[auth]` secrets from the settings and make Streamlit read them.

    Runs on every rerun but writes only when the settings changed (once per process in
    practice). `make run` writes the file before Streamlit starts (`python -m core
    ensure-key`); this covers any other way of starting the app.
    """
    fingerprint = repr(
        (
            settings.auth_secrets_path,
            settings.base_url,
            settings.oidc_server_metadata_url,
            settings.oidc_client_id,
            settings.oidc_client_secret,
        )
    )
    path = str(settings.auth_secrets_path)
    if _prepared.get(path) == fingerprint:
        return
    _, changed = sso.write_auth_secrets(settings)
    if not sso.is_configured(settings):
        if changed:
            secrets_singleton._reset()
        _prepared[path] = fingerprint
        return
    files = list(st_config.get_option("secrets.files"))
    if path not in files:
        # A secrets file outside Streamlit's usual places (STREAMLIT_SECRETS_FILE).
        st_config.set_option("secrets.files", [*files, path])
        changed = True
    if changed:
        secrets_singleton._reset()  # Streamlit parses secrets once; read them again
    _prepared[path] = fingerprint


def render_button(settings: Settings) -> None:
    """Draw the SSO button (when configured); a click starts Streamlit's OIDC login."""
    if not sso.is_configured(settings):
        return
    if st.button(
        sso.button_label(settings),
        key="sso_login",
        type="primary",
        icon=":material/school:",
        width="stretch",
    ):
        st.session_state.pop(HANDLED, None)
        st.login(sso.PROVIDER)
    st.caption("Alumni and guests: log in with your portal password below.")


def sign_in_from_identity(engine: Engine, settings: Settings) -> sso.SsoLogin | None:
    """Start or resume the portal session of this browser session's university sign-in.

    Returns None when there is no sign-in to handle (SSO off, nobody signed in at the
    provider, or this sign-in was handled already in this browser session).
    """
    if not sso.is_configured(settings) or not st.user.get("is_logged_in"):
        return None
    claims = {key: value for key, value in st.user.to_dict().items() if key != "tokens"}
    try:
        identity = sso.Identity.from_claims(claims)
    except DomainError as error:
        return sso.SsoLogin(None, None, error)
    if st.session_state.get(HANDLED) == identity.session_token:
        return None
    st.session_state[HANDLED] = identity.session_token
    with write_transaction(engine) as session:
        login = sso.start_or_resume(session, identity=identity, settings=settings)
    if login.user is not None:
        st.session_state[SSO_SESSION] = True
    return login


def end_identity() -> None:
    """After the portal session ended: delete Streamlit's identity cookie (and the provider's
    session, where it offers an end-session endpoint). Never followed by st.rerun()."""
    if st.session_state.pop(SSO_SESSION, False):
        st.logout()
