"""`make bench-browser`: what a person waits for, measured in headless Chromium.

The app is served on a generated profile (`large` by default; generated into
build/bench-PROFILE.db when missing, as `make bench` does) next to a bare two-page Streamlit
app (bench/bare_app.py). Debian's Chromium, driven by Playwright, clicks through every menu
screen of every role and the main interactions (search and a filter change on browse,
opening a project, apply, accept, approve, a page of the approval queue, logging a session,
sending a message) and times each from the click (or key press) to the last change of the
page: a MutationObserver injected before the app loads records the time of every change, and
the page counts as settled once it has been quiet for 0.9 s with Streamlit's running
indicator gone. The settle time is the last change minus the click. Each is measured in
several rounds after a warm-up round; the table shows the median, p75 and the ratio of the
median to the bare app's median in the same run. Browse's and the approval queue's elements
alone (bench/elements_alone: constant text, no app code) are timed the same way, for
comparison. Results: build/bench-browser.json.

Budgets (DESIGN §6): every screen and interaction ≤ 200 ms at p75 and ≤ 5× the bare app.

The interactions write real rows (a few applications, acceptances, approvals, sessions and
messages per run) into the profile's database: a handful against its 10^5–10^6 rows.

    python -m bench.browser --profile large          # build/bench-large.db
    python -m bench.browser --profile demo --rounds 3  # a fresh demo database, for a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
RESULTS = BUILD / "bench-browser.json"
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
# Screens' elements alone (constant text, no app code; see bench/elements_alone): what
# Streamlit itself takes to draw what those screens show, timed like a menu screen.
ELEMENTS_ALONE = {
    "browse": Path(__file__).resolve().parent / "elements_alone" / "browse.py",
    "approvals": Path(__file__).resolve().parent / "elements_alone" / "approvals.py",
}
BUDGET_P75_MS = 200.0
BUDGET_RATIO = 5.0
QUIET_MS = 900.0
SETTLE_TIMEOUT_S = 30.0
DEBUG = bool(os.environ.get("BENCH_DEBUG"))  # print each timing's last changes
PASSWORD = "mentoring-demo-2026"  # core.seed.DEMO_PASSWORD, also the generated accounts'
ROLE_USERS = {
    "student": "demo-student",
    "alumni": "demo-alumni",
    "faculty": "demo-faculty",
    "admin": "demo-admin",
}
RUNNING = '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'
STATEMENT = (
    "I would like to join this project because it matches what I study, and I can give the "
    "hours it asks for every week until it ends."
)

# Injected before the app's own scripts: the time of the last change of the page, and of the
# first click or key press after the benchmark arms it.
RECORDER = """
(() => {
  const bench = (window.__bench = { armed: false, start: null, last: 0, changes: 0,
                                    reply: null });
  const trigger = () => {
    if (bench.armed) { bench.armed = false; bench.start = performance.now(); bench.reply = null; }
  };
  // The server's share: when the run's last message (script finished) arrived.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (bench.start === null) return;
        bench.reply = performance.now();
        if (bench.debug) {
          const size = event.data.byteLength ?? event.data.size ?? String(event.data).length;
          bench.log = (bench.log || []).slice(-60);
          bench.log.push(`${Math.round(bench.reply - bench.start)} message:${size}B`);
        }
      });
    }
  };
  window.addEventListener('pointerdown', trigger, true);
  window.addEventListener('keydown', trigger, true);
  const describe = (m) => {
    const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    const id = t && (t.getAttribute('data-testid') || t.className || t.tagName);
    return `${m.type}:${m.attributeName || ''}@${String(id).slice(0, 40)}`;
  };
  const observe = () => new MutationObserver((list) => {
    const now = performance.now();
    if (bench.debug && bench.start !== null) {
      bench.log = (bench.log || []).slice(-60);
      const at = Math.round(now - bench.start);
      for (const m of list.slice(0, 3)) bench.log.push(`${at} ${describe(m)}`);
    }
    bench.last = now; bench.changes += 1;
  }).observe(document, { subtree: true, childList: true, attributes: true,
                         characterData: true });
  observe();
})();
"""
STATE = f"""() => ({{
  now: performance.now(), start: window.__bench.start, last: window.__bench.last,
  reply: window.__bench.reply, running: !!document.querySelector('{RUNNING}')
}})"""


@dataclass(frozen=True)
class Sample:
    """One settle time, and when the server's last message of the run arrived (both ms after
    the click): what is left after the reply is the browser drawing the page."""

    settle_ms: float
    server_ms: float | None


@dataclass
class Timing:
    name: str
    role: str
    kind: str  # screen | interaction | bare | elements (a stand-in, for comparison)
    samples_ms: list[float] = field(default_factory=list)
    server_samples_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    median_ms: float = 0.0
    server_median_ms: float = 0.0
    p75_ms: float = 0.0
    ratio: float = 0.0
    within_budget: bool = False

    def finish(self, bare_median: float) -> None:
        if not self.samples_ms:
            return
        ordered = sorted(self.samples_ms)
        self.median_ms = round(statistics.median(ordered), 1)
        self.p75_ms = round(percentile(ordered, 0.75), 1)
        if self.server_samples_ms:
            self.server_median_ms = round(statistics.median(self.server_samples_ms), 1)
        self.ratio = round(self.median_ms / bare_median, 2) if bare_median else 0.0
        self.within_budget = self.p75_ms <= BUDGET_P75_MS and self.ratio <= BUDGET_RATIO


def percentile(ordered: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ----------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(script: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """Run `streamlit run script` on a free loopback port; yield its URL once healthy."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{script.name} exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError as error:
                if time.monotonic() > deadline:
                    tail = log.read_text()[-3000:]
                    raise SystemExit(f"{script.name} did not start:\n{tail}") from error
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def database_for(profile: str, folder: Path, seed: int) -> tuple[str, Engine]:
    """The database to serve: the generated profile (as `make bench`), or a fresh demo one."""
    from core.platform.db import create_db_engine
    from core.platform.migrate import upgrade_to_head
    from core.seed import seed_demo

    if profile == "demo":
        url = f"sqlite:///{folder / 'demo.db'}"
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        seed_demo(engine)
        return url, engine
    from bench.run import prepare_database

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BUILD / f'bench-{profile}.db'}"
    return url, prepare_database(url, profile, seed)


# ----------------------------------------------------------------------------- measuring


class Probe:
    """One logged-in browser page and the timings taken on it."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url

    def wait_idle(self) -> None:
        """Wait until no run is going and the page has been quiet for a while (not timed)."""
        self.page.wait_for_selector("[data-testid='stApp']")
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.page.evaluate(STATE)
            if not state["running"] and state["now"] - state["last"] >= QUIET_MS:
                return
            self.page.wait_for_timeout(100)

    def timed(self, act: Callable[[], None]) -> Sample | None:
        """Arm the recorder, act (a click or a key press), and return the settle time."""
        self.page.evaluate(
            "debug => { const b = window.__bench; b.armed = true; b.start = null; b.log = [];"
            " b.debug = debug; }",
            DEBUG,
        )
        act()
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.page.evaluate(STATE)
            start = state["start"]
            # Settled: something changed after the click, and nothing since for QUIET_MS.
            if (
                start is not None
                and state["last"] > start
                and not state["running"]
                and state["now"] - state["last"] >= QUIET_MS
            ):
                if DEBUG:  # the last changes, to see what the time went on
                    print("      ", self.page.evaluate("() => window.__bench.log.slice(-12)"))
                reply = state["reply"]
                server = float(reply) - float(start) if reply is not None else None
                return Sample(float(state["last"]) - float(start), server)
            self.page.wait_for_timeout(50)
        return None

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.url}/{path}")
        self.wait_idle()

    def log_in(self, username: str) -> None:
        """Log in through the form. The first visit to a fresh server sometimes loses the
        submit (the login component is still loading): the form is sent again then."""
        self.goto("")
        welcome = self.page.get_by_text("Welcome,").first
        for attempt in range(3):
            if attempt:
                self.goto("")
            self.page.get_by_role("textbox", name="Username").fill(username)
            self.page.get_by_role("textbox", name="Password").fill(PASSWORD)
            self.page.get_by_role("button", name="Log in").click()
            try:
                welcome.wait_for(timeout=20_000)
                break
            except Exception:
                if attempt == 2:
                    self.page.screenshot(path=str(BUILD / "bench-browser-login.png"))
                    raise
        deadline = time.monotonic() + 30
        while not any(c["name"] == "mentoring_auth" for c in self.page.context.cookies()):
            if time.monotonic() > deadline:
                raise SystemExit(f"{username}: the login cookie was never written")
            self.page.wait_for_timeout(200)
        self.wait_idle()

    def menu_link(self, title: str) -> Any:
        return (
            self.page.get_by_test_id("stSidebar")
            .get_by_role("link", name=re.compile(rf"^{re.escape(title)}"))
            .first
        )


def record(timing: Timing, sample: Sample | None, counted: bool, note: str = "") -> None:
    if sample is None:
        timing.notes.append(f"did not settle within {SETTLE_TIMEOUT_S:g} s")
    elif counted:
        timing.samples_ms.append(round(sample.settle_ms, 1))
        if sample.server_ms is not None:
            timing.server_samples_ms.append(round(sample.server_ms, 1))
    if note and note not in timing.notes:
        timing.notes.append(note)


def measure_bare(browser: Any, url: str, rounds: int) -> Timing:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(RECORDER)
    probe = Probe(context.new_page(), url)
    probe.goto("")
    timing = Timing("bare app: page link", "-", "bare")
    for turn in range(2 * (rounds + 1)):
        title = "Page two" if turn % 2 == 0 else "Page one"
        link = probe.page.get_by_test_id("stSidebar").get_by_role("link", name=title)
        record(timing, probe.timed(link.click), counted=turn >= 2)
    context.close()
    return timing


def measure_elements_alone(browser: Any, url: str, name: str, rounds: int) -> Timing:
    """Time a stand-in page as a menu screen: from another menu entry back to the page."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(RECORDER)
    probe = Probe(context.new_page(), url)
    probe.goto("")
    timing = Timing(f"{name}: its elements alone", "-", "elements")
    sidebar = probe.page.get_by_test_id("stSidebar")
    for turn in range(rounds + 1):
        sidebar.get_by_role("link", name="Screen 1", exact=True).click()
        probe.wait_idle()
        link = sidebar.get_by_role("link", name="Screen", exact=True)
        record(timing, probe.timed(link.click), counted=turn > 0)
    context.close()
    return timing


def measure_screens(probe: Probe, role: str, rounds: int) -> list[Timing]:
    """Click every menu entry of the role in turn, one warm-up round and `rounds` timed."""
    from core.models import Role
    from pages.components.navigation import screens_for

    screens = [s for s in screens_for(Role(role)) if s.in_menu]  # the others open from links
    timings = {s.url_path: Timing(f"{s.url_path}", role, "screen") for s in screens}
    for turn in range(rounds + 1):
        for screen in screens:
            link = probe.menu_link(screen.title)
            record(timings[screen.url_path], probe.timed(link.click), counted=turn > 0)
        print(f"    {role}: round {turn + 1} of {rounds + 1}", flush=True)
    return list(timings.values())


def _ids(engine: Engine, sql: str, **params: Any) -> list[int]:
    with engine.connect() as conn:
        return [int(row[0]) for row in conn.execute(text(sql), params)]


def _user_id(engine: Engine, username: str) -> int:
    return _ids(engine, "SELECT id FROM app_user WHERE username = :u", u=username)[0]


def student_interactions(probe: Probe, engine: Engine, rounds: int) -> list[Timing]:
    page = probe.page
    search = Timing("browse: search", "student", "interaction")
    facet = Timing("browse: filter change (mode)", "student", "interaction")
    opened = Timing("browse: open a project", "student", "interaction")
    applied = Timing("project: apply", "student", "interaction")
    mentor = Timing("project: open the mentor's profile", "student", "interaction")
    me = _user_id(engine, "demo-student")
    # The applications earlier runs sent hold the student's free hours, and once they are
    # used up every apply is refused: they are withdrawn first, so each run times real applies.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE application SET status = 'withdrawn' WHERE student_id = :me "
                "AND status = 'submitted' AND statement = :statement"
            ),
            {"me": me, "statement": STATEMENT},
        )
    candidates = _ids(
        engine,
        "SELECT p.id FROM project p WHERE p.status = 'open' AND p.deadline >= :today "
        "AND p.student_hours <= 2 AND p.screening_question IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM application a "
        "WHERE a.project_id = p.id AND a.student_id = :me) ORDER BY p.id DESC LIMIT :n",
        today=date.today().isoformat(),
        me=me,
        n=rounds + 1,
    )
    for turn in range(rounds + 1):
        counted = turn > 0
        probe.menu_link("Browse projects").click()
        probe.wait_idle()
        box = page.get_by_role("textbox", name="Search projects")
        box.fill(("data", "community")[turn % 2])
        record(search, probe.timed(lambda box=box: box.press("Enter")), counted)
        option = page.get_by_role("option", name=("Remote", "Hybrid")[turn % 2])
        for attempt in range(3):  # a click during the search's rerun may not open the list
            probe.wait_idle()
            page.get_by_role("combobox", name=re.compile("^Mode")).click()
            try:
                option.wait_for(timeout=10_000)
                break
            except Exception:
                if attempt == 2:
                    raise
        record(facet, probe.timed(option.click), counted)
        view = page.get_by_test_id("stMain").get_by_role("link", name="View").first
        if view.count():
            record(opened, probe.timed(view.click), counted)
            profile = page.get_by_role("link", name="Read the mentor's profile")
            profile.wait_for()
            record(mentor, probe.timed(profile.click), counted)
        else:
            record(opened, None, False, "no card to open after the search and filter")
        if turn < len(candidates):
            probe.goto(f"project?id={candidates[turn]}")
            page.get_by_role("textbox", name="Your statement").fill(STATEMENT)
            button = page.get_by_role("button", name="Apply")
            record(applied, probe.timed(button.click), counted)
            if not page.get_by_text("Application sent").count():
                applied.notes.append("an apply was refused (shown as an error)")
    return [search, facet, opened, mentor, applied]


def mentor_interactions(probe: Probe, engine: Engine, rounds: int) -> list[Timing]:
    accepted = Timing("applicants: accept", "alumni", "interaction")
    me = _user_id(engine, "demo-alumni")
    # Each accept timed takes a seat for good, and earlier runs had filled every seat of the
    # demo mentor's projects with applicants: the ten busiest get back as many free seats as
    # this run accepts.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE project SET seats = CASE WHEN seats < taken + :n THEN taken + :n "
                "ELSE seats END FROM (SELECT p.id AS pid, (SELECT COUNT(*) FROM application s "
                "WHERE s.project_id = p.id AND s.status IN ('accepted', 'approved')) AS taken "
                "FROM project p JOIN application a ON a.project_id = p.id "
                "WHERE p.owner_id = :me AND a.status = 'submitted' "
                "AND p.status IN ('open', 'closed') GROUP BY p.id ORDER BY COUNT(*) DESC "
                "LIMIT 10) busiest WHERE project.id = busiest.pid"
            ),
            {"me": me, "n": rounds + 1},
        )
    for turn in range(rounds + 1):
        projects = _ids(
            engine,
            # A free seat: accepted applications hold one as approved matches do.
            "SELECT p.id FROM project p JOIN application a ON a.project_id = p.id "
            "WHERE p.owner_id = :me AND a.status = 'submitted' "
            "AND p.status IN ('open', 'closed') AND (SELECT COUNT(*) FROM application s "
            "WHERE s.project_id = p.id AND s.status IN ('accepted', 'approved')) < p.seats "
            "GROUP BY p.id ORDER BY COUNT(*) DESC LIMIT 10",
            me=me,
        )
        # The page decides (a student whose weeks are full cannot be accepted): the first
        # project whose applicants offer an Accept.
        button = None
        for project in projects:
            probe.goto(f"applicants?project={project}")
            found = probe.page.get_by_role("button", name="Accept").first
            if found.count():
                button = found
                break
        if button is None:
            accepted.notes.append("no application left that can be accepted")
            break
        record(accepted, probe.timed(button.click), turn > 0)
    return [accepted]


def faculty_interactions(probe: Probe, rounds: int) -> list[Timing]:
    page = probe.page
    approved = Timing("approvals: approve", "faculty", "interaction")
    paged = Timing("approvals: next page", "faculty", "interaction")
    for turn in range(rounds + 1):
        counted = turn > 0
        probe.goto("approvals")
        button = page.get_by_role("button", name="Approve", exact=True).first
        if button.count():
            record(approved, probe.timed(button.click), counted)
        else:
            approved.notes.append("the queue was empty")
        probe.wait_idle()
        forward = page.get_by_role("button", name="Next page")
        if forward.count():
            record(paged, probe.timed(forward.click), counted)
        else:
            paged.notes.append("the queue has one page only")
    return [approved, paged]


def workspace_interactions(probe: Probe, engine: Engine, rounds: int) -> list[Timing]:
    page = probe.page
    logged = Timing("workspace: log a session", "student", "interaction")
    sent = Timing("workspace: send a message", "student", "interaction")
    me = _user_id(engine, "demo-student")
    matches = _ids(
        engine,
        "SELECT a.id FROM application a WHERE a.status = 'approved' AND a.student_id = :me "
        "ORDER BY a.id LIMIT 1",
        me=me,
    )
    if not matches:
        logged.notes.append("demo-student has no running match")
        return [logged, sent]
    for turn in range(rounds + 1):
        counted = turn > 0
        probe.goto(f"matches?match={matches[0]}")
        form_field = page.get_by_role("textbox", name="What did you do?")
        if form_field.count():
            form_field.fill(f"Benchmark session {turn}: reviewed the plan together.")
            button = page.get_by_role("button", name="Log session")
            record(logged, probe.timed(button.click), counted)
        else:
            logged.notes.append("no session form (the match has not started)")
        page.get_by_role("tab", name=re.compile("^Messages")).click()
        probe.wait_idle()
        page.get_by_role("textbox", name="Message").fill(f"Benchmark message {turn}.")
        button = page.get_by_role("button", name="Send")
        record(sent, probe.timed(button.click), counted)
    return [logged, sent]


# ----------------------------------------------------------------------------- reporting


def print_table(timings: list[Timing], bare: Timing) -> None:
    print()
    print(
        f"{'role':<8} {'screen or interaction':<34} {'median':>8} {'p75':>8} {'× bare':>7} "
        f"{'server':>8}  budget"
    )
    print(
        f"{'-':<8} {bare.name:<34} {bare.median_ms:>6.0f}ms {bare.p75_ms:>6.0f}ms {'1.00':>7} "
        f"{bare.server_median_ms:>6.0f}ms"
    )
    for t in timings:
        if not t.samples_ms:
            print(f"{t.role:<8} {t.name:<34} {'—':>8} {'—':>8} {'—':>7}  {'; '.join(t.notes)}")
            continue
        verdict = "(no budget)" if t.kind == "elements" else "ok" if t.within_budget else "OVER"
        note = f"  ({'; '.join(t.notes)})" if t.notes else ""
        print(
            f"{t.role:<8} {t.name:<34} {t.median_ms:>6.0f}ms {t.p75_ms:>6.0f}ms "
            f"{t.ratio:>7.2f} {t.server_median_ms:>6.0f}ms  {verdict}{note}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__)
    parser.add_argument("--profile", default=os.environ.get("PROFILE", "large"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after a warm-up")
    parser.add_argument("--roles", default=",".join(ROLE_USERS), help="comma-separated roles")
    parser.add_argument("--no-interactions", action="store_true", help="time the menu screens only")
    args = parser.parse_args(argv)
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}; run `make system-deps`.")
    from playwright.sync_api import sync_playwright

    BUILD.mkdir(exist_ok=True)
    roles = [r for r in args.roles.split(",") if r]
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder_name:
        folder = Path(folder_name)
        url, engine = database_for(args.profile, folder, args.seed)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DATA_DIR": str(folder),
            "COOKIE_KEY": secrets.token_urlsafe(48),
        }
        load_before = os.getloadavg()[0]
        print(
            f"Browser benchmark: profile {args.profile}, {args.rounds} rounds, "
            f"{os.cpu_count()} CPUs"
        )
        with (
            serve(ROOT / "serve.py", env, BUILD / "bench-browser-app.log") as app_url,
            serve(BARE_APP, env, BUILD / "bench-browser-bare.log") as bare_url,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            bare = measure_bare(browser, bare_url, args.rounds)
            timings: list[Timing] = []
            for role in roles:
                print(f"  {role} ({ROLE_USERS[role]})", flush=True)
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.set_default_timeout(60_000)
                context.add_init_script(RECORDER)
                probe = Probe(context.new_page(), app_url)
                probe.log_in(ROLE_USERS[role])
                timings += measure_screens(probe, role, args.rounds)
                if not args.no_interactions:
                    if role == "student":
                        timings += student_interactions(probe, engine, args.rounds)
                        timings += workspace_interactions(probe, engine, args.rounds)
                    elif role == "alumni":
                        timings += mentor_interactions(probe, engine, args.rounds)
                    elif role == "faculty":
                        timings += faculty_interactions(probe, args.rounds)
                context.close()
            # Stand-ins served one at a time (their scripts import the bench package).
            alone_env = {**env, "PYTHONPATH": str(ROOT)}
            for name, script in ELEMENTS_ALONE.items():
                with serve(script, alone_env, BUILD / f"bench-browser-{name}-alone.log") as url:
                    timings.append(measure_elements_alone(browser, url, name, args.rounds))
            # The floor again at the end: the machine's speed drifts; keep both halves.
            again = measure_bare(browser, bare_url, args.rounds)
            bare.samples_ms += again.samples_ms
            bare.server_samples_ms += again.server_samples_ms
            browser.close()
        engine.dispose()
    bare.finish(0.0)
    bare.ratio = 1.0
    for timing in timings:
        timing.finish(bare.median_ms)
    print_table(timings, bare)
    budgeted = [t for t in timings if t.kind != "elements"]  # stand-ins are for comparison
    over = [t for t in budgeted if t.samples_ms and not t.within_budget]
    print(
        f"\n{len(budgeted) - len(over)} of {len(budgeted)} within budget "
        f"(≤ {BUDGET_P75_MS:g} ms p75 and ≤ {BUDGET_RATIO:g}× the bare app); "
        f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}"
    )
    RESULTS.write_text(
        json.dumps(
            {
                "profile": args.profile,
                "rounds": args.rounds,
                "quiet_ms": QUIET_MS,
                "cpus": os.cpu_count(),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "budgets": {"p75_ms": BUDGET_P75_MS, "ratio_to_bare": BUDGET_RATIO},
                "bare": asdict(bare),
                "results": [asdict(t) for t in timings],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
