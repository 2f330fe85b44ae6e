"""Settings refuse weak keys and find the database."""

from __future__ import annotations

import pytest

from core.platform.settings import Settings, WeakSecretError, ensure_strong_key, generate_key_file


@pytest.mark.parametrize(
    "key, problem",
    [
        ("", "No cookie signing key"),
        ("some_key", "well-known"),
        ("x" * 20 + "abcdefghijk", "at least 32"),
        ("a" * 64, "not random"),
    ],
)
def test_weak_keys_are_refused_with_a_fix(key, problem):
    with pytest.raises(WeakSecretError, match=problem) as raised:
        ensure_strong_key(key)
    assert "python -m core ensure-key" in str(raised.value)


def test_a_generated_key_is_strong_private_and_stable(tmp_path):
    settings = Settings(data_dir=tmp_path, cookie_key="")
    path = generate_key_file(settings)
    first = path.read_text().strip()
    ensure_strong_key(first)
    assert oct(path.stat().st_mode)[-3:] == "600"
    generate_key_file(settings)
    assert path.read_text().strip() == first
    assert settings.signing_key() == first


def test_the_app_refuses_to_start_without_a_key(tmp_path):
    with pytest.raises(WeakSecretError, match="No cookie signing key"):
        Settings(data_dir=tmp_path, cookie_key="").signing_key()


def test_the_default_database_is_a_sqlite_file_under_data(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="")
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'mentoring.db'}"


def test_plain_postgres_urls_use_psycopg_3():
    settings = Settings(database_url="postgresql://u@h/db")
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"
