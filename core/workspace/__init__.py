"""The match workspace: sessions, milestones, messages, close-out feedback, calendar, passport.

A match is an application in status approved (afterwards completed or ended early). Only its
two parties — the student and the project's mentor — may see or change its workspace; everyone
else, faculty and admins included, is refused with an audited PermissionDenied (faculty and
admins see matches as figures on the program dashboard and read a student's passport, not the
private thread). Services never commit: the caller owns the transaction.

When a match ended: core.applications sets the application's updated_at when it moves it to
completed or ended early, and nothing writes the row afterwards, so updated_at of a closed match
is its end time (the 14-day feedback reveal counts from it).

Completing and ending a match early live in core.applications (complete_match, end_early).
Row locks on PostgreSQL: only the application row (then a workspace row), after any project or
user lock a caller already holds, in the order of core.platform.locks."""

from core.workspace.at_risk import (
    at_risk_matches,
    flag_at_risk,
    flag_at_risk_if_due,
    run_flag_at_risk,
)
from core.workspace.closeout import (
    answered_self_efficacy,
    give_feedback,
    record_self_efficacy,
    visible_feedback,
)
from core.workspace.messages import (
    ActorMatch,
    MatchSummary,
    actor_matches,
    mark_thread_read,
    my_matches,
    send_message,
    unread_badges,
    unread_counts,
)
from core.workspace.milestones import mark_milestone_done, reopen_milestone, verify_milestone
from core.workspace.models import (
    COMMENT_MAX,
    MESSAGE_MAX,
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    SELF_EFFICACY_ITEMS,
    SELF_EFFICACY_QUESTIONS,
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    SUMMARY_MAX,
    MatchFeedback,
    MatchMessage,
    MatchMilestone,
    MatchSession,
    MessageRead,
    MilestoneStatus,
    SelfEfficacy,
    SelfEfficacyPhase,
)
from core.workspace.overview import WorkspacePage, match_thread, open_workspace, workspace_view
from core.workspace.rules import (
    AT_RISK_DAYS,
    AT_RISK_KIND,
    CLOSED_STATUSES,
    FEEDBACK_REVEAL_DAYS,
    at_risk_since,
    can_log_session,
    feedback_reveal_at,
    is_at_risk,
    is_feedback_revealed,
    is_overdue,
    last_session_day,
    match_link,
    milestone_due,
    milestone_rights,
    session_rights,
)
from core.workspace.sessions import confirm_session, delete_session, edit_session, log_session
from core.workspace.start import start_match_workspace
from core.workspace.views import (
    AtRiskMatch,
    FeedbackView,
    MilestoneView,
    SessionView,
    WorkspaceView,
)

__all__ = [
    "session_rights",
    "milestone_rights",
    "last_session_day",
    "can_log_session",
    "AT_RISK_DAYS",
    "AT_RISK_KIND",
    "ActorMatch",
    "AtRiskMatch",
    "CLOSED_STATUSES",
    "COMMENT_MAX",
    "FEEDBACK_REVEAL_DAYS",
    "FeedbackView",
    "MESSAGE_MAX",
    "MatchFeedback",
    "MatchMessage",
    "MatchMilestone",
    "MatchSession",
    "MatchSummary",
    "MessageRead",
    "MilestoneStatus",
    "MilestoneView",
    "NOTE_MAX",
    "RATING_MAX",
    "RATING_MIN",
    "SELF_EFFICACY_ITEMS",
    "SELF_EFFICACY_QUESTIONS",
    "SESSION_MINUTES_MAX",
    "SESSION_MINUTES_MIN",
    "SUMMARY_MAX",
    "SelfEfficacy",
    "SelfEfficacyPhase",
    "SessionView",
    "WorkspacePage",
    "WorkspaceView",
    "actor_matches",
    "answered_self_efficacy",
    "at_risk_matches",
    "at_risk_since",
    "confirm_session",
    "delete_session",
    "edit_session",
    "feedback_reveal_at",
    "flag_at_risk",
    "flag_at_risk_if_due",
    "give_feedback",
    "is_at_risk",
    "is_feedback_revealed",
    "is_overdue",
    "log_session",
    "mark_milestone_done",
    "mark_thread_read",
    "match_link",
    "match_thread",
    "milestone_due",
    "my_matches",
    "open_workspace",
    "record_self_efficacy",
    "reopen_milestone",
    "run_flag_at_risk",
    "send_message",
    "start_match_workspace",
    "unread_badges",
    "unread_counts",
    "verify_milestone",
    "visible_feedback",
    "workspace_view",
]
