"""Program terms: named periods of the program ("Spring 2027") that admins define.

A project belongs to the term its start date falls in (both ends of a term inclusive). Terms
never overlap, so a date is in at most one term. Browse, the dashboard and the exports filter
by a term's range of start dates; with no term defined they behave as if terms did not exist.

The choosers (`term_of`, `current_term`, `previous_term`) are pure functions of a list of
terms, so a screen holding the list asks them without another query; `find_current_term`
reads the list and chooses in one go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from core.models import ProgramTerm, Role, User
from core.platform.audit import record
from core.platform.errors import NotFound, ValidationFailed
from core.platform.permissions import ensure_active, ensure_role
from core.platform.text import clean_text
from core.platform.wording import day
from core.program.dashboard import DashboardFilter, default_filter

MAX_NAME = 40
ENTITY = "program_term"
# Serialises term writes on PostgreSQL, so two admins cannot add overlapping terms side by
# side (SQLite's BEGIN IMMEDIATE already lets one writer in at a time).
_TERMS_LOCK_KEY = 0x7465726D  # "term"


@dataclass(frozen=True)
class TermRange:
    """The project start dates a term covers, both ends inclusive."""

    start: date
    end: date

    def __contains__(self, day_: object) -> bool:
        return isinstance(day_, date) and self.start <= day_ <= self.end


def term_range(term: ProgramTerm) -> TermRange:
    return TermRange(term.start_date, term.end_date)


def describe(term: ProgramTerm) -> str:
    """Return a term as people read it: `Spring 2027 (11 Jan 2027 – 21 May 2027)`."""
    return f"{term.name} ({day(term.start_date)} – {day(term.end_date)})"


# ---------------------------------------------------------------------------- choosers


def _by_start(terms: Sequence[ProgramTerm]) -> list[ProgramTerm]:
    return sorted(terms, key=lambda term: (term.start_date, term.id or 0))


def term_of(terms: Sequence[ProgramTerm], day_: date) -> ProgramTerm | None:
    """Return the term whose dates hold `day_` (start and end inclusive), or None."""
    return next((t for t in terms if t.start_date <= day_ <= t.end_date), None)


def current_term(terms: Sequence[ProgramTerm], *, today: date) -> ProgramTerm | None:
    """Return the term containing today; if none, the next upcoming one, else the latest past
    one; None when there are no terms at all."""
    if not terms:
        return None
    found = term_of(terms, today)
    if found is not None:
        return found
    ordered = _by_start(terms)
    upcoming = [t for t in ordered if t.start_date > today]
    return upcoming[0] if upcoming else ordered[-1]


def previous_term(terms: Sequence[ProgramTerm], term: ProgramTerm) -> ProgramTerm | None:
    """Return the term that ended last before `term` starts, or None."""
    earlier = [t for t in _by_start(terms) if t.end_date < term.start_date]
    return earlier[-1] if earlier else None


# ---------------------------------------------------------------------------- reads


def _all_terms(session: Session) -> list[ProgramTerm]:
    rows = session.execute(
        sa.select(ProgramTerm).order_by(col(ProgramTerm.start_date), col(ProgramTerm.id))
    ).scalars()
    return list(rows)


def list_terms(session: Session, *, actor: User) -> list[ProgramTerm]:
    """Return every term, earliest first (anyone logged in may read them)."""
    ensure_active(actor, action="term.list", entity=ENTITY)
    return _all_terms(session)


def find_current_term(session: Session, *, actor: User, today: date) -> ProgramTerm | None:
    """Return the current term (see `current_term`) read from the database."""
    return current_term(list_terms(session, actor=actor), today=today)


# ---------------------------------------------------------------------------- writes


def _ensure_admin(actor: User, action: str, entity_id: int | None = None) -> None:
    ensure_role(actor, (Role.ADMIN,), action=action, entity=ENTITY, entity_id=entity_id)


def _serialise_writers(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TERMS_LOCK_KEY})


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _checked(
    session: Session, name: object, start_date: object, end_date: object, *, term_id: int | None
) -> tuple[str, date, date]:
    """Return the cleaned name and dates, or refuse them naming every bad field."""
    problems: dict[str, str] = {}
    clean_name = ""
    try:
        clean_name = clean_text(name, "name", max_length=MAX_NAME)
    except ValidationFailed as error:
        problems.update(error.fields)
    if not _is_day(start_date):
        problems["start_date"] = "must be a date"
    if not _is_day(end_date):
        problems["end_date"] = "must be a date"
    if "start_date" not in problems and "end_date" not in problems:
        assert isinstance(start_date, date) and isinstance(end_date, date)
        if end_date < start_date:
            problems["end_date"] = f"must not be before the start date ({day(start_date)})"
    if problems:
        raise ValidationFailed.from_fields(problems)
    assert isinstance(start_date, date) and isinstance(end_date, date)
    others: list[Any] = [col(ProgramTerm.id) != term_id] if term_id is not None else []
    same_name = session.execute(
        sa.select(ProgramTerm).where(
            func.lower(col(ProgramTerm.name)) == clean_name.lower(), *others
        )
    ).scalar()
    if same_name is not None:
        raise ValidationFailed(
            f"A term named “{same_name.name}” already exists: choose another name.",
            {"name": "is already used by another term"},
        )
    overlapping = session.execute(
        sa.select(ProgramTerm)
        .where(
            col(ProgramTerm.start_date) <= end_date,
            col(ProgramTerm.end_date) >= start_date,
            *others,
        )
        .order_by(col(ProgramTerm.start_date))
    ).scalar()
    if overlapping is not None:
        raise ValidationFailed(
            f"These dates overlap the term {describe(overlapping)}: terms cannot overlap, "
            "so that every project belongs to one term. Choose dates outside it.",
            {"start_date": f"overlaps {overlapping.name}", "end_date": "overlaps another term"},
        )
    return clean_name, start_date, end_date


def _state(term: ProgramTerm) -> dict[str, Any]:
    return {"name": term.name, "start_date": term.start_date, "end_date": term.end_date}


def create_term(
    session: Session, *, actor: User, name: str, start_date: date, end_date: date
) -> ProgramTerm:
    """Add a term (admins only). Refused, with nothing written, when the name is empty, too
    long or already used, the end is before the start, or the dates overlap another term."""
    _ensure_admin(actor, "term.create")
    _serialise_writers(session)
    clean_name, start, end = _checked(session, name, start_date, end_date, term_id=None)
    term = ProgramTerm(name=clean_name, start_date=start, end_date=end)
    session.add(term)
    session.flush()
    record(
        session,
        actor=actor,
        action="term.create",
        entity=ENTITY,
        entity_id=term.id,
        after=_state(term),
    )
    return term


def _get(session: Session, term_id: int) -> ProgramTerm:
    term = session.get(ProgramTerm, term_id)
    if term is None:
        raise NotFound("This term no longer exists: another admin may have deleted it.")
    return term


def update_term(
    session: Session, *, actor: User, term_id: int, name: str, start_date: date, end_date: date
) -> ProgramTerm:
    """Rename a term or move its dates (admins only), under the same rules as `create_term`.

    Projects are not touched: they belong to whichever term their start date now falls in.
    """
    _ensure_admin(actor, "term.update", term_id)
    _serialise_writers(session)
    term = _get(session, term_id)
    clean_name, start, end = _checked(session, name, start_date, end_date, term_id=term_id)
    before = _state(term)
    term.name, term.start_date, term.end_date = clean_name, start, end
    session.add(term)
    session.flush()
    record(
        session,
        actor=actor,
        action="term.update",
        entity=ENTITY,
        entity_id=term.id,
        before=before,
        after=_state(term),
    )
    return term


def delete_term(session: Session, *, actor: User, term_id: int) -> ProgramTerm:
    """Delete a term (admins only); its projects stay as they are. Returns the deleted term."""
    _ensure_admin(actor, "term.delete", term_id)
    _serialise_writers(session)
    term = _get(session, term_id)
    before = _state(term)
    session.delete(term)
    session.flush()
    record(
        session,
        actor=actor,
        action="term.delete",
        entity=ENTITY,
        entity_id=term_id,
        before=before,
    )
    return term


# ---------------------------------------------------------------------------- dashboard


def term_filter(term: ProgramTerm, department: str | None = None) -> DashboardFilter:
    """Return the dashboard filter of a term: its range of project start dates."""
    return DashboardFilter(department=department, start=term.start_date, end=term.end_date)


def default_dashboard_filter(terms: Sequence[ProgramTerm], *, today: date) -> DashboardFilter:
    """Return the dashboard's default: the current term, or the default dates without terms."""
    term = current_term(terms, today=today)
    return term_filter(term) if term is not None else default_filter(today)
