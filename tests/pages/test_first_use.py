"""What a first-time user stumbled on: dead ends, links that were not links, wording."""

from __future__ import annotations

import pytest

from core.models import Role
from pages.components.navigation import screens_for
from pages.shared.home import NEXT_STEPS
from tests.pages.screens import open_screen, texts

ROLE_OF = {
    "demo-student": Role.STUDENT,
    "demo-alumni": Role.ALUMNI,
    "demo-faculty": Role.FACULTY,
    "demo-admin": Role.ADMIN,
}


@pytest.mark.parametrize("username", list(ROLE_OF))
def test_home_offers_next_steps_as_links_to_screens_the_role_can_open(logged_in, username):
    at = open_screen(logged_in(username), "home")
    assert not at.exception
    main_links = [link for link in at.get("page_link") if link not in at.sidebar.get("page_link")]
    labels = [str(link.proto.label) for link in main_links]
    steps = NEXT_STEPS[ROLE_OF[username]]
    assert labels == [label for _, label in steps]
    openable = {screen.url_path for screen in screens_for(ROLE_OF[username])}
    assert {url_path for url_path, _ in steps} <= openable


@pytest.mark.parametrize(
    ("username", "hidden"),
    [("demo-student", "Project details"), ("demo-faculty", "Match overview")],
)
def test_screens_about_one_thing_are_not_menu_dead_ends(logged_in, username, hidden):
    at = open_screen(logged_in(username), "home")
    menu = [str(link.proto.label) for link in at.sidebar.get("page_link")]
    assert hidden not in menu and "Home" in menu


def test_the_match_overview_without_a_match_says_where_to_open_one(logged_in):
    at = open_screen(logged_in("demo-faculty"), "match-overview")
    assert not at.exception
    assert "matches at risk" in texts(at)


def test_the_menu_shows_the_new_name_right_after_a_profile_save(logged_in):
    at = open_screen(logged_in("demo-student"), "profile")
    at.text_input(key="profile_display_name").input("Dana Renamed")
    next(b for b in at.button if b.label == "Save profile").click()
    at = at.run()
    assert not at.exception
    assert "Your profile was saved." in texts(at)
    assert any("Dana Renamed" in str(m.value) for m in at.sidebar.markdown)


def test_my_projects_links_say_edit_or_view_with_a_matching_icon(logged_in):
    at = open_screen(logged_in("demo-alumni"), "my-projects")
    links = [(str(x.proto.label), x.proto.icon) for x in at.get("page_link")]
    edits = [icon for label, icon in links if label == "Edit"]
    views = [icon for label, icon in links if label == "View"]
    assert edits and set(edits) == {":material/edit:"}
    assert set(views) <= {":material/visibility:"}


def test_the_milestone_plan_reads_in_week_order_whatever_the_entry_order(logged_in, app_env):
    from core.platform.db import write_transaction
    from tests.factories import make_open_project, make_user

    with write_transaction(app_env) as session:
        mentor = make_user(session, Role.ALUMNI, username="plan-mentor", weekly_hours=10)
        project = make_open_project(
            session,
            mentor,
            title="Plan entered out of order",
            milestones=[
                {"title": "Present the results", "due_week": 4},
                {"title": "Agree on the scope", "due_week": 1},
            ],
        )
    at = open_screen(logged_in("demo-student"), "project", id=project.id)
    shown = texts(at)
    assert shown.index("Agree on the scope") < shown.index("Present the results")


def test_the_dashboard_charts_quiet_weeks_as_zero_and_rounds_its_figures():
    from dataclasses import dataclass
    from datetime import date

    from pages.faculty.dashboard import _hours_text, every_week

    @dataclass
    class Week:
        week: date
        sessions: int
        hours: float

    weeks = every_week([Week(date(2026, 11, 2), 3, 2.5), Week(date(2026, 11, 23), 1, 1.0)])
    assert [(w.isoformat(), n) for w, n, _ in weeks] == [
        ("2026-11-02", 3),
        ("2026-11-09", 0),
        ("2026-11-16", 0),
        ("2026-11-23", 1),
    ]
    assert _hours_text(6.583333) == "6.6"


def test_forgot_password_is_offered_on_the_login_screen_and_answers_the_same(app_env):
    from tests.pages.conftest import new_app

    at = new_app().run()
    next(b for b in at.button if b.label == "Forgot password?").click()
    at = at.run()
    assert "Forgot your password?" in [t.value for t in at.title]
    at.text_input(key="forgot_identifier").input("demo-student")
    next(b for b in at.button if b.label == "Send me a reset link").click()
    at = at.run()
    known = [str(s.value) for s in at.success]
    at.text_input(key="forgot_identifier").input("nobody-here")
    next(b for b in at.button if b.label == "Send me a reset link").click()
    at = at.run()
    assert not at.exception
    assert known and [str(s.value) for s in at.success] == known
    assert "If an account matches" in known[0]


def test_screens_with_wide_tables_use_the_wide_layout():
    from pages.components.navigation import WIDE_SCREENS

    assert {"admin-users", "admin-invites", "admin-import", "admin-audit"} <= WIDE_SCREENS
    assert "profile" not in WIDE_SCREENS  # reading screens keep the centred column


@pytest.mark.parametrize(
    ("username", "foreign"),
    [("demo-student", "admin-audit"), ("demo-alumni", "browse"), ("demo-faculty", "admin-users")],
)
def test_another_roles_screen_leads_home_and_never_runs(logged_in, username, foreign):
    # Every screen is registered with st.navigation (no "Page not found" dialog, checked in
    # tests/e2e/test_first_use_browser.py); the router must still never run a foreign one.
    at = open_screen(logged_in(username), foreign)
    assert not at.exception
    titles = [t.value for t in at.title]
    assert titles == ["Home"]
