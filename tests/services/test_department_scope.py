"""A faculty member's department is their approval scope: only an admin sets it, audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core import admin
from core.db import read_session, write_transaction
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry, Notification, Role, User
from core.profiles import update_profile
from tests.factories import make_user


def _profile(user: User, **changes):
    fields = {
        "display_name": user.display_name,
        "department": user.department,
        "weekly_hours": user.weekly_hours,
        "blind_review": user.blind_review,
        "interests": [],
    }
    fields.update(changes)
    return fields


@pytest.fixture
def people(engine):
    with write_transaction(engine) as session:
        found = {
            "faculty": make_user(session, Role.FACULTY, department="Biology"),
            "other faculty": make_user(session, Role.FACULTY, department="Physics"),
            "student": make_user(session, Role.STUDENT, department="Biology"),
            "alumni": make_user(session, Role.ALUMNI, department="Biology"),
            "admin": make_user(session, Role.ADMIN),
        }
    return found


def _department(engine, user_id):
    with read_session(engine) as session:
        return session.get(User, user_id).department


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("faculty", "faculty", False),  # widening one's own approval scope
        ("admin", "faculty", False),  # the profile form is not the admin's way either
        ("other faculty", "faculty", False),
        ("student", "student", True),  # a student's department only describes them
        ("alumni", "alumni", True),
        ("student", "faculty", False),
    ],
)
def test_who_may_change_a_department_through_the_profile(engine, people, actor, target, allowed):
    acting, owner = people[actor], people[target]
    fields = _profile(owner, department="Engineering")
    if allowed:
        with write_transaction(engine) as session:
            update_profile(session, actor=acting, user_id=owner.id, **fields)
        assert _department(engine, owner.id) == "Engineering"
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        update_profile(session, actor=acting, user_id=owner.id, **fields)
    assert _department(engine, owner.id) == owner.department
    with read_session(engine) as session:
        refusals = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert len(refusals) == 1 and refusals[0].actor_id == acting.id


def test_faculty_still_edit_the_rest_of_their_profile(engine, people):
    faculty = people["faculty"]
    with write_transaction(engine) as session:
        update_profile(
            session, actor=faculty, user_id=faculty.id, **_profile(faculty, display_name="Prof B")
        )
    with read_session(engine) as session:
        stored = session.get(User, faculty.id)
    assert (stored.display_name, stored.department) == ("Prof B", "Biology")


@pytest.mark.parametrize("actor", ["faculty", "other faculty", "student", "alumni"])
def test_only_an_admin_sets_a_department(engine, people, actor):
    target = people["faculty"]
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        admin.set_department(
            session, actor=people[actor], user_id=target.id, department="Engineering"
        )
    assert _department(engine, target.id) == "Biology"


def test_an_admin_sets_a_faculty_department_audited_and_the_owner_is_told(engine, people):
    target = people["faculty"]
    with write_transaction(engine) as session:
        admin.set_department(
            session, actor=people["admin"], user_id=target.id, department=" Engineering "
        )
    with read_session(engine) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "admin.set_department")
        ).one()
        notes = session.exec(select(Notification).where(Notification.user_id == target.id)).all()
    assert entry.actor_id == people["admin"].id and entry.entity_id == target.id
    assert "Biology" in entry.before and "Engineering" in entry.after
    assert [note.kind for note in notes] == ["account.department"]
    assert _department(engine, target.id) == "Engineering"


def test_a_faculty_department_is_required_unless_program_wide(engine, people):
    target = people["faculty"]
    with pytest.raises(ValidationFailed, match="department"), write_transaction(engine) as s:
        admin.set_department(s, actor=people["admin"], user_id=target.id, department="")
    with write_transaction(engine) as session:
        admin.set_department(
            session, actor=people["admin"], user_id=target.id, department="", program_wide=True
        )
    with read_session(engine) as session:
        stored = session.get(User, target.id)
    assert (stored.department, stored.program_wide) == (None, True)
