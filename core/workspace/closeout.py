"""Closing a match: feedback both ways (revealed together) and the self-efficacy survey."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, select

from core.models import ApplicationStatus as S
from core.models import User
from core.platform import audit
from core.platform.errors import InvalidTransition, ValidationFailed
from core.platform.notifications import notify
from core.platform.text import field_problem, normalise_text
from core.platform.types import utcnow
from core.workspace.guards import _ensure_student, _is_int, _Match, _match
from core.workspace.models import (
    COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    SELF_EFFICACY_ITEMS,
    MatchFeedback,
    SelfEfficacy,
    SelfEfficacyPhase,
)
from core.workspace.rules import (
    CLOSED_STATUSES,
    _ended_at,
    feedback_reveal_at,
    is_feedback_revealed,
    match_link,
)
from core.workspace.views import FeedbackView


def give_feedback(
    session: Session, *, actor: User, application_id: int, rating: int, comment: str
) -> MatchFeedback:
    """Give the once-only close-out rating (1–5) and comment of a finished match."""
    action = "match_feedback.give"
    match = _match(session, actor, application_id, action=action, lock=True)
    if match.application.status not in CLOSED_STATUSES:
        raise InvalidTransition("Feedback opens once the match is completed or ended early.")
    problems: dict[str, str] = {}
    if not _is_int(rating) or not RATING_MIN <= rating <= RATING_MAX:
        problems["rating"] = f"must be a whole number from {RATING_MIN} to {RATING_MAX}"
    problem = field_problem(comment, max_length=COMMENT_MAX, multiline=True)
    if problem:
        problems["comment"] = problem
    text = normalise_text(comment if isinstance(comment, str) else "", multiline=True)
    if problems:
        raise ValidationFailed.from_fields(problems)
    given = session.exec(
        select(MatchFeedback.id).where(
            MatchFeedback.application_id == match.id, MatchFeedback.author_id == actor.id
        )
    ).first()
    if given is not None:
        raise InvalidTransition("You have already given your feedback on this match.")
    row = MatchFeedback(
        application_id=match.id, author_id=actor.id or 0, rating=rating, comment=text
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_feedback",
        entity_id=row.id,
        after={"application_id": match.id, "rating": rating},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.feedback",
        text=f"{actor.display_name} left feedback on “{match.project.title}”. "
        "Leave yours to see it.",
        link=match_link(match.id),
    )
    return row


def visible_feedback(
    session: Session, *, actor: User, application_id: int, now: datetime | None = None
) -> FeedbackView:
    """Return the actor's feedback and the other party's once revealed.

    The other party's is hidden until both have given theirs or 14 days have passed since
    the match ended.
    """
    match = _match(session, actor, application_id, action="match_feedback.view")
    return _feedback_view(session, actor, match, now or utcnow())


def _feedback_view(session: Session, actor: User, match: _Match, now: datetime) -> FeedbackView:
    rows = session.exec(select(MatchFeedback).where(MatchFeedback.application_id == match.id)).all()
    mine = next((f for f in rows if f.author_id == actor.id), None)
    theirs = next((f for f in rows if f.author_id != actor.id), None)
    ended_at = _ended_at(match.application)
    revealed = is_feedback_revealed(
        mine_given=mine is not None,
        theirs_given=theirs is not None,
        ended_at=ended_at,
        now=now,
    )
    reveal_on = feedback_reveal_at(ended_at).astimezone(UTC).date() if ended_at else None
    return FeedbackView(
        mine=mine,
        theirs=theirs if revealed else None,
        other_has_given=theirs is not None,
        revealed=revealed,
        reveal_on=reveal_on,
    )


def record_self_efficacy(
    session: Session,
    *,
    actor: User,
    application_id: int,
    phase: SelfEfficacyPhase,
    scores: Sequence[int],
) -> SelfEfficacy:
    """The student answers the 5-item leadership self-efficacy scale at start or at close."""
    action = "self_efficacy.record"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_student(actor, match, action=action, what="answer the self-efficacy scale")
    phase = SelfEfficacyPhase(phase)
    status = match.application.status
    if phase is SelfEfficacyPhase.START and status is not S.APPROVED:
        raise InvalidTransition("The start questionnaire is answered while the match runs.")
    if phase is SelfEfficacyPhase.CLOSE and status not in CLOSED_STATUSES:
        raise InvalidTransition(
            "The close questionnaire opens once the match is completed or ended early."
        )
    values = list(scores)
    if len(values) != SELF_EFFICACY_ITEMS or not all(
        _is_int(v) and RATING_MIN <= v <= RATING_MAX for v in values
    ):
        raise ValidationFailed.from_fields(
            {"scores": f"answer all {SELF_EFFICACY_ITEMS} items with a number from 1 to 5"}
        )
    answered = session.exec(
        select(SelfEfficacy.id).where(
            SelfEfficacy.application_id == match.id, SelfEfficacy.phase == phase
        )
    ).first()
    if answered is not None:
        raise InvalidTransition(f"You have already answered the {phase.value} questionnaire.")
    row = SelfEfficacy(
        application_id=match.id,
        student_id=actor.id or 0,
        phase=phase,
        item1=values[0],
        item2=values[1],
        item3=values[2],
        item4=values[3],
        item5=values[4],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="self_efficacy",
        entity_id=row.id,
        after={"application_id": match.id, "phase": phase.value},
    )
    return row


def answered_self_efficacy(
    session: Session, *, actor: User, application_id: int
) -> set[SelfEfficacyPhase]:
    """Return which self-efficacy questionnaires the match's student has answered."""
    _match(session, actor, application_id, action="self_efficacy.view")
    phases = session.exec(
        select(SelfEfficacy.phase).where(SelfEfficacy.application_id == application_id)
    ).all()
    return {SelfEfficacyPhase(phase) for phase in phases}
