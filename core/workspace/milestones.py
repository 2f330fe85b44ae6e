"""Milestones: marked done by the student, verified or reopened by the mentor."""

from __future__ import annotations

from sqlmodel import Session

from core.models import User
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound
from core.platform.notifications import notify
from core.platform.types import utcnow
from core.workspace.guards import (
    _ensure_mentor,
    _ensure_open,
    _ensure_student,
    _Match,
    _match,
    _row_or_404,
    _text,
)
from core.workspace.models import NOTE_MAX, MatchMilestone, MilestoneStatus
from core.workspace.rules import match_link


def _milestone_and_match(
    session: Session, actor: User, milestone_id: int, *, action: str
) -> tuple[MatchMilestone, _Match]:
    row = session.get(MatchMilestone, milestone_id)
    if row is None:
        raise NotFound("That milestone does not exist.")
    match = _match(session, actor, row.application_id, action=action, lock=True)
    row = _row_or_404(session, MatchMilestone, milestone_id, "milestone", lock=True)
    return row, match


def _move_milestone(
    session: Session,
    actor: User,
    row: MatchMilestone,
    to: MilestoneStatus,
    *,
    action: str,
    note: str | None = None,
) -> None:
    before = row.status
    row.status = to
    now = utcnow()
    if to is MilestoneStatus.DONE:
        row.done_at = now
    elif to is MilestoneStatus.VERIFIED:
        row.verified_at = now
    else:
        row.done_at = row.verified_at = None
    if note is not None:
        row.note = note
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_milestone",
        entity_id=row.id,
        before={"status": before.value},
        after={"status": to.value},
        detail=note,
    )


def mark_milestone_done(session: Session, *, actor: User, milestone_id: int) -> MatchMilestone:
    """The student marks a milestone done, for the mentor to verify."""
    action = "match_milestone.done"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_student(actor, match, action=action, what="mark milestones done")
    _ensure_open(match, "milestones can be marked")
    if row.status is not MilestoneStatus.TODO:
        raise InvalidTransition(f"This milestone is already {row.status.value}.")
    _move_milestone(session, actor, row, MilestoneStatus.DONE, action=action)
    notify(
        session,
        user_id=match.mentor_id,
        kind="workspace.milestone_to_verify",
        text=f"{actor.display_name} marked “{row.title}” done. Please verify it.",
        link=match_link(match.id),
    )
    return row


def verify_milestone(session: Session, *, actor: User, milestone_id: int) -> MatchMilestone:
    """The mentor verifies a milestone the student marked done."""
    action = "match_milestone.verify"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_mentor(actor, match, action=action, what="verify milestones")
    _ensure_open(match, "milestones can be verified")
    if row.status is not MilestoneStatus.DONE:
        raise InvalidTransition(
            "Only a milestone the student marked done can be verified "
            f"(this one is {row.status.value})."
        )
    _move_milestone(session, actor, row, MilestoneStatus.VERIFIED, action=action)
    notify(
        session,
        user_id=match.student_id,
        kind="workspace.milestone_verified",
        text=f"{actor.display_name} verified “{row.title}”.",
        link=match_link(match.id),
    )
    return row


def reopen_milestone(
    session: Session, *, actor: User, milestone_id: int, note: str
) -> MatchMilestone:
    """The mentor sends a done or verified milestone back to the student, with a note."""
    action = "match_milestone.reopen"
    row, match = _milestone_and_match(session, actor, milestone_id, action=action)
    _ensure_mentor(actor, match, action=action, what="reopen milestones")
    _ensure_open(match, "milestones can be reopened")
    text = _text(note, "note", NOTE_MAX)
    if row.status is MilestoneStatus.TODO:
        raise InvalidTransition("This milestone is still to do; there is nothing to reopen.")
    _move_milestone(session, actor, row, MilestoneStatus.TODO, action=action, note=text)
    notify(
        session,
        user_id=match.student_id,
        kind="workspace.milestone_reopened",
        text=f"{actor.display_name} reopened “{row.title}”: {text}",
        link=match_link(match.id),
    )
    return row
