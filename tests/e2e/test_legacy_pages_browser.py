"""No screen runs past the login gate through Streamlit's legacy pages/ folder, in a real browser.

Until the entry script first calls st.navigation, a fresh Streamlit process treats the top level
of `pages/` beside `app.py` as legacy pages: it lists them in the sidebar and runs
`pages/<name>.py` directly (skipping the login gate) for a browser that opens `/<name>`. The
screens live in sub-folders of `pages/`, which that scan does not read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, serve
from tests.e2e.helpers import open_page

pytestmark = pytest.mark.e2e

# Old top-level file names of a student, a mentor and an admin screen.
OLD_FILE_NAMES = ("browse", "my_projects", "admin_users")

# Records whether the sidebar's page list ever appeared, even for one short run.
WATCH_SIDEBAR_NAV = """(() => {
    window.sawSidebarNav = false;
    new MutationObserver(() => {
        if (document.querySelector("[data-testid='stSidebarNav']")) window.sawSidebarNav = true;
    }).observe(document, {childList: true, subtree: true});
})();"""


def test_no_module_sits_at_the_top_level_of_pages():
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == []


@pytest.mark.parametrize("name", OLD_FILE_NAMES)
def test_an_old_page_file_name_opened_first_in_a_fresh_process_shows_only_the_login_gate(
    server, context, tmp_path: Path, name: str
):
    # Only a process's first runs use the legacy folder, so each name gets a fresh server (on
    # the same database). The sidebar listing is forced on: a module put back at the top level
    # of pages/ would show in it even if it handed over to the entry script.
    with serve(server.database_url, tmp_path, "--client.showSidebarNavigation", "true") as fresh:
        page = context.new_page()
        page.add_init_script(WATCH_SIDEBAR_NAV)
        open_page(page, f"{fresh.url}/{name}")
        page.get_by_role("button", name="Log in").wait_for()
        page.wait_for_timeout(1000)
        body = page.inner_text("body")
        assert "Welcome," not in body
        # A deep link works from a fresh process's first request: no "Page not found" dialog
        # (it would leave the login form inert behind it).
        assert "Page not found" not in body
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        assert page.evaluate("window.sawSidebarNav") is False
