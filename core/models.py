"""Tables of the portal. Schema changes go through Alembic migrations in core/migrations."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.platform.types import UTCDateTime, enum_type, utcnow


class Role(enum.StrEnum):
    STUDENT = "student"
    ALUMNI = "alumni"
    FACULTY = "faculty"
    ADMIN = "admin"

    @property
    def is_mentor(self) -> bool:
        return self in (Role.ALUMNI, Role.FACULTY)


class Verification(enum.StrEnum):
    """Whether the program vouches for a self-registered alumni account (others: verified)."""

    VERIFIED = "verified"
    PENDING = "pending"
    REFUSED = "refused"


class ProjectMode(enum.StrEnum):
    REMOTE = "remote"
    HYBRID = "hybrid"
    IN_PERSON = "in_person"


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


# States that still hold or wait for a place: one such application per student and project.
LIVE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.APPROVED,
)
# States that occupy a seat.
SEAT_STATUSES = (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED)
# Projects whose hours count against the mentor's weekly budget.
# Statuses of an application that is or was a match (approved at some point): it has a workspace.
MATCH_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.COMPLETED,
    ApplicationStatus.ENDED_EARLY,
)
LIVE_PROJECT_STATUSES = (ProjectStatus.OPEN, ProjectStatus.CLOSED, ProjectStatus.IN_PROGRESS)
# Projects that are over, one way or the other.
FINISHED_PROJECT_STATUSES = (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)


def _created() -> datetime:
    return utcnow()


# ---------------------------------------------------------------------------- accounts


class User(SQLModel, table=True):
    """A person with one role; mentors (alumni, faculty) and students share the table."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    display_name: str = Field(max_length=80)
    role: Role = Field(sa_type=enum_type(Role), index=True)
    password_hash: str = Field(max_length=100)
    is_active: bool = Field(default=True)
    department: str | None = Field(default=None, max_length=80, index=True)
    # Faculty who approve for every department rather than their own.
    program_wide: bool = Field(default=False)
    # Student: hours available per week. Mentor: weekly budget of mentoring hours.
    weekly_hours: float = Field(default=8.0)
    blind_review: bool = Field(default=False)
    pseudonym: str = Field(max_length=40)
    graduation_year: int | None = Field(default=None)
    # Self-registered alumni wait for verification before they can publish.
    verification: Verification = Field(
        default=Verification.VERIFIED, sa_type=enum_type(Verification), index=True
    )
    verification_note: str | None = Field(default=None, max_length=500)
    # An IANA time-zone name chosen in Profile; None shows times in the browser's zone.
    time_zone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One append-only row per state change or refused privileged action."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor_role: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None)
    before: str | None = Field(default=None)
    after: str | None = Field(default=None)
    outcome: str = Field(default="ok", max_length=10)
    detail: str | None = Field(default=None, max_length=500)


class Notification(SQLModel, table=True):
    """An in-app message to one user about an event that concerns them."""

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    kind: str = Field(max_length=40)
    text: str = Field(max_length=500)
    link: str | None = Field(default=None, max_length=200)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A server-side login session, tied to the hash of the browser's login cookie."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=40)


class LoginAttempt(SQLModel, table=True):
    """One password attempt for an account name, kept for the time-windowed throttle."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "at"),
        sa.Index("ix_login_attempt_client_at", "client", "at"),
        sa.Index("ix_login_attempt_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    succeeded: bool = Field(default=False)
    # The client address as Streamlit (or the proxy in front of it) reported it, if known.
    client: str | None = Field(default=None, max_length=64)


# ---------------------------------------------------------------------------- projects


class Tag(SQLModel, table=True):
    """An interest tag of the shared vocabulary, stored lower-case."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, sa_column_kwargs={"unique": True})


class UserInterest(SQLModel, table=True):
    __tablename__ = "user_interest"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class Project(SQLModel, table=True):
    """A short mentoring project posted by an alumnus or a professor."""

    __table_args__ = (
        # A program term's start dates, then what browse tests and sorts on within a term: with
        # terms, browse finds open projects through this index, from it alone.
        sa.Index(
            "ix_project_status_start",
            "status",
            "start_date",
            "deadline",
            "mode",
            "duration_weeks",
            "student_hours",
            "published_at",
        ),
        # (status, deadline) first; the rest lets browse and recommendations rank open projects
        # from the index alone, without reading project rows (descriptions are long): the
        # recommendation filters, then browse's facets (mode, duration) and newest-first order.
        sa.Index(
            "ix_project_open_fit",
            "status",
            "deadline",
            "student_hours",
            "filled",
            "seats",
            "owner_id",
            "start_date",
            "mode",
            "duration_weeks",
            "published_at",
        ),
        sa.Index("ix_project_owner_status", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    title: str = Field(max_length=120)
    summary: str = Field(max_length=280)
    description: str = Field(max_length=5000)
    department: str = Field(max_length=80, index=True)
    mode: ProjectMode = Field(sa_type=enum_type(ProjectMode))
    seats: int
    student_hours: float
    mentor_hours: float
    duration_weeks: int
    start_date: date
    end_date: date
    deadline: date
    screening_question: str | None = Field(default=None, max_length=500)
    status: ProjectStatus = Field(default=ProjectStatus.DRAFT, sa_type=enum_type(ProjectStatus))
    # accepted + approved applications; updated under the write lock with the applications.
    filled: int = Field(default=0)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProjectTag(SQLModel, table=True):
    __tablename__ = "project_tag"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class MilestoneBlueprint(SQLModel, table=True):
    """An expected milestone of a project, due in a given week of it."""

    __tablename__ = "milestone_blueprint"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    position: int
    title: str = Field(max_length=120)
    due_week: int


class Application(SQLModel, table=True):
    """A student's application to a project; `approved` makes it a match."""

    __table_args__ = (
        # One live application per student and project, enforced by the database too.
        sa.Index(
            "uq_application_live",
            "student_id",
            "project_id",
            unique=True,
            sqlite_where=sa.text("status IN ('submitted','waitlisted','accepted','approved')"),
            postgresql_where=sa.text("status IN ('submitted','waitlisted','accepted','approved')"),
        ),
        # (project_id, status) first; the timestamps let the dashboard read only the index.
        sa.Index(
            "ix_application_project_timeline",
            "project_id",
            "status",
            "accepted_at",
            "approved_at",
            "created_at",
            "updated_at",
        ),
        sa.Index("ix_application_student_status", "student_id", "status"),
        sa.Index("ix_application_status_updated", "status", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    student_id: int = Field(foreign_key="app_user.id")
    status: ApplicationStatus = Field(
        default=ApplicationStatus.SUBMITTED, sa_type=enum_type(ApplicationStatus)
    )
    statement: str = Field(max_length=2000)
    screening_answer: str | None = Field(default=None, max_length=2000)
    mentor_note: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: int | None = Field(default=None, foreign_key="app_user.id")


# ---------------------------------------------------------------------------- mentors


class PersonProfile(SQLModel, table=True):
    """What a person tells others about themselves: a mentor to students, a student to the
    mentors of projects they apply to. One row per person who wrote one."""

    __tablename__ = "person_profile"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    # "Data engineer at Acme, class of 2014"
    headline: str = Field(default="", max_length=120)
    bio: str = Field(default="", max_length=1000)
    # Up to three https URLs, one per line (validated by core.mentors.profiles).
    links: str = Field(default="", max_length=1000)
    # A mentor may keep out of the mentor directory; their projects still name them.
    hidden: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class MentorExpertise(SQLModel, table=True):
    """A tag of the shared vocabulary a mentor offers expertise in."""

    __tablename__ = "mentor_expertise"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class MentorFollow(SQLModel, table=True):
    """A student asked to hear when this mentor publishes a project."""

    __tablename__ = "mentor_follow"

    student_id: int = Field(foreign_key="app_user.id", primary_key=True)
    mentor_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class ProjectQuestion(SQLModel, table=True):
    """A student's question about an open project, and the mentor's answer."""

    __tablename__ = "project_question"
    __table_args__ = (
        sa.Index("ix_project_question_project", "project_id", "answered_at"),
        sa.Index("ix_project_question_asker", "asker_id", "project_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    asker_id: int = Field(foreign_key="app_user.id")
    text: str = Field(max_length=500)
    asked_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    answer: str | None = Field(default=None, max_length=2000)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    # Published on the project page (question and answer, never the asker) or kept private.
    public: bool = Field(default=False)


# ---------------------------------------------------------------------------- program terms


class ProgramTerm(SQLModel, table=True):
    """A named period of the program ("Spring 2027"); a project belongs to the term its start
    date falls in. Terms do not overlap."""

    __tablename__ = "program_term"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    start_date: date = Field(index=True)
    end_date: date
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------- invites and resets


class FacultyInvite(SQLModel, table=True):
    """A single-use link an admin sends to a professor; only its SHA-256 digest is stored."""

    __tablename__ = "faculty_invite"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    email: str = Field(max_length=254, index=True)
    department: str | None = Field(default=None, max_length=80)
    program_wide: bool = Field(default=False)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, foreign_key="app_user.id")


class PasswordReset(SQLModel, table=True):
    """A single-use set-password link (admin reset or import welcome); stored as a digest."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(foreign_key="app_user.id", index=True)
    # "reset" for an admin-issued reset, "welcome" for an imported account's first password.
    purpose: str = Field(default="reset", max_length=20)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------- program figures


class KeptFigures(SQLModel, table=True):
    """One part of the program dashboard for one filter, as computed at one moment.

    Every faculty member and admin sees the same figures for a filter, so one computation
    serves every viewer and every app process until it is too old (core.program).
    """

    __tablename__ = "kept_figures"
    __table_args__ = (sa.UniqueConstraint("part", "filter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    part: str = Field(max_length=20)
    # Department, first and last start date of the filter, e.g. "Biology|2026-05-31|".
    filter_key: str = Field(max_length=120)
    computed_at: datetime = Field(sa_type=UTCDateTime)
    figures: str  # JSON, read back by the part's own type
