"""Files built only when their button is clicked, downloaded in a real browser: the calendar
of My matches and the exports' CSV files."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import log_in, open_page, settle

pytestmark = pytest.mark.e2e

PORTFOLIO = "Portfolio website clinic"  # the demo student's running match


def download(page, label: str) -> str:
    """Click a download button once the page is idle and return the file's text."""
    # A deferred file's id is replaced on every rerun: a click that lands during the
    # rerun a fresh page load sets off (the login cookie) asks for a revoked id.
    settle(page)
    with page.expect_download() as caught:
        page.get_by_role("button", name=label).click()
    return caught.value.path().read_text(encoding="utf-8-sig")


def test_the_calendar_is_built_when_clicked_and_holds_the_running_match(server, page):
    open_page(page, server.url)
    log_in(page, "demo-student")
    open_page(page, f"{server.url}/matches")
    calendar = download(page, "Download my calendar (.ics)")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert PORTFOLIO in calendar and "END:VCALENDAR" in calendar


def test_the_exports_build_their_csv_when_clicked(server, page):
    open_page(page, server.url)
    log_in(page, "demo-faculty")
    open_page(page, f"{server.url}/exports")
    matches = download(page, "Download matches CSV")
    assert matches.splitlines()[0].startswith("project,department,mentor,student")
    assert PORTFOLIO in matches
