"""Wording for numbers shown to people: counts ("1 seat", never "seat(s)"), hours and days."""

from __future__ import annotations

from datetime import date

from core.models import ProjectMode

# How a project's mode reads on every screen.
MODE_LABELS = {
    ProjectMode.REMOTE: "Remote",
    ProjectMode.HYBRID: "Hybrid",
    ProjectMode.IN_PERSON: "In person",
}


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Return the count with the singular or plural noun, e.g. "1 seat" or "1,200 seats"."""
    noun = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count:,} {noun}"


def hours(value: float) -> str:
    """Return hours without a needless `.0`, e.g. "3" or "1.5"."""
    return f"{value:g}"


def day(value: date) -> str:
    """Return a date as people read it, e.g. "07 Dec 2026"."""
    return f"{value:%d %b %Y}"
