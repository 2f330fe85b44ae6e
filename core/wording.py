"""Wording for counts shown to people: "1 seat", "3 seats", never "seat(s)"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Return the count with the singular or plural noun, e.g. "1 seat" or "1,200 seats"."""
    noun = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count:,} {noun}"
