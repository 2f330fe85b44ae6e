"""Tables of the mail path: the outbox, per-kind preferences and the reminders already sent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.platform.types import UTCDateTime, enum_type, utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # to be sent by the next pass that finds it due
    HELD = "held"  # waits for the recipient's daily digest
    DIGESTED = "digested"  # went out inside a digest (digest_id)
    SENT = "sent"
    FAILED = "failed"  # refused for good (5xx) or too many temporary failures


class MailMode(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    OFF = "off"


def _created() -> datetime:
    return utcnow()


class MailOutbox(SQLModel, table=True):
    """One e-mail to one person, written in the transaction of the event it tells about."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_mail_outbox_user_status", "user_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=40)
    # The notification's sentence and link (`applicants:12`); the message is built when sent.
    text: str = Field(max_length=500)
    link: str | None = Field(default=None, max_length=200)
    # Longer composed content (digest and reminder lists, test message), JSON or plain text.
    body: str | None = Field(default=None)
    # A one-off secret link (a password reset), erased as soon as the message is sent.
    secret_url: str | None = Field(default=None, max_length=400)
    status: OutboxStatus = Field(default=OutboxStatus.QUEUED, sa_type=enum_type(OutboxStatus))
    # Makes a scheduled message unique (e.g. `digest:7:2026-05-01`); None for event mail.
    dedupe_key: str | None = Field(default=None, max_length=120, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    # A sender's claim: the row is its own until claimed_until (then another may take it).
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    # For rows held for the digest: the digest row that carried them.
    digest_id: int | None = Field(default=None, foreign_key="mail_outbox.id")


class MailPreference(SQLModel, table=True):
    """A person's choice for one kind of e-mail; absent means the kind's default."""

    __tablename__ = "mail_preference"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    mode: MailMode = Field(sa_type=enum_type(MailMode))
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class ReminderSent(SQLModel, table=True):
    """A reminder already given (`deadline:12:7`), so a second `remind` run gives none."""

    __tablename__ = "reminder_sent"

    key: str = Field(max_length=120, primary_key=True)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class SavedProject(SQLModel, table=True):
    """A project a student saved for later (deadline reminders go to them)."""

    __tablename__ = "saved_project"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
