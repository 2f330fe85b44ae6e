"""What a first-time user stumbled on: dead ends, links that were not links, wording."""

from __future__ import annotations

import pytest

from core.models import Role
from pages.components.navigation import screens_for
from pages.home import NEXT_STEPS
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
