"""The command line: migrate, ensure-key, create-admin, seed demo, flag-at-risk."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from core.db import create_db_engine, read_session, write_transaction
from core.models import Notification, Role, User
from core.seed import DEMO_ACCOUNTS
from core.workspace import AT_RISK_KIND
from tests.cli import run_core
from tests.services.workspace_helpers import TODAY, make_pair


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    url = env.pop("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return run_core(*args, database_url=url, data_dir=tmp_path, BCRYPT_ROUNDS="4", **env)


def users(tmp_path: Path) -> list[User]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with read_session(engine) as session:
        found = list(session.exec(select(User).order_by(User.username)))
    engine.dispose()
    return found


def test_migrate_then_seed_demo_twice_creates_each_demo_account_once(tmp_path):
    assert run_cli(tmp_path, "migrate").returncode == 0
    first = run_cli(tmp_path, "seed", "demo")
    assert first.returncode == 0, first.stderr
    assert "mentoring-demo-2026" in first.stdout
    assert run_cli(tmp_path, "seed", "demo").returncode == 0
    found = {user.username: user.role for user in users(tmp_path)}
    assert {a.username: a.role for a in DEMO_ACCOUNTS}.items() <= found.items()
    assert len([u for u in found if u.startswith("demo-")]) == len(DEMO_ACCOUNTS)


def test_seed_if_empty_leaves_an_existing_database_alone(tmp_path):
    run_cli(tmp_path, "migrate")
    run_cli(
        tmp_path,
        "create-admin",
        "root",
        "--email",
        "root@example.edu",
        ADMIN_PASSWORD="x" * 6 + "long-enough",
    )
    result = run_cli(tmp_path, "seed", "demo", "--if-empty")
    assert "skipped" in result.stdout
    assert [u.username for u in users(tmp_path)] == ["root"]


def test_create_admin_reads_the_password_from_the_environment(tmp_path):
    run_cli(tmp_path, "migrate")
    result = run_cli(
        tmp_path,
        "create-admin",
        "chief",
        "--email",
        "chief@example.edu",
        ADMIN_PASSWORD="a very long admin password",
    )
    assert result.returncode == 0, result.stderr
    (admin,) = users(tmp_path)
    assert (admin.username, admin.role) == ("chief", Role.ADMIN)
    assert "a very long admin password" not in admin.password_hash


def test_create_admin_refuses_a_short_password_in_plain_words(tmp_path):
    run_cli(tmp_path, "migrate")
    result = run_cli(
        tmp_path, "create-admin", "chief", "--email", "c@example.edu", ADMIN_PASSWORD="short"
    )
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr
    assert users(tmp_path) == []


def test_ensure_key_writes_a_private_key_once(tmp_path):
    assert run_cli(tmp_path, "ensure-key").returncode == 0
    key = (tmp_path / "cookie.key").read_text()
    assert run_cli(tmp_path, "ensure-key").returncode == 0
    assert (tmp_path / "cookie.key").read_text() == key


@pytest.mark.parametrize("key", ["some_key", "tooshort"])
def test_ensure_key_refuses_a_weak_configured_key(tmp_path, key):
    result = run_cli(tmp_path, "ensure-key", COOKIE_KEY=key)
    assert result.returncode == 1
    assert "COOKIE_KEY" in result.stderr


def test_flag_at_risk_notifies_silent_matches_once_and_says_how_many(tmp_path):
    assert run_cli(tmp_path, "migrate").returncode == 0
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    long_ago = TODAY - timedelta(days=40)
    with write_transaction(engine) as session:
        silent = [make_pair(session, start=long_ago, approved_days_ago=40) for _ in range(2)]
        make_pair(session)  # started a week ago: not at risk yet
    first = run_cli(tmp_path, "flag-at-risk")
    assert first.returncode == 0, first.stderr
    assert "Flagged 2 at-risk matches." in first.stdout
    second = run_cli(tmp_path, "flag-at-risk")
    assert second.returncode == 0, second.stderr
    assert "Flagged 0 at-risk matches." in second.stdout
    with read_session(engine) as session:
        flagged = sorted(
            session.exec(
                select(Notification.user_id).where(col(Notification.kind) == AT_RISK_KIND)
            ).all()
        )
    engine.dispose()
    people = [person.id for p in silent for person in (p.student, p.mentor)]
    assert flagged == sorted(people)


def test_create_admin_refuses_while_demo_accounts_exist_unless_told_to_keep_them(tmp_path):
    run_cli(tmp_path, "migrate")
    run_cli(tmp_path, "seed", "demo")
    args = ("create-admin", "chief", "--email", "chief@example.edu")
    refused = run_cli(tmp_path, *args, ADMIN_PASSWORD="a very long admin password")
    assert refused.returncode == 1 and "remove-demo" in refused.stderr
    assert "chief" not in [user.username for user in users(tmp_path)]
    kept = run_cli(tmp_path, *args, "--keep-demo", ADMIN_PASSWORD="a very long admin password")
    assert kept.returncode == 0, kept.stderr


def test_remove_demo_leaves_only_real_accounts_and_then_create_admin_works(tmp_path):
    run_cli(tmp_path, "migrate")
    run_cli(tmp_path, "seed", "demo")
    removed = run_cli(tmp_path, "remove-demo")
    assert removed.returncode == 0 and "Removed the demo data" in removed.stdout
    assert users(tmp_path) == []
    created = run_cli(
        tmp_path,
        "create-admin",
        "chief",
        "--email",
        "chief@example.edu",
        ADMIN_PASSWORD="a very long admin password",
    )
    assert created.returncode == 0, created.stderr


def test_create_admin_refuses_a_guessable_password_or_one_with_the_username(tmp_path):
    run_cli(tmp_path, "migrate")
    for password, reason in [("passwordpassword", "repeats"), ("chief-of-staff-1", "username")]:
        result = run_cli(
            tmp_path, "create-admin", "chief", "--email", "c@example.edu", ADMIN_PASSWORD=password
        )
        assert result.returncode == 1 and reason in result.stderr
    assert users(tmp_path) == []
