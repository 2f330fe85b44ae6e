"""Random bad project input is refused with ValidationFailed, and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from core import projects
from core.models import AuditEntry, MilestoneBlueprint, Project, ProjectTag, Role, Tag, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import ValidationFailed
from tests.factories import make_user, project_input_data

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(), st.integers(), max_size=1),
)
control = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f"])


def text_with(char: str, size: int = 20) -> st.SearchStrategy[str]:
    return st.text(alphabet="abc ", min_size=size, max_size=size).map(
        lambda s: s[:8] + char + s[8:]
    )


def blank() -> st.SearchStrategy[str]:
    return st.text(alphabet=" \t\n\u00a0\u2003", max_size=6)


def too_long(limit: int) -> st.SearchStrategy[str]:
    return st.integers(limit + 1, limit + 300).map(lambda n: "x" * n)


def bad_text(low: int, high: int) -> st.SearchStrategy[Any]:
    short = st.text(alphabet="abc", max_size=low - 1) if low > 1 else blank()
    return st.one_of(
        short, blank(), too_long(high), control.flatmap(text_with), wrong_types, st.integers()
    )


valid_tag = st.text(alphabet="abcdefghij", min_size=3, max_size=10)

BAD: dict[str, st.SearchStrategy[Any]] = {
    "title": bad_text(5, 120),
    "summary": bad_text(1, 280),
    "description": bad_text(1, 5000),
    "department": bad_text(1, 80),
    "screening_question": st.one_of(too_long(500), control.flatmap(text_with), st.integers()),
    "tags": st.one_of(
        st.just([]),
        st.lists(valid_tag, min_size=9, max_size=15, unique=True),
        st.lists(st.sampled_from(["!", "a", "x" * 41, "<b>", "tag\x00"]), min_size=1, max_size=3),
        st.lists(st.integers(), min_size=1, max_size=3),
        st.text(max_size=5),
        st.none(),
    ),
    "mode": st.one_of(
        st.text(max_size=10).filter(lambda t: t not in ("remote", "hybrid", "in_person")),
        st.integers(),
        st.none(),
    ),
    "seats": st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=11),
        # Fractions of a seat; a whole float such as 2.0 is two seats, and accepted.
        st.floats(1.1, 9.9).filter(lambda seats: not seats.is_integer()),
        st.booleans(),
        st.text(alphabet="abc", max_size=3),
        st.none(),
    ),
    "student_hours": st.one_of(
        st.floats(max_value=0.99),
        st.floats(min_value=20.01),
        st.just(float("nan")),
        st.booleans(),
        st.none(),
        st.just("lots"),
    ),
    "mentor_hours": st.one_of(
        st.floats(max_value=0.49),
        st.floats(min_value=10.01),
        st.just(float("inf")),
        st.booleans(),
        st.none(),
    ),
    "duration_weeks": st.one_of(
        st.integers(max_value=0), st.integers(min_value=13), st.just(2.5), st.booleans(), st.none()
    ),
    "start_date": st.one_of(
        st.sampled_from(["tomorrow", "", "31/12/2026", "2026-02-30"]),
        st.none(),
        st.lists(st.integers(), max_size=1),
    ),
    "deadline": st.one_of(st.sampled_from(["soon", "2026-13-01"]), st.none()),
    "milestones": st.one_of(
        st.just([]),
        st.lists(st.just({"title": "Step", "due_week": 1}), min_size=11, max_size=14),
        st.lists(
            st.fixed_dictionaries({"title": blank(), "due_week": st.just(1)}),
            min_size=1,
            max_size=2,
        ),
        st.lists(
            st.fixed_dictionaries({"title": too_long(120), "due_week": st.just(1)}),
            min_size=1,
            max_size=2,
        ),
        st.lists(
            st.fixed_dictionaries({"title": st.just("Step"), "due_week": st.integers(max_value=0)}),
            min_size=1,
            max_size=2,
        ),
        st.lists(
            st.fixed_dictionaries({"title": st.just("Step"), "due_week": st.integers(5, 60)}),
            min_size=1,
            max_size=2,
        ),
        st.lists(st.text(max_size=5), min_size=1, max_size=2),
        st.none(),
    ),
}


@st.composite
def bad_inputs(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """Return valid project fields with 1–3 of them spoiled (or dates inverted)."""
    data = project_input_data()
    start = data["start_date"]
    spoiled = draw(
        st.lists(st.sampled_from([*BAD, "inverted dates"]), min_size=1, max_size=3, unique=True)
    )
    for field in spoiled:
        if field == "inverted dates":
            data["deadline"] = start + timedelta(days=draw(st.integers(1, 400)))
        else:
            data[field] = draw(BAD[field])
    return data, spoiled


def _counts(engine) -> tuple[int, ...]:
    with read_session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Project, ProjectTag, Tag, MilestoneBlueprint, AuditEntry)
        )


@pytest.fixture
def mentor(sqlite_engine) -> User:
    with write_transaction(sqlite_engine) as session:
        return make_user(session, Role.ALUMNI)


@FUZZ
@given(case=bad_inputs())
def test_bad_new_project_input_is_refused_and_nothing_is_written(sqlite_engine, mentor, case):
    data, spoiled = case
    before = _counts(sqlite_engine)
    with pytest.raises(ValidationFailed) as refused, write_transaction(sqlite_engine) as session:
        projects.create_project(session, actor=mentor, data=data)
    assert refused.value.fields, spoiled
    assert refused.value.message.startswith("Please correct:")
    assert _counts(sqlite_engine) == before


@FUZZ
@given(case=bad_inputs())
def test_bad_edits_are_refused_and_the_project_is_unchanged(sqlite_engine, mentor, case):
    with read_session(sqlite_engine) as session:
        existing = session.exec(select(Project)).first()
    if existing is None:
        with write_transaction(sqlite_engine) as session:
            existing = projects.create_project(session, actor=mentor, data=project_input_data())
    before = _counts(sqlite_engine)
    with pytest.raises(ValidationFailed), write_transaction(sqlite_engine) as session:
        projects.update_project(session, actor=mentor, project_id=existing.id, data=case[0])
    assert _counts(sqlite_engine) == before
    with read_session(sqlite_engine) as session:
        stored = session.get(Project, existing.id)
        assert stored is not None and stored.title == existing.title


@pytest.mark.parametrize("data", [None, [], "title", 42])
def test_input_that_is_not_a_set_of_fields_is_refused(sqlite_engine, mentor, data):
    with pytest.raises(ValidationFailed), write_transaction(sqlite_engine) as session:
        projects.create_project(session, actor=mentor, data=data)
