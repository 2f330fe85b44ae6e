"""Rules that hold for running matches: cancelling, cutting hours, editing a matched project."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from core.accounts.profiles import update_profile
from core.applications import approved_commitments
from core.models import Application, ApplicationStatus, Notification, Project, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import OverCommitted, ValidationFailed
from core.projects import cancel_project, update_project
from tests import factories as h
from tests.factories import make_open_project, make_user, project_input

S = ApplicationStatus
START = date.today() + timedelta(days=14)


def _matched(engine, *, student_hours: float = 6.0, available: float = 8.0):
    """A mentor's open project (from START, four weeks) with one approved match."""
    with write_transaction(engine) as session:
        mentor = make_user(session, Role.ALUMNI, weekly_hours=10)
        student = make_user(session, Role.STUDENT, weekly_hours=available)
        project = make_open_project(session, mentor, student_hours=student_hours)
        match = h.application(session, student, project, S.APPROVED)
    return mentor, student, project, match


def _status(engine, application_id: int) -> ApplicationStatus:
    with Session(engine) as session:
        found = session.get(Application, application_id)
        assert found is not None
        return found.status


# ---------------------------------------------------------------------------- cancelling


def test_cancelling_a_project_ends_its_running_match_and_frees_the_hours(engine):
    mentor, student, project, match = _matched(engine)
    with write_transaction(engine) as session:
        cancel_project(session, actor=mentor, project_id=project.id, reason="I changed jobs")
    with read_session(engine) as session:
        ended = session.get(Application, match.id)
        assert ended.status is S.ENDED_EARLY
        assert "cancelled" in ended.reason and "I changed jobs" in ended.reason
        assert approved_commitments(session, [student.id])[student.id] == []
        assert session.get(Project, project.id).filled == 0
        notes = session.exec(
            select(Notification.text).where(Notification.user_id == student.id)
        ).all()
    assert any("has ended" in text and "I changed jobs" in text for text in notes), notes


def test_after_a_cancelled_match_the_student_may_be_matched_in_those_weeks(engine):
    mentor, student, project, _ = _matched(engine)
    with write_transaction(engine) as session:
        cancel_project(session, actor=mentor, project_id=project.id, reason="Funding ended")
    with write_transaction(engine) as session:
        other = make_open_project(session, mentor, title="Another project in the same weeks")
        h.application(session, student, other, S.APPROVED)  # 6 h alone fits 8 h again
    with read_session(engine) as session:
        assert len(approved_commitments(session, [student.id])[student.id]) == 1


def test_cancelling_with_a_running_match_needs_a_reason_and_writes_nothing_without(engine):
    mentor, _, project, match = _matched(engine)
    with pytest.raises(ValidationFailed, match="reason"), write_transaction(engine) as session:
        cancel_project(session, actor=mentor, project_id=project.id)
    assert _status(engine, match.id) is S.APPROVED
    with Session(engine) as session:
        assert session.get(Project, project.id).status.value == "open"


def test_cancelling_expires_an_accepted_application_as_the_state_table_says(engine):
    with write_transaction(engine) as session:
        mentor = make_user(session, Role.ALUMNI, weekly_hours=10)
        project = make_open_project(session, mentor)
        accepted = h.application(session, make_user(session, Role.STUDENT), project, S.ACCEPTED)
    with write_transaction(engine) as session:
        cancel_project(session, actor=mentor, project_id=project.id)
    assert _status(engine, accepted.id) is S.EXPIRED


# ---------------------------------------------------------------------------- student hours


def _profile(user: User, weekly_hours: float) -> dict:
    return {
        "display_name": user.display_name,
        "department": user.department,
        "weekly_hours": weekly_hours,
        "blind_review": user.blind_review,
        "interests": [],
    }


def test_a_student_cannot_cut_their_hours_below_an_approved_match(engine):
    _, student, _, _ = _matched(engine, student_hours=6, available=8)
    with (
        pytest.raises(OverCommitted) as refused,
        write_transaction(engine) as session,
    ):
        update_profile(session, actor=student, user_id=student.id, **_profile(student, 2))
    message = refused.value.message
    assert "6 hours of approved matches" in message and "new 2 available" in message, message
    with Session(engine) as session:
        assert session.get(User, student.id).weekly_hours == 8


def test_a_student_may_cut_their_hours_down_to_what_their_matches_take(engine):
    _, student, _, _ = _matched(engine, student_hours=6, available=8)
    with write_transaction(engine) as session:
        update_profile(session, actor=student, user_id=student.id, **_profile(student, 6))
    with Session(engine) as session:
        assert session.get(User, student.id).weekly_hours == 6


# ---------------------------------------------------------------------------- editing


def test_raising_a_matched_projects_hours_over_the_students_hours_is_refused(engine):
    mentor, student, project, _ = _matched(engine, student_hours=6, available=8)
    with (
        pytest.raises(OverCommitted, match=student.display_name),
        write_transaction(engine) as session,
    ):
        update_project(
            session, actor=mentor, project_id=project.id, data=project_input(student_hours=12)
        )
    with Session(engine) as session:
        assert session.get(Project, project.id).student_hours == 6


def test_raising_a_matched_projects_hours_within_the_students_hours_is_allowed(engine):
    mentor, _, project, _ = _matched(engine, student_hours=6, available=8)
    with write_transaction(engine) as session:
        update_project(
            session, actor=mentor, project_id=project.id, data=project_input(student_hours=8)
        )
    with Session(engine) as session:
        assert session.get(Project, project.id).student_hours == 8


def test_moving_a_matched_project_onto_the_students_other_match_is_refused(engine):
    later = START + timedelta(weeks=8)
    with write_transaction(engine) as session:
        mentor = make_user(session, Role.ALUMNI, weekly_hours=10)
        student = make_user(session, Role.STUDENT, weekly_hours=8)
        busy = make_open_project(
            session, mentor, title="The student's other match", student_hours=6
        )
        h.application(session, student, busy, S.APPROVED)
        moved = make_open_project(
            session,
            mentor,
            title="Starts later for now",
            student_hours=4,
            start_date=later,
            deadline=later - timedelta(days=7),
        )
        h.application(session, student, moved, S.APPROVED)
    with (
        pytest.raises(OverCommitted, match="10 hours"),
        write_transaction(engine) as session,
    ):
        update_project(  # back to START, on top of the 6 h match: 10 h over 8
            session,
            actor=mentor,
            project_id=moved.id,
            data=project_input(title="Starts later for now", student_hours=4),
        )
    with Session(engine) as session:
        assert session.get(Project, moved.id).start_date == later
