"""Interest tags: one shared, lower-case vocabulary for projects and people."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from core.models import MentorExpertise, ProjectTag, Tag, User, UserInterest
from core.platform import audit
from core.platform.errors import NotFound, ValidationFailed
from core.platform.notifications import notify
from core.platform.permissions import ensure_self_or_admin

TAG_PATTERN = re.compile(r"^[a-z0-9+#.-]{2,40}$")
MAX_INTERESTS = 20
_WHITESPACE = re.compile(r"\s+")


def tag_problem(name: object) -> str | None:
    """Return why `name` cannot be a tag, or None when it normalises cleanly."""
    if not isinstance(name, str):
        return "each tag must be text"
    tag = _WHITESPACE.sub("-", name.strip().lower())
    if not TAG_PATTERN.match(tag) or not any(char.isalnum() for char in tag):
        shown = name.strip()[:40]
        return (
            f"“{shown}” is not a valid tag: use 2–40 letters, digits, spaces, dashes, dots, + or #"
        )
    return None


def normalise_tag(name: str) -> str:
    """Return the canonical form of a tag name, or raise ValidationFailed."""
    problem = tag_problem(name)
    if problem:
        raise ValidationFailed.from_fields({"tags": problem})
    return _WHITESPACE.sub("-", name.strip().lower())


def normalise_tags(names: Iterable[str]) -> list[str]:
    """Normalise every name and drop repeats, keeping the first-seen order."""
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(normalise_tag(name), None)
    return list(seen)


def get_or_create_tags(session: Session, names: Iterable[str]) -> list[Tag]:
    """Return the tags for `names` (normalised, deduplicated), creating the missing ones."""
    wanted = normalise_tags(names)
    if not wanted:
        return []
    found = {tag.name: tag for tag in session.exec(select(Tag).where(col(Tag.name).in_(wanted)))}
    missing = [name for name in wanted if name not in found]
    if missing:
        # ON CONFLICT DO NOTHING: a concurrent transaction may add the same new tag.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.exec(
            insert(Tag).values([{"name": name} for name in missing]).on_conflict_do_nothing()
        )
        for tag in session.exec(select(Tag).where(col(Tag.name).in_(missing))):
            found[tag.name] = tag
    return [found[name] for name in wanted]


def list_tags(session: Session, prefix: str = "", limit: int = 50) -> list[str]:
    """Return tag names starting with `prefix` (as a person types it), alphabetically."""
    limit = max(1, min(limit, 200))
    statement = select(Tag.name).order_by(col(Tag.name)).limit(limit)
    start = _WHITESPACE.sub("-", prefix.strip().lower())[:40]
    if start:
        escaped = start.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(col(Tag.name).like(f"{escaped}%", escape="\\"))
    return list(session.exec(statement))


def user_interest_names(session: Session, user_id: int) -> list[str]:
    """Return the names of a user's interest tags, alphabetically."""
    statement = (
        select(Tag.name)
        .join(UserInterest, col(UserInterest.tag_id) == col(Tag.id))
        .where(UserInterest.user_id == user_id)
        .order_by(col(Tag.name))
    )
    return list(session.exec(statement))


def replace_interests(session: Session, user_id: int, names: Sequence[str]) -> list[str]:
    """Replace a user's interests without permission checks (callers check); return names."""
    return _replace_user_tags(session, UserInterest, user_id, names)


def _replace_user_tags(
    session: Session,
    link: type[UserInterest] | type[MentorExpertise],
    user_id: int,
    names: Sequence[str],
) -> list[str]:
    tags = get_or_create_tags(session, names)
    session.exec(delete(link).where(col(link.user_id) == user_id))
    session.add_all(link(user_id=user_id, tag_id=tag.id) for tag in tags if tag.id)
    session.flush()
    return sorted(tag.name for tag in tags)


def interests_problem(names: object) -> str | None:
    """Return what is wrong with a list of interest names, or None."""
    if not isinstance(names, list | tuple):
        return "must be a list of tags"
    for name in names:
        problem = tag_problem(name)
        if problem:
            return problem
    if len(normalise_tags(names)) > MAX_INTERESTS:
        return f"choose at most {MAX_INTERESTS} interests"
    return None


def set_user_interests(
    session: Session, *, actor: User, user_id: int, names: Sequence[str]
) -> list[str]:
    """Replace a user's interest tags (the user themself or an admin); return the names."""
    action = "user.set_interests"
    ensure_self_or_admin(actor, user_id, action=action, what="interests")
    if session.get(User, user_id) is None:
        raise NotFound("That account does not exist.")
    problem = interests_problem(names)
    if problem:
        raise ValidationFailed.from_fields({"interests": problem})
    before = user_interest_names(session, user_id)
    after = replace_interests(session, user_id, names)
    if before != after:
        audit.record(
            session,
            actor=actor,
            action=action,
            entity="user",
            entity_id=user_id,
            before={"interests": before},
            after={"interests": after},
        )
        if actor.id != user_id:
            notify(
                session,
                user_id=user_id,
                kind="profile.changed",
                text="An administrator changed your interests.",
            )
    return after


def _tag_names(
    session: Session, link: Any, owner_id: Any, ids: Iterable[int]
) -> dict[int, list[str]]:
    """Return the tag names linked to each owner id in one query (every id present)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[int, list[str]] = {owner: [] for owner in wanted}
    if not wanted:
        return found
    statement = (
        select(owner_id, Tag.name)
        .join(Tag, col(Tag.id) == col(link.tag_id))
        .where(owner_id.in_(wanted))
        .order_by(owner_id, col(Tag.name))
    )
    for owner, name in session.exec(statement):
        found[owner].append(name)
    return found


def project_tags(session: Session, project_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the tag names of several projects in one query (every id present)."""
    return _tag_names(session, ProjectTag, col(ProjectTag.project_id), project_ids)


def user_interests(session: Session, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the interest tag names of several users in one query (every id present)."""
    return _tag_names(session, UserInterest, col(UserInterest.user_id), user_ids)


def mentor_expertise(session: Session, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the expertise tag names of several mentors in one query (every id present)."""
    return _tag_names(session, MentorExpertise, col(MentorExpertise.user_id), user_ids)


def replace_expertise(session: Session, user_id: int, names: Sequence[str]) -> list[str]:
    """Replace a mentor's expertise tags without permission checks (callers check)."""
    return _replace_user_tags(session, MentorExpertise, user_id, names)
