"""A real OpenID Connect provider on loopback (oidc-provider-mock) and a real Streamlit server.

`sign_in` walks the whole authorization-code flow over HTTP the way a browser does:
Streamlit's `/auth/login` (Authlib makes the state, the nonce and the PKCE challenge) → the
provider's authorization form → Streamlit's `/oauth2callback` (Authlib checks the state,
exchanges the code and validates the ID token: signature, issuer, audience, nonce). It
returns what Streamlit put in its signed identity cookie, i.e. exactly what `st.user` holds
in the next browser session, or None when Streamlit refused the callback.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import jwt

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "mentoring-portal"
CLIENT_SECRET = "test-client-secret-not-used-anywhere-else"
IDENTITY_COOKIE = "_streamlit_user"


@contextmanager
def oidc_provider() -> Iterator[str]:
    """Run oidc-provider-mock on a free loopback port; yield its issuer URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0, require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def set_provider_user(issuer: str, sub: str, **claims: object) -> None:
    """Create or replace a person at the provider (the claims its ID tokens will carry)."""
    response = httpx.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sso_env(issuer: str, base_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a portal with SSO configured against `issuer`."""
    return {
        "OIDC_SERVER_METADATA_URL": f"{issuer}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_LABEL": "Sign in with your university account",
        "OIDC_STUDENT_DOMAINS": "students.uni.example",
        "OIDC_REQUIRED_DOMAINS": "staff.uni.example",
        "BASE_URL": base_url,
        "STREAMLIT_SECRETS_FILE": str(folder / "secrets.toml"),
        **extra,
    }


@dataclass
class PortalServer:
    url: str
    folder: Path
    database_url: str
    log: Path

    @property
    def cookie_secret(self) -> str:
        text = (self.folder / "secrets.toml").read_text()
        return text.split('cookie_secret = "', 1)[1].split('"', 1)[0]


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


@contextmanager
def portal_server(issuer: str, folder: Path, database_url: str) -> Iterator[PortalServer]:
    """Start `streamlit run app.py` with SSO on, as `make run` does (ensure-key first)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(folder),
        "COOKIE_KEY": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": "4",
        **sso_env(issuer, url, folder),
    }
    subprocess.run(
        [sys.executable, "-m", "core", "ensure-key"], cwd=ROOT, env=env, check=True, timeout=60
    )
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--secrets.files",
                str(folder / "secrets.toml"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, process, log)
        yield PortalServer(url=url, folder=folder, database_url=database_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def provider_token(cookie_secret: str) -> str:
    """The short-lived token `st.login("default")` puts in the `/auth/login` link."""
    expires = datetime.now(UTC) + timedelta(minutes=2)
    return jwt.encode(
        {"provider": "default", "exp": int(expires.timestamp())}, cookie_secret, "HS256"
    )


def _with_query(url: str, change: Callable[[dict[str, list[str]]], None]) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    change(query)
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


@dataclass
class Flow:
    """One browser's trip through the sign-in, with the cookies it ends with."""

    client: httpx.Client
    callback_status: int
    identity: dict[str, object] | None


def sign_in(
    server: PortalServer,
    sub: str,
    *,
    tamper_authorize: Callable[[dict[str, list[str]]], None] | None = None,
    tamper_callback: Callable[[dict[str, list[str]]], None] | None = None,
) -> Flow:
    """Sign `sub` in at the provider through Streamlit's own login routes."""
    client = httpx.Client(timeout=15, follow_redirects=False)
    start = client.get(
        f"{server.url}/auth/login", params={"provider": provider_token(server.cookie_secret)}
    )
    assert start.status_code in (302, 307), start.text
    authorize = start.headers["location"]
    if tamper_authorize:
        authorize = _with_query(authorize, tamper_authorize)
    consent = client.post(authorize, data={"sub": sub})
    assert consent.status_code == 302, consent.text
    callback = consent.headers["location"]
    assert callback.startswith(f"{server.url}/oauth2callback"), callback
    if tamper_callback:
        callback = _with_query(callback, tamper_callback)
    landed = client.get(callback)
    return Flow(client, landed.status_code, read_identity(server, client))


def read_identity(server: PortalServer, client: httpx.Client) -> dict[str, object] | None:
    """Decode Streamlit's identity cookie into what `st.user` would hold, or None."""
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    value = client.cookies.get(IDENTITY_COOKIE)
    if not value:
        return None
    decoded = decode_signed_value(server.cookie_secret, IDENTITY_COOKIE, value.encode("latin-1"))
    if decoded is None:
        return None
    payload = json.loads(decoded)
    payload.pop("origin", None)
    return {"is_logged_in": bool(payload.pop("is_logged_in", False)), **payload}
