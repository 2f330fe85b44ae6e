"""An unexpected error shows a short message with an error id; the traceback goes to the
server log under the same id, never to the browser."""

from __future__ import annotations

import logging
import re
import tomllib

import pages.shared.inbox
from tests.pages.conftest import ROOT
from tests.pages.screens import open_screen

SECRET = "secret-detail-4242"
expects_error_id = True  # read by the screen tests' guard in conftest.py


def _explode() -> None:
    raise RuntimeError(f"database password is {SECRET}")


def test_a_page_raising_an_unexpected_error_shows_an_id_and_no_traceback(
    logged_in, monkeypatch, caplog
):
    monkeypatch.setattr(pages.shared.inbox, "render", _explode)
    caplog.set_level(logging.ERROR)
    at = open_screen(logged_in("demo-student"), "inbox")
    assert not at.exception
    shown = "\n".join(str(e.value) for e in at.error)
    found = re.search(r"error id ([0-9a-f]{8})", shown)
    assert found, shown
    assert SECRET not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert SECRET in str(logged[0].exc_info[1])


def test_streamlit_shows_no_error_details_in_the_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
