"""Tables of the match workspace: sessions, milestones, messages, feedback, self-efficacy.

A match is an application in status approved (then completed or ended early); every row here
belongs to one such application. Schema changes go through Alembic migrations.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.platform.types import UTCDateTime, enum_type, utcnow

SESSION_MINUTES_MIN = 15
SESSION_MINUTES_MAX = 240
SUMMARY_MAX = 500
NOTE_MAX = 500
MESSAGE_MAX = 2000
COMMENT_MAX = 2000
RATING_MIN = 1
RATING_MAX = 5
SELF_EFFICACY_ITEMS = 5
# The five statements of the leadership self-efficacy scale, each answered 1 (not at all
# confident) to 5 (completely confident).
SELF_EFFICACY_QUESTIONS = (
    "I can set a clear goal for a small team and keep it in view.",
    "I can explain a plan so that others understand what to do next.",
    "I can ask for and act on feedback about my own work.",
    "I can resolve a disagreement in a group without losing momentum.",
    "I can take responsibility for a result and see it through to the end.",
)


class MilestoneStatus(enum.StrEnum):
    TODO = "todo"
    DONE = "done"
    VERIFIED = "verified"


class SelfEfficacyPhase(enum.StrEnum):
    START = "start"
    CLOSE = "close"


def _created() -> datetime:
    return utcnow()


class MatchSession(SQLModel, table=True):
    """A mentoring session logged by one party of a match and confirmed by the other."""

    __tablename__ = "match_session"
    __table_args__ = (
        sa.Index("ix_match_session_application_held", "application_id", "held_on"),
        sa.CheckConstraint("minutes BETWEEN 15 AND 240", name="ck_match_session_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    author_id: int = Field(foreign_key="app_user.id")
    held_on: date
    minutes: int
    summary: str = Field(max_length=SUMMARY_MAX)
    confirmed_by: int | None = Field(default=None, foreign_key="app_user.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class MatchMilestone(SQLModel, table=True):
    """A milestone of one match, copied from the project's blueprint at approval."""

    __tablename__ = "match_milestone"
    __table_args__ = (
        sa.Index("ix_match_milestone_application_position", "application_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    position: int
    title: str = Field(max_length=120)
    due_date: date
    status: MilestoneStatus = Field(
        default=MilestoneStatus.TODO, sa_type=enum_type(MilestoneStatus)
    )
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class MatchMessage(SQLModel, table=True):
    """A plain-text message in a match's thread."""

    __tablename__ = "match_message"
    __table_args__ = (sa.Index("ix_match_message_application_id", "application_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    sender_id: int = Field(foreign_key="app_user.id")
    body: str = Field(max_length=MESSAGE_MAX)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class MessageRead(SQLModel, table=True):
    """How far one party has read a match's thread (the newest message id seen)."""

    __tablename__ = "message_read"

    application_id: int = Field(foreign_key="application.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    last_read_id: int = Field(default=0)


class MatchFeedback(SQLModel, table=True):
    """One party's close-out rating and comment; at most one per party and match."""

    __tablename__ = "match_feedback"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "author_id", name="uq_match_feedback_author"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_match_feedback_rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    author_id: int = Field(foreign_key="app_user.id")
    rating: int
    comment: str = Field(max_length=COMMENT_MAX)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class SelfEfficacy(SQLModel, table=True):
    """A student's answers to the 5-item leadership self-efficacy scale at start or close."""

    __tablename__ = "self_efficacy"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "phase", name="uq_self_efficacy_phase"),
        sa.CheckConstraint(
            "item1 BETWEEN 1 AND 5 AND item2 BETWEEN 1 AND 5 AND item3 BETWEEN 1 AND 5 "
            "AND item4 BETWEEN 1 AND 5 AND item5 BETWEEN 1 AND 5",
            name="ck_self_efficacy_items",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    student_id: int = Field(foreign_key="app_user.id", index=True)
    phase: SelfEfficacyPhase = Field(sa_type=enum_type(SelfEfficacyPhase))
    item1: int
    item2: int
    item3: int
    item4: int
    item5: int
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)

    def scores(self) -> list[int]:
        return [self.item1, self.item2, self.item3, self.item4, self.item5]
