"""`make bench`: server time, SQL statements and memory of every screen on a generated profile.

For each screen of pages/components/navigation.py SCREENS, as a logged-in demo user of each role
that may open it, the app is rendered in AppTest: warm-up reruns, then timed reruns (median and
p95 of `at.run()`), counting the SQL statements each render sends. Every screen is measured in
`--sweeps` passes over all screens (three by default) and keeps its fastest pass: this machine's
speed drifts for minutes at a time, and noise only ever adds time. A bare Streamlit page gives the
floor: it is timed just before and just after each screen, and a screen's floor ratio divides its
median by the bare page's of the same second or two. The elements of browse and of the approval
queue are also drawn alone (bench/elements_alone: no app code), timed the same way, as the part
of those screens' time that is Streamlit's own. Write services run on real rows inside a
transaction that is rolled back, so the benchmark database stays as generated. Results go to
stdout and build/bench.json.

    python -m bench.run --profile medium            # SQLite file build/bench-medium.db
    DATABASE_URL=postgresql+psycopg://… python -m bench.run --profile large
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
RESULTS = BUILD / "bench.json"
BARE_PAGE = Path(__file__).resolve().parent / "bare_page.py"
# Screens whose elements are also measured alone (bench/elements_alone): result name → page.
ELEMENTS_ALONE = {
    "browse": Path(__file__).resolve().parent / "elements_alone" / "browse.py",
    "approvals@faculty": Path(__file__).resolve().parent / "elements_alone" / "approvals.py",
}

# The demo accounts play each role: the generator gives them a heavy share of the activity.
ROLE_USERS = {
    "student": "demo-student",
    "alumni": "demo-alumni",
    "faculty": "demo-faculty",
    "admin": "demo-admin",
}
# DESIGN §6 page budgets at `large` (median ms), matched on the screen's url_path.
PAGE_BUDGETS = (
    ("browse", 250.0),
    ("recommend", 250.0),
    ("applicants", 150.0),
    ("approval", 150.0),
    ("workspace", 150.0),
    ("match", 150.0),
    ("dashboard", 400.0),
)
WRITE_BUDGETS = {"apply": 25.0, "approve": 50.0}
MAX_STATEMENTS = 15
FLOOR_RATIO = 4.0
RSS_BUDGET_MB = 350.0


@dataclass
class Result:
    name: str
    profile: str
    median_ms: float
    p95_ms: float
    statements: int | None
    floor_ratio: float | None
    database: str = "sqlite"
    kind: str = "page"
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    # `statements` is the typical render (median); the most is kept apart: the app's periodic
    # housekeeping (expiry, at-risk flagging: at most hourly per process) adds a few
    # statements to one render now and then.
    statements_max: int | None = None
    cpu_ms: float | None = None  # median process CPU time (less sensitive to contention)
    floor_ms: float | None = None  # the bare page's median, timed just before and after this one


# ------------------------------------------------------------------------------ statement counting


class StatementCounter:
    """Counts the statements the engine sends (before_cursor_execute) and times them."""

    def __init__(self) -> None:
        self.count = 0
        self.timed: list[tuple[float, str]] = []
        self._started = 0.0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def done(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.timed.append(((time.perf_counter() - self._started) * 1000, statement))

    def slowest(self, count: int = 3) -> list[tuple[float, str]]:
        return sorted(self.timed, reverse=True)[:count]

    @contextmanager
    def window(self) -> Iterator[StatementCounter]:
        self.count = 0
        self.timed = []
        yield self


COUNTER = StatementCounter()


def watch(engine: Engine) -> None:
    if not event.contains(engine, "before_cursor_execute", COUNTER):
        event.listen(engine, "before_cursor_execute", COUNTER)
        event.listen(engine, "after_cursor_execute", COUNTER.done)


# ------------------------------------------------------------------------------ helpers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def database_kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def stale_reason(engine: Engine, profile: str) -> str | None:
    """Why generated data predates the generator (tables it now fills are empty), or None.

    A database generated before a migration is upgraded in place, but the new tables stay
    empty: e.g. workspace sessions, which the generator writes only when their table exists.
    """
    from bench.bulkseed import PROFILES

    wanted = PROFILES.get(profile)
    if wanted is None or wanted.sessions <= 0 or not _has_table(engine, "match_session"):
        return None
    if _scalar(engine, "SELECT COUNT(*) FROM (SELECT 1 FROM match_session LIMIT 1) s"):
        return None
    return "generated before the workspace tables: no match sessions"


def generate_apart(url: str, profile: str, seed: int) -> None:
    """Generate the profile in a child process (`python -m core seed`).

    The generator holds a few hundred MB at its peak; run in this process, that peak would be
    reported as the app's resident memory after rendering every page.
    """
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "core", "seed", profile, "--seed", str(seed)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def prepare_database(url: str, profile: str, seed: int) -> Engine:
    """Migrate the database and generate the profile into it when it is missing or stale.

    A stale SQLite file is generated again into a fresh file that then replaces it (the
    generator refuses a database that already holds generated rows); a stale server database
    has to be dropped by hand.
    """
    from core.platform.db import create_db_engine
    from core.platform.migrate import upgrade_to_head

    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with engine.connect() as conn:
        present = conn.execute(text("SELECT 1 FROM app_user WHERE username = 'student1'")).first()
    if present is None:
        print(f"Generating the {profile} profile into {engine.url.render_as_string()} …")
        generate_apart(url, profile, seed)
        return engine
    reason = stale_reason(engine, profile)
    if reason is None:
        return engine
    target = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not target:
        raise SystemExit(f"The {profile} database is stale ({reason}); drop it and run again.")
    engine.dispose()
    fresh = Path(f"{target}.new")
    fresh.unlink(missing_ok=True)
    print(f"The {profile} profile is stale ({reason}); generating it again into {fresh} …")
    generate_apart(f"sqlite:///{fresh}", profile, seed)
    fresh.replace(target)
    return create_db_engine(url)


def point_app_at(url: str, data_dir: Path) -> None:
    """Configure the app (as the test fixtures do) and clear its caches."""
    import streamlit as st  # noqa: TID251 (the bench drives the app)

    from core.platform.settings import get_settings

    os.environ["DATABASE_URL"] = url
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["COOKIE_KEY"] = secrets.token_urlsafe(48)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def rerun_like_a_server() -> None:
    """Keep between AppTest runs the two things a Streamlit server keeps between reruns.

    AppTest builds a fresh script cache for every run, so the entry script is compiled again each
    time, and it forgets that st.navigation switched the legacy `pages/` folder mode off, so every
    run first lists that folder and compiles the page's file as a script of its own. A server
    does both once per process. The bare page and the app's screens are measured alike.
    """
    from streamlit.runtime.pages_manager import PagesManager  # noqa: TID251
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: TID251
    from streamlit.testing.v1 import app_test, local_script_runner  # noqa: TID251

    if getattr(app_test, "_bench_server_like", False):
        return
    shared = ScriptCache()

    class ServerPagesManager(PagesManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # A server's first run calls st.navigation, which sets the flag to False for good.
            PagesManager.uses_pages_directory = False
            super().__init__(*args, **kwargs)

    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[attr-defined]
    app_test.PagesManager = ServerPagesManager  # type: ignore[attr-defined]
    app_test._bench_server_like = True  # type: ignore[attr-defined]


def new_app(script: Path) -> Any:
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    return AppTest.from_file(str(script), default_timeout=120)


def log_in(username: str) -> Any:
    from core.seed import DEMO_PASSWORD
    from pages.components.auth import PENDING_COOKIE

    at = new_app(ROOT / "app.py").run()
    inputs = {w.label: w for w in at.text_input}
    (inputs.get("Username") or at.text_input[0]).input(username)
    (inputs.get("Password") or at.text_input[1]).input(DEMO_PASSWORD)
    button = next((b for b in at.button if b.label == "Log in"), at.button[0])
    button.click()
    at.run()
    if at.exception or any(b.label == "Log in" for b in at.button):
        raise RuntimeError(f"could not log in as {username}")
    # A browser writes the login cookie within its first reruns and the writer component then
    # reports it, so a real session stops rendering the writer; AppTest runs no component.
    if PENDING_COOKIE in at.session_state:
        del at.session_state[PENDING_COOKIE]
    return at


def errors_of(at: Any) -> list[str]:
    return [str(e.value)[:200] for e in at.exception]


def element_kinds(at: Any) -> Counter[str]:
    """Count the elements and blocks of the last run by kind (a Markdown, a column, a link…)."""
    kinds: Counter[str] = Counter()

    def walk(node: Any) -> None:
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            name = type(child).__name__
            if name in ("Block", "UnknownElement"):  # containers, columns… say what they are
                name = getattr(child, "type", name)
            kinds[name] += 1
            walk(child)

    walk(at._tree)
    return kinds


def kind_differences(screen: Counter[str], alone: Counter[str]) -> str:
    """Say how an elements-alone page differs from its screen (empty when they draw the same)."""
    return ", ".join(
        f"{kind} {screen[kind]} vs {alone[kind]}"
        for kind in sorted(set(screen) | set(alone))
        if screen[kind] != alone[kind]
    )


CPU_MS: list[float] = []  # process CPU time of the last time_runs() call's timed runs


FLOOR_MS: list[float] = []  # the bare page's times around the last time_runs() call
FLOOR_WARMUP = 2


def _time_floor(floor: Any, runs: int) -> None:
    for _ in range(FLOOR_WARMUP):
        floor.run()
    for _ in range(runs):
        started = time.perf_counter()
        floor.run()
        FLOOR_MS.append((time.perf_counter() - started) * 1000)


def time_runs(
    at: Any, warmup: int, runs: int, floor: Any = None
) -> tuple[list[float], list[int], list[str]]:
    """Rerun warm: return the milliseconds and statement counts of the timed runs.

    The process CPU time of each run is kept in CPU_MS: on a contended machine the wall time
    includes waiting for a core, the CPU time much less so (AppTest runs the script in this
    process, and SQLite runs in it too). Given the bare page's AppTest as `floor`, the bare
    page is timed just before and just after, into FLOOR_MS: the machine's speed drifts, and a
    screen's floor ratio is only fair against the floor measured in the same second or two.
    Each is timed in a block of its own, warm: a rerun right after a different script runs on
    cold processor caches and takes longer (0.2–0.8 ms more for the bare page), which would flatter
    the ratio.
    """
    FLOOR_MS.clear()
    if floor is not None:
        _time_floor(floor, runs)
    for _ in range(warmup):
        at.run()
    times, counts = [], []
    CPU_MS.clear()
    for _ in range(runs):
        with COUNTER.window():
            started, cpu = time.perf_counter(), time.process_time()
            at.run()
            times.append((time.perf_counter() - started) * 1000)
            CPU_MS.append((time.process_time() - cpu) * 1000)
            counts.append(COUNTER.count)
    if floor is not None:
        _time_floor(floor, runs)
    return times, counts, errors_of(at)


# ------------------------------------------------------------------------------ page parameters


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        row = conn.execute(text(sql), params).first()
    return row[0] if row else None


def _user_id(engine: Engine, username: str) -> int:
    return int(_scalar(engine, "SELECT id FROM app_user WHERE username = :u", u=username))


def _open_project(engine: Engine, _uid: int) -> Any:
    """An open project a student can still apply to: the one with the most applications."""
    return _scalar(
        engine,
        "SELECT p.id FROM project p WHERE p.status = 'open' AND p.deadline >= :today "
        "ORDER BY (SELECT COUNT(*) FROM application a WHERE a.project_id = p.id) DESC, p.id "
        "LIMIT 1",
        today=date.today().isoformat(),
    )


def _mentor_project(engine: Engine, uid: int) -> Any:
    """The mentor's project with the most applicants."""
    return _scalar(
        engine,
        "SELECT p.id FROM project p JOIN application a ON a.project_id = p.id "
        "WHERE p.owner_id = :u GROUP BY p.id ORDER BY COUNT(*) DESC, p.id LIMIT 1",
        u=uid,
    )


def _running_match(engine: Engine, uid: int) -> Any:
    """An approved (running) match the user is a party of: the one with the most sessions."""
    sessions = "0"
    if _has_table(engine, "match_session"):
        sessions = "(SELECT COUNT(*) FROM match_session s WHERE s.application_id = a.id)"
    return _scalar(
        engine,
        "SELECT a.id FROM application a JOIN project p ON p.id = a.project_id "
        "WHERE a.status = 'approved' AND (a.student_id = :u OR p.owner_id = :u) "
        f"ORDER BY {sessions} DESC, a.id LIMIT 1",
        u=uid,
    )


def _own_application(engine: Engine, uid: int) -> Any:
    """The student's most recent application (its timeline opens)."""
    return _scalar(
        engine,
        "SELECT id FROM application WHERE student_id = :u ORDER BY id DESC LIMIT 1",
        u=uid,
    )


# The query parameters a real user arrives with, per screen (url_path) and role: the link
# they followed. A screen not listed opens as it does from the menu. Each entry names the
# parameter (the page's own constant) and how to find a heavy, real row for it.
def _busiest_mentor(engine: Engine, _uid: int) -> int:
    return _user_id(engine, ROLE_USERS["alumni"])


PAGE_PARAMS: dict[tuple[str, str], tuple[str, Callable[[Engine, int], Any]]] = {
    ("project", "student"): ("id", _open_project),  # pages/student/project.py PROJECT_ID_PARAM
    ("applicants", "alumni"): ("project", _mentor_project),  # pages/components/mentor.py
    ("applicants", "faculty"): ("project", _mentor_project),
    ("questions", "alumni"): ("project", _mentor_project),  # pages/components/mentor.py
    ("questions", "faculty"): ("project", _mentor_project),
    ("matches", "student"): ("match", _running_match),  # pages/shared/matches.py MATCH_PARAM
    ("matches", "alumni"): ("match", _running_match),
    ("matches", "faculty"): ("match", _running_match),
    ("my-applications", "student"): ("application", _own_application),
    ("passport", "faculty"): ("student", lambda _engine, _uid: "demo-student"),
    ("passport", "admin"): ("student", lambda _engine, _uid: "demo-student"),
    # The busiest mentor's profile (pages/shared/mentor.py MENTOR_ID_PARAM), for every role.
    **{("mentor", role): ("id", _busiest_mentor) for role in ROLE_USERS},
}
# Screens that only make sense with their parameter: without a row for it they are skipped.
NEEDS_PARAM = {"project", "applicants"}


def page_params(engine: Engine, url_path: str, role: str, username: str) -> dict[str, str]:
    """The query parameters of `url_path` for `role`, filled with a real (heavy) row."""
    wanted = PAGE_PARAMS.get((url_path, role))
    if wanted is None:
        return {}
    name, find = wanted
    value = find(engine, _user_id(engine, username))
    return {name: str(value)} if value is not None else {}


def _has_table(engine: Engine, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table(name)


# ------------------------------------------------------------------------------ pages


def screen_available(module: str) -> str | None:
    """Why a registered screen cannot be measured (its module is missing or broken), or None."""
    import importlib
    import importlib.util

    try:
        if importlib.util.find_spec(module) is None:
            return "module not built yet"
        importlib.import_module(module)
    except Exception as error:  # a screen being built by someone else: skipped, reported
        return f"does not import ({type(error).__name__}: {error})"[:160]
    return None


def measure_pages(
    engine: Engine,
    profile: str,
    kind: str,
    warmup: int,
    runs: int,
    only: set[str] | None,
    slow: bool = False,
) -> list[Result]:
    from streamlit.util import calc_hash  # noqa: TID251

    from core.models import Role
    from pages.components.navigation import SCREENS, screens_for

    results = []
    bare = new_app(BARE_PAGE).run()
    roles_of: dict[str, int] = {}
    for screen in SCREENS:
        roles_of[screen.url_path] = len(screen.roles)
    for role in Role:
        username = ROLE_USERS[role.value]
        at = log_in(username)
        for screen in screens_for(role):
            if only and screen.url_path not in only:
                continue
            name = screen.url_path
            if roles_of[name] > 1:
                name = f"{name}@{role.value}"
            missing = screen_available(screen.module)
            if missing:
                print(f"  {name:<28} skipped: {missing}")
                continue
            params = page_params(engine, screen.url_path, role.value, username)
            if screen.url_path in NEEDS_PARAM and not params:
                print(f"  {name:<28} skipped: no row for its query parameter")
                continue
            at.query_params.clear()
            at.query_params.update(params)
            at._page_hash = calc_hash(screen.url_path)
            times, counts, errors = time_runs(at, warmup, runs, floor=bare)
            median_ms, floor_ms = statistics.median(times), statistics.median(FLOOR_MS)
            if name in ELEMENTS_ALONE:
                SCREEN_KINDS[name] = element_kinds(at)
            results.append(
                Result(
                    name=name,
                    profile=profile,
                    median_ms=round(median_ms, 1),
                    p95_ms=round(percentile(times, 0.95), 1),
                    statements=round(statistics.median(counts)),
                    floor_ratio=round(median_ms / floor_ms, 2),
                    database=kind,
                    runs=runs,
                    errors=errors,
                    params=params,
                    statements_max=max(counts),
                    cpu_ms=round(statistics.median(CPU_MS), 1),
                    floor_ms=round(floor_ms, 2),
                )
            )
            shown = "&".join(f"{k}={v}" for k, v in params.items())
            print(
                f"  {name:<28} {results[-1].median_ms:>8.1f} ms  "
                f"{results[-1].statements:>3} statements (most {max(counts)})  "
                f"bare page {floor_ms:.1f} ms" + (f"  ?{shown}" if shown else "")
            )
            if slow:
                for ms, statement in COUNTER.slowest():
                    print(f"      {ms:7.1f} ms  {' '.join(statement.split())[:150]}")
    return results


SCREEN_KINDS: dict[str, Counter[str]] = {}  # the last measured render of each ELEMENTS_ALONE screen


def measure_elements_alone(
    profile: str, kind: str, warmup: int, runs: int, only: set[str] | None
) -> list[Result]:
    """Time each ELEMENTS_ALONE page like a screen, and check it draws what its screen drew."""
    results = []
    bare = new_app(BARE_PAGE).run()
    for screen, script in ELEMENTS_ALONE.items():
        if only and screen.split("@")[0] not in only:
            continue
        at = new_app(script).run()
        times, _, errors = time_runs(at, warmup, runs, floor=bare)
        differences = kind_differences(SCREEN_KINDS.get(screen, Counter()), element_kinds(at))
        if differences:
            errors.append(f"draws other elements than {screen}: {differences}")
        median_ms, floor_ms = statistics.median(times), statistics.median(FLOOR_MS)
        results.append(
            Result(
                name=f"elements of {screen.split('@')[0]}",
                profile=profile,
                median_ms=round(median_ms, 1),
                p95_ms=round(percentile(times, 0.95), 1),
                statements=0,
                floor_ratio=round(median_ms / floor_ms, 2),
                database=kind,
                kind="elements",
                runs=runs,
                errors=errors,
                cpu_ms=round(statistics.median(CPU_MS), 1),
                floor_ms=round(floor_ms, 2),
            )
        )
        same = differences or "the same elements as the screen"
        print(
            f"  {results[-1].name:<28} {median_ms:>8.1f} ms  bare page {floor_ms:.1f} ms  ({same})"
        )
    return results


def measure_bare(
    profile: str, kind: str, warmup: int, runs: int, earlier: list[float] | None = None
) -> tuple[Result, list[float]]:
    """The floor; measured before and after the pages, both samples pooled."""
    at = new_app(BARE_PAGE).run()
    times, counts, errors = time_runs(at, warmup, runs)
    times = [*(earlier or []), *times]
    return Result(
        "bare page",
        profile,
        round(statistics.median(times), 1),
        round(percentile(times, 0.95), 1),
        max(counts),
        1.0,
        kind,
        "floor",
        len(times),
        errors,
    ), times


# ------------------------------------------------------------------------------ writes


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Any]:
    """A write transaction like core.platform.db.write_transaction, rolled back at the end."""
    from sqlmodel import Session

    from core.platform.db import is_sqlite

    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.flush()
        finally:
            session.rollback()


def _users(engine: Engine, ids: list[int]) -> dict[int, Any]:
    from sqlmodel import Session, col, select

    from core.models import User

    with Session(engine, expire_on_commit=False) as session:
        users = session.exec(select(User).where(col(User.id).in_(ids))).all()
        return {int(u.id or 0): u for u in users}


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def write_cases(engine: Engine, runs: int) -> dict[str, list[tuple[Callable[[Any], Any], int]]]:
    """For each write service, up to `runs` calls on distinct real rows: (call, actor id)."""
    from core import applications as apps
    from core.seed import STATEMENT

    today = date.today().isoformat()
    limit = runs * 4
    cases: dict[str, list[tuple[Callable[[Any], Any], int]]] = {}
    projects = _rows(
        engine,
        "SELECT id FROM project WHERE status = 'open' AND deadline >= :today "
        "AND screening_question IS NULL AND filled < seats ORDER BY id LIMIT :n",
        today=today,
        n=limit,
    )
    students = _rows(
        engine,
        "SELECT id FROM app_user WHERE role = 'student' AND is_active "
        "AND username LIKE 'student%' ORDER BY id LIMIT :n OFFSET 500",
        n=limit,
    )
    cases["apply"] = [
        (_call(apps.apply, project_id=pid, statement=STATEMENT), sid)
        for (pid,), (sid,) in zip(projects, students, strict=False)
    ]
    rows = _rows(
        engine,
        "SELECT a.id, p.owner_id FROM application a JOIN project p ON p.id = a.project_id "
        "WHERE a.status = 'submitted' AND p.status = 'open' AND p.filled < p.seats "
        "ORDER BY a.id LIMIT :n",
        n=limit,
    )
    cases["accept"] = [(_call(apps.accept, application_id=aid), owner) for aid, owner in rows]
    approver = _scalar(
        engine,
        "SELECT id FROM app_user WHERE role = 'faculty' AND program_wide AND is_active "
        "ORDER BY id LIMIT 1",
    ) or _user_id(engine, "demo-admin")
    rows = _rows(
        engine,
        "SELECT a.id FROM application a JOIN project p ON p.id = a.project_id "
        "WHERE a.status = 'accepted' AND p.owner_id != :approver AND (SELECT COUNT(*) "
        "FROM application o WHERE o.student_id = a.student_id AND o.status IN "
        "('submitted', 'waitlisted', 'accepted')) >= 3 ORDER BY a.id LIMIT :n",
        approver=approver,
        n=limit,
    )
    cases["approve"] = [(_call(apps.approve, application_id=aid), approver) for (aid,) in rows]
    rows = _rows(
        engine,
        "SELECT a.id, a.student_id FROM application a WHERE a.status = 'accepted' AND EXISTS "
        "(SELECT 1 FROM application w WHERE w.project_id = a.project_id "
        "AND w.status = 'waitlisted') ORDER BY a.id LIMIT :n",
        n=limit,
    )
    cases["withdraw"] = [(_call(apps.withdraw, application_id=aid), sid) for aid, sid in rows]
    session_case = _log_session_cases(engine, limit)
    if session_case:
        cases["log session"] = session_case
    return cases


def _call(service: Callable[..., Any], **kwargs: Any) -> Callable[[Any], Any]:
    def run(context: tuple[Any, Any]) -> Any:
        actor, session = context
        return service(session, actor=actor, **kwargs)

    return run


def _log_session_cases(engine: Engine, limit: int) -> list[tuple[Callable[[Any], Any], int]]:
    """Logging a workspace session, when the workspace service exists."""
    try:
        import core.workspace as workspace
    except ImportError:
        return []
    service = getattr(workspace, "log_session", None)
    if service is None:
        return []
    rows = _rows(
        engine,
        "SELECT a.id, a.student_id, p.start_date FROM application a "
        "JOIN project p ON p.id = a.project_id WHERE a.status = 'approved' "
        "AND p.start_date <= :today ORDER BY a.id LIMIT :n",
        today=date.today().isoformat(),
        n=limit,
    )
    cases: list[tuple[Callable[[Any], Any], int]] = []
    for aid, sid, _start in rows:

        def run(context: tuple[Any, Any], aid: int = aid) -> Any:
            actor, session = context
            return service(
                session,
                actor=actor,
                application_id=aid,
                held_on=date.today(),
                minutes=45,
                summary="Went through the draft together.",
            )

        cases.append((run, sid))
    return cases


def timed_result(
    name: str,
    profile: str,
    kind: str,
    what: str,
    times: list[float],
    counts: list[int],
    errors: list[str] | None = None,
) -> Result:
    """Summarise timed service calls (ms) and their statement counts as one result."""
    return Result(
        name=name,
        profile=profile,
        median_ms=round(statistics.median(times), 1),
        p95_ms=round(percentile(times, 0.95), 1),
        statements=max(counts),
        floor_ratio=None,
        database=kind,
        kind=what,
        runs=len(times),
        errors=errors or [],
    )


def measure_writes(engine: Engine, profile: str, kind: str, runs: int) -> list[Result]:
    from core.platform.errors import DomainError

    results = []
    for name, calls in write_cases(engine, runs).items():
        actors = _users(engine, sorted({actor for _, actor in calls}))
        times: list[float] = []
        counts: list[int] = []
        errors: list[str] = []
        skipped: list[str] = []
        for call, actor_id in calls:
            if len(times) >= runs:
                break
            with COUNTER.window():
                started = time.perf_counter()
                try:
                    with rolled_back(engine) as session:
                        call((actors[actor_id], session))
                except DomainError as error:
                    # A candidate the rules refuse (e.g. over the student's hours): skipped.
                    skipped.append(f"{type(error).__name__}: {error}"[:200])
                    continue
                except Exception as error:  # a broken service: reported, never hidden
                    errors.append(f"{type(error).__name__}: {error}"[:200])
                    continue
                times.append((time.perf_counter() - started) * 1000)
                counts.append(COUNTER.count)
        if not times:
            print(f"  {name:<28} no successful call ({(errors or skipped)[:1]})")
            continue
        results.append(timed_result(name, profile, kind, "write", times, counts, errors[:3]))
        note = f" ({len(skipped)} refused candidates skipped)" if skipped else ""
        print(f"  {name:<28} {results[-1].median_ms:>8.1f} ms  {max(counts):>3} statements{note}")
    return results


def _timed_reads(
    engine: Engine, read: Callable[[Engine], Any], runs: int
) -> tuple[list[float], list[int]]:
    times: list[float] = []
    counts: list[int] = []
    for _ in range(max(3, runs // 3)):
        with COUNTER.window():
            started = time.perf_counter()
            read(engine)
            times.append((time.perf_counter() - started) * 1000)
            counts.append(COUNTER.count)
    return times, counts


def measure_uncached_reads(engine: Engine, profile: str, kind: str, runs: int) -> list[Result]:
    """Time what the screens keep briefly, as computed on a miss: the dashboard's figures and
    the browse screen's services without their remembered ranking."""
    from core.catalog import search_projects
    from core.catalog.matching import recommend
    from core.platform.db import read_session
    from core.program import DashboardFilter, dashboard_parts, default_filter

    users = _users(engine, [_user_id(engine, ROLE_USERS[r]) for r in ("faculty", "student")])
    faculty = users[_user_id(engine, ROLE_USERS["faculty"])]
    student = users[_user_id(engine, ROLE_USERS["student"])]
    f: DashboardFilter = default_filter()
    first_parts: list[float] = []

    def dashboard(e: Engine) -> None:
        # As the screen computes them: the parts side by side, the first shown when it arrives
        # (and each kept in the database, as the screen's are).
        started = time.perf_counter()
        parts = dashboard_parts(e, actor=faculty, filters=f, max_age=timedelta(0))
        for index, _ in enumerate(parts):
            if index == 0:
                first_parts.append((time.perf_counter() - started) * 1000)

    def kept_dashboard(e: Engine) -> None:
        # What the next viewer of the same filter waits for: the kept figures, read back.
        for _ in dashboard_parts(e, actor=faculty, filters=f):
            pass

    def browse(e: Engine) -> None:
        with read_session(e) as session:
            recommend(session, actor=student, limit=3)  # as many as the screen shows
            search_projects(session, actor=student)

    results = []
    for name, read in (
        ("dashboard figures, uncached", dashboard),
        ("dashboard figures, kept", kept_dashboard),
        ("browse services, uncached", browse),
    ):
        times, counts = _timed_reads(engine, read, runs)
        results.append(timed_result(name, profile, kind, "read", times, counts))
        print(f"  {name:<28} {results[-1].median_ms:>8.1f} ms  {max(counts):>3} statements")
        if first_parts:
            first = "dashboard first part, uncached"
            results.append(timed_result(first, profile, kind, "read", list(first_parts), counts))
            print(f"  {first:<28} {results[-1].median_ms:>8.1f} ms")
            first_parts.clear()
    return results


def measure_dashboard_first_view(profile: str, kind: str, runs: int) -> Result:
    """Time the dashboard screen for a viewer whose browser session holds no figures yet,
    while the database keeps those another viewer counted (the figures read back, not
    computed): what a faculty member waits for on opening the dashboard."""
    from streamlit.util import calc_hash  # noqa: TID251

    from pages.faculty.dashboard import KEPT

    at = log_in(ROLE_USERS["faculty"])
    at._page_hash = calc_hash("dashboard")
    at.run()  # counts the figures if no viewer has in the last minutes, and keeps them
    times, counts = [], []
    for _ in range(runs):
        del at.session_state[KEPT]
        with COUNTER.window():
            started = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - started) * 1000)
            counts.append(COUNTER.count)
    if at.exception or KEPT not in at.session_state:
        raise RuntimeError(f"the dashboard did not render: {errors_of(at)}")
    result = timed_result("dashboard first view, kept", profile, kind, "read", times, counts)
    print(f"  {result.name:<28} {result.median_ms:>8.1f} ms  {result.statements:>3} statements")
    return result


# ------------------------------------------------------------------------------ report


def budget_for(name: str) -> float | None:
    base = name.split("@")[0]
    for key, budget in PAGE_BUDGETS:
        if key in base:
            return budget
    return None


def verdicts(result: Result, previous: dict[tuple[str, str], Result]) -> list[str]:
    """The DESIGN §6 budgets a result misses (empty when it meets them all)."""
    missed = []
    if result.kind == "elements" and result.errors:
        return ["errors: " + result.errors[0][:120]]
    if result.kind == "page":
        budget = budget_for(result.name)
        if budget is not None and result.profile == "large" and result.median_ms > budget:
            missed.append(f"> {budget:g} ms")
        if result.floor_ratio is not None and result.floor_ratio > FLOOR_RATIO:
            missed.append(f"floor > {FLOOR_RATIO:g}x")
        if result.statements is not None and result.statements > MAX_STATEMENTS:
            missed.append(f"> {MAX_STATEMENTS} statements")
        medium = previous.get((result.name, "medium"))
        if result.profile == "large" and medium and result.median_ms > 1.5 * medium.median_ms:
            missed.append("large/medium > 1.5")
        if (
            result.profile == "large"
            and medium
            and medium.statements is not None
            and result.statements is not None
            and result.statements > medium.statements
        ):
            missed.append("more statements than at medium")
    elif result.kind == "read":
        # Not a DESIGN budget (those are warm reruns), but a user waits this on every miss.
        budget = budget_for(result.name)
        if budget is not None and result.profile == "large" and result.median_ms > budget:
            missed.append(f"on a miss > {budget:g} ms")
    elif (
        result.name in WRITE_BUDGETS
        and result.profile == "large"
        and result.median_ms > WRITE_BUDGETS[result.name]
    ):
        missed.append(f"> {WRITE_BUDGETS[result.name]:g} ms")
    if result.errors:
        missed.append("errors: " + result.errors[0][:60])
    return missed


def print_table(results: list[Result], previous: dict[tuple[str, str], Result]) -> None:
    header = (
        f"{'name':<28} {'median ms':>10} {'cpu ms':>8} {'p95 ms':>8} {'stmts':>6} {'floor x':>8}"
        "  verdict"
    )
    print("(stmts: typical render, /most when one render did more)")
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = f"{r.floor_ratio:.2f}" if r.floor_ratio is not None else "-"
        stmts = str(r.statements) if r.statements is not None else "-"
        cpu = f"{r.cpu_ms:.1f}" if r.cpu_ms is not None else "-"
        if r.statements_max is not None and r.statements_max != r.statements:
            stmts += f"/{r.statements_max}"
        missed = verdicts(r, previous)
        verdict = "MISS " + "; ".join(missed) if missed else "ok"
        if r.kind == "elements" and not missed:
            verdict = "reference: Streamlit alone, for the screen's elements"
        print(
            f"{r.name:<28} {r.median_ms:>10.1f} {cpu:>8} {r.p95_ms:>8.1f} {stmts:>6} {ratio:>8}  "
            + verdict
        )


def save(results: list[dict[str, Any]]) -> None:
    """Add the results to build/bench.json, replacing earlier ones of the same name, profile and
    database (so medium, large, SQLite and PostgreSQL figures sit side by side)."""
    BUILD.mkdir(exist_ok=True)

    def key(entry: dict[str, Any]) -> tuple[Any, ...]:
        return (entry.get("name"), entry.get("profile"), entry.get("database", "sqlite"))

    fresh = {key(entry) for entry in results}
    kept: list[dict[str, Any]] = []
    if RESULTS.exists():
        with contextlib.suppress(ValueError):
            kept = [entry for entry in json.loads(RESULTS.read_text()) if key(entry) not in fresh]
    RESULTS.write_text(json.dumps(kept + results, indent=2) + "\n")


def previous_results(kind: str) -> dict[tuple[str, str], Result]:
    if not RESULTS.exists():
        return {}
    found = {}
    with contextlib.suppress(ValueError, TypeError):
        for entry in json.loads(RESULTS.read_text()):
            if entry.get("database", "sqlite") == kind and "median_ms" in entry:
                found[(entry["name"], entry["profile"])] = Result(
                    **{k: entry[k] for k in Result.__dataclass_fields__ if k in entry}
                )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--profile", default=os.environ.get("PROFILE", "medium"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--sweeps", type=int, default=3, help="measure every screen this many times, keep the best"
    )
    parser.add_argument("--only", help="comma-separated url paths to measure")
    parser.add_argument("--slow", action="store_true", help="print each page's slowest SQL")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BUILD / f'bench-{args.profile}.db'}"
    kind = database_kind(url)
    BUILD.mkdir(exist_ok=True)
    engine = prepare_database(url, args.profile, args.seed)
    rerun_like_a_server()
    with tempfile.TemporaryDirectory(prefix="bench-") as data_dir:
        point_app_at(url, Path(data_dir))
        from pages.components.engine import get_engine

        watch(get_engine())
        watch(engine)
        load_before = os.getloadavg()[0]
        print(f"Benchmark: profile {args.profile} on {kind}, {os.cpu_count()} CPUs")
        bare, first = measure_bare(args.profile, kind, args.warmup, args.runs)
        print(f"  {'bare page':<28} {bare.median_ms:>8.1f} ms")
        only = set(args.only.split(",")) if args.only else None
        pages: dict[str, Result] = {}
        for sweep in range(args.sweeps):
            if args.sweeps > 1:
                print(f"  sweep {sweep + 1} of {args.sweeps}")
            swept = measure_pages(
                engine, args.profile, kind, args.warmup, args.runs, only, args.slow
            )
            swept += measure_elements_alone(args.profile, kind, args.warmup, args.runs, only)
            for page in swept:
                # The machine's speed drifts for minutes at a time (a shared VM) and noise only
                # ever adds time: each screen keeps its fastest sweep.
                if page.name not in pages or page.median_ms < pages[page.name].median_ms:
                    pages[page.name] = page
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        bare, _ = measure_bare(args.profile, kind, args.warmup, args.runs, first)
        writes = measure_writes(engine, args.profile, kind, args.runs)
        if only is None or {"dashboard", "browse"} & only:
            writes.extend(measure_uncached_reads(engine, args.profile, kind, args.runs))
        if only is None or "dashboard" in only:
            writes.append(measure_dashboard_first_view(args.profile, kind, args.runs))
    results = [bare, *pages.values(), *writes]
    previous = previous_results(kind)
    print_table(results, previous)
    rss_note = "ok" if rss_mb <= RSS_BUDGET_MB else f"MISS > {RSS_BUDGET_MB:g} MB"
    print(f"{'rss_mb':<28} {rss_mb:>10.1f}  (peak resident memory after every page) {rss_note}")
    entries: list[dict[str, Any]] = [asdict(r) for r in results]
    if only:  # a partial run: its peak memory does not cover every page
        save(entries)
        return 0
    entries.append(
        {
            "name": "rss_mb",
            "profile": args.profile,
            "database": kind,
            "value": round(rss_mb, 1),
            "cpus": os.cpu_count(),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "median_ms": None,
            "p95_ms": None,
            "statements": None,
            "floor_ratio": None,
        }
    )
    save(entries)
    load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    print(
        f"Load average (1 min) {load} on {os.cpu_count()} CPUs: above that, timings are contended."
    )
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
