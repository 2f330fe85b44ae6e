"""The workspace view says what its viewer may do, and agrees with the services that do it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import workspace as ws
from core.models import ApplicationStatus
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.workspace.models import MilestoneStatus
from tests.factories import TODAY, pair


def _view(engine, actor, p):
    with read_session(engine) as session:
        return ws.open_workspace(session, actor=actor, application_id=p.application_id).view


def _succeeds(engine, action) -> bool:
    """Run a write and roll it back; return whether the service allowed it."""
    try:
        with write_transaction(engine) as session:
            action(session)
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


class _Undo(Exception):
    """Rolls back a write that only probed whether a service allows it."""


def test_sessions_may_be_logged_up_to_tomorrow_from_the_start(engine):
    assert ws.last_session_day(TODAY) == TODAY + timedelta(days=1)
    running = ApplicationStatus.APPROVED
    assert ws.can_log_session(running, TODAY + timedelta(days=1), TODAY)
    assert not ws.can_log_session(running, TODAY + timedelta(days=2), TODAY)
    assert not ws.can_log_session(ApplicationStatus.COMPLETED, TODAY, TODAY)
    p = pair(engine)
    view = _view(engine, p.student, p)
    assert view.can_log_session
    assert (view.log_from, view.log_until) == (p.start, TODAY + timedelta(days=1))


def test_a_match_starting_after_tomorrow_takes_no_session_yet(engine):
    p = pair(engine, start=TODAY + timedelta(days=3))
    view = _view(engine, p.mentor, p)
    assert not view.can_log_session
    assert not _succeeds(
        engine,
        lambda s: ws.log_session(
            s,
            actor=p.mentor,
            application_id=p.application_id,
            held_on=TODAY + timedelta(days=1),
            minutes=60,
            summary="Too early.",
        ),
    )


def test_session_flags_agree_with_confirm_edit_and_delete(engine):
    p = pair(engine)
    with write_transaction(engine) as session:
        logged = ws.log_session(
            session,
            actor=p.student,
            application_id=p.application_id,
            held_on=TODAY,
            minutes=60,
            summary="Kick-off.",
        )
    for viewer in (p.student, p.mentor):
        item = _view(engine, viewer, p).sessions[0]
        assert item.can_confirm == _succeeds(
            engine, lambda s, v=viewer: ws.confirm_session(s, actor=v, session_id=logged.id)
        )
        assert item.can_change == _succeeds(
            engine, lambda s, v=viewer: ws.delete_session(s, actor=v, session_id=logged.id)
        )
    assert _view(engine, p.mentor, p).sessions[0].can_confirm
    assert _view(engine, p.student, p).sessions[0].can_change
    with write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)
    for viewer in (p.student, p.mentor):
        item = _view(engine, viewer, p).sessions[0]
        assert not item.can_confirm and not item.can_change


@pytest.mark.parametrize("milestone", list(MilestoneStatus))
def test_milestone_flags_agree_with_done_verify_and_reopen(engine, milestone):
    p = pair(engine)
    first = _view(engine, p.student, p).milestones[0].id
    if milestone is not MilestoneStatus.TODO:
        with write_transaction(engine) as session:
            ws.mark_milestone_done(session, actor=p.student, milestone_id=first)
            if milestone is MilestoneStatus.VERIFIED:
                ws.verify_milestone(session, actor=p.mentor, milestone_id=first)
    for viewer in (p.student, p.mentor):
        item = _view(engine, viewer, p).milestones[0]
        assert item.status is milestone
        assert item.can_mark_done == _succeeds(
            engine, lambda s, v=viewer: ws.mark_milestone_done(s, actor=v, milestone_id=first)
        )
        assert item.can_verify == _succeeds(
            engine, lambda s, v=viewer: ws.verify_milestone(s, actor=v, milestone_id=first)
        )
        assert item.can_reopen == _succeeds(
            engine,
            lambda s, v=viewer: ws.reopen_milestone(s, actor=v, milestone_id=first, note="Again."),
        )


def test_an_ended_match_offers_no_action(engine):
    p = pair(engine, status=ApplicationStatus.COMPLETED)
    for viewer in (p.student, p.mentor):
        view = _view(engine, viewer, p)
        assert not view.can_log_session
        assert not any(m.can_mark_done or m.can_verify or m.can_reopen for m in view.milestones)
