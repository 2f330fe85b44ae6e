"""WCAG 2.1 AA in a real browser: axe-core over the login screen and every menu screen of every
role, at desktop (1400 px) and phone (390 px) width. Any violation fails, with the rule, the
element and what is wrong. At phone width each screen is also saved to build/screenshots/.

One browser, one login per role: the cases run role by role, screen by screen, desktop then
phone, and each reuses the page the previous one left.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from core.models import Role
from core.platform.db import create_db_engine
from pages.components.navigation import screens_for
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import log_in, open_page, settle, wait_for_app, wait_for_login_cookie

pytestmark = pytest.mark.e2e

DESKTOP, PHONE = 1400, 390
HEIGHT = 900
ACCOUNTS = {
    Role.STUDENT: "demo-student",
    Role.ALUMNI: "demo-alumni",
    Role.FACULTY: "demo-faculty",
    Role.ADMIN: "demo-admin",
}
LOGIN = "login"
# Screens reached from a link rather than the menu, opened by their address: (role, name,
# SQL giving the query string for that user, :me being their id). The project page with its
# form, a match's workspace, a project's applicants and the project editor.
DEEP: tuple[tuple[Role, str, str], ...] = (
    (
        Role.STUDENT,
        "project-form",
        "SELECT 'project?id=' || p.id FROM project p WHERE p.status = 'open' AND NOT EXISTS "
        "(SELECT 1 FROM application a WHERE a.project_id = p.id AND a.student_id = :me) "
        "ORDER BY p.id LIMIT 1",
    ),
    (
        Role.STUDENT,
        "workspace",
        "SELECT 'matches?match=' || id FROM application WHERE student_id = :me "
        "AND status = 'approved' ORDER BY id LIMIT 1",
    ),
    (
        Role.ALUMNI,
        "applicants-of-a-project",
        "SELECT 'applicants?project=' || p.id FROM project p JOIN application a "
        "ON a.project_id = p.id WHERE p.owner_id = :me GROUP BY p.id ORDER BY COUNT(*) DESC "
        "LIMIT 1",
    ),
    (
        Role.STUDENT,
        "mentor-profile",
        "SELECT 'mentor?id=' || id FROM app_user WHERE username = 'demo-alumni'",
    ),
    (Role.ALUMNI, "project-editor", "SELECT 'my-projects?project=new'"),
    (
        Role.ALUMNI,
        "workspace",
        "SELECT 'matches?match=' || a.id FROM application a JOIN project p "
        "ON p.id = a.project_id WHERE p.owner_id = :me AND a.status = 'approved' "
        "ORDER BY a.id LIMIT 1",
    ),
    (
        Role.ADMIN,
        "match-overview",
        "SELECT 'match-overview?match=' || a.id FROM application a "
        "WHERE a.status = 'approved' ORDER BY a.id LIMIT 1",
    ),
)
# Tabs drawn only when opened (the open tab is drawn alone): (role, screen, tab).
TABS: tuple[tuple[Role, str, str], ...] = (
    (Role.ALUMNI, "profile", "About you"),
    (Role.STUDENT, "profile", "Password"),
)


def _cases() -> list[Any]:
    """(username, url_path, title, width) per case; a screen reached from a link has url_path
    "deep:<name>" and carries, in place of its menu title, the SQL giving its address; a tab
    drawn only when opened has url_path "tab:<screen>:<tab>" and the tab's label as title."""
    cases = [
        pytest.param(None, LOGIN, LOGIN, width, id=f"visitor-login-{width}px")
        for width in (DESKTOP, PHONE)
    ]
    for role, username in ACCOUNTS.items():
        # Screens about one thing (a project, a match) are not in the menu: DEEP reaches them.
        for screen in (s for s in screens_for(role) if s.in_menu):
            for width in (DESKTOP, PHONE):
                cases.append(
                    pytest.param(
                        username,
                        screen.url_path,
                        screen.title,
                        width,
                        id=f"{role.value}-{screen.url_path}-{width}px",
                    )
                )
        for tab_role, path, tab in TABS:
            if tab_role is role:
                for width in (DESKTOP, PHONE):
                    slug = tab.lower().replace(" ", "-")
                    cases.append(
                        pytest.param(
                            username,
                            f"tab:{path}:{tab}",
                            tab,
                            width,
                            id=f"{role.value}-{path}-{slug}-{width}px",
                        )
                    )
        for deep_role, name, query in DEEP:
            if deep_role is role:
                for width in (DESKTOP, PHONE):
                    cases.append(
                        pytest.param(
                            username,
                            f"deep:{name}",
                            query,
                            width,
                            id=f"{role.value}-{name}-{width}px",
                        )
                    )
    return cases


def _deep_path(database_url: str, username: str, query: str) -> str:
    """The address of a screen reached from a link, for this user, from the database."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            me = conn.execute(
                text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
            ).scalar_one()
            path = conn.execute(text(query), {"me": me}).scalar()
    finally:
        engine.dispose()
    assert path, f"the demo data has no row for {query!r} as {username}"
    return str(path)


def _log_in_as(page: Any, username: str) -> None:
    """Log in and wait for the home screen. On a machine busy with other work a submitted
    form now and then gets no answer (the same rerun race as in helpers.log_out): when the
    form is still there after a while, it is sent once more."""
    log_in(page, username)
    welcome = page.get_by_text("Welcome,").first
    try:
        welcome.wait_for(timeout=20_000)
    except PlaywrightTimeout:
        if not page.get_by_role("button", name="Log in").is_visible():
            raise
        log_in(page, username)
        welcome.wait_for()


class Visits:
    """The one page the cases share: who is logged in and which screen it shows."""

    def __init__(self, browser: Any, url: str, database_url: str) -> None:
        self.browser = browser
        self.url = url
        self.database_url = database_url
        self.context: Any = None
        self.page: Any = None
        self.username: str | None = None
        self.screen: str | None = None

    def _start(self, username: str | None) -> None:
        self.close()
        self.context = self.browser.new_context(viewport={"width": DESKTOP, "height": HEIGHT})
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        open_page(self.page, self.url)
        if username is not None:
            _log_in_as(self.page, username)
            wait_for_login_cookie(self.page)
        # The login screen too: its cookie component sets off one more run, and a check taken
        # during it saw the screen half drawn (its form's heading before the page's title).
        settle(self.page)
        self.username = username
        self.screen = LOGIN if username is None else "home"

    def show(self, username: str | None, url_path: str, title: str, width: int) -> Any:
        """Return the page showing this screen, as this user, at this width."""
        if self.page is None or username != self.username:
            self._start(username)
        page = self.page
        if url_path != self.screen and url_path.startswith("deep:"):
            assert username is not None
            page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
            open_page(page, f"{self.url}/{_deep_path(self.database_url, username, title)}")
            settle(page)
            # Still logged in (the menu is there), not checking the login form instead.
            page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
            self.screen = url_path
        elif url_path != self.screen and url_path.startswith("tab:"):
            page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
            open_page(page, f"{self.url}/{url_path.split(':')[1]}")
            settle(page)
            page.get_by_role("tab", name=title).click()
            settle(page)
            self.screen = url_path
        elif url_path != self.screen:
            page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
            link = page.get_by_test_id("stSidebar").get_by_role(
                "link", name=re.compile(rf"^{re.escape(title)}")
            )
            link.click()
            page.wait_for_url(re.compile(rf"/{re.escape(url_path)}(\?|$)"))
            settle(page)
            self.screen = url_path
        if (page.viewport_size or {}).get("width") != width:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_timeout(400)  # let the layout and the sidebar follow the width
            wait_for_app(page)
        return page

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None


@pytest.fixture(scope="module")
def questions(server):
    """Questions to draw: the demo has none, and an empty screen checks neither the answer forms
    nor the published Q&A. Rows only (no notifications): other browser tests share the server."""
    from sqlmodel import Session, col, select

    from core.models import Project, ProjectQuestion, ProjectStatus, User
    from core.platform.types import utcnow

    engine = create_db_engine(server.database_url)
    try:
        with Session(engine) as session:
            if session.exec(select(ProjectQuestion)).first() is not None:
                return
            ids = {
                u.username: u.id
                for u in session.exec(select(User).where(col(User.username).like("demo-%")))
            }
            mentor_project = session.exec(
                select(Project).where(
                    Project.owner_id == ids["demo-alumni"], Project.status == ProjectStatus.OPEN
                )
            ).first()
            assert mentor_project is not None
            deep = _deep_path(server.database_url, "demo-student", DEEP[0][2]).split("=")[1]
            now = utcnow()
            for target in {mentor_project.id, int(deep)}:
                session.add_all(
                    [
                        ProjectQuestion(
                            project_id=target,
                            asker_id=ids["demo-student2"],
                            text="Is the **data** set public?",
                            answer="Yes: it is published by the city.",
                            answered_at=now,
                            public=True,
                        ),
                        ProjectQuestion(
                            project_id=target,
                            asker_id=ids["demo-student"],
                            text="Can we meet in the evening?",
                            answer="Usually, yes.",
                            answered_at=now,
                            public=False,
                        ),
                        ProjectQuestion(
                            project_id=target,
                            asker_id=ids["demo-student"],
                            text="Which tools do we use?",
                        ),
                    ]
                )
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def visits(browser, server, questions):
    shared = Visits(browser, server.url, server.database_url)
    yield shared
    shared.close()


def _screenshot(page: Any, name: str) -> None:
    """Save the whole screen: Streamlit scrolls inside its own container, so the window is
    made as tall as the content for the picture."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "'[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 0)"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 80)})
    page.wait_for_timeout(200)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.mark.parametrize(("username", "url_path", "title", "width"), _cases())
def test_screen_meets_wcag_21_aa(visits, username, url_path, title, width):
    page = visits.show(username, url_path, title, width)
    violations = axe_violations(page)
    if width == PHONE:
        role = "visitor" if username is None else username.removeprefix("demo-")
        _screenshot(page, f"phone-{role}-{url_path.replace('deep:', '')}")
    assert not violations, (
        f"{url_path} as {username or 'a visitor'} at {width} px breaks WCAG 2.1 AA:\n"
        + describe(violations)
    )
