"""Bounded load test (`make load`): concurrent simulated users on SQLite and PostgreSQL.

Each simulated user runs real journeys through the services, one transaction per step, for a
fixed time (and at most a fixed number of steps): students get recommendations, apply and
withdraw; mentors list applicants and accept, waitlist or decline; faculty read the approval
queue and approve or reject; the pairs of running matches log and confirm sessions, exchange
messages and move milestones. A few threads drive the real app script through AppTest sessions.
Domain refusals (a seat gone, hours full, a move already made) are expected outcomes and are
counted apart from errors. At the end an invariant checker reads the whole database.

    python -m tests.reliability.load [--seconds 20] [--sqlite-users 16] [--pg-users 32]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

os.environ.setdefault("BCRYPT_ROUNDS", "4")

from sqlalchemy import Engine, create_engine, func  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from core import applications as apps  # noqa: E402
from core import workspace as ws  # noqa: E402
from core.accounts.profiles import update_profile  # noqa: E402
from core.catalog.matching import recommend  # noqa: E402
from core.commitment import Commitment, weekly_load  # noqa: E402
from core.models import (  # noqa: E402
    LIVE_STATUSES,
    SEAT_STATUSES,
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Project,
    Role,
    User,
)
from core.platform import db  # noqa: E402
from core.platform.db import (  # noqa: E402
    Busy,
    create_db_engine,
    is_sqlite,
    read_session,
    run_in_transaction,
    write_transaction,
)
from core.platform.errors import DomainError  # noqa: E402
from core.platform.migrate import upgrade_to_head  # noqa: E402
from core.program import approve_each  # noqa: E402
from core.projects import cancel_project  # noqa: E402
from core.seed import seed_demo  # noqa: E402
from core.workspace.models import (
    MatchMessage,
    MatchMilestone,
    MatchSession,
    MessageRead,
    MilestoneStatus,
)
from tests import factories as h  # noqa: E402

S = ApplicationStatus
T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
TAGS = ("python", "data-science", "writing", "finance", "genomics", "policy", "web", "design")
MAX_STEPS_PER_USER = 5_000
APPTEST_THREADS = 2


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refusals: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, name: str, step: Callable[[], object]) -> object:
        started = time.perf_counter()
        try:
            result = step()
        except Busy as busy:
            with self.lock:
                self.errors.append(f"{name}: retries exhausted: {busy}"[:300])
            return None
        except DomainError as refusal:
            with self.lock:
                self.refusals[f"{name}: {type(refusal).__name__}"] += 1
                self.latencies[name].append(time.perf_counter() - started)
            return None
        except Exception as error:  # noqa: BLE001 - every unexpected failure is a counted error
            with self.lock:
                self.errors.append(f"{name}: {type(error).__name__}: {error}"[:300])
            return None
        with self.lock:
            self.latencies[name].append(time.perf_counter() - started)
        return result


@dataclass
class World:
    students: list[User]
    mentors: list[User]
    faculty: list[User]
    projects_of: dict[int, list[int]]  # mentor id → project ids
    project_ids: list[int]
    matches: list[tuple[User, User, int]]  # running matches: (student, mentor, application id)


def build_world(engine: Engine, users: int, rng: random.Random) -> World:
    """A program sized to the number of users: busy enough that seats and hours run out."""
    today = date.today()
    with write_transaction(engine) as session:
        h.tags(session, TAGS)
        students = [
            h.user(session, Role.STUDENT, weekly_hours=rng.choice([4, 6, 8, 10]))
            for _ in range(users * 3)
        ]
        for student in students:
            h.interests(session, student, rng.sample(TAGS, 3))
        mentors = [h.user(session, Role.ALUMNI, weekly_hours=40) for _ in range(max(4, users // 2))]
        faculty = [
            h.user(session, Role.FACULTY, weekly_hours=10) for _ in range(max(2, users // 4))
        ]
        projects_of: dict[int, list[int]] = defaultdict(list)
        project_ids = []
        for n in range(users * 3):
            mentor = mentors[n % len(mentors)]
            found = h.project(
                session,
                mentor,
                seats=rng.randint(1, 3),
                student_hours=rng.choice([2, 3, 4, 5]),
                start=today + timedelta(days=14 + 7 * rng.randint(0, 3)),
                duration=rng.randint(2, 6),
                tag_names=rng.sample(TAGS, 2),
            )
            projects_of[mentor.id or 0].append(found.id or 0)
            project_ids.append(found.id or 0)
        matches = [_running_match(session, mentors[n % len(mentors)]) for n in range(users)]
    return World(students, mentors, faculty, dict(projects_of), project_ids, matches)


def _running_match(session: Session, mentor: User) -> tuple[User, User, int]:
    """A match that started three weeks ago, with its milestones, for a student of its own."""
    start = date.today() - timedelta(days=21)
    student = h.user(session, Role.STUDENT, weekly_hours=10)
    found = h.project(
        session, mentor, seats=1, student_hours=2, start=start, deadline=start, duration=8
    )
    for position in (1, 2, 3):
        session.add(
            MilestoneBlueprint(
                project_id=found.id, position=position, title=f"Step {position}", due_week=position
            )
        )
    match = h.application(session, student, found, S.APPROVED)
    ws.start_match_workspace(session, application=match)
    return student, mentor, match.id or 0


# ---------------------------------------------------------------------------- journeys


def write(engine: Engine, work: Callable[[Session], T]) -> T:
    """One write as the screens make it: a transaction run again after a deadlock."""
    return run_in_transaction(engine, work)


def student_journey(engine: Engine, stats: Stats, world: World, rng: random.Random) -> None:
    student = rng.choice(world.students)

    def browse() -> list[int]:
        with read_session(engine) as session:
            return [r.project_id for r in recommend(session, actor=student, limit=10)]

    found = stats.timed("recommend", browse)
    candidates = list(found) if isinstance(found, list) and found else world.project_ids
    target = rng.choice(candidates)

    def apply() -> int:
        return write(
            engine,
            lambda session: (
                apps.apply(session, actor=student, project_id=target, statement=h.STATEMENT).id or 0
            ),
        )

    stats.timed("apply", apply)
    if rng.random() < 0.15:

        def withdraw_one() -> None:
            with read_session(engine) as session:
                mine = apps.list_my_applications(session, actor=student)
            live = [a for a in mine if a.status in (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED)]
            if not live:
                return
            chosen = rng.choice(live).id
            write(
                engine, lambda session: apps.withdraw(session, actor=student, application_id=chosen)
            )

        stats.timed("withdraw", withdraw_one)
    if rng.random() < 0.05:

        def cut_hours() -> None:
            # Lowering one's available hours races approvals of the same student.
            with read_session(engine) as session:
                me = session.get(User, student.id)
                assert me is not None
            write(
                engine,
                lambda session: update_profile(
                    session,
                    actor=student,
                    user_id=student.id or 0,
                    display_name=me.display_name,
                    department=me.department,
                    weekly_hours=max(1.0, me.weekly_hours - 2),
                    blind_review=me.blind_review,
                    interests=list(TAGS[:2]),
                ),
            )

        stats.timed("cut_hours", cut_hours)


def mentor_journey(engine: Engine, stats: Stats, world: World, rng: random.Random) -> None:
    mentor = rng.choice(world.mentors)
    project_id = rng.choice(world.projects_of[mentor.id or 0])

    def applicants() -> list[apps.Applicant]:
        with read_session(engine) as session:
            return apps.list_applicants(session, actor=mentor, project_id=project_id)

    found = stats.timed("applicants", applicants)
    waiting = [
        a
        for a in (found if isinstance(found, list) else [])
        if a.status in (S.SUBMITTED, S.WAITLISTED)
    ]
    if rng.random() < 0.02:

        def cancel() -> None:
            write(
                engine,
                lambda session: cancel_project(
                    session, actor=mentor, project_id=project_id, reason="The team was reassigned."
                ),
            )

        stats.timed("cancel", cancel)
        return
    if not waiting:
        return
    chosen = rng.choice(waiting)
    roll = rng.random()
    if roll < 0.7 or chosen.status is S.WAITLISTED:
        move, name = apps.accept, "accept"
    elif roll < 0.85:
        move, name = apps.waitlist, "waitlist"
    else:
        move, name = apps.decline, "decline"

    def decide() -> None:
        write(
            engine,
            lambda session: move(session, actor=mentor, application_id=chosen.application_id),
        )

    stats.timed(name, decide)


def faculty_journey(engine: Engine, stats: Stats, world: World, rng: random.Random) -> None:
    approver = rng.choice(world.faculty)

    def queue() -> list[apps.QueueItem]:
        with read_session(engine) as session:
            return apps.approval_queue(session, actor=approver, limit=20)

    found = stats.timed("approval_queue", queue)
    items = found if isinstance(found, list) else []
    if not items:
        return
    item = rng.choice(items[:5])
    roll = rng.random()
    if roll < 0.15:

        def bulk() -> None:
            # Bulk approval reports per item; an item that is not a refusal is an error.
            ids = [found.application_id for found in items[:5]]
            for result in approve_each(engine, actor=approver, application_ids=ids):
                if not result.ok and "unexpected" in result.message:
                    raise RuntimeError(result.message)

        stats.timed("bulk_approve", bulk)
    elif roll < 0.85:

        def approve() -> None:
            write(
                engine,
                lambda session: apps.approve(
                    session, actor=approver, application_id=item.application_id
                ),
            )

        stats.timed("approve", approve)
    else:

        def reject() -> None:
            write(
                engine,
                lambda session: apps.reject(
                    session,
                    actor=approver,
                    application_id=item.application_id,
                    reason="Not this term.",
                ),
            )

        stats.timed("reject", reject)


def workspace_journey(engine: Engine, stats: Stats, world: World, rng: random.Random) -> None:
    student, mentor, match_id = rng.choice(world.matches)
    me, other = (student, mentor) if rng.random() < 0.5 else (mentor, student)

    def log() -> None:
        held_on = date.today() - timedelta(days=rng.randint(0, 20))
        minutes = rng.choice([30, 45, 60])
        write(
            engine,
            lambda session: ws.log_session(
                session,
                actor=me,
                application_id=match_id,
                held_on=held_on,
                minutes=minutes,
                summary="Worked through the plan.",
            ),
        )

    stats.timed("log_session", log)

    def confirm() -> None:
        with read_session(engine) as session:
            waiting = ws.open_workspace(session, actor=other, application_id=match_id).view.sessions
        theirs = [s for s in waiting if not s.confirmed and s.author_id == me.id]
        if theirs:
            chosen = rng.choice(theirs).id
            write(
                engine, lambda session: ws.confirm_session(session, actor=other, session_id=chosen)
            )

    stats.timed("confirm_session", confirm)

    def message() -> None:
        write(
            engine,
            lambda session: ws.send_message(
                session, actor=me, application_id=match_id, body="See you soon."
            ),
        )
        write(
            engine,
            lambda session: ws.mark_thread_read(session, actor=other, application_id=match_id),
        )

    stats.timed("message", message)

    def milestone() -> None:
        with read_session(engine) as session:
            view = ws.open_workspace(session, actor=student, application_id=match_id).view
        todo = [m for m in view.milestones if m.status is MilestoneStatus.TODO]
        done = [m for m in view.milestones if m.status is MilestoneStatus.DONE]
        if done and rng.random() < 0.6:
            chosen = rng.choice(done).id
            write(
                engine,
                lambda session: ws.verify_milestone(session, actor=mentor, milestone_id=chosen),
            )
        elif todo:
            chosen = rng.choice(todo).id
            write(
                engine,
                lambda session: ws.mark_milestone_done(session, actor=student, milestone_id=chosen),
            )

    stats.timed("milestone", milestone)


def user_loop(
    engine: Engine, stats: Stats, world: World, seed: int, deadline: float, steps: Counter[str]
) -> None:
    rng = random.Random(seed)
    journeys = (
        [student_journey] * 5
        + [mentor_journey] * 3
        + [faculty_journey] * 2
        + [workspace_journey] * 2
    )
    for _ in range(MAX_STEPS_PER_USER):
        if time.monotonic() >= deadline:
            return
        rng.choice(journeys)(engine, stats, world, rng)
        steps["journeys"] += 1


def apptest_loop(stats: Stats, username: str, deadline: float) -> None:
    """A real app session (AppTest) logging in and rerunning its pages, in a thread."""
    from streamlit.testing.v1 import AppTest

    from core.seed import DEMO_PASSWORD

    def fresh() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        at.text_input[0].input(username)
        at.text_input[1].input(DEMO_PASSWORD)
        at.button[0].click()
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        return at

    found = stats.timed("apptest_login", fresh)
    if found is None:
        return
    at: AppTest = found  # type: ignore[assignment]
    for _ in range(200):
        if time.monotonic() >= deadline:
            return

        def rerun() -> None:
            at.run()
            if at.exception:
                raise RuntimeError(at.exception[0].message)

        stats.timed("apptest_rerun", rerun)


# ---------------------------------------------------------------------------- invariants


def check_invariants(engine: Engine) -> list[str]:
    """Seats, student hours and one live application per project, over the whole database."""
    broken: list[str] = []
    with Session(engine) as session:
        holding = dict(
            session.exec(
                select(Application.project_id, func.count())
                .where(col(Application.status).in_(SEAT_STATUSES))
                .group_by(col(Application.project_id))
            ).all()
        )
        for project in session.exec(select(Project)).all():
            held = holding.get(project.id, 0)
            if project.filled != held or held > project.seats:
                broken.append(
                    f"project {project.id}: filled={project.filled} accepted+approved={held} "
                    f"seats={project.seats}"
                )
        approved = session.exec(
            select(Application.student_id, Project)
            .join(Project, col(Project.id) == Application.project_id)
            .where(Application.status == S.APPROVED)
        ).all()
        spans: dict[int, list[Commitment]] = defaultdict(list)
        for student_id, project in approved:
            spans[student_id].append(
                Commitment(project.start_date, project.end_date, project.student_hours)
            )
        limits = dict(session.exec(select(User.id, User.weekly_hours)).all())
        for student_id, commitments in spans.items():
            load = weekly_load(commitments)
            worst = max(load.values(), default=0)
            if worst > limits[student_id] + 1e-9:
                broken.append(f"student {student_id}: {worst} h > {limits[student_id]} h a week")
        doubles = session.exec(
            select(Application.student_id, Application.project_id, func.count())
            .where(col(Application.status).in_(LIVE_STATUSES))
            .group_by(col(Application.student_id), col(Application.project_id))
            .having(func.count() > 1)
        ).all()
        broken += [f"student {s} has {n} live applications to project {p}" for s, p, n in doubles]
        broken += _workspace_invariants(session)
    return broken


def _workspace_invariants(session: Session) -> list[str]:
    """Sessions confirmed by the other party only; read marks within their thread; milestones
    verified only after being done."""
    broken: list[str] = []
    rows = session.exec(
        select(MatchSession, Application, Project)
        .join(Application, col(Application.id) == MatchSession.application_id)
        .join(Project, col(Project.id) == Application.project_id)
        .where(col(MatchSession.confirmed_at).is_not(None))
    ).all()
    for row, application, project in rows:
        parties = {application.student_id, project.owner_id}
        if row.confirmed_by == row.author_id or row.confirmed_by not in parties:
            broken.append(f"session {row.id}: confirmed by {row.confirmed_by}")
    newest = dict(
        session.exec(
            select(MatchMessage.application_id, func.max(MatchMessage.id)).group_by(
                col(MatchMessage.application_id)
            )
        ).all()
    )
    for mark in session.exec(select(MessageRead)).all():
        if mark.last_read_id > newest.get(mark.application_id, 0):
            broken.append(f"read mark of {mark.user_id} beyond thread {mark.application_id}")
    for milestone in session.exec(
        select(MatchMilestone).where(MatchMilestone.status == MilestoneStatus.VERIFIED)
    ).all():
        if milestone.done_at is None or milestone.verified_at is None:
            broken.append(f"milestone {milestone.id} verified without being done")
    return broken


# ---------------------------------------------------------------------------- run


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(
    label: str,
    engine: Engine,
    users: int,
    seconds: float,
    seed: int,
    *,
    apptest_threads: int = APPTEST_THREADS,
) -> bool:
    """Run the mixed workload once; print what happened; True when nothing broke."""
    rng = random.Random(seed)
    retries_before = db.retries.snapshot()
    world = build_world(engine, users, rng)
    stats = Stats()
    steps: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=user_loop, args=(engine, stats, world, seed * 1000 + n, deadline, steps)
        )
        for n in range(users)
    ]
    threads += [
        threading.Thread(target=apptest_loop, args=(stats, name, deadline))
        for name in ("demo-student", "demo-faculty")[:apptest_threads]
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    broken = check_invariants(engine)
    with Session(engine) as session:
        by_status = Counter(session.exec(select(Application.status)).all())

    operations = sum(len(v) for v in stats.latencies.values())
    print(
        f"\n== {label}: {users} simulated users + {apptest_threads} AppTest sessions, "
        f"{elapsed:.1f}s"
    )
    print(
        f"   {operations} operations ({operations / elapsed:.0f}/s), {steps['journeys']} journeys"
    )
    print(f"   {'operation':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name in sorted(stats.latencies):
        values = stats.latencies[name]
        print(
            f"   {name:<16}{len(values):>7}{_percentile(values, 0.5) * 1000:>9.1f}"
            f"{_percentile(values, 0.95) * 1000:>9.1f}{max(values) * 1000:>9.1f}"
        )
    writes = [
        v
        for k, vs in stats.latencies.items()
        if k in ("apply", "accept", "waitlist", "decline", "approve", "reject", "withdraw")
        for v in vs
    ]
    print(
        f"   writes: {len(writes)} ({len(writes) / elapsed:.0f}/s), p50 "
        f"{statistics.median(writes) * 1000 if writes else 0:.1f} ms, p95 "
        f"{_percentile(writes, 0.95) * 1000:.1f} ms"
    )
    print(f"   domain refusals (expected outcomes): {sum(stats.refusals.values())}")
    for name, count in stats.refusals.most_common():
        print(f"     {name}: {count}")
    print(f"   applications by status: {dict(sorted((k.value, v) for k, v in by_status.items()))}")
    after = db.retries.snapshot()
    retried = {cause: after[cause] - retries_before.get(cause, 0) for cause in after}
    retried = {cause: count for cause, count in retried.items() if count}
    print(
        f"   deadlocks (broken by PostgreSQL, retried): {retried.get('deadlock', 0)}; "
        f"transactions run again: {sum(retried.values())} {retried or ''}".rstrip()
    )
    print(f"   errors: {len(stats.errors)}")
    for error in stats.errors[:10]:
        print(f"     {error}")
    print(f"   broken invariants: {len(broken)}")
    for problem in broken[:10]:
        print(f"     {problem}")
    return not stats.errors and not broken


def _point_app_at(url: str, folder: Path) -> None:
    """The AppTest sessions read their database and key from the environment."""
    import streamlit as st

    from core.platform.settings import get_settings

    os.environ["DATABASE_URL"] = url
    os.environ["DATA_DIR"] = str(folder)
    os.environ["COOKIE_KEY"] = secrets.token_urlsafe(48)
    get_settings.cache_clear()
    st.cache_resource.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sqlite-users", type=int, default=16)
    parser.add_argument("--pg-users", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-runs", type=int, default=3, help="consecutive PostgreSQL runs")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    ok = True
    folder = Path(tempfile.mkdtemp(prefix="mentoring-load-"))
    if args.only in (None, "sqlite"):
        url = f"sqlite:///{folder / 'load.db'}"
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        seed_demo(engine)
        _point_app_at(url, folder)
        ok &= run("SQLite", engine, args.sqlite_users, args.seconds, args.seed)
        engine.dispose()
    if args.only in (None, "postgres"):
        from tests.pg import ThrowawayPostgres

        server = ThrowawayPostgres().start()
        try:
            for number in range(1, args.pg_runs + 1):
                url = server.create_database(f"load{number}")
                migrated = create_db_engine(url)
                upgrade_to_head(migrated)
                seed_demo(migrated)
                migrated.dispose()
                # One pooled connection per simulated user, as several app processes would hold.
                engine = create_engine(url, pool_size=args.pg_users + 8, max_overflow=0)
                assert not is_sqlite(engine)
                _point_app_at(url, folder)
                label = f"PostgreSQL, run {number} of {args.pg_runs}"
                ok &= run(label, engine, args.pg_users, args.seconds, args.seed + number)
                engine.dispose()
        finally:
            server.stop()
    print("\nLOAD TEST PASSED: zero errors, zero broken invariants" if ok else "\nLOAD TEST FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
