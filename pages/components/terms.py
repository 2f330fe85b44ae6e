"""Program terms for the screens that filter by term (browse, dashboard, exports).

The list is the same for everyone and changes a few times a year, so it is kept for a minute
per database, like browse's facets; the admin's terms screen forgets it after each change.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.models import ProgramTerm
from core.platform.db import read_session
from core.platform.settings import get_settings
from core.program import current_term, list_terms
from core.program.terms import describe
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine

TERMS_TTL_SECONDS = 60
# A select's choice for "every term" (its other choices are term ids, as text).
ALL_TERMS = "all"


@st.cache_data(ttl=TERMS_TTL_SECONDS, show_spinner=False)
def _terms(database: str) -> list[ProgramTerm]:
    """Return every term, earliest first; only a signed-in, active user's check fills it."""
    del database  # part of the cache key only
    with read_session(get_engine()) as session:
        return list_terms(session, actor=signed_in_user())


def terms() -> list[ProgramTerm]:
    """Return every term, earliest first (kept a minute)."""
    return _terms(get_settings().effective_database_url)


def forget_terms() -> None:
    """Drop the kept list, after a term was added, changed or deleted."""
    _terms.clear()


def today() -> date:
    return date.today()


def default_choice(found: list[ProgramTerm]) -> str | None:
    """Return the select's default: the current term's id as text (None without terms)."""
    term = current_term(found, today=today())
    return str(term.id) if term is not None else None


def by_choice(found: list[ProgramTerm]) -> dict[str, ProgramTerm]:
    """Return the terms by their select choice (the id as text), the latest first."""
    return {str(term.id): term for term in reversed(found)}


def term_label(term: ProgramTerm, *, current: ProgramTerm | None = None) -> str:
    """Return a term for a select: its name and dates, marked when it is the current one."""
    mark = " · current" if current is not None and term.id == current.id else ""
    return describe(term) + mark
