"""AppTest fixtures: a seeded SQLite database per test and a logged-in app."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from core.platform.db import create_db_engine
from core.platform.settings import get_settings
from core.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import copy_sqlite_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_sqlite_file(migrated_sqlite_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed the demo data once; each screen test copies the file (seeding takes ~0.3 s)."""
    path = copy_sqlite_file(migrated_sqlite_file, tmp_path_factory.mktemp("templates") / "demo.db")
    engine = create_db_engine(f"sqlite:///{path}")
    seed_demo(engine)
    engine.dispose()
    return path


@pytest.fixture
def app_env(
    demo_sqlite_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """Point the app at a fresh copy of the seeded database; clear every cache around it."""
    url = f"sqlite:///{copy_sqlite_file(demo_sqlite_file, tmp_path / 'app.db')}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = create_db_engine(url)
    yield engine
    engine.dispose()
    st.cache_resource.clear()
    get_settings.cache_clear()


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def log_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    """Fill in the login form and submit it."""
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def logged_in(app_env: Engine) -> Callable[[str], AppTest]:
    """Return a function that opens the app and logs in as a demo user."""

    def open_as(username: str) -> AppTest:
        at = new_app().run()
        return log_in(at, username)

    return open_as


# Tests that make a page fail on purpose say so with this module-level flag.
EXPECTS_ERROR_ID = "expects_error_id"


@pytest.fixture(autouse=True)
def _no_unexpected_error(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture):
    """Fail a screen test whose page hit an unexpected error.

    app.py turns such errors into an error id on screen, so `at.exception` stays empty; the
    log record is what tells the test.
    """
    yield
    if getattr(request.module, EXPECTS_ERROR_ID, False):
        return
    failures = [r for r in caplog.get_records("call") if r.name == "portal.errors"]
    assert not failures, failures[0].getMessage() + "\n" + str(failures[0].exc_info)
