"""Browser tests: a real `streamlit run` server on loopback and Debian's headless Chromium."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.platform.db import create_db_engine
from core.platform.migrate import upgrade_to_head
from core.seed import seed_demo
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (re-exported)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    database_url: str
    log: Path


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


@contextmanager
def serve(database_url: str, folder: Path, *options: str) -> Iterator[Server]:
    """Run `streamlit run serve.py` (the app and its mail endpoint) on a loopback port until the
    block ends.

    `options` are extra `--section.option value` flags (a test may force a client setting).
    """
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(folder),
        "COOKIE_KEY": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": "4",
        # A short throttle window so a test can wait it out.
        "LOGIN_WINDOW_MINUTES": "0.1",
        "LOGIN_MAX_FAILURES": "5",  # the account limit the throttle test counts to
    }
    log = folder / f"streamlit-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "serve.py",
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
                *options,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield Server(url=url, database_url=database_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the app on a seeded SQLite database, as `make run` would."""
    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'e2e.db'}"
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    seed_demo(engine)
    engine.dispose()
    with serve(database_url, folder) as running:
        yield running


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookies) per test."""
    created = browser.new_context(viewport={"width": 1280, "height": 900})
    created.set_default_timeout(30_000)
    yield created
    created.close()


@pytest.fixture
def page(context):
    return context.new_page()


def shot(page, name: str) -> None:
    """Save a screenshot under build/screenshots (README images are copied from there)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
