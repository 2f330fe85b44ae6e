"""Self-registered alumni publish only once an admin or faculty of their department vouches."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from core.db import read_session, write_transaction
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.models import AuditEntry, Notification, ProjectStatus, Role, User, Verification
from core.projects import create_project, publish_project
from core.registration import register_account
from core.verification import (
    refuse_alumni,
    verification_queue,
    verify_alumni,
    verify_many,
)
from tests.factories import PASSWORD, make_user, project_input


def _register(engine, username: str = "claimed-alumna", department: str = "Biology") -> User:
    with write_transaction(engine) as session:
        return register_account(
            session,
            role=Role.ALUMNI,
            username=username,
            email=f"{username}@example.org",
            display_name="Claire Claimed",
            password=PASSWORD,
            department=department,
            graduation_year=2014,
        )


def _draft(engine, owner: User) -> int:
    with write_transaction(engine) as session:
        return create_project(session, actor=owner, data=project_input()).id


def _verification(engine, user_id: int) -> Verification:
    with Session(engine) as session:
        return session.get(User, user_id).verification


def test_a_self_registered_alumna_starts_unverified_and_cannot_publish(engine):
    alumna = _register(engine)
    assert _verification(engine, alumna.id) is Verification.PENDING
    draft = _draft(engine, alumna)  # drafting is allowed
    with (
        pytest.raises(InvalidTransition, match="waits until the program verifies"),
        write_transaction(engine) as session,
    ):
        publish_project(session, actor=alumna, project_id=draft)


def test_once_verified_she_publishes_and_is_told(engine):
    alumna = _register(engine)
    draft = _draft(engine, alumna)
    with write_transaction(engine) as session:
        faculty = make_user(session, Role.FACULTY, department="Biology")
    with write_transaction(engine) as session:
        verify_alumni(session, actor=faculty, user_id=alumna.id)
    with write_transaction(engine) as session:
        published = publish_project(session, actor=alumna, project_id=draft)
        assert published.status is ProjectStatus.OPEN
    with read_session(engine) as session:
        notes = session.exec(select(Notification.text).where(Notification.user_id == alumna.id))
        assert any("verified" in text for text in notes)
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.verify_alumni")
        ).one()
        assert audit.actor_id == faculty.id and audit.entity_id == alumna.id


def test_students_and_invited_or_imported_accounts_need_no_verification(engine):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
        created_alumna = make_user(session, Role.ALUMNI)  # made by an admin (e.g. an import)
    assert _verification(engine, student.id) is Verification.VERIFIED
    assert _verification(engine, created_alumna.id) is Verification.VERIFIED


@pytest.mark.parametrize(
    ("role", "department", "allowed"),
    [
        (Role.ADMIN, None, True),
        (Role.FACULTY, "Biology", True),  # the department she claims
        (Role.FACULTY, "Physics", False),  # another department
        (Role.ALUMNI, "Biology", False),
        (Role.STUDENT, "Biology", False),
    ],
)
def test_who_may_verify(engine, role, department, allowed):
    alumna = _register(engine)
    with write_transaction(engine) as session:
        actor = make_user(session, role, department=department)
    if allowed:
        with write_transaction(engine) as session:
            verify_alumni(session, actor=actor, user_id=alumna.id)
        assert _verification(engine, alumna.id) is Verification.VERIFIED
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        verify_alumni(session, actor=actor, user_id=alumna.id)
    assert _verification(engine, alumna.id) is Verification.PENDING
    with read_session(engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert [(r.actor_id, r.action) for r in refused] == [(actor.id, "user.verify_alumni")]


def test_program_wide_faculty_verify_every_department(engine):
    alumna = _register(engine, department="Music")
    with write_transaction(engine) as session:
        dean = make_user(session, Role.FACULTY, department="Physics", program_wide=True)
    with write_transaction(engine) as session:
        verify_alumni(session, actor=dean, user_id=alumna.id)
    assert _verification(engine, alumna.id) is Verification.VERIFIED


def test_the_queue_shows_faculty_their_department_and_admins_everyone(engine):
    biology = _register(engine, "bio-alumna", "Biology")
    music = _register(engine, "music-alumna", "Music")
    with write_transaction(engine) as session:
        faculty = make_user(session, Role.FACULTY, department="Biology")
        admin = make_user(session, Role.ADMIN)
    with read_session(engine) as session:
        assert [c.user_id for c in verification_queue(session, actor=faculty)] == [biology.id]
        everyone = verification_queue(session, actor=admin)
    assert [c.user_id for c in everyone] == [biology.id, music.id]
    assert everyone[0].graduation_year == 2014 and everyone[0].department == "Biology"


def test_refusing_needs_a_reason_and_the_owner_reads_it(engine):
    alumna = _register(engine)
    with write_transaction(engine) as session:
        admin = make_user(session, Role.ADMIN)
    with pytest.raises(ValidationFailed, match="reason"), write_transaction(engine) as session:
        refuse_alumni(session, actor=admin, user_id=alumna.id, reason="   ")
    assert _verification(engine, alumna.id) is Verification.PENDING
    with write_transaction(engine) as session:
        refuse_alumni(
            session, actor=admin, user_id=alumna.id, reason="No record of a 2014 graduate."
        )
    assert _verification(engine, alumna.id) is Verification.REFUSED
    with read_session(engine) as session:
        notes = list(
            session.exec(select(Notification.text).where(Notification.user_id == alumna.id))
        )
        assert any("No record of a 2014 graduate." in text for text in notes)
        assert verification_queue(session, actor=admin) == []
    draft = _draft(engine, alumna)
    with pytest.raises(InvalidTransition, match="not verified"), write_transaction(engine) as s:
        publish_project(s, actor=alumna, project_id=draft)


def test_bulk_verification_verifies_all_or_nothing(engine):
    first = _register(engine, "first-alumna", "Biology")
    second = _register(engine, "second-alumna", "Music")
    with write_transaction(engine) as session:
        faculty = make_user(session, Role.FACULTY, department="Biology")
        admin = make_user(session, Role.ADMIN)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        verify_many(session, actor=faculty, user_ids=[first.id, second.id])
    assert _verification(engine, first.id) is Verification.PENDING  # rolled back together
    with write_transaction(engine) as session:
        assert verify_many(session, actor=admin, user_ids=[first.id, second.id]) == 2
    assert {_verification(engine, u.id) for u in (first, second)} == {Verification.VERIFIED}
