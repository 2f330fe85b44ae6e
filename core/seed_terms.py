"""The demo's program terms: the current one around today, holding every demo project's start
(70 days back to 40 ahead), and the one before it, so the dashboard has a term to compare with.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, func, select

from core.models import ProgramTerm, User
from core.program.terms import create_term

# The current demo term runs from this many days before today to as many after.
HALF_TERM_DAYS = 91


def demo_terms(today: date) -> list[tuple[str, date, date]]:
    """Return the demo's terms (name, first day, last day): the previous and the current one."""
    first = today - timedelta(days=HALF_TERM_DAYS)
    spans = [
        (first - timedelta(days=2 * HALF_TERM_DAYS + 1), first - timedelta(days=1)),
        (first, today + timedelta(days=HALF_TERM_DAYS)),
    ]
    return [(f"{start:%b %Y} – {end:%b %Y}", start, end) for start, end in spans]


def seed_terms(session: Session, admin: User, today: date) -> None:
    """Add the demo terms (with the demo content), unless terms are defined already."""
    if session.exec(select(func.count()).select_from(ProgramTerm)).one():
        return
    for name, start, end in demo_terms(today):
        create_term(session, actor=admin, name=name, start_date=start, end_date=end)
