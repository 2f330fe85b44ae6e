"""A short memory of best-first orderings of open projects, one per student and filter.

Ranking open projects by the tags they share with a student reads every open project, so
its cost grows with the catalogue. The order itself changes slowly: the same student with
the same filters gets the same ranking a minute later, give or take a newly published
project. A rerun of the browse screen (a page flip, a widget click) reuses the ranking for
`ttl_seconds`; everything shown on a card (seats, status, the student's application) is
still read fresh, and projects that stopped taking applications are dropped at that point.

Only project ids and counts are kept, under a key that starts with the student's id and the
time their profile last changed (interests and hours shape the order), so nothing one
person sees is ever served to another and editing a profile takes effect at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from cachetools import TTLCache
from sqlmodel import Session

T = TypeVar("T")

RANKING_TTL_SECONDS = 60.0
MAX_RANKINGS = 2_000  # about 4 kB each: a few MB per process at most
_ABSENT = object()


class RankingMemo:
    """Keep computed rankings for a short time, least recently used first out."""

    def __init__(
        self,
        *,
        ttl_seconds: float = RANKING_TTL_SECONDS,
        max_entries: int = MAX_RANKINGS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: TTLCache[Hashable, object] = TTLCache(
            maxsize=max_entries, ttl=ttl_seconds, timer=clock
        )
        self._lock = threading.Lock()  # screens of different sessions run in threads

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the remembered value for `key`, computing and keeping it when absent or old."""
        with self._lock:
            found = self._entries.get(key, _ABSENT)
        if found is not _ABSENT:
            return cast(T, found)
        # Computed outside the lock: two sessions missing at once both compute; one wins.
        value = compute()
        with self._lock:
            self._entries[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)

    def clear(self) -> None:
        """Forget every ranking."""
        with self._lock:
            self._entries.clear()


def database_of(session: Session) -> str:
    """Name the database a session reads, so rankings of two databases never mix."""
    bind = session.get_bind()
    return str(bind.engine.url)


# The browse screen's memory; tests and scripts call the services without one.
RANKINGS = RankingMemo()
