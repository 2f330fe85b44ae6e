"""Checks for user-written text: no NUL or control characters, no blank values."""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are allowed in multi-line text only.
_MULTILINE_ALLOWED = frozenset("\n\r\t")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Return whether `value` holds NUL or other control characters (not line breaks in text)."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in value)


def text_problem(
    value: str, *, min_length: int, max_length: int, multiline: bool = False
) -> str | None:
    """Return what is wrong with an already stripped text, or None when it is fine."""
    if has_control_characters(value, multiline=multiline):
        return "must not contain control characters"
    if not min_length <= len(value) <= max_length:
        if min_length <= 1:
            return f"must not be blank and at most {max_length:,} characters"
        return f"must be {min_length}–{max_length:,} characters"
    return None
