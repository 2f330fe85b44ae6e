"""Which screens exist and who may open them; the router builds st.Page objects from this."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from core.models import Role

EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
MENTORS = frozenset({Role.ALUMNI, Role.FACULTY})
STUDENTS = frozenset({Role.STUDENT})
APPROVERS = frozenset({Role.FACULTY, Role.ADMIN})
# The two sides of a match use its workspace; faculty who post projects are mentors too.
PARTIES = STUDENTS | MENTORS
PASSPORT_READERS = STUDENTS | APPROVERS
# The screen at the portal's root address.
DEFAULT_SCREEN = "home"
# This browser session's st.Page objects, by URL path.
SESSION_PAGES = "navigation_pages"


@dataclass(frozen=True)
class Screen:
    """A screen: a module in pages/ exposing render(), its URL and the roles that see it."""

    module: str
    title: str
    url_path: str
    icon: str
    roles: frozenset[Role] = EVERYONE
    # Screens about one thing (a project, a match) open from links, not from the menu, where
    # they would be a dead end with nothing chosen.
    in_menu: bool = True
    # Screens whose tables and charts need the width a desktop offers (Streamlit's wide
    # layout); the others keep its centred column, easier to read.
    wide: bool = False

    def page(self, *, default: bool = False) -> st.Page:
        render = importlib.import_module(self.module).render
        return st.Page(
            render, title=self.title, url_path=self.url_path, icon=self.icon, default=default
        )


SCREENS: tuple[Screen, ...] = (
    Screen("pages.shared.home", "Home", "home", ":material/home:"),
    Screen("pages.shared.inbox", "Inbox", "inbox", ":material/inbox:"),
    Screen("pages.shared.profile", "Profile", "profile", ":material/person:"),
    Screen("pages.shared.email_settings", "E-mail settings", "email", ":material/mail:"),
    Screen("pages.student.browse", "Browse projects", "browse", ":material/search:", STUDENTS),
    Screen(
        "pages.student.project",
        "Project details",
        "project",
        ":material/description:",
        STUDENTS,
        in_menu=False,
    ),
    Screen(
        "pages.student.my_applications",
        "My applications",
        "my-applications",
        ":material/assignment:",
        STUDENTS,
    ),
    Screen("pages.student.my_weeks", "My weeks", "my-weeks", ":material/date_range:", STUDENTS),
    Screen("pages.student.mentors", "Find a mentor", "mentors", ":material/groups:", STUDENTS),
    Screen(
        "pages.shared.mentor",
        "Mentor profile",
        "mentor",
        ":material/badge:",
        EVERYONE,
        in_menu=False,
    ),
    Screen("pages.mentor.my_projects", "My projects", "my-projects", ":material/work:", MENTORS),
    Screen("pages.mentor.applicants", "Applicants", "applicants", ":material/how_to_reg:", MENTORS),
    Screen("pages.mentor.questions", "Questions", "questions", ":material/help:", MENTORS),
    Screen("pages.mentor.my_time", "My time", "my-time", ":material/schedule:", MENTORS),
    Screen("pages.shared.matches", "My matches", "matches", ":material/handshake:", PARTIES),
    Screen("pages.shared.passport", "Passport", "passport", ":material/badge:", PASSPORT_READERS),
    Screen(
        "pages.faculty.approvals",
        "Approval queue",
        "approvals",
        ":material/approval:",
        APPROVERS,
        wide=True,
    ),
    Screen(
        "pages.faculty.verify_alumni",
        "Verify alumni",
        "verify-alumni",
        ":material/verified_user:",
        APPROVERS,
    ),
    Screen(
        "pages.faculty.dashboard",
        "Program dashboard",
        "dashboard",
        ":material/monitoring:",
        APPROVERS,
        wide=True,
    ),
    Screen(
        "pages.faculty.match_overview",
        "Match overview",
        "match-overview",
        ":material/visibility:",
        APPROVERS,
        in_menu=False,
    ),
    Screen("pages.faculty.exports", "Exports", "exports", ":material/download:", APPROVERS),
    Screen("pages.admin.users", "Users", "admin-users", ":material/group:", ADMINS, wide=True),
    Screen(
        "pages.admin.invites",
        "Faculty invites",
        "admin-invites",
        ":material/mail:",
        ADMINS,
        wide=True,
    ),
    Screen(
        "pages.admin.import_users",
        "Import users",
        "admin-import",
        ":material/upload_file:",
        ADMINS,
        wide=True,
    ),
    Screen(
        "pages.admin.audit", "Audit log", "admin-audit", ":material/history:", ADMINS, wide=True
    ),
    Screen(
        "pages.admin.terms", "Program terms", "admin-terms", ":material/calendar_month:", ADMINS
    ),
    Screen("pages.admin.mail", "Outbox", "admin-mail", ":material/outbox:", ADMINS),
)


# Screens drawn in Streamlit's wide layout, by URL path.
WIDE_SCREENS = frozenset(screen.url_path for screen in SCREENS if screen.wide)


def screens_for(role: Role) -> list[Screen]:
    """Return the screens a role may open, in menu order."""
    return [screen for screen in SCREENS if role in screen.roles]


def menu_paths(role: Role) -> set[str]:
    """Return the URL paths of the screens a role finds in the menu."""
    return {screen.url_path for screen in screens_for(role) if screen.in_menu}


def has_screen(url_path: str) -> bool:
    """Return whether a screen with this URL path is registered."""
    return any(screen.url_path == url_path for screen in SCREENS)


# The screen the session's last run drew, and whether this run's screen was just opened.
LAST_SCREEN = "nav_last_screen"
JUST_OPENED = "nav_just_opened"


def note_screen_run(url_path: str) -> None:
    """Record the screen this run draws (the router calls it before running the screen)."""
    st.session_state[JUST_OPENED] = st.session_state.get(LAST_SCREEN) != url_path
    st.session_state[LAST_SCREEN] = url_path


def is_just_opened() -> bool:
    """Return whether this run opened the screen (rather than rerunning it after a click)."""
    return bool(st.session_state.get(JUST_OPENED, True))


def screen_page(url_path: str) -> st.Page:
    """Return the st.Page of a registered screen (pages are identified by their URL path).

    Each browser session builds a screen's page once: the menu and the links on cards ask for
    pages on every rerun, and building one costs about as much as drawing an element.
    """
    pages: dict[str, st.Page] = st.session_state.setdefault(SESSION_PAGES, {})
    page = pages.get(url_path)
    if page is None:
        screen = next((s for s in SCREENS if s.url_path == url_path), None)
        if screen is None:
            raise KeyError(url_path)
        page = pages[url_path] = screen.page(default=url_path == DEFAULT_SCREEN)
    return page


def link(
    url_path: str,
    label: str,
    *,
    params: Mapping[str, object] | None = None,
    icon: str | None = None,
) -> None:
    """A real link to a screen (or this one), with optional query parameters."""
    query = {name: str(value) for name, value in params.items()} if params else None
    st.page_link(screen_page(url_path), label=label, icon=icon, query_params=query)
