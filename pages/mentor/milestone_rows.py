"""My projects · the milestone table's rows as service input (blank rows skipped)."""

from __future__ import annotations

import math
from typing import Any


def milestones_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn the milestone table's rows into service input; blank rows are skipped."""
    found = []
    for row in rows:
        title = _cell(row.get("title"))
        week = _cell(row.get("due_week"))
        if title is None and week is None:
            continue
        due_week: Any = week
        if isinstance(week, float) and week.is_integer():
            due_week = int(week)
        found.append({"title": "" if title is None else str(title), "due_week": due_week})
    return found


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value
