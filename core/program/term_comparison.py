"""The dashboard's comparison of a term with the one before: the same figures, side by side.

Pure: it takes the dashboard parts already counted (and kept) for each term's filter, so the
comparison costs no statement of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.program.dashboard import DepartmentHours, Funnel
from core.program.kept_figures import TimingFigures, WorkspaceFigures

# The parts the comparison reads (demand per tag is not compared: tags differ between terms).
COMPARED_PARTS = ("funnel", "timing", "hours", "workspace")


@dataclass(frozen=True)
class ComparedFigure:
    """One figure for the chosen term and the term before it (None: nothing to measure)."""

    label: str
    this_term: float | None
    previous: float | None
    # Decimals shown: counts are whole, means and hours are not.
    decimals: int = 0

    @property
    def change(self) -> float | None:
        if self.this_term is None or self.previous is None:
            return None
        return self.this_term - self.previous

    def text(self, value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.{self.decimals}f}"

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "–"
        if round(change, self.decimals) == 0:
            return "no change"
        return f"{change:+,.{self.decimals}f}"


def compare_terms(
    this_term: Mapping[str, Any], previous: Mapping[str, Any]
) -> list[ComparedFigure]:
    """Return the compared figures from each term's parts (funnel, timing, hours, workspace)."""

    def figures(parts: Mapping[str, Any]) -> dict[str, float | None]:
        funnel: Funnel = parts["funnel"]
        timing: TimingFigures = parts["timing"]
        hours: list[DepartmentHours] = parts["hours"]
        workspace: WorkspaceFigures = parts["workspace"]
        change = workspace.self_efficacy
        return {
            "submitted": funnel.submitted,
            "accepted": funnel.accepted,
            "approved": funnel.approved,
            "completed": funnel.completed,
            "median": timing.median_days_to_match,
            "offered": sum(h.offered for h in hours),
            "matched": sum(h.matched for h in hours),
            "logged": sum(h.logged for h in hours),
            "pairs": change.pairs,
            "efficacy": change.change,
        }

    now, before = figures(this_term), figures(previous)
    rows = (
        ("Applications submitted", "submitted", 0),
        ("Applications accepted by a mentor", "accepted", 0),
        ("Matches approved", "approved", 0),
        ("Matches completed", "completed", 0),
        ("Median days to match", "median", 1),
        ("Mentor hours offered", "offered", 1),
        ("Mentor hours on matched projects", "matched", 1),
        ("Mentor hours logged in sessions", "logged", 1),
        ("Students with both self-efficacy answers", "pairs", 0),
        ("Mean self-efficacy change (close − start)", "efficacy", 2),
    )
    return [ComparedFigure(label, now[key], before[key], decimals) for label, key, decimals in rows]
