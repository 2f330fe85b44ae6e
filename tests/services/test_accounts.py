"""Accounts: creation rules, the login throttle, and server-side sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from core import accounts
from core.accounts import (
    attempt_login,
    check_session,
    create_user,
    end_session,
    resume_session,
    start_session,
    throttled_until,
)
from core.models import AuditEntry, AuthSession, LoginAttempt, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import InvalidCredentials, LoginThrottled, SessionEnded, ValidationFailed
from core.platform.settings import Settings
from core.platform.types import utcnow

PASSWORD = "correct horse battery"
SETTINGS = Settings(cookie_key="", login_max_failures=5, login_window_minutes=15)


@pytest.fixture
def alice(engine):
    with write_transaction(engine) as session:
        return create_user(
            session,
            username="Alice",
            email="Alice@Example.edu",
            display_name="Alice",
            role=Role.STUDENT,
            password=PASSWORD,
        )


def _login(engine, password, username="alice"):
    with write_transaction(engine) as session:
        return attempt_login(session, username=username, password=password, settings=SETTINGS)


def test_usernames_and_emails_are_stored_lower_case_and_unique(engine, alice):
    assert (alice.username, alice.email) == ("alice", "alice@example.edu")
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        create_user(
            session,
            username="ALICE",
            email="alice@EXAMPLE.edu",
            display_name="Other",
            role=Role.ALUMNI,
            password=PASSWORD,
        )
    assert set(raised.value.fields) == {"username", "email"}


@pytest.mark.parametrize(
    "password, problem",
    [("short", "at least 12"), ("é" * 40, "at most 72 bytes"), (" padded password ", "space")],
)
def test_bad_passwords_are_refused_with_a_reason_and_nothing_is_written(engine, password, problem):
    with pytest.raises(ValidationFailed, match=problem), write_transaction(engine) as session:
        create_user(
            session,
            username="bob",
            email="bob@example.edu",
            display_name="Bob",
            role=Role.STUDENT,
            password=password,
        )
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_the_right_password_logs_in_and_is_audited(engine, alice):
    result = _login(engine, PASSWORD, username=" ALICE ")
    assert result.user is not None and result.user.id == alice.id
    with read_session(engine) as session:
        actions = session.exec(select(AuditEntry.action)).all()
    assert "login.succeeded" in actions


def test_a_wrong_password_fails_without_saying_which_part_was_wrong(engine, alice):
    assert isinstance(_login(engine, "wrong password!").error, InvalidCredentials)
    assert isinstance(_login(engine, PASSWORD, username="nobody").error, InvalidCredentials)


def test_a_deactivated_account_cannot_log_in(engine, alice):
    with write_transaction(engine) as session:
        session.get(User, alice.id).is_active = False
    assert _login(engine, PASSWORD).user is None


def test_five_failures_lock_the_account_for_the_window_only(engine, alice):
    for _ in range(5):
        assert _login(engine, "wrong password!").user is None
    refused = _login(engine, PASSWORD)
    assert isinstance(refused.error, LoginThrottled)
    assert "Try again in 15 minutes" in refused.error.message
    with read_session(engine) as session:
        until = throttled_until(session, username="alice", settings=SETTINGS)
        assert until is not None
        later = until + timedelta(seconds=1)
        assert throttled_until(session, username="alice", settings=SETTINGS, now=later) is None
        # Attempts refused during the lock are not counted, so an attacker cannot extend it.
        assert session.exec(select(func.count()).select_from(LoginAttempt)).one() == 5


def test_the_correct_password_works_again_after_the_window(engine, alice):
    with write_transaction(engine) as session:
        old = utcnow() - timedelta(minutes=16)
        for _ in range(5):
            session.add(LoginAttempt(username="alice", at=old, succeeded=False))
    assert _login(engine, PASSWORD).user is not None


def test_a_success_resets_the_failure_count(engine, alice):
    for _ in range(4):
        _login(engine, "wrong password!")
    assert _login(engine, PASSWORD).user is not None
    for _ in range(4):
        _login(engine, "wrong password!")
    assert _login(engine, PASSWORD).user is not None


def _session(engine, user, token="cookie-token"):
    with write_transaction(engine) as session:
        return start_session(session, user=user, token=token, settings=SETTINGS)


def test_a_session_is_found_again_from_its_cookie_and_stores_only_a_digest(engine, alice):
    record = _session(engine, alice)
    assert record.token_hash != "cookie-token" and len(record.token_hash) == 64
    with write_transaction(engine) as session:
        found, user = resume_session(session, token="cookie-token", settings=SETTINGS)
    assert (found.id, user.id) == (record.id, alice.id)


def test_logout_revokes_the_session_for_good(engine, alice):
    record = _session(engine, alice)
    with write_transaction(engine) as session:
        end_session(session, session_id=record.id)
    with pytest.raises(SessionEnded, match="signed out"), write_transaction(engine) as session:
        resume_session(session, token="cookie-token", settings=SETTINGS)
    with read_session(engine) as session:
        assert check_session(session, session_id=record.id, settings=SETTINGS).user is None


def test_an_idle_session_expires(engine, alice):
    record = _session(engine, alice)
    with write_transaction(engine) as session:
        stored = session.get(AuthSession, record.id)
        stored.last_seen_at = utcnow() - timedelta(minutes=31)
    with write_transaction(engine) as session:
        check = check_session(session, session_id=record.id, settings=SETTINGS, write=True)
    assert check.user is None and "inactivity" in check.ended
    with read_session(engine) as session:
        assert session.get(AuthSession, record.id).revoked_reason == "expired"


def test_a_busy_session_is_touched_at_most_once_a_minute(engine, alice):
    record = _session(engine, alice)
    with read_session(engine) as session:
        assert check_session(session, session_id=record.id, settings=SETTINGS).needs_write is False
    with write_transaction(engine) as session:
        session.get(AuthSession, record.id).last_seen_at = utcnow() - timedelta(minutes=2)
    with read_session(engine) as session:
        assert check_session(session, session_id=record.id, settings=SETTINGS).needs_write is True


def test_revoking_all_sessions_signs_out_everywhere(engine, alice):
    first, second = _session(engine, alice, "one"), _session(engine, alice, "two")
    with write_transaction(engine) as session:
        assert accounts.revoke_user_sessions(session, user_id=alice.id, reason="admin") == 2
    with read_session(engine) as session:
        for record in (first, second):
            assert check_session(session, session_id=record.id, settings=SETTINGS).user is None


def test_a_username_holding_a_nul_is_an_ordinary_failed_login(engine, alice):
    result = _login(engine, PASSWORD, username="ali\x00ce")
    assert result.user is None and result.error is not None
