"""Faculty find students in their scope, list matches at risk and read one match read-only."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from sqlmodel import select

from core import workspace as ws
from core.models import AuditEntry, Role
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from core.program.oversight import MatchOverview, at_risk_list, find_students, match_overview
from tests import factories as h
from tests.factories import make_pair

TODAY = date.today()


def _silent_pair(session, department: str = "Biology"):
    """A match that started six weeks ago with no session since: at risk."""
    return make_pair(
        session,
        start=TODAY - timedelta(days=42),
        duration=10,
        approved_days_ago=45,
        department=department,
        title=f"Silent project in {department}",
    )


@pytest.mark.parametrize(
    ("role", "department", "program_wide", "allowed"),
    [
        (Role.ADMIN, None, False, True),
        (Role.FACULTY, "Biology", False, True),
        (Role.FACULTY, "Physics", True, True),
        (Role.FACULTY, "Physics", False, False),
        (Role.ALUMNI, "Biology", False, False),
        (Role.STUDENT, "Biology", False, False),
    ],
)
def test_who_may_read_a_match(engine, role, department, program_wide, allowed):
    with write_transaction(engine) as session:
        pair = _silent_pair(session)
        reader = h.user(session, role, department=department, program_wide=program_wide)
    if allowed:
        with read_session(engine) as session:
            view = match_overview(session, actor=reader, application_id=pair.application_id)
        assert view.project_title == "Silent project in Biology"
        assert [m.title for m in view.milestones] == ["Step 1", "Step 2", "Step 3"]
        return
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        match_overview(session, actor=reader, application_id=pair.application_id)
    with read_session(engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert [r.actor_id for r in refused] == [reader.id]


def test_a_match_read_by_faculty_never_holds_the_private_messages(engine):
    with write_transaction(engine) as session:
        pair = _silent_pair(session)
        admin = h.user(session, Role.ADMIN)
    with write_transaction(engine) as session:
        ws.send_message(
            session, actor=pair.student, application_id=pair.application_id, body="Private!"
        )
        ws.log_session(
            session,
            actor=pair.student,
            application_id=pair.application_id,
            held_on=TODAY - timedelta(days=30),
            minutes=45,
            summary="Planned the first steps.",
        )
    with read_session(engine) as session:
        view = match_overview(session, actor=admin, application_id=pair.application_id)
    assert "Private!" not in repr(view)
    assert not any("message" in f.name for f in fields(MatchOverview))
    assert [(s.minutes, s.summary) for s in view.sessions] == [(45, "Planned the first steps.")]
    assert view.last_activity == TODAY - timedelta(days=30)


def test_matches_at_risk_are_listed_within_the_readers_department(engine):
    with write_transaction(engine) as session:
        biology = _silent_pair(session, "Biology")
        _silent_pair(session, "Physics")
        faculty = h.user(session, Role.FACULTY, department="Biology")
        admin = h.user(session, Role.ADMIN)
    with read_session(engine) as session:
        mine = at_risk_list(session, actor=faculty)
        everyone = at_risk_list(session, actor=admin)
        only_physics = at_risk_list(session, actor=admin, department="Physics")
    assert [row.application_id for row in mine] == [biology.application_id]
    assert mine[0].days_silent >= 21 and mine[0].student_name == biology.student.display_name
    assert len(everyone) == 2
    assert [row.department for row in only_physics] == ["Physics"]


def test_faculty_find_students_by_name_or_email_within_their_scope(engine):
    with write_transaction(engine) as session:
        ours = h.user(session, Role.STUDENT, display_name="Ada Lovelace", department="Biology")
        h.user(session, Role.STUDENT, display_name="Ada Other", department="Physics")
        faculty = h.user(session, Role.FACULTY, department="Biology")
        admin = h.user(session, Role.ADMIN)
    with read_session(engine) as session:
        assert [s.user_id for s in find_students(session, actor=faculty, query="ada")] == [ours.id]
        assert len(find_students(session, actor=admin, query="ADA")) == 2
        by_mail = find_students(session, actor=faculty, query=ours.email[:8])
        assert [s.user_id for s in by_mail] == [ours.id]
        assert find_students(session, actor=faculty, query="a") == []  # too short to search


def test_a_full_username_finds_its_student_first_as_a_passport_link_does(engine):
    with write_transaction(engine) as session:
        elsewhere = h.user(session, Role.STUDENT, username="zed", department="Physics")
        h.user(session, Role.STUDENT, display_name="Zed Biology", department="Biology")
        faculty = h.user(session, Role.FACULTY, department="Biology")
    with read_session(engine) as session:
        found = find_students(session, actor=faculty, query=" ZED ")
    # The passport is the student's to show anyone in the program; the name search stays scoped.
    assert found[0].user_id == elsewhere.id
    assert [hit.username for hit in found[1:]] != ["zed"]
    assert len(found) == 2


def test_students_cannot_search_for_other_students(engine):
    with write_transaction(engine) as session:
        student = h.user(session, Role.STUDENT)
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        find_students(session, actor=student, query="student")


def test_a_search_with_a_nul_finds_nobody_and_breaks_nothing(engine):
    with write_transaction(engine) as session:
        admin = h.user(session, Role.ADMIN)
    with read_session(engine) as session:
        assert find_students(session, actor=admin, query="ad\x00a") == []
