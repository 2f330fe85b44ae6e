"""Every notification is written to its reader: a student never reads about themself by name."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from core import applications as apps
from core.db import write_transaction
from core.models import ApplicationStatus, Notification, Role
from tests.services import app_helpers as h

S = ApplicationStatus
START = date.today() + timedelta(days=14)


def _texts(engine, user_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Notification.text).where(Notification.user_id == user_id)))


def test_auto_withdrawal_speaks_to_the_student_and_about_them_to_the_mentor(engine):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        approver = h.user(session, Role.FACULTY)
        student = h.user(session, Role.STUDENT, weekly_hours=8, display_name="Dana Student")
        matched = h.project(session, mentor, student_hours=6, start=START, title="Matched one")
        other = h.project(session, mentor, student_hours=6, start=START, title="Other one")
        accepted = h.application(session, student, matched, S.ACCEPTED)
        h.application(session, student, other, S.SUBMITTED)
    with write_transaction(engine) as session:
        apps.approve(session, actor=approver, application_id=accepted.id)
    [to_student] = [t for t in _texts(engine, student.id) if "withdrawn automatically" in t]
    assert to_student.startswith("Your application to “Other one”")
    assert "Dana Student" not in to_student and "“Matched one”" in to_student
    [to_mentor] = [t for t in _texts(engine, mentor.id) if "withdrawn automatically" in t]
    assert "Dana Student" in to_mentor


def test_promotion_from_the_waitlist_speaks_to_the_student(engine):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        leaving = h.user(session, Role.STUDENT)
        waiting = h.user(session, Role.STUDENT, display_name="Wendy Waiting")
        project = h.project(session, mentor, seats=1, title="Popular one")
        seat = h.application(session, leaving, project, S.ACCEPTED)
        h.application(session, waiting, project, S.WAITLISTED)
    with write_transaction(engine) as session:
        apps.withdraw(session, actor=leaving, application_id=seat.id)
    [to_student] = [t for t in _texts(engine, waiting.id) if "seat became free" in t]
    assert "your application moved from the waitlist" in to_student
    assert "Wendy Waiting" not in to_student
    [to_mentor] = [t for t in _texts(engine, mentor.id) if "seat became free" in t]
    assert "Wendy Waiting" in to_mentor
