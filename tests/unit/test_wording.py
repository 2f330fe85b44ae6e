"""Counts are shown with the singular or plural noun, never "(s)"."""

from __future__ import annotations

from core.platform.wording import counted


def test_one_is_singular():
    assert counted(1, "seat") == "1 seat"


def test_zero_and_many_are_plural():
    assert counted(0, "seat") == "0 seats"
    assert counted(3, "seat") == "3 seats"


def test_irregular_plural_is_used_when_given():
    assert counted(1, "match", "matches") == "1 match"
    assert counted(2, "match", "matches") == "2 matches"
    assert counted(0, "match", "matches") == "0 matches"


def test_a_given_plural_is_not_used_for_one():
    assert counted(1, "person", "people") == "1 person"


def test_large_counts_get_thousands_separators():
    assert counted(1200, "seat") == "1,200 seats"
    assert counted(1_000_000, "match", "matches") == "1,000,000 matches"
