"""One guard for every CSV the portal writes: a cell a spreadsheet shows as text, never runs."""

from __future__ import annotations

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Return a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
