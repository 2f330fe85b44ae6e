"""What the workspace screens are given: milestones, sessions, feedback, at-risk rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.models import ApplicationStatus as S
from core.workspace.models import MatchFeedback, MilestoneStatus


@dataclass(frozen=True)
class MilestoneView:
    id: int
    position: int
    title: str
    due_date: date
    status: MilestoneStatus
    done_at: datetime | None
    verified_at: datetime | None
    note: str | None
    overdue: bool
    # What the viewer may do with it now (the services' own rules, see can_move_milestone).
    can_mark_done: bool = False
    can_verify: bool = False
    can_reopen: bool = False


@dataclass(frozen=True)
class SessionView:
    id: int
    author_id: int
    author_name: str
    held_on: date
    minutes: int
    summary: str
    confirmed_at: datetime | None
    # The viewer may confirm it (the other party), or edit and delete it (its author).
    can_confirm: bool = False
    can_change: bool = False

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class WorkspaceView:
    application_id: int
    status: S
    project_id: int
    project_title: str
    start_date: date
    end_date: date
    student_id: int
    student_name: str
    student_email: str
    mentor_id: int
    mentor_name: str
    mentor_email: str
    hours_planned: float
    hours_logged: float
    milestones: list[MilestoneView]
    sessions: list[SessionView]
    progress: float
    at_risk: bool
    last_session_on: date | None
    # Whether the viewer may log a session now, and the dates one may be held on.
    can_log_session: bool = False
    log_from: date | None = None
    log_until: date | None = None


@dataclass(frozen=True)
class FeedbackView:
    """The actor's own feedback and, once revealed, the other party's."""

    mine: MatchFeedback | None
    theirs: MatchFeedback | None
    other_has_given: bool
    revealed: bool
    reveal_on: date | None


@dataclass(frozen=True)
class AtRiskMatch:
    application_id: int
    project_id: int
    project_title: str
    student_id: int
    mentor_id: int
    last_session_on: date | None
    since: date
