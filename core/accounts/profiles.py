"""Profiles: name, department, weekly hours, blind review, interests and time zone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from enum import Enum

from sqlmodel import Session

from core.applications.loads import approved_commitments
from core.commitment import Commitment, Overrun, first_overrun, week_start, weekly_load
from core.models import Role, User
from core.platform import audit
from core.platform.errors import OverBudget, OverCommitted, ValidationFailed
from core.platform.locks import lock_user
from core.platform.notifications import notify
from core.platform.permissions import deny, ensure_self_or_admin
from core.platform.text import text_problem
from core.platform.types import utcnow
from core.platform.wording import day, hours, is_time_zone
from core.projects.load import mentor_weekly_load
from core.projects.tags import interests_problem, replace_interests, user_interest_names

# Students give hours available per week; mentors (and admins) a weekly mentoring budget.
HOURS_RANGE = {
    Role.STUDENT: (1.0, 40.0),
    Role.ALUMNI: (0.5, 40.0),
    Role.FACULTY: (0.5, 40.0),
    Role.ADMIN: (0.5, 40.0),
}


def hours_problem(role: Role, weekly_hours: object) -> str | None:
    """Return what is wrong with a weekly hours value for this role, or None."""
    low, high = HOURS_RANGE[role]
    if (
        isinstance(weekly_hours, bool)
        or not isinstance(weekly_hours, int | float)
        or not math.isfinite(weekly_hours)
        or not low <= weekly_hours <= high
    ):
        what = "available hours per week" if role is Role.STUDENT else "hours per week budget"
        return f"{what} must be from {hours(low)} to {hours(high)}"
    return None


class Keep(Enum):
    """Leave a profile field as it is (a call that does not mention it)."""

    FIELD = "keep"


KEEP = Keep.FIELD


def time_zone_problem(time_zone: object) -> str | None:
    """Return what is wrong with a chosen time zone (None or "" follows the browser), or None."""
    if time_zone is None or time_zone == "":
        return None
    if not isinstance(time_zone, str) or len(time_zone) > 64 or not is_time_zone(time_zone):
        return "must be a time zone from the list, such as Europe/Berlin"
    return None


def _profile_problems(
    role: Role,
    *,
    display_name: str,
    department: str | None,
    weekly_hours: float,
    interests: Sequence[str],
    time_zone: str | None | Keep = KEEP,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if time_zone is not KEEP:
        problem = time_zone_problem(time_zone)
        if problem:
            problems["time_zone"] = problem
    if not isinstance(display_name, str):
        problems["display_name"] = "must be text"
    else:
        problem = text_problem(display_name.strip(), min_length=1, max_length=80)
        if problem:
            problems["display_name"] = problem
    if department is not None:
        if not isinstance(department, str):
            problems["department"] = "must be text"
        elif department.strip():
            problem = text_problem(department.strip(), min_length=1, max_length=80)
            if problem:
                problems["department"] = problem
    problem = hours_problem(role, weekly_hours)
    if problem:
        problems["weekly_hours"] = problem
    problem = interests_problem(interests)
    if problem:
        problems["interests"] = problem
    return problems


def budget_overrun(load: dict[date, float], new_budget: float, *, today: date) -> Overrun | None:
    """Return the first week from this week on whose mentor load exceeds `new_budget`."""
    weeks = [monday for monday in load if monday >= week_start(today)]
    if not weeks:
        return None
    existing = [Commitment(monday, monday, hours) for monday, hours in load.items()]
    span = Commitment(min(weeks), max(weeks), 0.0)
    return first_overrun(existing, span, new_budget)


def describe_budget_cut(overrun: Overrun, highest: float) -> str:
    """Explain why a mentor cannot lower their budget that far."""
    return (
        f"Week {overrun.label} (starting {day(overrun.week)}) already has "
        f"{hours(overrun.committed)} mentoring hours from your open and running projects, "
        f"over the new budget of {hours(overrun.limit)}. Choose at least {hours(highest)} "
        "hours, or close or cancel a project first."
    )


def describe_availability_cut(overrun: Overrun, highest: float) -> str:
    """Explain why a student cannot lower their available hours that far."""
    return (
        f"Week {overrun.label} (starting {day(overrun.week)}) already has "
        f"{hours(overrun.committed)} hours of approved matches, over the new "
        f"{hours(overrun.limit)} available hours per week. Choose at least {hours(highest)} "
        "hours, or end a match first."
    )


def _ensure_matches_fit(session: Session, student: User, new_hours: float, today: date) -> None:
    """Refuse available hours below what the student's approved matches already take."""
    # The student's row is locked (by update_profile), as approvals lock it: no match can be
    # approved between this check and the commit.
    assert student.id is not None
    load = weekly_load(approved_commitments(session, [student.id])[student.id])
    overrun = budget_overrun(load, new_hours, today=today)
    if overrun is not None:
        highest = max(taken for monday, taken in load.items() if monday >= week_start(today))
        raise OverCommitted(describe_availability_cut(overrun, highest))


def update_profile(
    session: Session,
    *,
    actor: User,
    user_id: int,
    display_name: str,
    department: str | None,
    weekly_hours: float,
    blind_review: bool,
    interests: Sequence[str],
    time_zone: str | None | Keep = KEEP,
    today: date | None = None,
) -> User:
    """Update a profile (the user themself or an admin); a mentor's budget must cover their load.

    `time_zone` is an IANA name, or None (or "") to show times in the browser's zone; left out,
    the stored choice stays.
    """
    action = "user.update_profile"
    ensure_self_or_admin(actor, user_id, action=action, what="profile")
    user = lock_user(session, user_id)
    problems = _profile_problems(
        user.role,
        display_name=display_name,
        department=department,
        weekly_hours=weekly_hours,
        interests=interests,
        time_zone=time_zone,
    )
    if problems:
        raise ValidationFailed.from_fields(problems)
    new_department = (department or "").strip() or None
    if user.role is Role.FACULTY and new_department != user.department:
        raise deny(
            actor,
            "A faculty member's department decides which matches they approve and export, so "
            "only an administrator can change it (Admin · Users · Department).",
            action="user.change_department",
            entity="user",
            entity_id=user_id,
        )
    new_hours = float(weekly_hours)
    if user.role.is_mentor and new_hours < user.weekly_hours:
        today = today or date.today()
        assert user.id is not None
        load = mentor_weekly_load(session, mentor_id=user.id)
        overrun = budget_overrun(load, new_hours, today=today)
        if overrun is not None:
            highest = max(hours for monday, hours in load.items() if monday >= week_start(today))
            raise OverBudget(describe_budget_cut(overrun, highest))
    if user.role is Role.STUDENT and new_hours < user.weekly_hours:
        _ensure_matches_fit(session, user, new_hours, today or date.today())
    before = {
        "display_name": user.display_name,
        "department": user.department,
        "weekly_hours": user.weekly_hours,
        "blind_review": user.blind_review,
        "interests": user_interest_names(session, user_id),
        "time_zone": user.time_zone,
    }
    user.display_name = display_name.strip()
    user.department = new_department
    user.weekly_hours = new_hours
    user.blind_review = bool(blind_review)
    if time_zone is not KEEP:
        user.time_zone = time_zone or None
    interest_names = replace_interests(session, user_id, interests)
    after = {
        "display_name": user.display_name,
        "department": user.department,
        "weekly_hours": user.weekly_hours,
        "blind_review": user.blind_review,
        "interests": interest_names,
        "time_zone": user.time_zone,
    }
    was, now = audit.changed_fields(before, after)
    if not was:
        return user
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(
        session, actor=actor, action=action, entity="user", entity_id=user_id, before=was, after=now
    )
    if actor.id != user_id:
        notify(
            session,
            user_id=user_id,
            kind="profile.changed",
            text="An administrator changed your profile.",
        )
    return user
