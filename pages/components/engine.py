"""The process-wide database engine (the only thing cached across sessions)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from core.platform.db import create_db_engine
from core.platform.settings import get_settings


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return create_db_engine(url)


def get_engine() -> Engine:
    """Return the engine for the configured database, built once per process."""
    return _engine_for(get_settings().effective_database_url)
