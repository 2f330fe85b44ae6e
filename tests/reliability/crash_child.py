"""Test-only child process: approve a match, then stop dead at a chosen point of the transaction.

Usage: python -m tests.reliability.crash_child DATABASE_URL APPLICATION_ID APPROVER_ID MODE SIGNAL

MODE is `flush-N` (pause right after the N-th flush), `commit` (pause when every statement has
run and only COMMIT is left) or `none` (run to the end). On pausing the child writes `paused`
to the SIGNAL file and sleeps, so the parent can kill it inside the open write transaction.
The hooks live here, in the test, never in core/.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from core import applications as apps
from core.models import User
from core.platform.db import create_db_engine, write_transaction


def main(argv: list[str]) -> int:
    url, application_id, approver_id, mode, signal = argv
    signal_file = Path(signal)
    engine = create_db_engine(url)

    def pause(where: str) -> None:
        signal_file.write_text(f"paused {where}\n")
        time.sleep(300)  # the parent kills us long before this ends

    flushes = 0

    if mode.startswith("flush-"):
        wanted = int(mode.removeprefix("flush-"))

        @event.listens_for(OrmSession, "after_flush")
        def _after_flush(_session: Any, _context: Any) -> None:
            nonlocal flushes
            flushes += 1
            if flushes == wanted:
                pause(f"after flush {wanted}")

    elif mode == "commit":

        @event.listens_for(engine, "commit")
        def _before_commit(_connection: Any) -> None:
            pause("before COMMIT")

    with write_transaction(engine) as session:
        actor = session.get(User, int(approver_id))
        assert actor is not None
        apps.approve(session, actor=actor, application_id=int(application_id))
    signal_file.write_text("committed\n")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
