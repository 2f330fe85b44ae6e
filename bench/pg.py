"""`make bench-pg`: the benchmark on a throw-away PostgreSQL 15 (started like the tests' one).

The server lives in a temporary folder for the duration of the run; the profile is generated
into it (COPY), then bench.run measures as on SQLite and adds its rows to build/bench.json.
"""

from __future__ import annotations

import os
import sys

from bench import run
from tests.pg import ThrowawayPostgres


def main(argv: list[str] | None = None) -> int:
    server = ThrowawayPostgres(in_memory=False).start()
    try:
        profile = os.environ.get("PROFILE", "medium")
        os.environ["DATABASE_URL"] = server.create_database(f"bench_{profile}")
        return run.main(argv)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
