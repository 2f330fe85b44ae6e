"""E-mail: the outbox is written with the event, the sender delivers it to a real SMTP server
(aiosmtpd), once per row, with escaped content, working links and one-click unsubscribe."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, col, select

from core.applications import apply
from core.mail import admin as mail_admin
from core.mail.jobs import run_digest, run_reminders
from core.mail.messages import Context, build_message
from core.mail.models import MailMode, MailOutbox, OutboxStatus, SavedProject
from core.mail.preferences import mode_for, set_preference
from core.mail.sender import LEASE, claim_due, send_pass
from core.mail.transport import FileTransport, SmtpTransport, transport_from_settings
from core.mail.unsubscribe import (
    LIFETIME,
    UnsubscribeRefused,
    apply_unsubscribe,
    make_token,
    read_token,
)
from core.models import ApplicationStatus, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from core.platform.notifications import notify
from core.platform.types import utcnow
from tests import factories as h
from tests.smtp import free_port

KEY = "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
CONTEXT = Context(
    base_url="https://portal.example.edu", mail_from="Portal <portal@example.edu>", signing_key=KEY
)
STATEMENT = "I would like to join because this project matches what I study and want to learn."


def _transport(smtp) -> SmtpTransport:
    return SmtpTransport(smtp.url)


def _rows(engine, **where) -> list[MailOutbox]:
    with Session(engine) as session:
        statement = select(MailOutbox).order_by(col(MailOutbox.id))
        for name, value in where.items():
            statement = statement.where(getattr(MailOutbox, name) == value)
        return list(session.exec(statement))


def _people(engine, *, title: str = "Data cleaning for the museum", mentor_name=None):
    with write_transaction(engine) as session:
        mentor = h.user(
            session, Role.ALUMNI, **({"display_name": mentor_name} if mentor_name else {})
        )
        student = h.user(session, Role.STUDENT)
        project = h.project(session, mentor, title=title)
    return mentor, student, project


def _apply(engine, student: User, project_id: int) -> int:
    with write_transaction(engine) as session:
        return apply(session, actor=student, project_id=project_id, statement=STATEMENT).id


def _parts(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    rich = message.get_body(preferencelist=("html",)).get_content()
    return plain, rich


def test_an_application_reaches_the_mentor_by_smtp_with_both_parts_and_a_link_to_applicants(
    engine, smtp
):
    mentor, student, project = _people(engine)
    _apply(engine, student, project.id)
    report = send_pass(engine, _transport(smtp), CONTEXT)
    assert report.sent == 1
    [received] = smtp.recorder.received
    assert received.recipients == [mentor.email]
    message = received.message
    assert "Data cleaning for the museum" in message["Subject"]
    assert message["Subject"].startswith("Application submitted")
    assert mentor.display_name in str(message["To"])
    plain, rich = _parts(message)
    link = f"https://portal.example.edu/applicants?project={project.id}"
    assert link in plain and link in rich
    assert f"Hello {mentor.display_name}" in plain
    assert message["Message-ID"].startswith("<outbox.")
    assert message["List-Unsubscribe"].startswith("<https://portal.example.edu/mail/unsubscribe?t=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<img" not in rich  # no remote images
    [row] = _rows(engine)
    assert row.status is OutboxStatus.SENT and row.sent_at is not None


def test_a_rolled_back_transaction_leaves_no_mail_to_send(engine, smtp):
    _, student, project = _people(engine)
    with pytest.raises(RuntimeError), write_transaction(engine) as session:
        apply(session, actor=student, project_id=project.id, statement=STATEMENT)
        raise RuntimeError("the screen failed after the service ran")
    assert _rows(engine) == []
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 0
    assert smtp.recorder.received == []


def test_a_row_sent_again_after_a_lost_lease_keeps_its_message_id(engine, smtp):
    _, student, project = _people(engine)
    _apply(engine, student, project.id)
    now = utcnow()
    # A sender claims the row and dies before sending: the row is nobody's once the lease ends.
    assert len(claim_due(engine, sender="crashed", now=now)) == 1
    assert send_pass(engine, _transport(smtp), CONTEXT, now=now).sent == 0
    send_pass(engine, _transport(smtp), CONTEXT, now=now + LEASE + timedelta(seconds=1))
    send_pass(engine, _transport(smtp), CONTEXT, now=now + LEASE * 3)
    [message] = smtp.recorder.messages()
    [row] = _rows(engine)
    with Session(engine) as session:
        again = build_message(session, row, session.get(User, row.user_id), CONTEXT)
    assert again["Message-ID"] == message["Message-ID"]


def test_hostile_titles_and_names_are_escaped_and_cannot_add_headers(engine, smtp):
    title = "<script>alert(1)</script>\r\nBcc: victim@evil.example"
    mentor, student, project = _people(
        engine, title=title[:60], mentor_name="Eve <b>\nBcc: spy@evil.example"
    )
    with write_transaction(engine) as session:
        session.get(User, student.id).display_name = "Mallory <img src=x onerror=alert(1)>"
    _apply(engine, student, project.id)
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 1
    [received] = smtp.recorder.received
    assert received.recipients == [mentor.email]
    message = received.message
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "evil.example" not in str(message["To"]).split("<")[-1]
    plain, rich = _parts(message)
    assert "<script>" not in rich and "&lt;script&gt;" in rich
    assert "<img src=x" not in rich and "&lt;img src=x" in rich
    assert "Mallory <img src=x onerror=alert(1)>" in plain  # plain text is shown as text


def test_a_kind_turned_off_writes_no_mail_and_a_digest_kind_is_held(engine, smtp):
    mentor, student, project = _people(engine)
    with write_transaction(engine) as session:
        set_preference(session, actor=mentor, kind="application.submitted", mode=MailMode.OFF)
    _apply(engine, student, project.id)
    assert _rows(engine) == []
    with write_transaction(engine) as session:
        set_preference(session, actor=mentor, kind="application.submitted", mode="digest")
        notify(session, user_id=mentor.id, kind="application.submitted", text="Again.")
    [row] = _rows(engine)
    assert row.status is OutboxStatus.HELD
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 0


def test_defaults_send_decisions_at_once_and_hold_the_rest_for_the_digest(engine):
    mentor, student, _ = _people(engine)
    with write_transaction(engine) as session:
        notify(session, user_id=student.id, kind="application.accepted", text="Accepted.")
        notify(session, user_id=student.id, kind="application.expired", text="Expired.")
        notify(session, user_id=mentor.id, kind="project.changed", text="Edited.")
    statuses = {row.kind: row.status for row in _rows(engine)}
    assert statuses == {
        "application.accepted": OutboxStatus.QUEUED,
        "application.expired": OutboxStatus.HELD,
        "project.changed": OutboxStatus.HELD,
    }


def test_security_notices_go_out_even_when_everything_is_off_and_carry_no_unsubscribe(engine, smtp):
    mentor, _, _ = _people(engine)
    with write_transaction(engine) as session:
        set_preference(session, actor=mentor, kind="other", mode=MailMode.OFF)
        notify(session, user_id=mentor.id, kind="account.password_changed", text="Changed.")
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 1
    [message] = smtp.recorder.messages()
    assert message["List-Unsubscribe"] is None
    assert message["Subject"] == "Your password was changed"


def test_a_one_click_unsubscribe_turns_that_kind_off_without_login(engine):
    mentor, student, project = _people(engine)
    token = make_token(KEY, user_id=mentor.id, kind="application.submitted")
    with write_transaction(engine) as session:
        assert apply_unsubscribe(session, KEY, token) == "A student applies to my project"
    _apply(engine, student, project.id)
    assert _rows(engine) == []


def test_an_expired_unsubscribe_link_is_refused(engine):
    mentor, _, _ = _people(engine)
    token = make_token(KEY, user_id=mentor.id, kind="application.submitted")
    later = utcnow() + LIFETIME + timedelta(minutes=1)
    with pytest.raises(UnsubscribeRefused, match="expired"), write_transaction(engine) as session:
        apply_unsubscribe(session, KEY, token, now=later)


@pytest.mark.parametrize("change", ["user", "signature", "key", "garbage"])
def test_a_tampered_unsubscribe_link_is_refused(change):
    token = make_token(KEY, user_id=7, kind="application.submitted")
    payload, signature = token.split(".")
    if change == "user":
        other = make_token(KEY, user_id=8, kind="application.submitted").split(".")[0]
        token, key = f"{other}.{signature}", KEY
    elif change == "signature":
        token, key = f"{payload}.{signature[:-2]}AA", KEY
    elif change == "key":
        key = KEY[::-1]
    else:
        token, key = "not-a-token", KEY
    with pytest.raises(UnsubscribeRefused, match="not valid"):
        read_token(key, token)


def test_the_unsubscribe_endpoint_answers_a_one_click_post_and_a_get_changes_nothing(
    engine, monkeypatch
):
    from core.mail import web
    from core.platform.settings import get_settings

    mentor, _, _ = _people(engine)
    monkeypatch.setenv("COOKIE_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    web._engine.cache_clear()
    token = make_token(KEY, user_id=mentor.id, kind="application.submitted")
    try:
        status, page = _asgi(web, "GET", f"t={token}")
        assert status == 200 and "Turn these e-mails off" in page
        with Session(engine) as session:
            from core.mail.preferences import mode_for

            assert (
                mode_for(session, user_id=mentor.id, kind="application.submitted") == "immediately"
            )
        status, page = _asgi(web, "POST", f"t={token}", b"List-Unsubscribe=One-Click")
        assert status == 200 and "no longer" in page
        with Session(engine) as session:
            assert mode_for(session, user_id=mentor.id, kind="application.submitted") == "off"
        status, _ = _asgi(web, "POST", f"t={token[:-3]}xyz", b"List-Unsubscribe=One-Click")
        assert status == 400
    finally:
        get_settings.cache_clear()
        web._engine.cache_clear()


def _asgi(web, method: str, query: str, body: bytes = b"") -> tuple[int, str]:
    """Call the route as an ASGI server would (no HTTP client needed)."""
    from starlette.applications import Starlette

    app = Starlette(routes=web.mail_routes())
    scope = {
        "type": "http",
        "method": method,
        "path": "/mail/unsubscribe",
        "raw_path": b"/mail/unsubscribe",
        "query_string": query.encode(),
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "http_version": "1.1",
        "scheme": "https",
        "server": ("portal.example.edu", 443),
        "root_path": "",
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(event):
        sent.append(event)

    # In a thread of its own: after the browser tests, Playwright keeps an event loop running
    # in this one, and asyncio.run refuses to start inside it.
    worker = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    worker.start()
    worker.join(timeout=30)
    status = next(event["status"] for event in sent if event["type"] == "http.response.start")
    page = b"".join(e.get("body", b"") for e in sent if e["type"] == "http.response.body")
    return status, page.decode()


def test_the_digest_sends_one_summary_per_person_per_day_and_nothing_when_empty(engine, smtp):
    mentor, student, _ = _people(engine)
    with write_transaction(engine) as session:
        notify(session, user_id=student.id, kind="application.expired", text="First <b>one</b>.")
        notify(session, user_id=student.id, kind="workspace.message", text="Second one.")
    today = date.today()
    assert run_digest(engine, today=today) == 1
    assert run_digest(engine, today=today) == 0
    with write_transaction(engine) as session:  # arrives after today's digest: waits
        notify(session, user_id=student.id, kind="application.expired", text="Third one.")
    assert run_digest(engine, today=today) == 0
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 1
    [message] = smtp.recorder.messages()
    plain, rich = _parts(message)
    assert "First <b>one</b>." in plain and "Second one." in plain and "Third" not in plain
    assert "First &lt;b&gt;one&lt;/b&gt;." in rich
    assert message["Subject"] == "Your daily summary"
    assert run_digest(engine, today=today + timedelta(days=1)) == 1  # the third, tomorrow
    smtp.recorder.clear()
    assert run_digest(engine, today=today + timedelta(days=2)) == 0  # nothing held: no mail
    send_pass(engine, _transport(smtp), CONTEXT)
    assert len(smtp.recorder.received) == 1


def test_a_deadline_reminder_goes_once_to_students_who_saved_the_project(engine, smtp):
    mentor, student, _ = _people(engine)
    with write_transaction(engine) as session:
        soon = h.project(
            session,
            mentor,
            title="Closing soon",
            start=date.today() + timedelta(days=9),
            deadline=date.today() + timedelta(days=2),
        )
        session.add(SavedProject(user_id=student.id, project_id=soon.id))
        set_preference(session, actor=student, kind="reminder.deadline", mode="immediately")
    assert run_reminders(engine) == 1
    assert run_reminders(engine) == 0
    send_pass(engine, _transport(smtp), CONTEXT)
    [message] = smtp.recorder.messages()
    assert message["Subject"] == "Deadline in 2 days"
    assert f"/project?id={soon.id}" in _parts(message)[0]


def test_approvals_waiting_over_three_days_reach_department_faculty_in_one_message(engine, smtp):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        faculty = h.user(session, Role.FACULTY)
        elsewhere = h.user(session, Role.FACULTY, department="History")
        old = utcnow() - timedelta(days=4)
        for title in ("First waiting project", "Second waiting project"):
            target = h.project(session, mentor, title=title)
            student = h.user(session, Role.STUDENT)
            found = h.application(session, student, target, ApplicationStatus.ACCEPTED)
            found.accepted_at = old
            session.add(found)
        recent = h.project(session, mentor, title="Accepted yesterday")
        h.application(session, h.user(session, Role.STUDENT), recent, ApplicationStatus.ACCEPTED)
    assert run_reminders(engine) == 1
    assert run_reminders(engine) == 0
    send_pass(engine, _transport(smtp), CONTEXT)
    [received] = smtp.recorder.received
    assert received.recipients == [faculty.email] and elsewhere.email not in received.recipients
    plain = _parts(received.message)[0]
    assert "First waiting project" in plain and "Second waiting project" in plain
    assert "Accepted yesterday" not in plain
    assert "https://portal.example.edu/approvals?application=" in plain


def test_a_451_refusal_stays_queued_and_is_delivered_on_the_next_pass(engine, smtp):
    _, student, project = _people(engine)
    _apply(engine, student, project.id)
    smtp.recorder.refuse_next("451 4.3.0 Try again later")
    now = utcnow()
    first = send_pass(engine, _transport(smtp), CONTEXT, now=now)
    assert (first.sent, first.retried) == (0, 1)
    [row] = _rows(engine)
    assert row.status is OutboxStatus.QUEUED and "451" in (row.last_error or "")
    second = send_pass(engine, _transport(smtp), CONTEXT, now=now + timedelta(minutes=2))
    assert second.sent == 1 and len(smtp.recorder.received) == 1


def test_a_refused_connection_is_temporary(engine):
    _, student, project = _people(engine)
    _apply(engine, student, project.id)
    report = send_pass(engine, SmtpTransport(f"smtp://127.0.0.1:{free_port()}"), CONTEXT)
    assert report.retried == 1
    [row] = _rows(engine)
    assert row.status is OutboxStatus.QUEUED and row.attempts == 1


def test_a_5xx_refusal_is_recorded_shown_to_admins_and_can_be_resent(engine, smtp):
    _, student, project = _people(engine)
    _apply(engine, student, project.id)
    smtp.recorder.refuse_next("550 5.1.1 Mailbox unavailable")
    assert send_pass(engine, _transport(smtp), CONTEXT).failed == 1
    with write_transaction(engine) as session:
        admin = h.user(session, Role.ADMIN)
    with Session(engine) as session:
        view = mail_admin.outbox_view(session, actor=admin, status=OutboxStatus.FAILED)
        with pytest.raises(PermissionDenied):
            mail_admin.outbox_view(session, actor=student)
    [shown] = view.rows
    assert shown.status == "failed" and "550 5.1.1 Mailbox unavailable" in (shown.last_error or "")
    assert view.counts == {"failed": 1}
    with write_transaction(engine) as session:
        mail_admin.resend(session, actor=admin, outbox_id=shown.id)
    assert send_pass(engine, _transport(smtp), CONTEXT).sent == 1


def test_an_admin_test_message_reaches_the_admin(engine, smtp):
    with write_transaction(engine) as session:
        admin = h.user(session, Role.ADMIN)
        mail_admin.send_test_message(session, actor=admin)
    send_pass(engine, _transport(smtp), CONTEXT)
    [received] = smtp.recorder.received
    assert received.recipients == [admin.email]
    assert received.message["Subject"] == "Test message"


def test_two_senders_at_once_never_send_a_row_twice(engine, smtp):
    with write_transaction(engine) as session:
        people = [h.user(session, Role.STUDENT) for _ in range(10)]
        for person in people:
            for n in range(4):
                notify(session, user_id=person.id, kind="application.accepted", text=f"No. {n}")
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            send_pass(engine, _transport(smtp), CONTEXT, limit=3)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = Counter(str(message["Message-ID"]) for message in smtp.recorder.messages())
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert {row.status for row in _rows(engine)} == {OutboxStatus.SENT}


def test_without_smtp_url_messages_are_written_as_eml_files(engine, tmp_path):
    mentor, student, project = _people(engine)
    _apply(engine, student, project.id)
    transport = transport_from_settings("", tmp_path)
    assert isinstance(transport, FileTransport)
    assert send_pass(engine, transport, CONTEXT).sent == 1
    [written] = list((tmp_path / "outbox").glob("*.eml"))
    assert f"To: {mentor.display_name} <{mentor.email}>" in written.read_text()
    assert json.dumps  # the .eml is a complete message a mail program can open


def test_the_digest_carries_a_one_click_unsubscribe_that_stops_the_summary(engine, smtp):
    _, student, _ = _people(engine)
    with write_transaction(engine) as session:
        notify(session, user_id=student.id, kind="application.expired", text="Held for later.")
    assert run_digest(engine, today=date.today()) == 1
    send_pass(engine, _transport(smtp), CONTEXT)
    [message] = smtp.recorder.messages()
    header = message["List-Unsubscribe"]
    assert header.startswith("<https://portal.example.edu/mail/unsubscribe?t=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = parse_qs(urlsplit(header.strip("<>")).query)["t"][0]
    with write_transaction(engine) as session:
        assert apply_unsubscribe(session, KEY, token) == "The daily summary"
    with read_session(engine) as session:
        # Every kind the summary gathered is off; what came at once still does.
        assert mode_for(session, user_id=student.id, kind="application.expired") is MailMode.OFF
        assert mode_for(session, user_id=student.id, kind="workspace.message") is MailMode.OFF
        accepted = mode_for(session, user_id=student.id, kind="application.accepted")
        assert accepted is MailMode.IMMEDIATELY
    with write_transaction(engine) as session:
        notify(session, user_id=student.id, kind="application.expired", text="Not held.")
    assert run_digest(engine, today=date.today() + timedelta(days=1)) == 0
