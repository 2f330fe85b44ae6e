"""Every workspace write checks the match's state in core: a finished match is read-only
except for its close-out (feedback, the closing questionnaire) and reading the thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from core import workspace as ws
from core.models import Application, ApplicationStatus
from core.platform.db import write_transaction
from core.platform.errors import InvalidTransition
from core.platform.types import utcnow
from core.workspace.models import (
    MatchMessage,
    MatchMilestone,
    MatchSession,
    SelfEfficacyPhase,
)
from tests.factories import TODAY, Pair, make_pair

S = ApplicationStatus


@dataclass
class Running:
    pair: Pair
    mentor_session_id: int  # logged by the mentor, unconfirmed
    student_session_id: int  # logged by the student, unconfirmed
    done_milestone_id: int
    todo_milestone_id: int


def _running_match(engine: Any, status: ApplicationStatus) -> Running:
    """A match with work in every state, then moved to `status`."""
    with write_transaction(engine) as session:
        pair = make_pair(session)
        logged = [
            ws.log_session(
                session,
                actor=actor,
                application_id=pair.application_id,
                held_on=TODAY,
                minutes=30,
                summary="Met",
            )
            for actor in (pair.mentor, pair.student)
        ]
        milestones = session.exec(
            select(MatchMilestone)
            .where(MatchMilestone.application_id == pair.application_id)
            .order_by(MatchMilestone.position)
        ).all()
        ws.mark_milestone_done(session, actor=pair.student, milestone_id=milestones[0].id or 0)
        found = session.get(Application, pair.application_id)
        assert found is not None
        found.status = status
        found.updated_at = utcnow() - timedelta(days=1)
        session.add(found)
        return Running(
            pair,
            logged[0].id or 0,
            logged[1].id or 0,
            milestones[0].id or 0,
            milestones[1].id or 0,
        )


Action = Callable[[Session, Running], Any]
ACTIONS: dict[str, Action] = {
    "send a message": lambda s, r: ws.send_message(
        s, actor=r.pair.student, application_id=r.pair.application_id, body="Hello"
    ),
    "log a session": lambda s, r: ws.log_session(
        s,
        actor=r.pair.student,
        application_id=r.pair.application_id,
        held_on=TODAY,
        minutes=30,
        summary="Met again",
    ),
    "confirm a session": lambda s, r: ws.confirm_session(
        s, actor=r.pair.student, session_id=r.mentor_session_id
    ),
    "edit a session": lambda s, r: ws.edit_session(
        s,
        actor=r.pair.student,
        session_id=r.student_session_id,
        held_on=TODAY,
        minutes=45,
        summary="Met longer",
    ),
    "delete a session": lambda s, r: ws.delete_session(
        s, actor=r.pair.student, session_id=r.student_session_id
    ),
    "mark a milestone done": lambda s, r: ws.mark_milestone_done(
        s, actor=r.pair.student, milestone_id=r.todo_milestone_id
    ),
    "verify a milestone": lambda s, r: ws.verify_milestone(
        s, actor=r.pair.mentor, milestone_id=r.done_milestone_id
    ),
    "reopen a milestone": lambda s, r: ws.reopen_milestone(
        s, actor=r.pair.mentor, milestone_id=r.done_milestone_id, note="Add the tests"
    ),
    "answer the start questionnaire": lambda s, r: ws.record_self_efficacy(
        s,
        actor=r.pair.student,
        application_id=r.pair.application_id,
        phase=SelfEfficacyPhase.START,
        scores=[3, 3, 3, 3, 3],
    ),
    "answer the close questionnaire": lambda s, r: ws.record_self_efficacy(
        s,
        actor=r.pair.student,
        application_id=r.pair.application_id,
        phase=SelfEfficacyPhase.CLOSE,
        scores=[4, 4, 4, 4, 4],
    ),
    "give feedback": lambda s, r: ws.give_feedback(
        s, actor=r.pair.mentor, application_id=r.pair.application_id, rating=5, comment="Great"
    ),
    "read the thread": lambda s, r: ws.mark_thread_read(
        s, actor=r.pair.mentor, application_id=r.pair.application_id
    ),
}
# What each state allows; everything else is refused.
RUNNING_ONLY = {
    "send a message",
    "log a session",
    "confirm a session",
    "edit a session",
    "delete a session",
    "mark a milestone done",
    "verify a milestone",
    "reopen a milestone",
    "answer the start questionnaire",
}
CLOSE_OUT = {"answer the close questionnaire", "give feedback"}
ALWAYS = {"read the thread"}
ALLOWED = {
    S.APPROVED: RUNNING_ONLY | ALWAYS,
    S.COMPLETED: CLOSE_OUT | ALWAYS,
    S.ENDED_EARLY: CLOSE_OUT | ALWAYS,
}


def _content(engine: Any, application_id: int) -> list[Any]:
    with Session(engine) as session:
        return [
            sorted((m.id, m.body) for m in session.exec(select(MatchMessage)).all()),
            sorted(
                (r.id, r.minutes, r.summary, r.confirmed_at is None)
                for r in session.exec(select(MatchSession)).all()
            ),
            sorted(
                (m.id, m.status.value, m.note) for m in session.exec(select(MatchMilestone)).all()
            ),
        ]


def test_every_action_is_classified():
    assert set(ACTIONS) == RUNNING_ONLY | CLOSE_OUT | ALWAYS


@pytest.mark.parametrize("state", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_workspace_write_is_allowed_only_in_the_match_states_that_permit_it(
    engine, action, state
):
    running = _running_match(engine, state)
    if action in ALLOWED[state]:
        with write_transaction(engine) as session:
            ACTIONS[action](session, running)
        return
    before = _content(engine, running.pair.application_id)
    with pytest.raises(InvalidTransition) as refused, write_transaction(engine) as session:
        ACTIONS[action](session, running)
    assert refused.value.message
    assert _content(engine, running.pair.application_id) == before
