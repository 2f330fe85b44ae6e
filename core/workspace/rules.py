"""Pure rules of a match workspace: due dates, overdue, at risk, when feedback shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.models import Application, Project
from core.models import ApplicationStatus as S
from core.workspace.models import MilestoneStatus

CLOSED_STATUSES = (S.COMPLETED, S.ENDED_EARLY)
AT_RISK_DAYS = 21
FEEDBACK_REVEAL_DAYS = 14
AT_RISK_KIND = "workspace.at_risk"


def match_link(application_id: int) -> str:
    """Return the notification link to a match's workspace."""
    return f"match:{application_id}"


def milestone_due(project: Project, due_week: int) -> date:
    """Return the due date of a blueprint week: the last day of that week, within the project."""
    due = project.start_date + timedelta(days=7 * due_week - 1)
    return max(project.start_date, min(due, project.end_date))


def is_overdue(status: MilestoneStatus, due_date: date, today: date) -> bool:
    """Return whether a milestone is past its due date and not yet verified."""
    return status is not MilestoneStatus.VERIFIED and due_date < today


def last_session_day(today: date) -> date:
    """Return the latest day a session may be logged for: tomorrow (a meeting set for the
    morning may be logged the evening before)."""
    return today + timedelta(days=1)


def can_log_session(status: S, start_date: date, today: date) -> bool:
    """Return whether a session may be logged on a match now (running, started by tomorrow)."""
    return status is S.APPROVED and start_date <= last_session_day(today)


def session_rights(
    viewer_id: int | None, status: S, author_id: int, confirmed: bool
) -> tuple[bool, bool]:
    """Return (may confirm, may edit or delete) a session, as the session services decide.

    A running match's unconfirmed session is confirmed by the other party and changed only by
    its author; the viewer is one of the match's two parties.
    """
    open_ = status is S.APPROVED and not confirmed
    return open_ and viewer_id != author_id, open_ and viewer_id == author_id


def milestone_rights(
    viewer_id: int | None, status: S, student_id: int, mentor_id: int, milestone: MilestoneStatus
) -> tuple[bool, bool, bool]:
    """Return (may mark done, may verify, may reopen) a milestone, as the services decide.

    While the match runs, the student marks a milestone to do as done; the mentor verifies a
    done one and reopens a done or verified one.
    """
    if status is not S.APPROVED:
        return False, False, False
    student, mentor = viewer_id == student_id, viewer_id == mentor_id
    return (
        student and milestone is MilestoneStatus.TODO,
        mentor and milestone is MilestoneStatus.DONE,
        mentor and milestone is not MilestoneStatus.TODO,
    )


def at_risk_since(start_date: date, approved_on: date, last_session_on: date | None) -> date:
    """Return the day from which a match's silence is counted (its latest sign of life)."""
    return max([start_date, approved_on, *([last_session_on] if last_session_on else [])])


def is_at_risk(since: date, today: date, days: int = AT_RISK_DAYS) -> bool:
    """A match is at risk when no session was held in the `days` days up to today."""
    return since <= today - timedelta(days=days)


def feedback_reveal_at(ended_at: datetime) -> datetime:
    """Return when a closed match's feedback is shown to both parties regardless."""
    return ended_at + timedelta(days=FEEDBACK_REVEAL_DAYS)


def is_feedback_revealed(
    *, mine_given: bool, theirs_given: bool, ended_at: datetime | None, now: datetime
) -> bool:
    """Return whether the other party's feedback may be shown: both gave it, or 14 days passed."""
    if ended_at is None:  # the match is still running
        return False
    return (mine_given and theirs_given) or now >= feedback_reveal_at(ended_at)


def _ended_at(application: Application) -> datetime | None:
    return application.updated_at if application.status in CLOSED_STATUSES else None


def _approved_on(application: Application) -> date:
    moment = application.approved_at or application.updated_at
    return moment.astimezone(UTC).date()
