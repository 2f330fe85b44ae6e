"""Files built only when their button is clicked, downloaded in a real browser: the calendar
of My matches and the exports' CSV files."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.helpers import log_in, open_page, settle, wait_for_login_cookie

pytestmark = pytest.mark.e2e

PORTFOLIO = "Portfolio website clinic"  # the demo student's running match


def download(page, label: str) -> str:
    """Click a download button once the page is idle and return the file's text."""
    # A deferred file's id is replaced on every rerun: a click that lands during a rerun (a
    # page load resuming the login from its cookie sets one off, late on a busy machine) asks
    # for a revoked id and nothing downloads. A person clicks again; so does this test, once.
    settle(page)
    try:
        return click_and_read(page, label)
    except PlaywrightTimeoutError:
        settle(page)
        return click_and_read(page, label)


def click_and_read(page, label: str) -> str:
    with page.expect_download(timeout=15_000) as caught:
        page.get_by_role("button", name=label).click()
    return caught.value.path().read_text(encoding="utf-8-sig")


def open_as(page, server, username: str, url_path: str) -> None:
    """Log in, then open a screen by its URL (a new page load, resumed from the cookie)."""
    open_page(page, server.url)
    log_in(page, username)
    wait_for_login_cookie(page)
    open_page(page, f"{server.url}/{url_path}")


def test_the_calendar_is_built_when_clicked_and_holds_the_running_match(server, page):
    open_as(page, server, "demo-student", "matches")
    calendar = download(page, "Download my calendar (.ics)")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert PORTFOLIO in calendar and "END:VCALENDAR" in calendar


def test_the_exports_build_their_csv_when_clicked(server, page):
    open_as(page, server, "demo-faculty", "exports")
    matches = download(page, "Download matches CSV")
    assert matches.splitlines()[0].startswith("project,department,mentor,student")
    assert PORTFOLIO in matches
