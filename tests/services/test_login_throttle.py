"""The login throttle: per account and per client, under concurrency, with equal work."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import func, select

from core import passwords
from core.accounts import attempt_login, create_user
from core.db import read_session, write_transaction
from core.errors import InvalidCredentials, LoginThrottled
from core.models import AuditEntry, LoginAttempt, Notification, Role, User
from core.settings import Settings
from core.types import utcnow

PASSWORD = "correct horse battery"
SETTINGS = Settings(
    cookie_key="", login_max_failures=5, client_max_failures=5, login_window_minutes=15
)
ATTACKER = "203.0.113.9"


@pytest.fixture
def alice(engine):
    with write_transaction(engine) as session:
        return create_user(
            session,
            username="alice",
            email="alice@example.edu",
            display_name="Alice",
            role=Role.STUDENT,
            password=PASSWORD,
        )


def _login(engine, password, username="alice", client=None, settings=SETTINGS):
    with write_transaction(engine) as session:
        return attempt_login(
            session, username=username, password=password, settings=settings, client=client
        )


@pytest.fixture
def bcrypt_checks(monkeypatch):
    """Count bcrypt comparisons, each made slow enough that racing attempts overlap."""
    calls: list[float] = []
    real = passwords.bcrypt.checkpw

    def counted(password: bytes, hashed: bytes) -> bool:
        calls.append(time.monotonic())
        time.sleep(0.05)
        return real(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", counted)
    return calls


def _count(engine, statement) -> int:
    with read_session(engine) as session:
        return int(session.exec(statement).one())


def test_twelve_simultaneous_wrong_passwords_check_no_more_than_the_limit(
    engine, alice, bcrypt_checks
):
    results: list[object] = []
    barrier = threading.Barrier(12)

    def guess(number: int) -> None:
        barrier.wait()
        # A different client each, so only the account's own limit applies.
        results.append(_login(engine, f"wrong guess {number:02d}", client=f"198.51.100.{number}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [type(result.error) for result in results]  # type: ignore[attr-defined]
    assert errors.count(InvalidCredentials) == 5
    assert errors.count(LoginThrottled) == 7
    assert len(bcrypt_checks) == 5
    failures = select(func.count()).select_from(LoginAttempt)
    assert _count(engine, failures) == 5


def test_twelve_simultaneous_guesses_from_one_client_check_no_more_than_its_limit(
    engine, alice, bcrypt_checks
):
    barrier = threading.Barrier(12)
    results: list[object] = []

    def guess(number: int) -> None:
        barrier.wait()
        results.append(_login(engine, PASSWORD, username=f"someone{number:02d}", client=ATTACKER))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bcrypt_checks) == 5
    errors = [type(result.error) for result in results]  # type: ignore[attr-defined]
    assert errors.count(LoginThrottled) == 7


@pytest.mark.parametrize("case", ["unknown", "deactivated", "not yet activated", "wrong"])
def test_every_failed_login_does_the_same_bcrypt_work_as_a_wrong_password(
    engine, alice, bcrypt_checks, case
):
    with write_transaction(engine) as session:
        stored = session.get(User, alice.id)
        if case == "deactivated":
            stored.is_active = False
        if case == "not yet activated":
            stored.password_hash = ""  # an imported account before its first password
    username = "nobody-here" if case == "unknown" else "alice"
    password = PASSWORD if case != "wrong" else "wrong password!"
    result = _login(engine, password, username=username)
    assert isinstance(result.error, InvalidCredentials)
    assert len(bcrypt_checks) == 1


def test_a_guesser_from_one_address_is_stopped_before_the_account_is_locked(engine, alice):
    settings = SETTINGS.model_copy(update={"login_max_failures": 10, "client_max_failures": 5})
    for number in range(5):
        _login(engine, f"wrong guess {number}", client=ATTACKER, settings=settings)
    blocked = _login(engine, PASSWORD, client=ATTACKER, settings=settings)
    assert isinstance(blocked.error, LoginThrottled)
    assert "this device or network" in blocked.error.message
    # The owner, from their own address, still gets in.
    assert _login(engine, PASSWORD, client="192.0.2.44", settings=settings).user is not None


def test_refused_attempts_during_a_lock_write_nothing(engine, alice):
    for number in range(5):
        _login(engine, f"wrong guess {number}", client=ATTACKER)
    before_attempts = _count(engine, select(func.count()).select_from(LoginAttempt))
    before_audit = _count(engine, select(func.count()).select_from(AuditEntry))
    for _ in range(20):
        assert isinstance(_login(engine, "more guesses", client=ATTACKER).error, LoginThrottled)
    assert _count(engine, select(func.count()).select_from(LoginAttempt)) == before_attempts
    assert _count(engine, select(func.count()).select_from(AuditEntry)) == before_audit


def test_throttle_rows_past_their_window_are_pruned(engine, alice):
    with write_transaction(engine) as session:
        for number in range(50):
            at = utcnow() - timedelta(minutes=16 + number)
            session.add(LoginAttempt(username=f"x{number}", at=at, client=ATTACKER))
    _login(engine, "wrong password!")
    assert _count(engine, select(func.count()).select_from(LoginAttempt)) == 1


def test_the_owner_is_notified_when_their_account_is_locked(engine, alice):
    for number in range(5):
        _login(engine, f"wrong guess {number}", client=f"198.51.100.{number}")
    with read_session(engine) as session:
        notes = session.exec(select(Notification).where(Notification.user_id == alice.id)).all()
        locked = session.exec(select(AuditEntry).where(AuditEntry.action == "login.locked")).all()
    assert [note.kind for note in notes] == ["account.locked"]
    assert "locked for 15 minutes" in notes[0].text
    assert len(locked) == 1
