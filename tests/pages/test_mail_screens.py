"""E-mail screens: settings per kind, Save for later and the Saved list, the admin's outbox."""

from __future__ import annotations

from sqlmodel import Session, select

from core.mail.models import MailOutbox, MailPreference, OutboxStatus, SavedProject
from core.platform.db import write_transaction
from tests.pages.screens import click, open_screen, shown_tables, table_column, texts, user_named


def test_a_student_turns_a_kind_of_email_off_on_the_settings_screen(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "email")
    assert "E-mail settings" in texts(at)
    [radio] = [r for r in at.radio if r.label == "My application is accepted"]
    assert radio.value == "immediately"
    radio.set_value("off").run()
    student = user_named(app_env, "demo-student")
    with Session(app_env) as session:
        chosen = session.get(MailPreference, (student.id, "application.accepted"))
    assert chosen is not None and chosen.mode == "off"


def test_a_student_saves_a_project_for_later_and_sees_it_in_the_saved_list(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "browse")
    at = click(at, "Save for later")
    student = user_named(app_env, "demo-student")
    with Session(app_env) as session:
        [saved] = session.exec(select(SavedProject).where(SavedProject.user_id == student.id))
    assert any(e.label.startswith("Saved (1)") for e in at.expander)
    assert any(b.label == "Saved · remove" for b in at.button)


def test_the_admin_outbox_shows_a_failed_message_with_the_answer_and_resends_it(logged_in, app_env):
    admin = user_named(app_env, "demo-admin")
    with write_transaction(app_env) as session:
        session.add(
            MailOutbox(
                user_id=admin.id,
                kind="mail.test",
                text="Hi",
                status=OutboxStatus.FAILED,
                last_error="550 5.1.1 <nobody@example.edu> Mailbox unavailable",
                attempts=1,
            )
        )
    at = open_screen(logged_in("demo-admin"), "admin-mail")
    answers = table_column(shown_tables(at)[0], "Server's answer")
    assert "550 5.1.1 <nobody@example.edu> Mailbox unavailable" in answers
    assert "Failed: send again" in texts(at)
    at = click(at, "Resend")
    with Session(app_env) as session:
        statuses = {row.status for row in session.exec(select(MailOutbox))}
    assert OutboxStatus.QUEUED in statuses and OutboxStatus.FAILED not in statuses
    at = click(at, "Send me a test message")
    with Session(app_env) as session:
        kinds = [row.kind for row in session.exec(select(MailOutbox))]
    assert kinds.count("mail.test") == 2
