"""Scheduled work the app also runs lazily, so nothing waits for a cron job that was never set up.

Each process checks a job at most once per interval; the jobs themselves are idempotent and safe
to run from cron on any process at the same time.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

# (job, database URL) → monotonic time of the last check in this process.
_last_check: dict[tuple[str, str], float] = {}


def is_due(job: str, engine: Engine, *, min_interval_seconds: float) -> bool:
    """Return whether `job` should run now on this engine, and if so note that it ran."""
    key = (job, str(engine.url))
    now = time.monotonic()
    last = _last_check.get(key)
    if last is not None and now - last < min_interval_seconds:
        return False
    _last_check[key] = now
    return True


def forget_checks() -> None:
    """Forget when jobs last ran (tests start each from a clean slate)."""
    _last_check.clear()
