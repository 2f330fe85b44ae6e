"""Applications: the state table, who may move an application, and the services that move it.

Every move checks permission first, then the input, then the rules; it writes one audit row and
the notifications in the caller's transaction and never commits.

Row locks on PostgreSQL (SQLite holds the whole database with BEGIN IMMEDIATE) follow the order
of core.platform.locks: projects (ascending id) before users before applications."""

from core.applications.common import notification_link
from core.applications.faculty import approve, reject
from core.applications.guards import in_approval_scope
from core.applications.loads import approved_commitments, approved_matches
from core.applications.matches import complete_match, end_early
from core.applications.mentor import accept, decline, waitlist
from core.applications.reads import (
    Applicant,
    MyApplication,
    QueueEntry,
    QueueItem,
    TimelineEntry,
    application_timeline,
    approval_queue,
    approval_queue_entries,
    list_applicants,
    list_my_applications,
)
from core.applications.rules import (
    ANSWER_MAX,
    EXPIRY_DAYS,
    NO_LONGER_FITS,
    PENDING_STATUSES,
    REASON_MAX,
    STATEMENT_MAX,
    STATEMENT_MIN,
    TRANSITIONS,
    UNDECIDED_STATUSES,
    Actor,
    allowed_actors,
    can_move,
    mentor_moves,
    seats_full_refusal,
    transition_refusal,
)
from core.applications.student import apply, apply_warnings, withdraw
from core.applications.student_load import StudentWeeks, WeekItem, student_weeks
from core.applications.system import (
    expire_due_exists,
    expire_if_due,
    expire_stale,
    promote_waitlist,
)

__all__ = [
    "ANSWER_MAX",
    "Actor",
    "Applicant",
    "EXPIRY_DAYS",
    "MyApplication",
    "NO_LONGER_FITS",
    "PENDING_STATUSES",
    "QueueEntry",
    "QueueItem",
    "REASON_MAX",
    "STATEMENT_MAX",
    "STATEMENT_MIN",
    "StudentWeeks",
    "TRANSITIONS",
    "TimelineEntry",
    "UNDECIDED_STATUSES",
    "WeekItem",
    "accept",
    "allowed_actors",
    "application_timeline",
    "apply",
    "apply_warnings",
    "approval_queue",
    "approval_queue_entries",
    "approve",
    "approved_commitments",
    "approved_matches",
    "can_move",
    "complete_match",
    "decline",
    "end_early",
    "expire_due_exists",
    "expire_if_due",
    "expire_stale",
    "in_approval_scope",
    "list_applicants",
    "list_my_applications",
    "mentor_moves",
    "notification_link",
    "promote_waitlist",
    "reject",
    "seats_full_refusal",
    "student_weeks",
    "transition_refusal",
    "waitlist",
    "withdraw",
]
