"""The private thread of a match: send, read marks, unread badges, the list of matches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from core.models import MATCH_STATUSES, Application, Project, User
from core.models import ApplicationStatus as S
from core.platform import audit
from core.platform.notifications import ACTOR, notify, unread_count_statement
from core.platform.permissions import ensure_active
from core.workspace.guards import _ensure_open, _match, _text
from core.workspace.models import MESSAGE_MAX, MatchMessage, MessageRead
from core.workspace.rules import match_link


def _mark_read(session: Session, application_id: int, user_id: int, last_id: int) -> None:
    """Raise the user's read mark on a thread to `last_id` (never lowers it)."""
    found = session.get(MessageRead, (application_id, user_id))
    if found is None:
        session.add(
            MessageRead(application_id=application_id, user_id=user_id, last_read_id=last_id)
        )
        session.flush()
    elif found.last_read_id < last_id:
        found.last_read_id = last_id
        session.add(found)


def send_message(session: Session, *, actor: User, application_id: int, body: str) -> MatchMessage:
    """Post a plain-text message to the match's thread."""
    action = "match_message.send"
    match = _match(session, actor, application_id, action=action, lock=True)
    _ensure_open(match, "messages can be sent")
    text = _text(body, "message", MESSAGE_MAX)
    row = MatchMessage(application_id=match.id, sender_id=actor.id or 0, body=text)
    session.add(row)
    session.flush()
    _mark_read(session, match.id, actor.id or 0, row.id or 0)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="match_message",
        entity_id=row.id,
        after={"application_id": match.id, "length": len(text)},
    )
    notify(
        session,
        user_id=match.other(actor),
        kind="workspace.message",
        text=f"New message from {actor.display_name} about “{match.project.title}”.",
        link=match_link(match.id),
    )
    return row


def mark_thread_read(
    session: Session, *, actor: User, application_id: int, up_to: int | None = None
) -> int:
    """Mark the match's thread read up to message `up_to` (default: the newest); return the mark.

    A screen passes the id of the last message it showed, so a message that arrived after the
    thread was read stays unread.
    """
    # Locked like any write: two tabs must not insert the same read mark twice.
    match = _match(session, actor, application_id, action="match_message.read", lock=True)
    newest = session.exec(
        select(func.max(MatchMessage.id)).where(MatchMessage.application_id == match.id)
    ).one()
    last = int(newest or 0) if up_to is None else min(int(up_to), int(newest or 0))
    if last > 0:
        _mark_read(session, match.id, actor.id or 0, last)
    found = session.get(MessageRead, (match.id, actor.id or 0))
    return found.last_read_id if found is not None else 0


# The unread counts run on every rerun of every screen (the menu badges). Their statements are
# built once with the actor as a parameter (ACTOR): building one costs about a millisecond,
# more than running it.


@cache
def _unread_messages() -> sa.Subquery:
    """Select (match, message) rows of the actor's matches they have not read yet."""
    actor = sa.bindparam(ACTOR, type_=sa.Integer)
    read = aliased(MessageRead)
    return (
        sa.select(col(MatchMessage.application_id))
        .join(Application, col(Application.id) == col(MatchMessage.application_id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .outerjoin(
            read,
            sa.and_(
                col(read.application_id) == col(MatchMessage.application_id),
                col(read.user_id) == actor,
            ),
        )
        .where(
            sa.or_(col(Application.student_id) == actor, col(Project.owner_id) == actor),
            col(Application.status).in_(MATCH_STATUSES),
            col(MatchMessage.sender_id) != actor,
            col(MatchMessage.id) > func.coalesce(col(read.last_read_id), 0),
        )
        .subquery()
    )


@cache
def _unread_per_match() -> sa.Select[Any]:
    unread = _unread_messages()
    return sa.select(unread.c.application_id, func.count()).group_by(unread.c.application_id)


@cache
def _badges() -> sa.Select[Any]:
    notes = unread_count_statement().scalar_subquery()
    messages = sa.select(func.count()).select_from(_unread_messages()).scalar_subquery()
    return sa.select(notes, messages)


def unread_counts(session: Session, *, actor: User) -> dict[int, int]:
    """Return unread messages per match of the actor (matches with none are left out)."""
    rows = session.execute(_unread_per_match(), {ACTOR: actor.id}).all()
    return {int(application_id): int(count) for application_id, count in rows}


def unread_badges(session: Session, *, actor: User) -> tuple[int, int]:
    """Return the actor's unread notifications and unread messages, in one statement."""
    row = session.execute(_badges(), {ACTOR: actor.id}).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class MatchSummary:
    """One line of the actor's match list."""

    application_id: int
    project_title: str
    other_name: str
    is_student: bool
    status: S
    start_date: date
    end_date: date
    unread: int


def my_matches(session: Session, *, actor: User) -> list[MatchSummary]:
    """Return the actor's matches (running first, then finished), with unread messages."""
    ensure_active(actor, action="match.list", entity="match", entity_id=None)
    unread = unread_counts(session, actor=actor)
    matches = actor_matches(session, actor)
    matches.sort(
        key=lambda m: (m.application.status is not S.APPROVED, -m.project.end_date.toordinal())
    )
    return [
        MatchSummary(
            application_id=m.application.id or 0,
            project_title=m.project.title,
            other_name=m.other_name,
            is_student=m.application.student_id == actor.id,
            status=m.application.status,
            start_date=m.project.start_date,
            end_date=m.project.end_date,
            unread=unread.get(m.application.id or 0, 0),
        )
        for m in matches
    ]


@dataclass(frozen=True)
class ActorMatch:
    application: Application
    project: Project
    other_name: str

    @property
    def label(self) -> str:
        return f"{self.project.title}, with {self.other_name}"


def actor_matches(session: Session, actor: User) -> list[ActorMatch]:
    """Return every match the actor is a party of, with the other party's name."""
    student, mentor = aliased(User), aliased(User)
    matched = col(Application.status).in_(MATCH_STATUSES)
    # The actor's side as a student and as a mentor, each found through its own index: one OR
    # over the two joined tables made PostgreSQL read every match of the program.
    mine = sa.union(
        sa.select(col(Application.id)).where(col(Application.student_id) == actor.id, matched),
        sa.select(col(Application.id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(col(Project.owner_id) == actor.id, matched),
    ).subquery()
    rows = session.execute(
        sa.select(Application, Project, col(student.display_name), col(mentor.display_name))
        .join(Project, col(Project.id) == col(Application.project_id))
        .join(student, col(student.id) == col(Application.student_id))
        .join(mentor, col(mentor.id) == col(Project.owner_id))
        .where(col(Application.id).in_(sa.select(mine.c.id)))
        .order_by(col(Project.start_date), col(Application.id))
    ).all()
    return [
        ActorMatch(a, p, mentor_name if a.student_id == actor.id else student_name)
        for a, p, student_name, mentor_name in rows
    ]
