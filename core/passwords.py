"""Password policy (NIST SP 800-63B) and bcrypt hashing."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache

import bcrypt
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_BYTES = 72  # bcrypt only reads 72 bytes; bcrypt 5 raises beyond that.
# zxcvbn's score: 0–2 means guessable within about 10^8 attempts (common words, leaked
# passwords, repeats, runs, dates, keyboard walks); 3 and 4 are refused by nobody.
MIN_SCORE = 3
# Parts of a username or e-mail shorter than this are too common to refuse on their own.
MIN_PERSONAL_PART = 3


def _personal_parts(personal: Iterable[str]) -> list[str]:
    parts: list[str] = []
    for value in personal:
        text = (value or "").strip().lower()
        if not text:
            continue
        parts.append(text)
        if "@" in text:
            parts.append(text.split("@", 1)[0])
    return [part for part in parts if len(part) >= MIN_PERSONAL_PART]


def _weakness(password: str, personal: tuple[str, ...]) -> str | None:
    """Return in plain words why zxcvbn finds the password easy to guess, or None."""
    result = zxcvbn(password, user_inputs=list(personal))
    if result["score"] >= MIN_SCORE:
        return None
    patterns = {match["pattern"] for match in result["sequence"]}
    dictionaries = {match.get("dictionary_name") for match in result["sequence"]}
    if "user_inputs" in dictionaries:
        return "must not contain your username or e-mail address"
    if "repeat" in patterns:
        return "repeats the same characters or words; choose something less regular"
    if "passwords" in dictionaries:
        return "is a commonly used password found in lists of leaked passwords; choose another"
    if "sequence" in patterns or "spatial" in patterns:
        return "is a run of letters, digits or keys (like 123456 or qwerty); choose something else"
    if "date" in patterns:
        return "is mostly a date, which is easy to guess; add unrelated words"
    return "is too easy to guess; a few unrelated words make a strong password"


@lru_cache(maxsize=256)
def _cached_weakness(password: str, personal: tuple[str, ...]) -> str | None:
    return _weakness(password, personal)


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """Return what is wrong with a new password, or None when it is acceptable.

    `personal` holds the account's username and e-mail: a password containing either is
    refused. No composition rules (NIST SP 800-63B): length, then guessability.
    """
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"must be at most {MAX_BYTES} bytes (about {MAX_BYTES} plain letters)"
    if password != password.strip():
        return "must not start or end with a space"
    parts = _personal_parts(personal)
    lowered = password.lower()
    if any(part in lowered for part in parts):
        return "must not contain your username or e-mail address"
    return _cached_weakness(password, tuple(parts))


def _rounds() -> int:
    # Tests lower the cost through the environment; production keeps bcrypt's default.
    return int(os.environ.get("BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    """Return the bcrypt hash of an acceptable password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


@lru_cache(maxsize=1)
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(rounds))


def spend_a_password_check(password: str) -> None:
    """Do the bcrypt work of a real check and discard it, so unknown names cost the same time."""
    encoded = password.encode("utf-8")[:MAX_BYTES]
    bcrypt.checkpw(encoded, _dummy_hash(_rounds()))


def is_correct_password(password: str, password_hash: str) -> bool:
    """Check a password against its hash; over-long input is simply wrong, never a crash."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_BYTES or not password_hash:
        spend_a_password_check(password)
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
        spend_a_password_check(password)
        return False
