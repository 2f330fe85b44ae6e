"""The reader's time zone: the one chosen in Profile, else the browser's, else UTC.

Screens format times with core.platform.wording (local_time, local_day, local_clock) in the
zone this returns; times stay stored in UTC.
"""

from __future__ import annotations

import streamlit as st

from core.models import User
from core.platform.wording import reader_zone
from pages.components.auth import CURRENT_USER


def browser_zone() -> str | None:
    """Return the IANA zone the browser reports, or None (no browser, as in AppTest)."""
    try:
        zone = st.context.timezone
    except Exception:  # noqa: BLE001 - no browser context outside a real session
        return None
    return zone if isinstance(zone, str) else None


def viewer_zone() -> str:
    """Return the time zone to show this run's times in."""
    user = st.session_state.get(CURRENT_USER)
    preferred = user.time_zone if isinstance(user, User) else None
    return reader_zone(preferred, browser_zone())
