"""Full addresses for invite and set-password links, and escaped error display."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from core.accounts.registration import IssuedLink
from core.platform.settings import get_settings

INVITE_PARAM = "invite"
RESET_PARAM = "reset"
REGISTER_PARAM = "register"
FALLBACK_URL = "http://localhost:8501"


def portal_url() -> str:
    """Return the portal's public address: the BASE_URL setting, else this request's origin."""
    configured = get_settings().base_url.strip()
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(st.context.url or "")
    if not (parts.scheme and parts.netloc):
        return FALLBACK_URL
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{prefix}" if prefix else "")


def link_url(link: IssuedLink, param: str) -> str:
    """Return the full address of an issued link."""
    return link.url(portal_url(), param)
