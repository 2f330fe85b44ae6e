"""Mentor profiles, the directory and following, through AppTest on the demo data."""

from __future__ import annotations

from sqlmodel import select

from core.mentors.profiles import my_about
from core.models import MentorFollow
from core.platform.db import read_session
from pages.shared import profile
from tests.pages.screens import (
    click,
    open_screen,
    open_tab,
    project_id,
    raw_texts,
    texts,
    unescaped,
    user_named,
)

HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1))"


def _widget(at, kind: str, key: str):
    return next(w for w in at.get(kind) if w.key == key)


def test_a_student_finds_a_mentor_by_expertise_and_opens_the_profile(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "mentors")
    assert "Find a mentor" in [t.value for t in at.title]
    _widget(at, "selectbox", "mentor_tag").set_value("genomics")
    at = click(at, "Search")
    shown = texts(at)
    assert "Professor of genomics" in shown
    assert "Science journalist" in shown
    assert "Data engineer" not in shown, "filtered by expertise"
    chen = user_named(app_env, "prof-chen")
    at = open_screen(at, "mentor", id=chen.id)
    shown = texts(at)
    assert "Prof. Li Chen" in unescaped(at.title)
    assert "Expertise: data-science, genomics" in shown
    assert "Record in the portal" in shown
    assert "prof-chen@example.edu" not in shown


def test_the_project_page_links_to_its_mentors_profile(logged_in, app_env):
    project = project_id(app_env, "Build a data dashboard for a food bank")
    at = open_screen(logged_in("demo-student"), "project", id=project)
    assert "Data engineer at a logistics firm, class of 2014" in texts(at)
    [profile] = [p for p in at.get("page_link") if p.proto.label == "Read the mentor's profile"]
    alex = user_named(app_env, "demo-alumni")
    assert f"id={alex.id}" in profile.proto.page or profile.proto.query_string == f"id={alex.id}"


def test_a_student_follows_and_unfollows_a_mentor(logged_in, app_env):
    alex = user_named(app_env, "demo-alumni")
    at = open_screen(logged_in("demo-student"), "mentor", id=alex.id)
    at = click(at, "Notify me when this mentor posts")
    assert "You will hear when Alex Alumna posts a project." in texts(at)
    with read_session(app_env) as session:
        assert session.exec(select(MentorFollow.mentor_id)).all() == [alex.id]
    at = click(at, "Stop following")
    with read_session(app_env) as session:
        assert session.exec(select(MentorFollow)).all() == []


def test_a_mentor_writes_about_themself_and_it_shows_as_text(logged_in, app_env):
    at = open_tab(open_screen(logged_in("demo-alumni"), "profile"), profile.TAB, profile.ABOUT)
    _widget(at, "text_input", "about_headline").input(HOSTILE)
    _widget(at, "text_area", "about_bio").input("Line one\nLine two")
    _widget(at, "text_input", "about_link_0").input("https://example.org/alex")
    _widget(at, "multiselect", "about_expertise").set_value(["python", "mentoring"])
    at = click(at, "Save about you")
    assert "What you wrote about yourself was saved." in texts(at)
    alex = user_named(app_env, "demo-alumni")
    with read_session(app_env) as session:
        about, expertise = my_about(session, actor=alex)
    assert about.headline == HOSTILE
    assert expertise == ("mentoring", "python")
    at = open_screen(at, "mentor", id=alex.id)
    assert HOSTILE in texts(at)
    assert "<img" not in raw_texts(at).replace("\\<img", ""), "never as raw HTML"
    assert "[https\\://example\\.org/alex](https://example.org/alex)" in raw_texts(at).replace(
        "\u2060", ""
    )


def test_a_refused_link_is_named_and_nothing_saved(logged_in, app_env):
    at = open_tab(open_screen(logged_in("demo-faculty"), "profile"), profile.TAB, profile.ABOUT)
    _widget(at, "text_input", "about_link_0").input("http://plain.example.org")
    at = click(at, "Save about you")
    assert "must start with https://" in texts(at)
    fran = user_named(app_env, "demo-faculty")
    with read_session(app_env) as session:
        assert my_about(session, actor=fran)[0].links == ()


def test_the_directory_is_a_students_screen(logged_in):
    at = open_screen(logged_in("demo-alumni"), "mentors")
    assert "Find a mentor" not in [t.value for t in at.title]


def test_names_and_titles_in_links_show_as_typed(logged_in, app_env):
    from core.models import Project, User
    from core.platform.db import write_transaction
    from pages.components.ui import escape_markdown

    alex = user_named(app_env, "demo-alumni")
    with write_transaction(app_env) as session:
        session.get(User, alex.id).display_name = "[Alex](javascript:alert(1))"
        for project in session.exec(select(Project).where(Project.owner_id == alex.id)):
            project.title = "**Bold** [x](javascript:alert(1))"
    at = open_screen(logged_in("demo-student"), "mentors")
    labels = [link.proto.label for link in at.get("page_link")]
    assert escape_markdown("[Alex](javascript:alert(1))") in labels
    at = open_screen(at, "mentor", id=alex.id)
    labels = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith(escape_markdown("**Bold** [x]")) for label in labels), labels
