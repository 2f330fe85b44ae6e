"""Password policy and bcrypt hashing."""

from __future__ import annotations

import os

import bcrypt

MIN_LENGTH = 12
MAX_BYTES = 72  # bcrypt only reads 72 bytes; bcrypt 5 raises beyond that.


def password_problem(password: str) -> str | None:
    """Return what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"must be at most {MAX_BYTES} bytes (about {MAX_BYTES} plain letters)"
    if password != password.strip():
        return "must not start or end with a space"
    return None


def _rounds() -> int:
    # Tests lower the cost through the environment; production keeps bcrypt's default.
    return int(os.environ.get("BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    """Return the bcrypt hash of an acceptable password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def is_correct_password(password: str, password_hash: str) -> bool:
    """Check a password against its hash; over-long input is simply wrong, never a crash."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_BYTES or not password_hash:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
        return False
