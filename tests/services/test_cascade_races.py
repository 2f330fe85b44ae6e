"""Cascades that cross, an application racing an approval, and bulk approval under failure.

Real threads on SQLite and PostgreSQL. On PostgreSQL the crossing cascades deadlocked every
time when each approval locked the other student's row only while promoting them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from core import applications as apps
from core import program
from core.applications import student as apps_student
from core.models import Application, ApplicationStatus, Role
from core.platform import db
from core.platform.db import Busy, is_sqlite, run_in_transaction, write_transaction
from core.platform.errors import DomainError
from core.program import approval_queue as bulk_approval
from tests import factories as h

S = ApplicationStatus
ROUNDS = 8
STATEMENT = h.STATEMENT


@pytest.fixture
def wide_engine(engine: Engine):
    """The test database with a pool of its own for the racing threads."""
    if is_sqlite(engine):
        yield engine
        return
    wide = create_engine(
        engine.url.render_as_string(hide_password=False), pool_size=8, max_overflow=0
    )
    yield wide
    wide.dispose()


def _together(engine: Engine, jobs: list[Callable[[Session], object]]) -> list[object]:
    """Run each job in its own plain write transaction, all released at the same moment."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[Session], object]) -> object:
        barrier.wait(timeout=30)
        try:
            with write_transaction(engine) as session:
                job(session)
            return "ok"
        except Exception as error:  # noqa: BLE001 - the assertion shows what happened
            return error

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _statuses(engine: Engine, *ids: int) -> list[ApplicationStatus]:
    with Session(engine) as session:
        return [session.get(Application, number).status for number in ids]  # type: ignore[union-attr]


def test_crossing_approval_cascades_never_deadlock(wide_engine, engine):
    # S holds seats on P1 and P2 and waits on P4; S2 holds P3 and P4 and waits on P2. Approving
    # S on P1 withdraws S from P2 and promotes S2 there; approving S2 on P3 withdraws S2 from
    # P4 and promotes S there. Each cascade needs the other student's row.
    start = date.today() + timedelta(days=14)
    later = start + timedelta(weeks=6)
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approvers = [h.user(session, Role.FACULTY) for _ in range(2)]
    retries_before = db.retries.snapshot()
    for round_number in range(ROUNDS):
        with write_transaction(engine) as session:
            s1 = h.user(session, Role.STUDENT, weekly_hours=8)
            s2 = h.user(session, Role.STUDENT, weekly_hours=8)
            p1, p2 = (
                h.project(session, mentor, seats=1, student_hours=6, start=start) for _ in "ab"
            )
            p3, p4 = (
                h.project(session, mentor, seats=1, student_hours=6, start=later) for _ in "ab"
            )
            a1 = h.application(session, s1, p1, S.ACCEPTED)
            a2 = h.application(session, s1, p2, S.ACCEPTED)
            a4 = h.application(session, s1, p4, S.WAITLISTED)
            b3 = h.application(session, s2, p3, S.ACCEPTED)
            b4 = h.application(session, s2, p4, S.ACCEPTED)
            b2 = h.application(session, s2, p2, S.WAITLISTED)
        outcomes = _together(
            wide_engine,
            [
                lambda s, a=a1.id: apps.approve(s, actor=approvers[0], application_id=a),
                lambda s, b=b3.id: apps.approve(s, actor=approvers[1], application_id=b),
            ],
        )
        assert outcomes == ["ok", "ok"], (round_number, outcomes)
        assert _statuses(engine, a1.id, a2.id, a4.id) == [S.APPROVED, S.WITHDRAWN, S.ACCEPTED]
        assert _statuses(engine, b3.id, b4.id, b2.id) == [S.APPROVED, S.WITHDRAWN, S.ACCEPTED]
        assert [h.filled_of(engine, p.id) for p in (p1, p2, p3, p4)] == [1, 1, 1, 1]
    # The locks were taken in one order up front: nothing had to be retried, not even once.
    assert db.retries.snapshot() == retries_before


def test_an_application_racing_an_approval_never_outlives_it(wide_engine, engine, monkeypatch):
    # The apply thread is held between its hours check and its insert while an approval of
    # the same student commits. Either the approval sees the application (and withdraws it),
    # or the application sees the approval (and is refused): never a submitted application
    # that can no longer fit.
    start = date.today() + timedelta(days=14)
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approver = h.user(session, Role.FACULTY)
        student = h.user(session, Role.STUDENT, weekly_hours=8)
        matched = h.project(session, mentor, seats=1, student_hours=6, start=start)
        wanted = h.project(session, mentor, seats=1, student_hours=6, start=start)
        accepted = h.application(session, student, matched, S.ACCEPTED)
    checked, release = threading.Event(), threading.Event()
    real_check = apps_student._check_hours

    def held_check(session, person, project):
        real_check(session, person, project)
        if project.id == wanted.id:
            checked.set()
            assert release.wait(timeout=30)

    monkeypatch.setattr(apps_student, "_check_hours", held_check)
    outcome: dict[str, object] = {}

    def applying() -> None:
        try:
            with write_transaction(wide_engine) as session:
                apps.apply(session, actor=student, project_id=wanted.id, statement=STATEMENT)
            outcome["apply"] = "ok"
        except DomainError as refusal:
            outcome["apply"] = refusal

    def approving() -> None:
        # As the screens do: a cascade whose lock set grew runs again (LockSetChanged).
        run_in_transaction(
            wide_engine, lambda s: apps.approve(s, actor=approver, application_id=accepted.id)
        )
        outcome["approve"] = "ok"

    first = threading.Thread(target=applying)
    first.start()
    assert checked.wait(timeout=30)
    second = threading.Thread(target=approving)
    second.start()
    second.join(timeout=1.0)  # the approval waits for the student's lock (or commits: the bug)
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert outcome.get("approve") == "ok", outcome
    with Session(engine) as session:
        live = session.exec(
            select(Application).where(
                Application.student_id == student.id,
                Application.project_id == wanted.id,
                col(Application.status).in_([S.SUBMITTED, S.WAITLISTED, S.ACCEPTED]),
            )
        ).all()
    assert live == [], f"a live application that cannot fit survived: {live}, {outcome}"


def test_bulk_approval_reports_every_item_when_one_fails_unexpectedly(engine, monkeypatch):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approver = h.user(session, Role.FACULTY)
        ids = [
            h.application(
                session, h.user(session, Role.STUDENT), h.project(session, mentor), S.ACCEPTED
            ).id
            for _ in range(3)
        ]
    real_approve = apps.approve

    def flaky(session, *, actor, application_id):
        if application_id == ids[1]:
            raise RuntimeError("disk on fire")
        return real_approve(session, actor=actor, application_id=application_id)

    monkeypatch.setattr(bulk_approval, "approve", flaky)
    results = program.approve_each(engine, actor=approver, application_ids=ids)
    assert [r.application_id for r in results] == ids
    assert [r.ok for r in results] == [True, False, True]
    assert "unexpected" in results[1].message and "disk on fire" not in results[1].message
    assert _statuses(engine, *ids) == [S.APPROVED, S.ACCEPTED, S.APPROVED]


def _deadlock() -> OperationalError:
    class Orig(Exception):
        sqlstate = "40P01"

    return OperationalError("UPDATE project", {}, Orig("deadlock detected"))


def test_a_deadlock_is_retried_without_the_user_seeing_it(engine):
    attempts: list[int] = []

    def work(session: Session) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _deadlock()
        return "done"

    before = db.retries.snapshot().get("deadlock", 0)
    assert run_in_transaction(engine, work) == "done"
    assert len(attempts) == 3
    assert db.retries.snapshot().get("deadlock", 0) == before + 2


def test_a_deadlock_that_keeps_happening_ends_in_a_plain_refusal(engine):
    def work(session: Session) -> None:
        raise _deadlock()

    with pytest.raises(Busy, match="try again"):
        run_in_transaction(engine, work, attempts=2)


def test_other_errors_are_not_retried(engine):
    attempts: list[int] = []

    def work(session: Session) -> None:
        attempts.append(1)
        raise ValueError("a bug, not a collision")

    with pytest.raises(ValueError):
        run_in_transaction(engine, work)
    assert attempts == [1]


def test_a_retried_transaction_leaves_nothing_of_its_failed_attempt(engine):
    with write_transaction(engine) as session:
        owner = h.user(session, Role.ALUMNI)
    attempts: list[int] = []

    def work(session: Session) -> None:
        attempts.append(1)
        h.project(session, owner, title=f"Attempt {len(attempts)}")
        if len(attempts) == 1:
            raise _deadlock()

    run_in_transaction(engine, work)
    with Session(engine) as session:
        titles = [p.title for p in session.exec(select(h.Project)).all()]
    assert titles == ["Attempt 2"]


def test_bulk_approval_waits_out_a_busy_moment(engine, monkeypatch):
    # A deadlock on one item is retried inside approve_each; the item ends approved.
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approver = h.user(session, Role.FACULTY)
        number = h.application(
            session, h.user(session, Role.STUDENT), h.project(session, mentor), S.ACCEPTED
        ).id
    calls: list[float] = []
    real_approve = apps.approve

    def once_deadlocked(session, *, actor, application_id):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise _deadlock()
        return real_approve(session, actor=actor, application_id=application_id)

    monkeypatch.setattr(bulk_approval, "approve", once_deadlocked)
    [result] = program.approve_each(engine, actor=approver, application_ids=[number])
    assert result.ok and len(calls) == 2
    assert _statuses(engine, number) == [S.APPROVED]
