"""Notification kinds are shown as words, never as their dotted codes."""

from __future__ import annotations

import pytest

from core.mail.messages import screen_address
from core.mail.preferences import MAIL_KINDS, preference_key
from core.models import Role
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
        ("question.asked", "Question asked"),
        ("question.answered", "Question answered"),
    ],
)
def test_a_kind_reads_as_words(kind, label):
    assert kind_label(kind) == label


def test_an_unknown_kind_still_reads_as_words():
    assert kind_label("billing.card_expired") == "Billing card expired"
    assert kind_label("test") == "Test"


@pytest.mark.parametrize(
    ("role", "link", "opens"),
    [
        (Role.ALUMNI, "questions:7", ("questions", {"project": "7"})),
        (Role.FACULTY, "questions:7", ("questions", {"project": "7"})),
        (Role.STUDENT, "questions:7", None),
        (Role.STUDENT, "project:7", ("project", {"id": "7"})),
    ],
)
def test_an_e_mail_about_a_question_opens_the_screen_of_its_reader(role, link, opens):
    assert screen_address(role, link) == opens


def test_every_kind_a_service_sends_about_questions_has_a_mail_preference():
    kinds = {item.kind for item in MAIL_KINDS}
    assert {"question.asked", "question.answered"} <= kinds
    assert preference_key("question.asked") == "question.asked"
