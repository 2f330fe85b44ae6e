"""Pure project rules: the transition table, tag names and the shape of project input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import ProjectStatus
from core.platform.errors import ValidationFailed
from core.projects import (
    PROJECT_TRANSITIONS,
    can_move_project,
    parse_project_input,
    transition_refusal,
)
from core.projects.tags import normalise_tag, normalise_tags
from tests.factories import project_input, project_input_data

S = ProjectStatus
ALLOWED = {
    (S.DRAFT, S.OPEN),
    (S.DRAFT, S.CANCELLED),
    (S.OPEN, S.CLOSED),
    (S.OPEN, S.IN_PROGRESS),
    (S.OPEN, S.CANCELLED),
    (S.CLOSED, S.IN_PROGRESS),
    (S.CLOSED, S.CANCELLED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.CANCELLED),
}


@pytest.mark.parametrize("to_status", list(S))
@pytest.mark.parametrize("from_status", list(S))
def test_the_transition_table_allows_exactly_the_lifecycle_of_the_brief(from_status, to_status):
    assert can_move_project(from_status, to_status) is ((from_status, to_status) in ALLOWED)


def test_every_status_has_a_row_in_the_transition_table():
    assert set(PROJECT_TRANSITIONS) == set(S)


@pytest.mark.parametrize("terminal", [S.COMPLETED, S.CANCELLED])
def test_completed_and_cancelled_projects_never_move_again(terminal):
    assert not any(can_move_project(terminal, target) for target in S)


def test_a_project_never_moves_to_its_own_status():
    assert not any(can_move_project(status, status) for status in S)


def test_refusal_messages_say_what_is_needed_and_what_the_project_is():
    assert transition_refusal(S.OPEN, S.OPEN) == (
        "Only a draft can be published; this project is open."
    )
    assert transition_refusal(S.DRAFT, S.CLOSED) == (
        "Only an open project can be closed; this project is draft."
    )
    assert transition_refusal(S.DRAFT, S.COMPLETED) == (
        "Only a project in progress can be completed; this project is draft."
    )
    assert transition_refusal(S.COMPLETED, S.CANCELLED) == (
        "A completed project can no longer be cancelled."
    )
    assert "in progress" in transition_refusal(S.IN_PROGRESS, S.OPEN)


# ---------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Python", "python"),
        ("  Machine   Learning ", "machine-learning"),
        ("C++", "c++"),
        ("c#", "c#"),
        ("Node.js", "node.js"),
        ("data\tscience", "data-science"),
        ("ai", "ai"),
        ("x" * 40, "x" * 40),
    ],
)
def test_tags_are_stored_lower_case_with_dashes_for_spaces(typed, stored):
    assert normalise_tag(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "a", "x" * 41, "hello!", "<script>", "naïve", "a_b", "--", "..", "tag\x00"],
)
def test_names_that_cannot_be_tags_are_refused(typed):
    with pytest.raises(ValidationFailed) as refused:
        normalise_tag(typed)
    assert "tags" in refused.value.fields


def test_repeated_tags_collapse_to_one_in_first_seen_order():
    assert normalise_tags(["SQL", "python", "sql ", "Python"]) == ["sql", "python"]


# ---------------------------------------------------------------------------- input shape


def test_valid_input_passes_and_is_stripped():
    clean = parse_project_input(project_input_data(title="  Build a thing  "))
    assert clean.title == "Build a thing"


def test_a_short_title_is_refused_with_a_human_message():
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(project_input_data(title="abcd"))
    assert refused.value.fields == {"title": "must be 5–120 characters"}
    assert "title: must be 5–120 characters" in refused.value.message


def test_a_deadline_after_the_start_is_refused():
    data = project_input_data()
    data["deadline"] = data["start_date"] + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(data)
    assert refused.value.fields == {"deadline": "must be on or before the start date"}


def test_a_milestone_due_after_the_project_ends_is_refused():
    data = project_input_data(duration_weeks=2, milestones=[("Kick-off", 1), ("Wrap up", 3)])
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(data)
    assert "milestone 2 due week" in refused.value.fields["milestones"]


def test_milestones_may_be_given_as_title_and_week_pairs():
    clean = parse_project_input(project_input_data(milestones=[("Kick-off", 1)]))
    assert [(m.title, m.due_week) for m in clean.milestones] == [("Kick-off", 1)]


def test_markup_is_kept_literally_as_plain_text():
    text = "<script>alert('x')</script> & <b>bold</b>"
    clean = parse_project_input(project_input_data(description=text, summary=text))
    assert clean.description == text and clean.summary == text


@pytest.mark.parametrize("field", ["title", "summary", "description", "department"])
def test_control_characters_are_refused_in_text(field):
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(project_input_data(**{field: "Valid text\x00 here"}))
    assert refused.value.fields[field].startswith("must not contain control characters")


def test_line_breaks_are_allowed_in_the_description_but_not_in_the_title():
    clean = parse_project_input(project_input_data(description="Line one\nLine two\n"))
    assert clean.description == "Line one\nLine two"
    with pytest.raises(ValidationFailed):
        parse_project_input(project_input_data(title="Line one\nLine two"))


def test_a_blank_screening_question_means_none():
    assert (
        parse_project_input(project_input_data(screening_question="   ")).screening_question is None
    )


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(project_input_data(title="", seats=0, mode="by pigeon", tags=[]))
    assert set(refused.value.fields) == {"title", "seats", "mode", "tags"}
    assert refused.value.fields["seats"] == "must be a whole number from 1 to 10"


def test_a_checkbox_value_is_not_a_number_of_seats():
    with pytest.raises(ValidationFailed) as refused:
        parse_project_input(project_input_data(seats=True))
    assert refused.value.fields["seats"] == "must be a whole number from 1 to 10"


def test_a_prepared_input_is_checked_again_for_cross_field_rules():
    data = project_input()
    data.deadline = data.start_date + timedelta(days=3)
    with pytest.raises(ValidationFailed):
        parse_project_input(data)
