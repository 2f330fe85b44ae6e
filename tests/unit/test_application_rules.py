"""The application state table: every allowed move, by whom, and a sample of refused ones."""

from __future__ import annotations

import pytest

from core.applications import (
    TRANSITIONS,
    Actor,
    allowed_actors,
    can_move,
    mentor_moves,
    transition_refusal,
)
from core.models import ApplicationStatus as S

A = Actor

ALLOWED = [
    (None, S.SUBMITTED, {A.STUDENT}),
    (S.SUBMITTED, S.ACCEPTED, {A.MENTOR}),
    (S.SUBMITTED, S.WAITLISTED, {A.MENTOR}),
    (S.SUBMITTED, S.DECLINED, {A.MENTOR}),
    (S.WAITLISTED, S.ACCEPTED, {A.MENTOR, A.SYSTEM}),
    (S.ACCEPTED, S.APPROVED, {A.APPROVER}),
    (S.ACCEPTED, S.REJECTED, {A.APPROVER}),
    (S.SUBMITTED, S.WITHDRAWN, {A.STUDENT, A.SYSTEM}),
    (S.WAITLISTED, S.WITHDRAWN, {A.STUDENT, A.SYSTEM}),
    (S.ACCEPTED, S.WITHDRAWN, {A.STUDENT, A.SYSTEM}),
    (S.SUBMITTED, S.EXPIRED, {A.SYSTEM}),
    (S.WAITLISTED, S.EXPIRED, {A.SYSTEM}),
    (S.ACCEPTED, S.EXPIRED, {A.SYSTEM}),  # cancelled project, or its mentor left
    (S.APPROVED, S.COMPLETED, {A.MENTOR}),
    (S.APPROVED, S.ENDED_EARLY, {A.STUDENT, A.MENTOR, A.SYSTEM}),  # the system: cancelled
]


@pytest.mark.parametrize(("before", "after", "actors"), ALLOWED)
def test_allowed_move_is_made_only_by_its_actors(before, after, actors):
    assert can_move(before, after)
    assert allowed_actors(before, after) == actors
    for actor in Actor:
        assert can_move(before, after, actor) is (actor in actors)


def test_the_table_holds_exactly_the_designed_moves():
    assert {(before, after) for before, after, _ in ALLOWED} == set(TRANSITIONS)


REFUSED = [
    (None, S.ACCEPTED),
    (None, S.APPROVED),
    (S.SUBMITTED, S.APPROVED),  # faculty approve only what the mentor accepted
    (S.SUBMITTED, S.COMPLETED),
    (S.WAITLISTED, S.DECLINED),
    (S.WAITLISTED, S.APPROVED),
    (S.ACCEPTED, S.DECLINED),
    (S.APPROVED, S.WITHDRAWN),  # a match ends early instead
    (S.APPROVED, S.REJECTED),
    (S.DECLINED, S.ACCEPTED),
    (S.REJECTED, S.APPROVED),
    (S.WITHDRAWN, S.SUBMITTED),
    (S.EXPIRED, S.SUBMITTED),
    (S.COMPLETED, S.ENDED_EARLY),
    (S.ENDED_EARLY, S.COMPLETED),
]


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_refused_move_is_refused_for_everyone(before, after):
    assert not can_move(before, after)
    assert allowed_actors(before, after) == frozenset()
    assert not any(can_move(before, after, actor) for actor in Actor)


def test_terminal_states_have_no_way_out():
    terminal = {S.DECLINED, S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.COMPLETED, S.ENDED_EARLY}
    for state in terminal:
        assert not any(can_move(state, target) for target in S)


def test_nobody_but_the_system_expires_an_application():
    assert not can_move(S.SUBMITTED, S.EXPIRED, A.MENTOR)
    assert not can_move(S.SUBMITTED, S.EXPIRED, A.STUDENT)
    assert not can_move(S.ACCEPTED, S.EXPIRED, A.APPROVER)


def test_refusal_names_both_states_in_words():
    assert transition_refusal(S.DECLINED, S.ACCEPTED) == (
        "This application is declined, so it cannot be accepted."
    )
    assert transition_refusal(S.ENDED_EARLY, S.COMPLETED) == (
        "This application is ended early, so it cannot be marked completed."
    )


@pytest.mark.parametrize(
    ("status", "seat_free", "fits", "offered"),
    [
        (S.SUBMITTED, True, True, (S.ACCEPTED, S.WAITLISTED, S.DECLINED)),
        (S.SUBMITTED, False, True, (S.WAITLISTED, S.DECLINED)),
        (S.SUBMITTED, True, False, (S.WAITLISTED, S.DECLINED)),
        (S.WAITLISTED, True, True, (S.ACCEPTED,)),
        (S.WAITLISTED, False, True, ()),
        (S.ACCEPTED, True, True, ()),
        (S.APPROVED, True, True, ()),
    ],
)
def test_a_mentor_is_offered_only_the_moves_allowed_now(status, seat_free, fits, offered):
    assert mentor_moves(status, seat_free=seat_free, fits=fits) == offered
