"""The state table of applications: who may make which move, and how a refusal is worded."""

from __future__ import annotations

import enum

from core.models import ApplicationStatus, Project

S = ApplicationStatus

STATEMENT_MIN, STATEMENT_MAX = 50, 2000
ANSWER_MAX = 2000
REASON_MAX = 500
EXPIRY_DAYS = 14
NO_LONGER_FITS = "no longer fits weekly availability"

# Applications still waiting for a decision or holding a seat (not yet a match).
PENDING_STATUSES = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED)
# Applications that the system expires when nobody decides.
UNDECIDED_STATUSES = (S.SUBMITTED, S.WAITLISTED)


class Actor(enum.StrEnum):
    """Who makes a move, relative to the application."""

    STUDENT = "student"  # the applicant
    MENTOR = "mentor"  # the project's owner
    APPROVER = "approver"  # faculty in scope of the project's department, or an admin
    SYSTEM = "system"  # automatic moves: seat promotion, no longer fits, expiry


_A = Actor
# The application state table (docs/architecture.md): (from, to) → who may make the move;
# None is "no application".
TRANSITIONS: dict[tuple[ApplicationStatus | None, ApplicationStatus], frozenset[Actor]] = {
    (None, S.SUBMITTED): frozenset({_A.STUDENT}),
    (S.SUBMITTED, S.ACCEPTED): frozenset({_A.MENTOR}),
    (S.SUBMITTED, S.WAITLISTED): frozenset({_A.MENTOR}),
    (S.SUBMITTED, S.DECLINED): frozenset({_A.MENTOR}),
    (S.WAITLISTED, S.ACCEPTED): frozenset({_A.MENTOR, _A.SYSTEM}),
    (S.ACCEPTED, S.APPROVED): frozenset({_A.APPROVER}),
    (S.ACCEPTED, S.REJECTED): frozenset({_A.APPROVER}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.WAITLISTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({_A.STUDENT, _A.SYSTEM}),
    (S.SUBMITTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    (S.WAITLISTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    # The seat lapses when the project is cancelled or its mentor leaves the portal; a running
    # match ends with the reason when the project is cancelled.
    (S.ACCEPTED, S.EXPIRED): frozenset({_A.SYSTEM}),
    (S.APPROVED, S.COMPLETED): frozenset({_A.MENTOR}),
    (S.APPROVED, S.ENDED_EARLY): frozenset({_A.STUDENT, _A.MENTOR, _A.SYSTEM}),
}

_VERBS = {
    S.SUBMITTED: "submitted",
    S.ACCEPTED: "accepted",
    S.WAITLISTED: "waitlisted",
    S.DECLINED: "declined",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.WITHDRAWN: "withdrawn",
    S.EXPIRED: "expired",
    S.COMPLETED: "marked completed",
    S.ENDED_EARLY: "ended early",
}


def can_move(
    from_status: ApplicationStatus | None, to_status: ApplicationStatus, by: Actor | None = None
) -> bool:
    """Tell whether the state table allows the move (by `by`, when given)."""
    allowed = TRANSITIONS.get((from_status, to_status))
    if allowed is None:
        return False
    return by is None or by in allowed


def allowed_actors(
    from_status: ApplicationStatus | None, to_status: ApplicationStatus
) -> frozenset[Actor]:
    """Return who may make the move (empty when the move does not exist)."""
    return TRANSITIONS.get((from_status, to_status), frozenset())


def mentor_moves(
    status: ApplicationStatus, *, seat_free: bool, fits: bool
) -> tuple[ApplicationStatus, ...]:
    """Return the moves a mentor can make on an application now, in the order offered."""
    moves = [
        to for to in (S.ACCEPTED, S.WAITLISTED, S.DECLINED) if can_move(status, to, Actor.MENTOR)
    ]
    if S.ACCEPTED in moves and not (seat_free and fits):
        moves.remove(S.ACCEPTED)
    return tuple(moves)


def seats_full_refusal(project: Project, status: ApplicationStatus) -> str:
    """Explain a full project in words that fit the application's state."""
    taken = f"All {project.seats} seats of “{project.title}” are taken"
    if status is S.WAITLISTED:
        return f"{taken}; the application stays on the waitlist and moves up when a seat frees."
    return f"{taken}; waitlist the application instead."


def transition_refusal(from_status: ApplicationStatus, to_status: ApplicationStatus) -> str:
    """Explain why an application in `from_status` cannot go to `to_status`."""
    return (
        f"This application is {from_status.value.replace('_', ' ')}, "
        f"so it cannot be {_VERBS[to_status]}."
    )
