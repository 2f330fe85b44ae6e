"""Build each e-mail from its outbox row: plain text and HTML, escaped, with a link to the
exact screen and (except for security notices) a one-click unsubscribe link."""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlencode

from sqlmodel import Session

from core.mail.models import MailOutbox
from core.mail.preferences import is_always_sent, kind_title
from core.mail.unsubscribe import make_token, unsubscribe_url
from core.models import Application, Project, Role, User
from core.platform.notifications import kind_label

FALLBACK_BASE_URL = "http://localhost:8501"
SUBJECT_MAX = 150
PORTAL = "Micro-mentoring portal"
# Subjects of kinds whose generic reading says too little.
SUBJECTS = {
    "digest": "Your daily summary",
    "mail.test": "Test message",
    "reminder.deadline": "Deadline in 2 days",
    "reminder.milestone": "Milestone due in 3 days",
    "reminder.session": "Session waiting for your confirmation",
    "reminder.feedback": "Feedback still to give",
    "reminder.approvals": "Matches waiting for your approval",
    "account.password_reset": "Reset your password",
    "account.password_changed": "Your password was changed",
    "account.locked": "Your account was locked",
    "account.signed_out_everywhere": "You were signed out everywhere",
}


class BadRecipient(ValueError):
    """The recipient's address cannot be written into a message."""


def clean_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """Return text fit for one header line: no control or line-break characters, trimmed."""
    kept = "".join(
        " " if unicodedata.category(char)[0] in "CZ" and char != " " else char for char in text
    )
    line = re.sub(r" {2,}", " ", kept).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def screen_address(role: Role, link: str | None) -> tuple[str, dict[str, str]] | None:
    """Return the screen (URL path) and query a notification link opens for this role.

    The inbox and the e-mails open the same screens (the inbox also checks the menu).
    """
    kind, _, value = (link or "").partition(":")
    if not value.isdigit():
        return None
    mentor = role in (Role.ALUMNI, Role.FACULTY)
    if kind == "project":
        if role is Role.STUDENT:
            return "project", {"id": value}
        return ("my-projects", {"project": value}) if mentor else None
    if kind == "match" and (mentor or role is Role.STUDENT):
        return "matches", {"match": value}
    if kind == "application" and role is Role.STUDENT:
        return "my-applications", {"application": value}
    if kind == "applicants" and mentor:
        return "applicants", {"project": value}
    if kind == "questions" and mentor:
        return "questions", {"project": value}
    if kind == "approval" and role in (Role.FACULTY, Role.ADMIN):
        return "approvals", {"application": value}
    return None


def screen_url(base_url: str, role: Role, link: str | None) -> str:
    """Return the full address of the screen a link opens, or the portal's home."""
    base = (base_url or FALLBACK_BASE_URL).rstrip("/")
    target = screen_address(role, link)
    if target is None:
        return f"{base}/"
    path, query = target
    return f"{base}/{path}?{urlencode(query)}"


def project_title(session: Session, link: str | None) -> str | None:
    """Return the title of the project a notification link is about, if any."""
    kind, _, value = (link or "").partition(":")
    if not value.isdigit():
        return None
    project_id: int | None = None
    if kind in ("project", "applicants", "questions"):
        project_id = int(value)
    elif kind in ("match", "application"):
        application = session.get(Application, int(value))
        project_id = application.project_id if application else None
    project = session.get(Project, project_id) if project_id else None
    return project.title if project else None


def subject_for(kind: str, title: str | None) -> str:
    event = SUBJECTS.get(kind) or kind_label(kind)
    return clean_line(f"{event}: “{title}”" if title else event)


def message_id(row: MailOutbox, domain: str) -> str:
    """Return the row's Message-ID: the same on every attempt (receivers drop duplicates)."""
    stamp = row.created_at.isoformat() if row.created_at else ""
    digest = hashlib.sha256(f"{row.id}|{row.user_id}|{stamp}".encode()).hexdigest()[:16]
    return f"<outbox.{row.id}.{digest}@{domain}>"


def _domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2]
    return re.sub(r"[^A-Za-z0-9.-]", "", domain) or "localhost"


@dataclass(frozen=True)
class Item:
    """One line of a message: a sentence and where it leads."""

    text: str
    url: str
    label: str = ""


@dataclass(frozen=True)
class Context:
    base_url: str
    mail_from: str
    signing_key: str


def _items(session: Session, row: MailOutbox, user: User, base: str) -> list[Item]:
    """Return the lines of a digest or list message (JSON in `body`), else the one event."""
    if row.body and row.kind in ("digest", "reminder.approvals"):
        entries = json.loads(row.body)
        return [
            Item(
                text=str(entry.get("text", "")),
                url=screen_url(base, user.role, entry.get("link")),
                label=kind_label(str(entry["kind"])) if entry.get("kind") else "",
            )
            for entry in entries
        ]
    if row.secret_url:
        return [Item(text=row.text, url=row.secret_url)]
    if row.kind == "mail.test":
        return [Item(text=row.text, url=f"{base.rstrip('/')}/")]
    return [Item(text=row.text, url=screen_url(base, user.role, row.link))]


def build_message(session: Session, row: MailOutbox, user: User, context: Context) -> EmailMessage:
    """Build the e-mail of one outbox row for its recipient."""
    assert row.id is not None and user.id is not None
    base = (context.base_url or FALLBACK_BASE_URL).rstrip("/")
    title = None if row.kind in SUBJECTS else project_title(session, row.link)
    name = clean_line(user.display_name, 80)
    message = EmailMessage()
    message["Subject"] = subject_for(row.kind, title)
    message["From"] = context.mail_from
    try:
        message["To"] = Address(display_name=name, addr_spec=clean_line(user.email, 254))
    except (ValueError, IndexError) as error:
        raise BadRecipient(f"cannot address {user.email!r}: {error}") from error
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row, _domain(context.mail_from))
    message["Auto-Submitted"] = "auto-generated"
    items = _items(session, row, user, base)
    settings_url = f"{base}/email"
    footer_plain = [f"— {PORTAL}"]
    footer_html = [html.escape(PORTAL)]
    if not is_always_sent(row.kind):
        unsubscribe = unsubscribe_url(
            base, make_token(context.signing_key, user_id=user.id, kind=row.kind)
        )
        about = "your daily summary" if row.kind == "digest" else f"“{kind_title(row.kind)}”"
        footer_plain.append(
            f"You get this e-mail for {about}. Your e-mail settings: {settings_url}"
        )
        footer_html.append(
            f"You get this e-mail for {html.escape(about)}. "
            f'<a href="{html.escape(settings_url)}">Your e-mail settings</a>'
        )
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        footer_plain.append(f"Turn these e-mails off: {unsubscribe}")
        footer_html.append(f'<a href="{html.escape(unsubscribe)}">Turn these e-mails off</a>')
    intro = "Here is what happened since your last summary:" if row.kind == "digest" else ""
    plain = [f"Hello {user.display_name},", ""]
    if intro:
        plain += [intro, ""]
    for item in items:
        plain.append(f"{item.label}: {item.text}" if item.label else item.text)
        plain.append(f"Open: {item.url}")
        plain.append("")
    plain += footer_plain
    message.set_content("\n".join(plain) + "\n")
    rows = "".join(
        "<p>"
        + (f"<strong>{html.escape(item.label)}</strong>: " if item.label else "")
        + html.escape(item.text)
        + f'<br><a href="{html.escape(item.url)}">Open in the portal</a></p>'
        for item in items
    )
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(str(message['Subject']))}</title></head><body>"
        f"<p>Hello {html.escape(user.display_name)},</p>"
        + (f"<p>{html.escape(intro)}</p>" if intro else "")
        + rows
        + '<hr><p style="font-size:small">'
        + "<br>".join(footer_html)
        + "</p></body></html>"
    )
    message.add_alternative(document, subtype="html")
    return message
