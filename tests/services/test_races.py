"""Real threads racing for the last seat and for one student's hours, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, create_engine, func
from sqlmodel import Session, col, select

from core import applications as apps
from core.commitment import Commitment, weekly_load
from core.models import SEAT_STATUSES, Application, ApplicationStatus, Project, Role, User
from core.platform.db import is_sqlite, write_transaction
from core.platform.errors import CapacityExceeded, DomainError, InvalidTransition, OverCommitted
from tests import factories as h

S = ApplicationStatus
THREADS = 20
SEAT_ROUNDS = 50
HOURS_ROUNDS = 20


@pytest.fixture
def racing_engine(engine: Engine):
    """The test database, with a pool big enough that every thread holds its own connection."""
    if is_sqlite(engine):
        yield engine
        return
    wide = create_engine(
        engine.url.render_as_string(hide_password=False), pool_size=THREADS + 2, max_overflow=0
    )
    yield wide
    wide.dispose()


def _race(pool: ThreadPoolExecutor, engine: Engine, jobs: list) -> list[object]:
    """Start every job at the same moment, each in its own write transaction."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait(timeout=30)
        try:
            with write_transaction(engine) as session:
                job(session)
            return "ok"
        except DomainError as error:
            return error
        except Exception as error:  # noqa: BLE001 - report anything unexpected in the assertion
            return error

    return list(pool.map(run, jobs))


def _accept(session: Session, *, mentor: User, app_id: int) -> None:
    apps.accept(session, actor=mentor, application_id=app_id)


def _approve(session: Session, *, approver: User, app_id: int) -> None:
    apps.approve(session, actor=approver, application_id=app_id)


def _seat_count_matches(engine: Engine, project_id: int) -> tuple[int, int]:
    with Session(engine) as session:
        filled = session.get(Project, project_id).filled
        holding = session.exec(
            select(func.count())
            .select_from(Application)
            .where(Application.project_id == project_id, col(Application.status).in_(SEAT_STATUSES))
        ).one()
    return filled, holding


def test_twenty_accepts_for_the_last_seat_give_exactly_one(racing_engine, engine, record_property):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        holder = h.user(session, Role.STUDENT, weekly_hours=40)
        students = [h.user(session, Role.STUDENT, weekly_hours=40) for _ in range(THREADS)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for _ in range(SEAT_ROUNDS):
            with write_transaction(engine) as session:
                project = h.project(session, mentor, seats=3, student_hours=1)
                h.application(session, holder, project, S.ACCEPTED)
                h.application(session, h.user(session, Role.STUDENT), project, S.APPROVED)
                ids = [h.application(session, s, project).id for s in students]
            jobs = [partial(_accept, mentor=mentor, app_id=app_id) for app_id in ids]
            outcomes = _race(pool, racing_engine, jobs)
            kinds = Counter(type(o).__name__ if o != "ok" else "ok" for o in outcomes)
            assert kinds == {"ok": 1, "CapacityExceeded": THREADS - 1}, outcomes
            assert all(isinstance(o, CapacityExceeded) for o in outcomes if o != "ok")
            assert _seat_count_matches(engine, project.id) == (3, 3)
    elapsed = time.monotonic() - started
    record_property("seat_race_seconds", round(elapsed, 2))
    print(
        f"\n{engine.dialect.name}: {SEAT_ROUNDS} seat races of {THREADS} threads in {elapsed:.1f}s"
    )
    assert elapsed < 60


def _approved_load(engine: Engine, student_id: int) -> dict[date, float]:
    with Session(engine) as session:
        rows = session.exec(
            select(Project)
            .join(Application, col(Application.project_id) == Project.id)
            .where(Application.student_id == student_id, Application.status == S.APPROVED)
        ).all()
    return weekly_load(Commitment(p.start_date, p.end_date, p.student_hours) for p in rows)


def test_concurrent_approvals_never_overcommit_one_student(racing_engine, engine, record_property):
    start = date.today() + timedelta(days=14)
    with write_transaction(engine) as session:
        faculty = [h.user(session, Role.FACULTY) for _ in range(5)]
        mentor = h.user(session, Role.ALUMNI)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for round_number in range(HOURS_ROUNDS):
            with write_transaction(engine) as session:
                student = h.user(session, Role.STUDENT, weekly_hours=8)
                # Six overlapping projects of 3 h a week (staggered starts): at most two fit.
                projects = [
                    h.project(
                        session,
                        mentor,
                        seats=2,
                        student_hours=3,
                        start=start + timedelta(days=7 * (n % 3)),
                        duration=4,
                    )
                    for n in range(6)
                ]
                ids = [h.application(session, student, p, S.ACCEPTED).id for p in projects]
            jobs = [
                partial(_approve, approver=faculty[n % len(faculty)], app_id=app_id)
                for n, app_id in enumerate(ids)
            ]
            outcomes = _race(pool, racing_engine, jobs)
            unexpected = [
                o
                for o in outcomes
                if o != "ok" and not isinstance(o, OverCommitted | InvalidTransition)
            ]
            assert not unexpected, unexpected
            load = _approved_load(engine, student.id)
            assert load and max(load.values()) <= 8, (round_number, load, outcomes)
            assert outcomes.count("ok") >= 1
            for project in projects:
                filled, holding = _seat_count_matches(engine, project.id)
                assert filled == holding
            with Session(engine) as session:
                refreshed = session.get(User, student.id)
                assert refreshed is not None and refreshed.weekly_hours == 8
    elapsed = time.monotonic() - started
    record_property("hours_race_seconds", round(elapsed, 2))
    print(f"\n{engine.dialect.name}: {HOURS_ROUNDS} hour races of 6 approvals in {elapsed:.1f}s")
    assert elapsed < 60


def test_twenty_simultaneous_approvals_of_the_last_seat_give_exactly_one_match(
    racing_engine, engine
):
    # The last seat is held by one accepted application; twenty approvers press "approve" at
    # once (e.g. a bulk approval in two tabs plus colleagues): exactly one match results.
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approvers = [h.user(session, Role.FACULTY) for _ in range(THREADS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for _ in range(10):
            with write_transaction(engine) as session:
                project = h.project(session, mentor, seats=2, student_hours=1)
                h.application(session, h.user(session, Role.STUDENT), project, S.APPROVED)
                last = h.application(session, h.user(session, Role.STUDENT), project, S.ACCEPTED)
            jobs = [partial(_approve, approver=a, app_id=last.id) for a in approvers]
            outcomes = _race(pool, racing_engine, jobs)
            kinds = Counter(type(o).__name__ if o != "ok" else "ok" for o in outcomes)
            assert kinds == {"ok": 1, "InvalidTransition": THREADS - 1}, outcomes
            with Session(engine) as session:
                matches = session.exec(
                    select(func.count()).where(
                        Application.project_id == project.id, Application.status == S.APPROVED
                    )
                ).one()
                approvals = h.audit_rows(engine, action="application.approve", entity_id=last.id)
            assert matches == 2 and len(approvals) == 1
            assert _seat_count_matches(engine, project.id) == (2, 2)
