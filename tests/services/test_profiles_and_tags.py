"""Profiles and interest tags: who may change them, ranges by role, the budget floor."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from core.accounts.profiles import update_profile
from core.commitment import week_label, week_start
from core.models import AuditEntry, Notification, Role, Tag, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import OverBudget, PermissionDenied, ValidationFailed
from core.projects.tags import (
    get_or_create_tags,
    list_tags,
    set_user_interests,
    user_interest_names,
)
from tests.factories import make_open_project, make_user


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


def test_get_or_create_tags_reuses_existing_tags_and_keeps_the_order(engine):
    with write_transaction(engine) as session:
        first = get_or_create_tags(session, ["Python", "SQL"])
    with write_transaction(engine) as session:
        again = get_or_create_tags(session, ["sql", "Rust", "python", "RUST"])
        assert [tag.name for tag in again] == ["sql", "rust", "python"]
        assert {tag.id for tag in first} <= {tag.id for tag in again}
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Tag)).one() == 3


def test_list_tags_offers_names_starting_with_what_was_typed(engine):
    with write_transaction(engine) as session:
        get_or_create_tags(session, ["data-science", "databases", "design", "c++"])
    with read_session(engine) as session:
        assert list_tags(session, "Data") == ["data-science", "databases"]
        assert list_tags(session, "data s") == ["data-science"]
        assert list_tags(session, "%") == []
        assert list_tags(session, "", limit=2) == ["c++", "data-science"]


def test_users_set_their_own_interests_and_the_change_is_audited(engine):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
    with write_transaction(engine) as session:
        names = set_user_interests(
            session, actor=student, user_id=student.id, names=["Robotics", "AI", "ai"]
        )
    assert names == ["ai", "robotics"]
    with read_session(engine) as session:
        assert user_interest_names(session, student.id) == ["ai", "robotics"]
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "user.set_interests"))
        assert json.loads(entry.after or "{}") == {"interests": ["ai", "robotics"]}


def test_nobody_else_but_an_admin_may_set_someones_interests(engine):
    with write_transaction(engine) as session:
        student, other = make_user(session, Role.STUDENT), make_user(session, Role.FACULTY)
        admin = make_user(session, Role.ADMIN)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        set_user_interests(session, actor=other, user_id=student.id, names=["ai"])
    with write_transaction(engine) as session:
        set_user_interests(session, actor=admin, user_id=student.id, names=["ai"])
    with read_session(engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert [(r.actor_id, r.action) for r in refused] == [(other.id, "user.set_interests")]
        assert session.exec(select(Notification).where(Notification.user_id == student.id)).all()


def test_a_student_updates_their_profile(engine):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
    with write_transaction(engine) as session:
        updated = update_profile(
            session,
            actor=student,
            user_id=student.id,
            **_profile(
                student,
                display_name="  Ada L. ",
                weekly_hours=12,
                blind_review=True,
                interests=["Statistics"],
            ),
        )
        assert (updated.display_name, updated.weekly_hours, updated.blind_review) == (
            "Ada L.",
            12.0,
            True,
        )
    with read_session(engine) as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "user.update_profile"))
        assert json.loads(entry.after or "{}") == {
            "display_name": "Ada L.",
            "weekly_hours": 12.0,
            "blind_review": True,
            "interests": ["statistics"],
        }


@pytest.mark.parametrize(
    ("role", "hours", "ok"),
    [
        (Role.STUDENT, 1, True),
        (Role.STUDENT, 40, True),
        (Role.STUDENT, 0.5, False),
        (Role.STUDENT, 41, False),
        (Role.ALUMNI, 0.5, True),
        (Role.FACULTY, 40, True),
        (Role.ALUMNI, 0.25, False),
        (Role.FACULTY, 40.5, False),
        (Role.ALUMNI, True, False),
        (Role.STUDENT, float("nan"), False),
    ],
)
def test_weekly_hours_ranges_depend_on_the_role(engine, role, hours, ok):
    with write_transaction(engine) as session:
        user = make_user(session, role)
    call = _profile(user, weekly_hours=hours)
    if ok:
        with write_transaction(engine) as session:
            update_profile(session, actor=user, user_id=user.id, **call)
        return
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        update_profile(session, actor=user, user_id=user.id, **call)
    assert set(refused.value.fields) == {"weekly_hours"}


def test_a_profile_with_control_characters_or_a_blank_name_is_refused(engine):
    with write_transaction(engine) as session:
        user = make_user(session, Role.ALUMNI)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        update_profile(
            session,
            actor=user,
            user_id=user.id,
            **_profile(user, display_name="   ", department="Maths\x00", interests=["!"]),
        )
    assert set(refused.value.fields) == {"display_name", "department", "interests"}


def test_someone_else_may_not_edit_a_profile_but_an_admin_may(engine):
    with write_transaction(engine) as session:
        student, mentor = make_user(session, Role.STUDENT), make_user(session, Role.ALUMNI)
        admin = make_user(session, Role.ADMIN)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        update_profile(session, actor=mentor, user_id=student.id, **_profile(student))
    with write_transaction(engine) as session:
        update_profile(
            session, actor=admin, user_id=student.id, **_profile(student, weekly_hours=20)
        )
    with read_session(engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert [(r.actor_id, r.action) for r in refused] == [(mentor.id, "user.update_profile")]
        stored = session.get(User, student.id)
        assert stored is not None and stored.weekly_hours == 20


def test_a_mentor_cannot_lower_the_budget_below_the_load_of_live_projects(engine):
    start = date.today() + timedelta(days=14)
    with write_transaction(engine) as session:
        mentor = make_user(session, Role.FACULTY, weekly_hours=6)
        make_open_project(session, mentor, mentor_hours=2.0, start_date=start)
        make_open_project(session, mentor, mentor_hours=3.0, start_date=start + timedelta(7))
    with pytest.raises(OverBudget) as refused, write_transaction(engine) as session:
        update_profile(session, actor=mentor, user_id=mentor.id, **_profile(mentor, weekly_hours=4))
    message = refused.value.message
    assert week_label(week_start(start + timedelta(7))) in message
    assert "already has 5 mentoring hours" in message and "at least 5" in message
    with write_transaction(engine) as session:
        lowered = update_profile(
            session, actor=mentor, user_id=mentor.id, **_profile(mentor, weekly_hours=5)
        )
    assert lowered.weekly_hours == 5


def test_a_time_zone_is_chosen_kept_when_not_mentioned_and_cleared(engine):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
    with write_transaction(engine) as session:
        chosen = update_profile(
            session,
            actor=student,
            user_id=student.id,
            **_profile(student, time_zone="America/New_York"),
        )
        assert chosen.time_zone == "America/New_York"
    with write_transaction(engine) as session:
        kept = update_profile(
            session, actor=student, user_id=student.id, **_profile(student, weekly_hours=9)
        )
        assert kept.time_zone == "America/New_York"
    with read_session(engine) as session:
        changes = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.update_profile")
        ).all()
        assert json.loads(changes[0].after) == {"time_zone": "America/New_York"}
    with write_transaction(engine) as session:
        cleared = update_profile(
            session, actor=student, user_id=student.id, **_profile(student, time_zone="")
        )
        assert cleared.time_zone is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "EST5EDT ", "../../etc/passwd", "x" * 80, 5])
def test_a_time_zone_that_is_not_a_known_name_is_refused(engine, zone):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        update_profile(
            session, actor=student, user_id=student.id, **_profile(student, time_zone=zone)
        )
    assert "time_zone" in refused.value.fields
