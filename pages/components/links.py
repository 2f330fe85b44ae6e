"""Full addresses for invite and set-password links, and escaped error display."""

from __future__ import annotations

import streamlit as st

from core.accounts.registration import IssuedLink, LinksUnavailable, link_base_url
from core.platform.settings import get_settings

INVITE_PARAM = "invite"
RESET_PARAM = "reset"
REGISTER_PARAM = "register"
FORGOT_PARAM = "forgot"
FALLBACK_URL = "http://localhost:8501"


def portal_url() -> str:
    """Return the portal's public address (BASE_URL; on localhost, this request's origin).

    Raises LinksUnavailable when BASE_URL is unset and the portal is not on localhost.
    """
    request_url = st.context.url
    if not isinstance(request_url, str) or not request_url:
        request_url = FALLBACK_URL  # no browser request (AppTest): this machine
    base = link_base_url(get_settings().base_url, request_url)
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    if get_settings().base_url.strip() or not prefix:
        return base
    return f"{base}/{prefix}"


def links_available() -> bool:
    """Say on screen, once, when links cannot be made; return whether they can."""
    try:
        portal_url()
    except LinksUnavailable as error:
        st.error(error.message, icon=":material/link_off:")
        return False
    return True


def link_url(link: IssuedLink, param: str) -> str:
    """Return the full address of an issued link."""
    return link.url(portal_url(), param)
