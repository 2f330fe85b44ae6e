"""Students who asked to hear when a mentor publishes a project."""

from __future__ import annotations

from sqlmodel import Session, col, delete, func, select

from core.mentors.listing import is_listed_mentor
from core.models import MentorFollow, Project, Role, User
from core.platform import audit
from core.platform.errors import NotFound, ValidationFailed
from core.platform.notifications import notify
from core.platform.permissions import ensure_role

_STUDENT = (Role.STUDENT,)
# Kept small: a follow is a standing request for mail, and each one costs a row per post.
FOLLOW_LIMIT = 100
POSTED_KIND = "mentor.posted"


def is_following(session: Session, *, student_id: int, mentor_id: int) -> bool:
    """Return whether the student follows the mentor."""
    return session.get(MentorFollow, (student_id, mentor_id)) is not None


def follow_mentor(session: Session, *, actor: User, mentor_id: int) -> bool:
    """Ask to be told when a listed mentor publishes; return False when already following."""
    action = "mentor.follow"
    ensure_role(actor, _STUDENT, action=action, entity="user", entity_id=mentor_id)
    mentor = session.get(User, mentor_id)
    if mentor is None or not is_listed_mentor(mentor):
        raise NotFound("That mentor does not exist.")
    assert actor.id is not None
    if is_following(session, student_id=actor.id, mentor_id=mentor_id):
        return False
    following = session.exec(
        select(func.count()).where(col(MentorFollow.student_id) == actor.id)
    ).one()
    if following >= FOLLOW_LIMIT:
        raise ValidationFailed(
            f"You follow {FOLLOW_LIMIT} mentors already; stop following one first."
        )
    session.add(MentorFollow(student_id=actor.id, mentor_id=mentor_id))
    session.flush()
    audit.record(session, actor=actor, action=action, entity="user", entity_id=mentor_id)
    return True


def unfollow_mentor(session: Session, *, actor: User, mentor_id: int) -> None:
    """Stop hearing about a mentor's new projects."""
    action = "mentor.unfollow"
    ensure_role(actor, _STUDENT, action=action, entity="user", entity_id=mentor_id)
    removed = session.exec(
        delete(MentorFollow).where(
            col(MentorFollow.student_id) == actor.id, col(MentorFollow.mentor_id) == mentor_id
        )
    )
    if removed.rowcount:
        audit.record(session, actor=actor, action=action, entity="user", entity_id=mentor_id)


def tell_followers(session: Session, project: Project, mentor: User) -> int:
    """Notify the mentor's active followers of a newly published project; return how many."""
    followers = session.exec(
        select(User.id)
        .join(MentorFollow, col(MentorFollow.student_id) == col(User.id))
        .where(col(MentorFollow.mentor_id) == mentor.id, col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).all()
    for student_id in followers:
        notify(
            session,
            user_id=student_id or 0,
            kind=POSTED_KIND,
            text=f"{mentor.display_name}, a mentor you follow, posted “{project.title}”.",
            link=f"project:{project.id}",
        )
    return len(followers)
