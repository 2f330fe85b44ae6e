"""Scheduled work from cron on any process, at the same time as the app: idempotent, no doubles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import applications as apps
from core import workspace
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Notification,
    Project,
    ProjectStatus,
    Role,
)
from core.platform.backup import row_counts
from core.platform.db import read_session, write_transaction
from core.workspace.models import MatchSession
from tests import factories as h
from tests.factories import make_pair

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


AT_RISK = 12  # silent matches the concurrent runs must flag, each exactly once


def _at_risk_and_running_matches(engine: Engine) -> tuple[set[int], set[int]]:
    """Matches that are at risk (silent 21+ days) and matches that are not, under one mentor."""
    today = date.today()
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI, weekly_hours=40)
        silent = [
            make_pair(
                session,
                mentor=mentor,
                start=today - timedelta(days=40),
                duration=8,
                approved_days_ago=45,
            )
            for _ in range(AT_RISK)
        ]
        fresh = [
            make_pair(session, mentor=mentor),  # started a week ago
            make_pair(
                session,
                mentor=mentor,
                start=today - timedelta(days=40),
                duration=8,
                approved_days_ago=10,
            ),  # approved late: silence counts from approval
        ]
        met = make_pair(
            session,
            mentor=mentor,
            start=today - timedelta(days=40),
            duration=8,
            approved_days_ago=45,
        )
        session.add(
            MatchSession(
                application_id=met.application_id,
                author_id=met.student.id,
                held_on=today - timedelta(days=3),
                minutes=60,
                summary="Talked through the next step.",
            )
        )
        fresh.append(met)
    with read_session(engine) as session:
        found = {m.application_id for m in workspace.at_risk_matches(session, today=today)}
    expected = {p.application_id for p in silent}
    assert found == expected, "the fixture must build exactly the at-risk matches it means to"
    return expected, {p.application_id for p in fresh}


def _keep_flagging(engine: Engine, runs: list[subprocess.Popen[str]], counts: list[int]) -> None:
    """The app's own flagging in this process, over and over while the command-line runs work."""
    flagged: list[int] = []
    while any(run.poll() is None for run in runs):
        flagged.append(workspace.run_flag_at_risk(engine))
        time.sleep(0.02)
    counts.append(sum(flagged))


def _flagged_count(output: str) -> int:
    found = re.search(r"Flagged (\d+) at-risk match", output)
    assert found, output
    return int(found.group(1))


def test_at_risk_flagging_runs_at_once_beside_app_writes_and_flags_each_match_once(
    engine: Engine,
) -> None:
    at_risk, not_at_risk = _at_risk_and_running_matches(engine)
    counts: list[int] = []
    errors: list[BaseException] = []

    def in_app(runs: list[subprocess.Popen[str]]) -> None:
        try:
            _keep_flagging(engine, runs, counts)
        except BaseException as error:  # noqa: BLE001 - surfaced by the test
            errors.append(error)

    started = time.monotonic()
    with AppTraffic(engine, threads=2) as traffic:
        runs = [_cli(engine, "flag-at-risk") for _ in range(2)]
        threads = [threading.Thread(target=in_app, args=(runs,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            counts.append(_flagged_count(out))
        for thread in threads:
            thread.join(timeout=60)
    took = time.monotonic() - started
    assert not errors and not traffic.errors, (errors, traffic.errors)
    assert sum(counts) == AT_RISK, counts

    links = {workspace.match_link(app_id): app_id for app_id in at_risk | not_at_risk}
    with Session(engine) as session:
        parties = {
            a.id: (a.student_id, p.owner_id)
            for a, p in session.exec(
                select(Application, Project).where(col(Application.project_id) == col(Project.id))
            ).all()
        }
        notes = session.exec(
            select(Notification.user_id, Notification.link).where(
                Notification.kind == workspace.AT_RISK_KIND
            )
        ).all()
        audits = Counter(
            session.exec(
                select(AuditEntry.entity_id).where(AuditEntry.action == "match.at_risk")
            ).all()
        )
    flagged = Counter((user_id, links[link]) for user_id, link in notes)
    expected = Counter((person, app_id) for app_id in at_risk for person in parties[app_id])
    assert len(notes) == 2 * AT_RISK > 0
    assert flagged == expected  # student and mentor of each at-risk match, once; nobody else
    assert audits == Counter(at_risk)

    settled = row_counts(engine)
    again = _cli(engine, "flag-at-risk")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert _flagged_count(out) == 0
    assert row_counts(engine) == settled
    print(
        f"\n{engine.dialect.name}: {AT_RISK} at-risk matches flagged exactly once "
        f"({2 * AT_RISK} notifications) by two `python -m core flag-at-risk` runs plus three "
        f"in-app loops ({counts}) beside {traffic.moves} app writes in {took:.1f}s; "
        "a further run flagged 0"
    )
