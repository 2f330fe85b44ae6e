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
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlmodel import Session

T = TypeVar("T")

RANKING_TTL_SECONDS = 60.0
MAX_RANKINGS = 2_000  # about 4 kB each: a few MB per process at most


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
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()  # screens of different sessions run in threads

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the remembered value for `key`, computing and keeping it when absent or old."""
        now = self._clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < self.ttl_seconds:
                self._entries.move_to_end(key)
                return found[1]  # type: ignore[return-value]
        # Computed outside the lock: two sessions missing at once both compute; one wins.
        value = compute()
        with self._lock:
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
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
