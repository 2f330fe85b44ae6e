"""Self-registration, faculty invites, set-password links and changing one's own password."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from core.accounts import attempt_login, create_user, start_session
from core.admin import create_faculty_invite, deactivate_user, issue_reset_link
from core.db import read_session, write_transaction
from core.errors import InvalidCredentials, LoginThrottled, ValidationFailed
from core.models import AuditEntry, AuthSession, FacultyInvite, PasswordReset, Role, User
from core.registration import (
    LinkNotUsable,
    change_own_password,
    find_usable_invite,
    register_account,
    register_faculty,
    set_password_with_link,
)
from core.settings import Settings
from core.tags import user_interest_names
from core.types import utcnow

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
SETTINGS = Settings(cookie_key="")


def _student(**overrides):
    fields = {
        "role": Role.STUDENT,
        "username": "Stu.Dent",
        "email": "Stu@Example.edu",
        "display_name": "Stu Dent",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "department": "Biology",
        "interests": ["Data Science", "python"],
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def admin(engine):
    with write_transaction(engine) as session:
        return create_user(
            session,
            username="root",
            email="root@example.edu",
            display_name="Root",
            role=Role.ADMIN,
            password=PASSWORD,
        )


def _count(engine, model) -> int:
    with read_session(engine) as session:
        return len(session.exec(select(model)).all())


def _can_log_in(engine, username: str, password: str) -> bool:
    with write_transaction(engine) as session:
        result = attempt_login(session, username=username, password=password, settings=SETTINGS)
    return result.user is not None


# ---------------------------------------------------------------------------- registration


def test_a_student_registers_with_interests_and_can_log_in(engine):
    with write_transaction(engine) as session:
        user = register_account(session, **_student())
    assert (user.username, user.email, user.role) == ("stu.dent", "stu@example.edu", Role.STUDENT)
    with read_session(engine) as session:
        assert user_interest_names(session, user.id) == ["data-science", "python"]
        actions = session.exec(select(AuditEntry.action)).all()
    assert "user.register" in actions
    assert _can_log_in(engine, "STU.DENT", PASSWORD)


def test_an_alumna_needs_a_graduation_year_in_range(engine):
    latest = date.today().year + 1
    for year in (None, 1949, latest + 1):
        with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
            register_account(session, **_student(role=Role.ALUMNI, graduation_year=year))
        assert set(raised.value.fields) == {"graduation_year"}
    with write_transaction(engine) as session:
        user = register_account(session, **_student(role=Role.ALUMNI, graduation_year=latest))
    assert user.graduation_year == latest and user.role is Role.ALUMNI


def test_a_student_graduation_year_is_ignored(engine):
    with write_transaction(engine) as session:
        user = register_account(session, **_student(graduation_year=1800))
    assert user.graduation_year is None


def test_every_wrong_field_is_named_and_nothing_is_written(engine):
    with write_transaction(engine) as session:
        register_account(session, **_student())
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        register_account(
            session,
            **_student(
                username="STU.DENT",
                email="STU@example.EDU",
                display_name=" ",
                password="short",
                password_confirmation="other",
                department="",
                interests=["!"],
            ),
        )
    assert set(raised.value.fields) == {
        "username",
        "email",
        "display_name",
        "password",
        "password_confirmation",
        "department",
        "interests",
    }
    assert "username" in raised.value.message and "already taken" in raised.value.message
    assert _count(engine, User) == 1


def test_an_over_long_password_is_a_clear_field_error(engine):
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        register_account(session, **_student(password="é" * 40, password_confirmation="é" * 40))
    assert "72 bytes" in raised.value.fields["password"]


@pytest.mark.parametrize("role", [Role.FACULTY, Role.ADMIN])
def test_faculty_and_admins_cannot_register_themselves(engine, role):
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        register_account(session, **_student(role=role))
    assert set(raised.value.fields) == {"role"}
    assert _count(engine, User) == 0


# ---------------------------------------------------------------------------- faculty invites


def _invite(engine, admin, **kw):
    kw.setdefault("email", "Prof@Example.edu")
    kw.setdefault("department", "Physics")
    with write_transaction(engine) as session:
        return create_faculty_invite(session, actor=admin, **kw)


def _accept(engine, token, username="prof", **kw):
    with write_transaction(engine) as session:
        return register_faculty(
            session,
            token=token,
            username=username,
            display_name=kw.pop("display_name", "Prof. P"),
            password=kw.pop("password", PASSWORD),
            **kw,
        )


def test_an_invite_is_stored_as_a_digest_and_lasts_seven_days(engine, admin):
    link = _invite(engine, admin)
    with read_session(engine) as session:
        invite = session.exec(select(FacultyInvite)).one()
        audit_text = " ".join(
            f"{e.before} {e.after} {e.detail}" for e in session.exec(select(AuditEntry))
        )
    assert invite.token_hash != link.token and len(invite.token_hash) == 64
    assert link.token not in audit_text
    assert timedelta(days=6, hours=23) < invite.expires_at - utcnow() <= timedelta(days=7)
    assert link.url("http://portal.example/", "invite").startswith("http://portal.example/?invite=")


def test_a_faculty_invite_works_once(engine, admin):
    link = _invite(engine, admin, program_wide=True)
    user = _accept(engine, link.token, interests=["optics"])
    assert (user.role, user.email, user.department, user.program_wide) == (
        Role.FACULTY,
        "prof@example.edu",
        "Physics",
        True,
    )
    with pytest.raises(LinkNotUsable, match="already been used"):
        _accept(engine, link.token, username="prof2")
    with read_session(engine) as session:
        invite = session.exec(select(FacultyInvite)).one()
    assert invite.used_by == user.id and invite.used_at is not None
    assert _count(engine, User) == 2


def test_a_wrong_field_leaves_the_invite_usable(engine, admin):
    link = _invite(engine, admin)
    with pytest.raises(ValidationFailed) as raised:
        _accept(engine, link.token, password="short", password_confirmation="short")
    assert set(raised.value.fields) == {"password"}
    assert _accept(engine, link.token).role is Role.FACULTY


def test_expired_and_unknown_invites_are_refused(engine, admin):
    link = _invite(engine, admin)
    with write_transaction(engine) as session:
        invite = session.exec(select(FacultyInvite)).one()
        invite.expires_at = utcnow() - timedelta(seconds=1)
        session.add(invite)
    with pytest.raises(LinkNotUsable, match="expired"):
        _accept(engine, link.token)
    with pytest.raises(LinkNotUsable, match="not valid"), read_session(engine) as session:
        find_usable_invite(session, "made-up-token")


def test_an_invite_for_a_registered_email_is_refused(engine, admin):
    with pytest.raises(ValidationFailed) as raised:
        _invite(engine, admin, email="ROOT@example.edu")
    assert set(raised.value.fields) == {"email"}


# ---------------------------------------------------------------------------- reset links


@pytest.fixture
def student(engine):
    with write_transaction(engine) as session:
        return register_account(session, **_student())


def _sessions(engine, user, count):
    ids = []
    for number in range(count):
        with write_transaction(engine) as session:
            ids.append(
                start_session(session, user=user, token=f"cookie-{number}", settings=SETTINGS).id
            )
    return ids


def _live_sessions(engine, user_id):
    with read_session(engine) as session:
        return session.exec(
            select(AuthSession.id).where(
                AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
            )
        ).all()


def test_a_reset_link_sets_a_password_once_and_signs_out_everywhere(engine, admin, student):
    _sessions(engine, student, 2)
    with write_transaction(engine) as session:
        link = issue_reset_link(session, actor=admin, user_id=student.id)
    with read_session(engine) as session:
        stored = session.exec(select(PasswordReset)).one()
    assert stored.token_hash != link.token
    assert timedelta(hours=23) < stored.expires_at - utcnow() <= timedelta(hours=24)
    with write_transaction(engine) as session:
        set_password_with_link(
            session, token=link.token, new_password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD
        )
    assert _live_sessions(engine, student.id) == []
    assert _can_log_in(engine, "stu.dent", NEW_PASSWORD)
    assert not _can_log_in(engine, "stu.dent", PASSWORD)
    with pytest.raises(LinkNotUsable, match="already been used"), write_transaction(engine) as s:
        set_password_with_link(s, token=link.token, new_password="yet another passphrase")


def test_a_bad_new_password_leaves_the_link_usable(engine, admin, student):
    with write_transaction(engine) as session:
        link = issue_reset_link(session, actor=admin, user_id=student.id)
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        set_password_with_link(
            session, token=link.token, new_password=NEW_PASSWORD, password_confirmation="typo"
        )
    assert set(raised.value.fields) == {"password_confirmation"}
    with write_transaction(engine) as session:
        set_password_with_link(session, token=link.token, new_password=NEW_PASSWORD)


def test_expired_superseded_and_deactivated_reset_links_are_refused(engine, admin, student):
    with write_transaction(engine) as session:
        first = issue_reset_link(session, actor=admin, user_id=student.id)
    with write_transaction(engine) as session:
        second = issue_reset_link(session, actor=admin, user_id=student.id)
    with pytest.raises(LinkNotUsable, match="expired"), write_transaction(engine) as session:
        set_password_with_link(session, token=first.token, new_password=NEW_PASSWORD)
    with write_transaction(engine) as session:
        deactivate_user(session, actor=admin, user_id=student.id)
    with pytest.raises(LinkNotUsable, match="deactivated"), write_transaction(engine) as session:
        set_password_with_link(session, token=second.token, new_password=NEW_PASSWORD)


# ---------------------------------------------------------------------------- own password


def test_changing_the_password_needs_the_current_one_and_is_audited(engine, student):
    with write_transaction(engine) as session:
        change = change_own_password(
            session,
            actor=student,
            current_password="wrong password!",
            new_password=NEW_PASSWORD,
            settings=SETTINGS,
        )
    assert isinstance(change.error, InvalidCredentials)
    assert "current password is not correct" in change.error.message
    with read_session(engine) as session:
        refusal = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.change_password")
        ).one()
    assert refusal.outcome == "refused" and refusal.actor_id == student.id
    assert _can_log_in(engine, "stu.dent", PASSWORD)


def test_guessing_the_current_password_is_throttled_like_a_login(engine, student):
    settings = Settings(cookie_key="", login_max_failures=5, client_max_failures=5)
    for number in range(5):
        with write_transaction(engine) as session:
            change = change_own_password(
                session,
                actor=student,
                current_password=f"wrong guess {number}",
                new_password=NEW_PASSWORD,
                settings=settings,
            )
        assert isinstance(change.error, InvalidCredentials)
    with write_transaction(engine) as session:
        change = change_own_password(
            session,
            actor=student,
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            settings=settings,
        )
    assert isinstance(change.error, LoginThrottled)


def test_a_password_change_voids_every_outstanding_reset_link(engine, admin, student):
    with write_transaction(engine) as session:
        link = issue_reset_link(session, actor=admin, user_id=student.id)
    with write_transaction(engine) as session:
        change = change_own_password(
            session,
            actor=student,
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            password_confirmation=NEW_PASSWORD,
        )
    assert change.error is None
    with pytest.raises(LinkNotUsable), write_transaction(engine) as session:
        set_password_with_link(session, token=link.token, new_password="attacker's choice 99")
    assert _can_log_in(engine, "stu.dent", NEW_PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(engine, student):
    current, *others = _sessions(engine, student, 3)
    with write_transaction(engine) as session:
        change = change_own_password(
            session,
            actor=student,
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            password_confirmation=NEW_PASSWORD,
            keep_session_id=current,
        )
    assert change.revoked == 2
    assert _live_sessions(engine, student.id) == [current]
    assert _can_log_in(engine, "stu.dent", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("new", "confirmation", "field"),
    [
        ("short", "short", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
        ("passwordpassword", "passwordpassword", "new_password"),
        ("stu.dent is my name", "stu.dent is my name", "new_password"),
        (NEW_PASSWORD, "different", "password_confirmation"),
    ],
)
def test_a_bad_new_password_is_named(engine, student, new, confirmation, field):
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        change_own_password(
            session,
            actor=student,
            current_password=PASSWORD,
            new_password=new,
            password_confirmation=confirmation,
        )
    assert set(raised.value.fields) == {field}
