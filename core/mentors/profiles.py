"""What people tell others about themselves, and what the portal knows about mentors.

A mentor's profile (headline, bio, expertise, links and the portal's own figures) is open to
every signed-in user: students choose a mentor as much as a project. A student's headline, bio
and links are shown only to the mentors of projects they apply to, through the applicants'
read model, which hides the name and links under blind review until a match is approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func

from core.mentors.follows import is_following
from core.mentors.listing import is_listed_mentor
from core.models import (
    Application,
    ApplicationStatus,
    PersonProfile,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform import audit
from core.platform.errors import NotFound, ValidationFailed
from core.platform.locks import lock_user
from core.platform.permissions import ensure_active, ensure_self_or_admin, is_admin
from core.platform.text import character_problem, field_problem, normalise_text
from core.platform.types import utcnow
from core.projects.questions import answered_question_counts
from core.projects.tags import (
    interests_problem,
    mentor_expertise,
    normalise_tags,
    replace_expertise,
)
from core.workspace.models import MatchFeedback, MatchSession

HEADLINE_MAX = 120
BIO_MAX = 1000
MAX_LINKS = 3
LINK_MAX = 200
MAX_EXPERTISE = 10
# An average of one or two ratings would be one student's opinion under another name.
MIN_RATINGS = 3
OPEN_PROJECTS_SHOWN = 20


@dataclass(frozen=True)
class About:
    """What a person wrote about themselves (empty strings when they wrote nothing)."""

    headline: str = ""
    bio: str = ""
    links: tuple[str, ...] = ()
    hidden: bool = False


@dataclass(frozen=True)
class OpenProject:
    id: int
    title: str
    deadline: date


@dataclass(frozen=True)
class MentorFacts:
    """What the portal itself knows about a mentor's record."""

    projects_run: int
    matches_completed: int
    sessions_logged: int
    questions_answered: int
    # None until at least MIN_RATINGS students have rated their matches with this mentor.
    average_rating: float | None
    ratings: int


@dataclass(frozen=True)
class MentorPage:
    """A mentor's profile as any signed-in user reads it (never the e-mail address)."""

    mentor_id: int
    display_name: str
    role: Role
    department: str | None
    graduation_year: int | None
    about: About
    expertise: tuple[str, ...]
    facts: MentorFacts
    open_projects: tuple[OpenProject, ...]
    following: bool


# ---------------------------------------------------------------------------- validation


def link_problem(url: object) -> str | None:
    """Return why `url` cannot be a profile link, or None for a plain https address."""
    if not isinstance(url, str):
        return "each link must be text"
    text = url.strip()
    problem = character_problem(text)
    if problem or any(char.isspace() for char in text):
        return "a link must be one address without spaces"
    if len(text) > LINK_MAX:
        return f"a link must be at most {LINK_MAX} characters"
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return f"“{text[:60]}” is not a web address"
    host = parts.hostname or ""
    if parts.scheme != "https":
        return f"“{text[:60]}” must start with https://"
    if parts.username is not None or parts.password is not None:
        return "a link must not carry a user name or password"
    labels = host.split(".")
    if len(labels) < 2 or not all(labels) or not all(_is_label(label) for label in labels):
        return f"“{text[:60]}” does not name a web site"
    if port is not None and not 0 < port < 65536:
        return f"“{text[:60]}” has an impossible port"
    return None


def _is_label(label: str) -> bool:
    return (
        len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(char.isalnum() or char == "-" for char in label)
    )


def links_problem(links: object) -> str | None:
    """Return what is wrong with a list of profile links, or None."""
    if not isinstance(links, list | tuple):
        return "must be a list of links"
    present = [link for link in links if not (isinstance(link, str) and not link.strip())]
    if len(present) > MAX_LINKS:
        return f"give at most {MAX_LINKS} links"
    for link in present:
        problem = link_problem(link)
        if problem:
            return problem
    return None


def _about_problems(
    role: Role, *, headline: object, bio: object, links: object, expertise: object
) -> dict[str, str]:
    problems: dict[str, str] = {}
    for field, value, limit, multiline in (
        ("headline", headline, HEADLINE_MAX, False),
        ("bio", bio, BIO_MAX, True),
    ):
        problem = field_problem(value, max_length=limit, min_length=0, multiline=multiline)
        if problem:
            problems[field] = problem
    problem = links_problem(links)
    if problem:
        problems["links"] = problem
    problem = interests_problem(expertise)
    if problem is None and isinstance(expertise, list | tuple):
        if expertise and not role.is_mentor:
            problem = "only mentors list expertise"
        elif len(normalise_tags(expertise)) > MAX_EXPERTISE:
            problem = f"choose at most {MAX_EXPERTISE} expertise tags"
    if problem:
        problems["expertise"] = problem
    return problems


# ---------------------------------------------------------------------------- reading


def about_of(row: PersonProfile | None, *, with_links: bool = True) -> About:
    """Return what a profile row says (links left out when they would name the person)."""
    if row is None:
        return About()
    links = tuple(filter(None, row.links.split("\n"))) if with_links else ()
    return About(row.headline, row.bio, links, row.hidden)


def my_about(session: Session, *, actor: User) -> tuple[About, tuple[str, ...]]:
    """Return what the actor wrote about themselves and their expertise tags."""
    ensure_active(actor, action="profile.about", entity="user", entity_id=actor.id)
    assert actor.id is not None
    about = about_of(session.get(PersonProfile, actor.id))
    return about, tuple(mentor_expertise(session, [actor.id])[actor.id])


def mentor_facts(session: Session, mentor_id: int) -> MentorFacts:
    """Return a mentor's record as the portal counts it (a fixed number of statements)."""
    projects_run = session.execute(
        sa_select(func.count())
        .select_from(Project)
        .where(
            col(Project.owner_id) == mentor_id,
            col(Project.status).in_(
                (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.CLOSED)
            ),
        )
    ).scalar_one()
    own_matches = (
        sa_select(col(Application.id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(col(Project.owner_id) == mentor_id)
    )
    completed = session.execute(
        sa_select(func.count())
        .select_from(Application)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(
            col(Project.owner_id) == mentor_id,
            col(Application.status) == ApplicationStatus.COMPLETED,
        )
    ).scalar_one()
    sessions = session.execute(
        sa_select(func.count())
        .select_from(MatchSession)
        .where(
            col(MatchSession.application_id).in_(own_matches),
            col(MatchSession.confirmed_at).is_not(None),
        )
    ).scalar_one()
    # Ratings of this mentor are the ones the other party (the student) gave.
    count, average = session.execute(
        sa_select(func.count(), func.avg(col(MatchFeedback.rating))).where(
            col(MatchFeedback.application_id).in_(own_matches),
            col(MatchFeedback.author_id) != mentor_id,
        )
    ).one()
    answered, _last = answered_question_counts(session, mentor_ids=[mentor_id]).get(
        mentor_id, (0, None)
    )
    ratings = int(count or 0)
    return MentorFacts(
        projects_run=int(projects_run),
        matches_completed=int(completed),
        sessions_logged=int(sessions),
        questions_answered=int(answered),
        average_rating=round(float(average), 1) if ratings >= MIN_RATINGS else None,
        ratings=ratings,
    )


def mentor_page(
    session: Session, *, actor: User, mentor_id: int, today: date | None = None
) -> MentorPage:
    """Return a mentor's profile for any signed-in user (an unlisted mentor reads as missing)."""
    action = "mentor.view"
    ensure_active(actor, action=action, entity="user", entity_id=mentor_id)
    mentor = session.get(User, mentor_id)
    # A mentor not (or no longer) vouched for is readable by themself and admins only.
    if (
        mentor is None
        or not mentor.role.is_mentor
        or not (is_listed_mentor(mentor) or actor.id == mentor_id or is_admin(actor))
    ):
        raise NotFound("That mentor does not exist.")
    today = today or date.today()
    open_rows = session.execute(
        sa_select(col(Project.id), col(Project.title), col(Project.deadline))
        .where(
            col(Project.owner_id) == mentor_id,
            col(Project.status) == ProjectStatus.OPEN,
            col(Project.deadline) >= today,
        )
        .order_by(col(Project.deadline), col(Project.id))
        .limit(OPEN_PROJECTS_SHOWN)
    ).all()
    return MentorPage(
        mentor_id=mentor_id,
        display_name=mentor.display_name,
        role=mentor.role,
        department=mentor.department,
        graduation_year=mentor.graduation_year if mentor.role is Role.ALUMNI else None,
        about=about_of(session.get(PersonProfile, mentor_id)),
        expertise=tuple(mentor_expertise(session, [mentor_id])[mentor_id]),
        facts=mentor_facts(session, mentor_id),
        open_projects=tuple(OpenProject(int(i), str(t), d) for i, t, d in open_rows),
        following=actor.role is Role.STUDENT
        and is_following(session, student_id=actor.id or 0, mentor_id=mentor_id),
    )


# ---------------------------------------------------------------------------- writing


def update_about(
    session: Session,
    *,
    actor: User,
    user_id: int,
    headline: str,
    bio: str,
    links: Sequence[str],
    expertise: Sequence[str] = (),
    hidden: bool = False,
) -> About:
    """Save what a person tells others about themselves (the person or an admin)."""
    action = "user.update_about"
    ensure_self_or_admin(actor, user_id, action=action, what="profile")
    user = lock_user(session, user_id)
    problems = _about_problems(
        user.role, headline=headline, bio=bio, links=list(links), expertise=list(expertise)
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    row = session.get(PersonProfile, user_id)
    before_about = about_of(row)
    before_expertise = mentor_expertise(session, [user_id])[user_id]
    new_links = tuple(link.strip() for link in links if link.strip())
    about = About(
        normalise_text(headline or ""),
        normalise_text(bio or "", multiline=True),
        new_links,
        bool(hidden) and user.role.is_mentor,
    )
    after_expertise = replace_expertise(session, user_id, list(expertise))
    if about == before_about and after_expertise == before_expertise:
        return about
    if row is None:
        row = PersonProfile(user_id=user_id)
    row.headline, row.bio, row.links, row.hidden = (
        about.headline,
        about.bio,
        "\n".join(about.links),
        about.hidden,
    )
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    was, now = audit.changed_fields(
        {**asdict(before_about), "expertise": before_expertise},
        {**asdict(about), "expertise": after_expertise},
    )
    audit.record(
        session, actor=actor, action=action, entity="user", entity_id=user_id, before=was, after=now
    )
    return about
