"""axe-core in the browser: run the WCAG 2.1 A/AA rules on a page and describe what fails."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe files "heading-order" under best practice, not under a WCAG tag, but a skipped heading
# level misleads a screen-reader user's outline of the page (WCAG 1.3.1): checked as well.
EXTRA_RULES = ["heading-order"]

# Elements of Streamlit's own markup that the app cannot change, left out of the check one
# selector at a time. Each entry says why; nothing is excluded for a rule as a whole.
EXCLUDED: list[str] = []

_AXE = Axe()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Return axe-core's WCAG 2.1 A/AA violations on the page as it is drawn now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE.axe_script)
    context: dict[str, Any] = {"exclude": [[selector] for selector in EXCLUDED]}
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": True} for rule in EXTRA_RULES},
        "resultTypes": ["violations"],
    }
    results = page.evaluate("([context, options]) => axe.run(context, options)", [context, options])
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """Return the violations as readable text: the rule, then each element and what is wrong."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} element(s)]"
        )
        for node in violation["nodes"][:8]:
            target = " >> ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            html = " ".join(node.get("html", "").split())
            lines.append(f"    at {target}")
            lines.append(f"       {html[:160]}")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)
