"""Settings from the environment (or `.env`), read once per process on demand."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
MIN_KEY_BYTES = 32

# Keys that appear in tutorials and examples; a deployment using one is not protected.
WELL_KNOWN_KEYS = frozenset(
    {
        "some_key",
        "some_signature_key",
        "abcdef",
        "secret",
        "changeme",
        "change-me",
        "password",
        "random_signature_key",
        "your-secret-key",
        "streamlit",
    }
)


class WeakSecretError(RuntimeError):
    """The cookie signing key is missing, too short or well known."""


class Settings(BaseSettings):
    """Everything the app reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    cookie_key: str = ""
    cookie_key_file: Path | None = None
    cookie_name: str = "mentoring_auth"
    cookie_lifetime_hours: float = Field(default=12.0, gt=0, le=12)
    session_idle_minutes: float = Field(default=30.0, gt=0)
    # Failed passwords allowed per account, and per client address (lower, so a guesser
    # from one address is stopped before the account they guess at is locked), within a
    # sliding window; a lock lifts by itself when the oldest counted failure leaves it.
    login_max_failures: int = Field(default=10, ge=1)
    client_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=10.0, gt=0)
    # Public address of the portal, for invite and reset links; unset, links are only made
    # when the portal is opened on this machine (localhost), never from a request's host.
    base_url: str = ""

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, value: str) -> str:
        # Plain postgres URLs would pick psycopg2; the project ships psycopg 3.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def effective_database_url(self) -> str:
        """Return the configured URL, or the embedded SQLite file under the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mentoring.db'}"

    @property
    def cookie_secure(self) -> bool:
        """Return whether the login cookie must be marked Secure (served over HTTPS)."""
        return self.base_url.strip().lower().startswith("https://")

    @property
    def key_file(self) -> Path:
        return self.cookie_key_file or self.data_dir / "cookie.key"

    def signing_key(self) -> str:
        """Return the cookie signing key, refusing a missing, short or well-known one."""
        key = self.cookie_key
        source = "COOKIE_KEY"
        if not key and self.key_file.exists():
            key = self.key_file.read_text().strip()
            source = str(self.key_file)
        ensure_strong_key(key, source=source)
        return key


def ensure_strong_key(key: str, *, source: str = "COOKIE_KEY") -> None:
    """Raise WeakSecretError unless the key is long, random-looking and not well known."""
    fix = "Run `python -m core ensure-key` (or `make run`) to generate one, or set COOKIE_KEY."
    if not key:
        raise WeakSecretError(f"No cookie signing key was found ({source}). {fix}")
    if key.lower() in WELL_KNOWN_KEYS:
        raise WeakSecretError(f"The cookie signing key in {source} is a well-known example. {fix}")
    if len(key.encode()) < MIN_KEY_BYTES:
        raise WeakSecretError(
            f"The cookie signing key in {source} is {len(key.encode())} bytes; "
            f"at least {MIN_KEY_BYTES} are needed. {fix}"
        )
    if len(set(key)) < 12:
        raise WeakSecretError(f"The cookie signing key in {source} is not random. {fix}")


def generate_key_file(settings: Settings) -> Path:
    """Write a fresh random key to the untracked key file unless a usable key exists."""
    path = settings.key_file
    if settings.cookie_key:
        ensure_strong_key(settings.cookie_key)
        return path
    if path.exists():
        ensure_strong_key(path.read_text().strip(), source=str(path))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_urlsafe(48) + "\n")
    path.chmod(0o600)
    return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read on first use, never at import)."""
    return Settings()
