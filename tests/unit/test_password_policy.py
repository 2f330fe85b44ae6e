"""The password policy (NIST SP 800-63B): length, guessability, nothing personal."""

from __future__ import annotations

import pytest

from core.passwords import password_problem
from core.seed import DEMO_PASSWORD

PERSONAL = ("alice.smith", "alice.smith@example.edu")


@pytest.mark.parametrize(
    "password, reason",
    [
        ("passwordpassword", "repeats"),
        ("aaaaaaaaaaaa", "repeats"),
        ("hunter2hunter2", "repeats"),
        ("123456789012", "leaked passwords"),
        ("abcdefghijkl", "run of letters"),
        ("qwertyuiop12", "leaked passwords"),
        ("iloveyou1234", "leaked passwords"),
        ("football1234", "leaked passwords"),
        ("Password1234", "leaked passwords"),
    ],
)
def test_common_repetitive_and_sequential_passwords_are_refused_in_plain_words(password, reason):
    problem = password_problem(password, personal=PERSONAL)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "password",
    ["alice.smith", "ALICE.SMITH-is-me", "my alice.smith@example.edu", "xx alice.smith 2026!"],
)
def test_a_password_containing_the_username_or_email_is_refused(password):
    problem = password_problem(password + "-padding-words", personal=PERSONAL)
    assert problem == "must not contain your username or e-mail address"


def test_a_password_equal_to_the_username_is_refused():
    assert password_problem("professor.plum", personal=("professor.plum", "pp@example.edu"))


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "a brand new passphrase",
        "x7#kP9!mQ2wz",
        "lowercase only words here",
        DEMO_PASSWORD,
    ],
)
def test_long_unusual_passwords_pass_without_composition_rules(password):
    assert password_problem(password, personal=PERSONAL) is None


@pytest.mark.parametrize(
    "password, reason",
    [("short pass", "at least 12"), ("é" * 40, "at most 72 bytes"), (" padded words ", "space")],
)
def test_length_limits_come_first_with_their_reasons(password, reason):
    problem = password_problem(password)
    assert problem is not None and reason in problem
