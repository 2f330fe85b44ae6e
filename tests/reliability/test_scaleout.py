"""Two `streamlit run` processes on one PostgreSQL behind nginx with sticky sessions.

A browser logs in through nginx and writes; the process serving it is killed (SIGKILL); after a
reload the user carries on on the other process (at most after a fresh login), and everything
written before the kill is there exactly once. Run by `make test` and `make test-scaleout`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from core.accounts import find_user_by_username
from core.models import Notification
from core.platform.db import create_db_engine, write_transaction
from core.platform.notifications import notify
from tests.e2e.conftest import SCREENSHOTS, _free_port, _wait_healthy
from tests.e2e.helpers import log_in, wait_for_app
from tests.pg import ThrowawayPostgres

pytestmark = [pytest.mark.scaleout, pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) upstream=(?P<up>.+?) upstream_status'
)


@dataclass
class App:
    address: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Cluster:
    url: str
    database_url: str
    apps: list[App]
    access_log: Path
    nginx: subprocess.Popen[bytes]
    prefix: Path
    timings: dict[str, float] = field(default_factory=dict)

    def by_address(self, address: str) -> App:
        return next(a for a in self.apps if a.address == address)

    def upstreams(self, since: int = 0) -> list[tuple[str, str, str]]:
        """(path, status, upstream) of every request nginx logged after line `since`."""
        lines = self.access_log.read_text().splitlines()[since:]
        found = []
        for line in lines:
            match = LOG_LINE.search(line)
            if match:
                found.append((match["path"], match["status"], match["up"]))
        return found

    def log_length(self) -> int:
        return len(self.access_log.read_text().splitlines())


def _core(database_url: str, *args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


def _start_nginx(prefix: Path, listen: str, upstreams: list[str], sticky: str):
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    rendered = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "render_nginx.py"),
            "--listen",
            listen,
            "--prefix",
            str(prefix),
            "--sticky",
            sticky,
            *[arg for address in upstreams for arg in ("--upstream", address)],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    conf.write_text(rendered.stdout)
    for folder in [prefix, *prefix.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o777)  # workers drop root privileges to nobody
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while not (prefix / "nginx.pid").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((prefix / "error.log").read_text())
        time.sleep(0.05)
    return process


@pytest.fixture(scope="module")
def cluster(postgres_server: ThrowawayPostgres) -> Iterator[Cluster]:
    if not Path(NGINX).exists():
        pytest.fail("nginx not found; run `make test-scaleout` (it installs nginx-light).")
    started = time.monotonic()
    prefix = Path(tempfile.mkdtemp(prefix="mentoring-nginx-"))
    database_url = postgres_server.create_database(f"scaleout_{os.getpid()}")
    # Every process shares the database, the login-cookie key and Streamlit's cookie secret.
    env = {
        **os.environ,
        "DATA_DIR": str(prefix / "data"),
        "COOKIE_KEY": secrets.token_urlsafe(48),
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": "4",
    }
    # A deploy: migrations first, once, then the processes.
    _core(database_url, "migrate", env=env)
    _core(database_url, "seed", "demo", "--if-empty", env=env)
    migrated = time.monotonic()
    apps: list[App] = []
    for _ in range(2):
        port = _free_port()
        log = prefix / f"streamlit-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "serve.py"]
                + ["--server.address", "127.0.0.1", "--server.port", str(port)]
                + ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
                + ["--server.fileWatcherType", "none"],
                cwd=ROOT,
                env={**env, "DATABASE_URL": database_url},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        apps.append(App(f"127.0.0.1:{port}", process, log))
    nginx = None
    try:
        for app in apps:
            _wait_healthy(f"http://{app.address}", app.process, app.log)
        listen = f"127.0.0.1:{_free_port()}"
        nginx = _start_nginx(prefix, listen, [a.address for a in apps], "ip_hash")
        built = Cluster(
            url=f"http://{listen}",
            database_url=database_url,
            apps=apps,
            access_log=prefix / "access.log",
            nginx=nginx,
            prefix=prefix,
        )
        built.timings["migrate_and_seed_s"] = migrated - started
        built.timings["cluster_ready_s"] = time.monotonic() - started
        yield built
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        for app in apps:
            if app.process.poll() is None:
                app.process.terminate()
                try:
                    app.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    app.process.kill()
        if os.environ.get("KEEP_SCALEOUT_LOGS"):
            print(f"scale-out logs kept in {prefix}")
        else:
            shutil.rmtree(prefix, ignore_errors=True)


def _notes(engine: Engine, user_id: int) -> list[Notification]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(col(Notification.id))
            ).all()
        )


def _unread(engine: Engine, user_id: int) -> int:
    with Session(engine) as session:
        return int(
            session.exec(
                select(func.count()).where(
                    Notification.user_id == user_id, col(Notification.read_at).is_(None)
                )
            ).one()
        )


def _poll(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition never became true")


def _post_notification(engine: Engine, user_id: int, text: str) -> None:
    """What another user's action would do: one notification, committed."""
    with write_transaction(engine) as session:
        notify(session, user_id=user_id, kind="scaleout.test", text=text)


def _log_in(page, attempts: int = 3) -> None:
    """Log in as demo-student; a click that lands while the form re-renders is repeated."""
    page.wait_for_timeout(1000)  # let the cookie component's first rerun settle
    for attempt in range(attempts):
        if attempt == 0:
            log_in(page, "demo-student")
        else:
            page.get_by_role("button", name="Log in").click()
        try:
            page.get_by_role("button", name="Log out").wait_for(timeout=10_000)
            return
        except Exception:
            if page.get_by_role("button", name="Log in").count() == 0:
                raise
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scaleout-login.png"), full_page=True)
    raise AssertionError(f"login did not go through in {attempts} attempts")


def _open_inbox(page) -> None:
    """Be on the inbox; a login on a process's first session can land on Home instead."""
    # .first: while a rerun is on its way, the old page's heading is still shown (stale).
    heading = page.get_by_role("heading", name="Inbox").first
    try:
        heading.wait_for(timeout=5_000)
    except Exception:
        page.get_by_role("link", name=re.compile(r"^Inbox")).first.click()
        heading.wait_for()


def _mark_all_read_in_inbox(page) -> None:
    try:
        _open_inbox(page)
        page.get_by_role("button", name="Mark all read").click()
        wait_for_app(page)
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "scaleout-failure.png"), full_page=True)
        raise


def _usable(page) -> str:
    """Wait until the reloaded page shows either the signed-in app or the login form."""
    signed_in = page.get_by_role("button", name="Log out")
    login = page.get_by_role("button", name="Log in")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if signed_in.count() and signed_in.first.is_visible():
            return "still signed in"
        if login.count() and login.first.is_visible():
            return "login form"
        page.wait_for_timeout(100)
    raise AssertionError("the page never became usable after the reload")


def _get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """GET the URL; return the status and the route cookie nginx set (name=value)."""
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    route = [c.split(";")[0] for c in cookies if c.startswith("mentoring_route=")]
    return response.status, route[0] if route else None


def test_cookie_stickiness_spreads_browsers_and_keeps_each_on_its_process(
    cluster: Cluster,
) -> None:
    # The second sticky mode of deploy/render_nginx.py (for clients behind one NAT/proxy).
    alive = [a.address for a in cluster.apps if a.process.poll() is None]
    prefix = cluster.prefix / "cookie-mode"
    listen = f"127.0.0.1:{_free_port()}"
    nginx = _start_nginx(prefix, listen, [a.address for a in cluster.apps], "cookie")
    try:
        log = prefix / "access.log"
        for _ in range(12):
            status, cookie = _get(f"http://{listen}/_stcore/health")
            assert status == 200 and cookie
            for _ in range(3):
                again_status, again = _get(f"http://{listen}/_stcore/health", cookie)
                assert again_status == 200 and again == cookie
        time.sleep(0.2)
        lines = [LOG_LINE.search(line) for line in log.read_text().splitlines()]
        ups = [m["up"].split(", ")[-1] for m in lines if m]
        assert len(ups) == 12 * 4
        groups = [set(ups[i * 4 : i * 4 + 4]) for i in range(12)]
        assert all(len(g) == 1 for g in groups), groups  # each browser stays on one process
        used = set().union(*groups)
        assert used <= set(alive)
        if len(alive) > 1:
            assert len(used) > 1, "twelve browsers all landed on one process"
        print(f"\ncookie stickiness: 12 browsers × 4 requests, spread over {sorted(used)}")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)


def test_user_continues_on_the_other_process_after_a_kill(cluster: Cluster, browser) -> None:
    engine = create_db_engine(cluster.database_url)
    try:
        with Session(engine) as session:
            student = find_user_by_username(session, "demo-student")
            assert student is not None and student.id is not None
            student_id = student.id
        _post_notification(engine, student_id, "Before the kill: a mentor replied.")
        before = _notes(engine, student_id)

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        page = context.new_page()
        first_contact = time.monotonic()
        page.goto(cluster.url)
        wait_for_app(page)
        _log_in(page)
        # The write: mark every notification read, on whichever process serves this browser.
        _mark_all_read_in_inbox(page)
        _poll(lambda: _unread(engine, student_id) == 0)
        logged_in_s = time.monotonic() - first_contact

        served = {up for _, _, up in cluster.upstreams() if up != "-"}
        assert len(served) == 1, f"sticky sessions broken: {served}"
        victim = cluster.by_address(served.pop())
        survivor = next(a for a in cluster.apps if a is not victim)
        mark = cluster.log_length()

        # Kill the process serving this user in the middle of their visit.
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        killed = time.monotonic()
        _post_notification(engine, student_id, "After the kill: a new application arrived.")

        page.reload()
        state = _usable(page)
        if state == "login form":
            _log_in(page)
        _open_inbox(page)
        page.get_by_text("After the kill: a new application arrived.").first.wait_for()
        recovered_s = time.monotonic() - killed
        _mark_all_read_in_inbox(page)
        _poll(lambda: _unread(engine, student_id) == 0)
        continued_s = time.monotonic() - killed
        context.close()

        after_kill = [
            up
            for path, status, up in cluster.upstreams(mark)
            # the victim's websocket, opened before the kill, is logged when it breaks
            if up != "-" and not (up == victim.address and path == "/_stcore/stream")
        ]
        # Everything after the kill reached the survivor (a refused connect to the dead process
        # shows up as "dead, survivor" in $upstream_addr; the answer came from the survivor).
        assert after_kill and all(up.split(", ")[-1] == survivor.address for up in after_kill)
        statuses = {status for _, status, _ in cluster.upstreams(mark)}
        assert not any(s.startswith("5") for s in statuses), statuses

        after = _notes(engine, student_id)
        texts = [n.text for n in after]
        # Nothing lost, nothing doubled: the notifications from before the kill, each once,
        # plus the one posted after it; every one of them read.
        assert [n.id for n in after[: len(before)]] == [n.id for n in before]
        assert len(after) == len(before) + 1
        assert texts.count("Before the kill: a mentor replied.") == 1
        assert texts.count("After the kill: a new application arrived.") == 1
        assert all(n.read_at is not None for n in after)
        print(
            f"\nscale-out: cluster (PostgreSQL db + migrate + seed + 2 streamlit + nginx) ready in "
            f"{cluster.timings['cluster_ready_s']:.1f}s (migrate+seed "
            f"{cluster.timings['migrate_and_seed_s']:.1f}s); login + first write "
            f"{logged_in_s:.1f}s via {victim.address}; after SIGKILL of it: "
            f"{state} after reload, page usable again in {recovered_s:.1f}s, next write done "
            f"{continued_s:.1f}s after the kill via {survivor.address}; "
            f"{len(after)} notifications, none lost or doubled"
        )
    finally:
        engine.dispose()
