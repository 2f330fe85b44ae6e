"""Scheduled work from cron on any process, at the same time as the app: idempotent, no doubles."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import applications as apps
from core.backup import row_counts
from core.db import write_transaction
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Notification,
    ProjectStatus,
    Role,
)
from tests.services import app_helpers as h

S = ApplicationStatus
ROOT = Path(__file__).resolve().parents[2]
STALE = 300


def _stale_applications(engine: Engine) -> list[int]:
    """Undecided applications that are due: 14+ days past the deadline, or on closed projects."""
    today = date.today()
    ids: list[int] = []
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI, weekly_hours=40)
        overdue = h.project(
            session,
            mentor,
            seats=10,
            start=today - timedelta(days=10),
            deadline=today - timedelta(days=20),
        )
        closed = h.project(session, mentor, seats=10)
        closed.status = ProjectStatus.CLOSED
        session.add(closed)
        for n in range(STALE):
            student = h.user(session, Role.STUDENT)
            target = overdue if n % 2 else closed
            status = S.WAITLISTED if n % 3 == 0 else S.SUBMITTED
            ids.append(h.application(session, student, target, status).id or 0)
    return ids


class AppTraffic:
    """Students applying and withdrawing on a live project while the scheduled work runs."""

    def __init__(self, engine: Engine, threads: int = 3) -> None:
        self.engine = engine
        self.stop = threading.Event()
        self.moves = 0
        self.errors: list[BaseException] = []
        with write_transaction(engine) as session:
            mentor = h.user(session, Role.ALUMNI)
            self.project_id = h.project(session, mentor, seats=5).id or 0
            self.students = [h.user(session, Role.STUDENT, weekly_hours=40) for _ in range(threads)]
        self.threads = [
            threading.Thread(target=self._run, args=(s,), daemon=True) for s in self.students
        ]

    def _run(self, student) -> None:
        try:
            while not self.stop.is_set():
                with write_transaction(self.engine) as session:
                    found = apps.apply(
                        session, actor=student, project_id=self.project_id, statement=h.STATEMENT
                    )
                with write_transaction(self.engine) as session:
                    apps.withdraw(session, actor=student, application_id=found.id or 0)
                self.moves += 2
        except BaseException as error:  # noqa: BLE001 - surfaced by the test
            self.errors.append(error)

    def __enter__(self) -> AppTraffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _cli(engine: Engine, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COOKIE_KEY": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _keep_checking(engine: Engine, runs: list[subprocess.Popen[str]], counts: list[int]) -> None:
    checked: list[int] = []
    time.sleep(1.0)  # about when the command-line runs have imported and start their work
    while any(run.poll() is None for run in runs):
        checked.append(apps.expire_if_due(engine, min_interval_seconds=0))
        time.sleep(0.05)
    counts.append(sum(checked))


def _expired_count(output: str) -> int:
    found = re.search(r"Expired (\d+) application", output)
    assert found, output
    return int(found.group(1))


def test_expire_runs_twice_at_once_beside_app_writes_and_expires_each_once(
    engine: Engine,
) -> None:
    stale = _stale_applications(engine)
    counts: list[int] = []
    started = time.monotonic()
    with AppTraffic(engine) as traffic:
        time.sleep(0.2)
        runs = [_cli(engine, "expire") for _ in range(2)]
        # …and the app's own lazy check, in this process, over and over while they run.
        in_app = threading.Thread(target=_keep_checking, args=(engine, runs, counts))
        in_app.start()
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            counts.append(_expired_count(out))
        in_app.join(timeout=60)
        time.sleep(0.2)
    took = time.monotonic() - started
    assert not traffic.errors, traffic.errors
    assert sum(counts) == STALE, counts

    with Session(engine) as session:
        statuses = Counter(
            session.exec(select(Application.status).where(col(Application.id).in_(stale))).all()
        )
        audits = Counter(
            session.exec(
                select(AuditEntry.entity_id).where(AuditEntry.action == "application.expire")
            ).all()
        )
        expired_notes = session.exec(
            select(Notification).where(Notification.kind == "application.expired")
        ).all()
    assert statuses == {S.EXPIRED: STALE}
    assert set(audits) == set(stale) and set(audits.values()) == {1}
    assert len(expired_notes) == STALE

    again = _cli(engine, "expire")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert _expired_count(out) == 0
    print(
        f"\n{engine.dialect.name}: {STALE} stale applications expired exactly once by two "
        f"`python -m core expire` runs plus the app's check ({counts}) beside "
        f"{traffic.moves} app writes in {took:.1f}s; a further run expired 0"
    )


def test_at_risk_flagging_is_idempotent_under_concurrency(engine: Engine) -> None:
    try:
        workspace = importlib.import_module("core.workspace")
    except ImportError:
        pytest.skip("core.workspace (flag_at_risk) is not in this tree yet")
    flag_at_risk = getattr(workspace, "flag_at_risk", None)
    if flag_at_risk is None:
        pytest.skip("core.workspace.flag_at_risk is not in this tree yet")
    today = date.today()
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI, weekly_hours=40)
        for _ in range(10):
            project = h.project(
                session,
                mentor,
                seats=1,
                start=today - timedelta(days=35),
                deadline=today - timedelta(days=40),
                duration=8,
            )
            h.application(
                session, h.user(session, Role.STUDENT, weekly_hours=40), project, S.APPROVED
            )
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with write_transaction(engine) as session:
                results.append(int(flag_at_risk(session, today=today)))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    with AppTraffic(engine, threads=2) as traffic:
        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors and not traffic.errors, (errors, traffic.errors)
    settled = row_counts(engine)
    run()
    assert results[-1] == 0, results
    assert row_counts(engine) == settled
    print(f"\n{engine.dialect.name}: at-risk flagging, three concurrent runs then one: {results}")
