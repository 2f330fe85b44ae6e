"""Streamlit's [auth] secrets generated from the OIDC_* settings, and the small pure rules."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest

from core.accounts import sso
from core.platform.settings import Settings
from core.platform.types import utcnow


def configured(tmp_path, **extra) -> Settings:
    values = {
        "oidc_server_metadata_url": "https://idp.example/.well-known/openid-configuration",
        "oidc_client_id": "portal",
        "oidc_client_secret": 'se"cret\\x',
        "base_url": "https://portal.example/",
        "streamlit_secrets_file": tmp_path / "secrets.toml",
        **extra,
    }
    return Settings.model_validate(values)


def test_the_generated_secrets_are_what_streamlit_reads(tmp_path):
    path, changed = sso.write_auth_secrets(configured(tmp_path))
    auth = tomllib.loads(path.read_text())["auth"]
    assert changed and auth["redirect_uri"] == "https://portal.example/oauth2callback"
    assert auth["client_secret"] == 'se"cret\\x' and auth["client_id"] == "portal"
    assert len(auth["cookie_secret"]) >= 48
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_the_cookie_secret_survives_a_restart_and_a_settings_change(tmp_path):
    path, _ = sso.write_auth_secrets(configured(tmp_path))
    secret = tomllib.loads(path.read_text())["auth"]["cookie_secret"]
    assert sso.write_auth_secrets(configured(tmp_path)) == (path, False)
    sso.write_auth_secrets(configured(tmp_path, oidc_client_id="other"))
    assert tomllib.loads(path.read_text())["auth"]["cookie_secret"] == secret


def test_unsetting_sso_removes_the_generated_file_but_never_a_hand_written_one(tmp_path):
    path, _ = sso.write_auth_secrets(configured(tmp_path))
    off = configured(tmp_path, oidc_server_metadata_url="", oidc_client_id="")
    assert sso.write_auth_secrets(off) == (path, True) and not path.exists()
    path.write_text('[auth]\ncookie_secret = "mine"\n')
    assert sso.write_auth_secrets(off) == (path, False) and path.exists()
    with pytest.raises(RuntimeError):
        sso.write_auth_secrets(configured(tmp_path))


def test_sso_needs_the_public_address_for_its_callback(tmp_path):
    with pytest.raises(ValueError, match="BASE_URL"):
        sso.write_auth_secrets(configured(tmp_path, base_url=""))


def test_domain_lists_accept_commas_spaces_and_at_signs():
    assert sso.domain_set(" @Uni.Example, students.uni.example  x.org") == {
        "uni.example",
        "students.uni.example",
        "x.org",
    }


def test_identities_from_the_future_or_the_past_are_refused():
    claims = {"iss": "i", "sub": "s", "nonce": "n"}
    now = utcnow()
    fresh = sso.Identity.from_claims({**claims, "iat": int(now.timestamp())})
    future = sso.Identity.from_claims(
        {**claims, "iat": int((now + timedelta(hours=1)).timestamp())}
    )
    assert sso.identity_problem(fresh, now=now) is None
    assert "future" in (sso.identity_problem(future, now=now) or "")


def test_an_identity_without_subject_is_refused():
    with pytest.raises(sso.SsoRefused):
        sso.Identity.from_claims({"iss": "i", "email": "a@b.example"})
