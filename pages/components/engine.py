"""The process-wide database engine (the only thing cached across sessions)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from core.db import create_db_engine
from core.settings import get_settings


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return create_db_engine(url)


def get_engine() -> Engine:
    """Return the engine for the configured database, built once per process."""
    return _engine_for(get_settings().effective_database_url)


@st.cache_data(ttl=60, show_spinner=False)
def _demo_data_present(url: str) -> bool:
    from core.db import read_session
    from core.demo import demo_accounts_exist

    with read_session(_engine_for(url)) as session:
        return demo_accounts_exist(session)


def show_demo_banner() -> None:
    """Warn on every screen while demo accounts (with their public password) exist."""
    if _demo_data_present(get_settings().effective_database_url):
        st.warning(
            "**Demo data.** This portal holds demo accounts whose password is public. Before "
            "real use, an administrator runs `python -m core remove-demo` on the server.",
            icon=":material/science:",
        )
