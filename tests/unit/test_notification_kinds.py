"""Notification kinds are shown as words, never as their dotted codes."""

from __future__ import annotations

import pytest

from core.platform.notifications import kind_label


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("application.accepted", "Application accepted"),
        ("application.ended_early", "Application ended early"),
        ("project.published", "Project published"),
        ("profile.changed", "Profile changed"),
        ("workspace.session_to_confirm", "Session to confirm"),
        ("workspace.milestone_verified", "Milestone verified"),
        ("workspace.message", "New message"),
        ("account.role", "Role changed"),
    ],
)
def test_a_kind_reads_as_words(kind, label):
    assert kind_label(kind) == label


def test_an_unknown_kind_still_reads_as_words():
    assert kind_label("billing.card_expired") == "Billing card expired"
    assert kind_label("test") == "Test"
