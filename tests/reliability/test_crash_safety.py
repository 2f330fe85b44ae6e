"""A process killed (SIGKILL) inside an approval with auto-withdraw leaves all of it or none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from core.models import Application, ApplicationStatus, AuditEntry, Notification, Project, Role
from core.platform.db import write_transaction
from tests import factories as h

S = ApplicationStatus
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Scenario:
    approver_id: int
    approve: int  # accepted application of the student, to be approved
    other_accepted: int  # the student's accepted application elsewhere: no longer fits
    other_submitted: int  # the student's submitted application elsewhere: no longer fits
    waitlisted: int  # another student's, promoted when the seat frees
    projects: tuple[int, int, int]


def _scenario(engine: Engine) -> Scenario:
    start = date.today() + timedelta(days=21)
    with write_transaction(engine) as session:
        approver = h.user(session, Role.FACULTY)
        mentor = h.user(session, Role.ALUMNI, weekly_hours=20)
        student = h.user(session, Role.STUDENT, weekly_hours=8)
        other = h.user(session, Role.STUDENT, weekly_hours=20)
        p = h.project(session, mentor, seats=2, student_hours=3, start=start)
        q = h.project(session, mentor, seats=1, student_hours=6, start=start)
        r = h.project(session, mentor, seats=2, student_hours=6, start=start)
        approve = h.application(session, student, p, S.ACCEPTED)
        held = h.application(session, student, q, S.ACCEPTED)
        waiting = h.application(session, other, q, S.WAITLISTED)
        pending = h.application(session, student, r, S.SUBMITTED)
        return Scenario(
            approver_id=approver.id or 0,
            approve=approve.id or 0,
            other_accepted=held.id or 0,
            other_submitted=pending.id or 0,
            waitlisted=waiting.id or 0,
            projects=(p.id or 0, q.id or 0, r.id or 0),
        )


def _state(engine: Engine, scenario: Scenario) -> dict[str, object]:
    ids = (scenario.approve, scenario.other_accepted, scenario.other_submitted, scenario.waitlisted)
    with Session(engine) as session:
        statuses = {a.id: a.status.value for a in session.exec(select(Application)) if a.id in ids}
        filled = {
            p.id: p.filled for p in session.exec(select(Project)) if p.id in scenario.projects
        }
        audits = session.exec(select(func.count()).select_from(AuditEntry)).one()
        notes = session.exec(select(func.count()).select_from(Notification)).one()
        approved_at = session.get(Application, scenario.approve).approved_at  # type: ignore[union-attr]
    return {
        "statuses": statuses,
        "filled": filled,
        "audit_rows": audits,
        "notifications": notes,
        "approved_at_set": approved_at is not None,
    }


def _run_child(
    engine: Engine, scenario: Scenario, mode: str, tmp_path: Path
) -> subprocess.Popen[bytes]:
    signal_file = tmp_path / f"signal-{mode}"
    signal_file.unlink(missing_ok=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.crash_child",
            engine.url.render_as_string(hide_password=False),
            str(scenario.approve),
            str(scenario.approver_id),
            mode,
            str(signal_file),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(path: Path, child: subprocess.Popen[bytes], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        if child.poll() is not None and not path.exists():
            output = child.stdout.read().decode() if child.stdout else ""
            raise AssertionError(f"child exited {child.returncode} without signalling:\n{output}")
        time.sleep(0.01)
    raise AssertionError("child never reached its pause point")


@pytest.mark.parametrize("mode", ["flush-1", "flush-3", "commit"])
def test_killed_approval_leaves_nothing_then_a_full_run_leaves_everything(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    scenario = _scenario(engine)
    before = _state(engine, scenario)
    assert before["statuses"] == {
        scenario.approve: "accepted",
        scenario.other_accepted: "accepted",
        scenario.other_submitted: "submitted",
        scenario.waitlisted: "waitlisted",
    }

    child = _run_child(engine, scenario, mode, tmp_path)
    try:
        where = _wait_for(tmp_path / f"signal-{mode}", child)
        assert where.startswith("paused"), where
        killed_at = time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    # None of it: the database looks exactly as before, and is writable again at once.
    assert _state(engine, scenario) == before
    with write_transaction(engine) as session:
        h.user(session, Role.STUDENT)
    recovered = time.monotonic() - killed_at

    # All of it: the same approval run to the end writes every part of the move.
    finished = _run_child(engine, scenario, "none", tmp_path)
    assert finished.wait(timeout=60) == 0, finished.stdout.read() if finished.stdout else ""
    after = _state(engine, scenario)
    assert after["statuses"] == {
        scenario.approve: "approved",
        scenario.other_accepted: "withdrawn",
        scenario.other_submitted: "withdrawn",
        scenario.waitlisted: "accepted",
    }
    p, q, r = scenario.projects
    assert after["filled"] == {p: 1, q: 1, r: 0}
    assert after["approved_at_set"]
    # approve + two auto-withdrawals + one promotion
    assert after["audit_rows"] == before["audit_rows"] + 4
    # approved (student, mentor), withdrawn ×2 (student, mentor), promoted (student, mentor)
    assert after["notifications"] == before["notifications"] + 8  # type: ignore[operator]
    for entity_id, action in (
        (scenario.approve, "application.approve"),
        (scenario.other_accepted, "application.auto_withdraw"),
        (scenario.other_submitted, "application.auto_withdraw"),
        (scenario.waitlisted, "application.promote"),
    ):
        assert len(h.audit_rows(engine, action=action, entity_id=entity_id)) == 1
    print(
        f"\n{engine.dialect.name}: killed {where.removeprefix('paused ')}; nothing written, "
        f"database writable again {recovered * 1000:.0f} ms after SIGKILL; full run wrote "
        f"{after['audit_rows'] - before['audit_rows']} audit rows and "  # type: ignore[operator]
        f"{after['notifications'] - before['notifications']} notifications"  # type: ignore[operator]
    )
