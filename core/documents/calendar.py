"""The calendar feed (.ics) of a user's matches and live projects."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
from sqlmodel import Session, col, select

from core.models import LIVE_PROJECT_STATUSES, Project, User
from core.models import ApplicationStatus as S
from core.platform.permissions import ensure_active
from core.platform.types import utcnow
from core.workspace.messages import actor_matches
from core.workspace.models import MatchMilestone, MatchSession

# Where a project window belongs in a calendar: matches that ran or run to their end, and a
# mentor's projects that are live (taking or holding students).
CALENDAR_MATCH_STATUSES = (S.APPROVED, S.COMPLETED)


def calendar_ics(session: Session, *, actor: User) -> bytes:
    """Return an RFC 5545 calendar of the actor's project windows, milestone dues and sessions.

    Windows: the actor's approved and completed matches and, for a mentor, each of their live
    projects or projects with such a match (once per project). Milestones: those of approved
    and completed matches. Sessions: every logged session of the actor's matches, ended early
    ones included (they were held).
    """
    ensure_active(actor, action="match.calendar", entity="match", entity_id=None)
    matches = actor_matches(session, actor)
    by_id = {m.application.id: m for m in matches}
    running = [i for i, m in by_id.items() if m.application.status in CALENDAR_MATCH_STATUSES]
    own_projects = session.exec(
        select(Project)
        .where(Project.owner_id == actor.id, col(Project.status).in_(LIVE_PROJECT_STATUSES))
        .order_by(col(Project.start_date), col(Project.id))
    ).all()
    milestones = (
        session.exec(
            select(MatchMilestone)
            .where(col(MatchMilestone.application_id).in_(running))
            .order_by(col(MatchMilestone.application_id), col(MatchMilestone.position))
        ).all()
        if running
        else []
    )
    sessions = (
        session.exec(
            select(MatchSession)
            .where(col(MatchSession.application_id).in_(list(by_id)))
            .order_by(col(MatchSession.held_on), col(MatchSession.id))
        ).all()
        if by_id
        else []
    )
    stamp = utcnow()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Micro-mentoring portal//workspace//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Micro-mentoring")

    def event(uid: str, summary: str, start: date, end: date) -> None:
        item = icalendar.Event()
        item.add("uid", f"{uid}@micro-mentoring")
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        item.add("dtstart", start)
        item.add("dtend", end + timedelta(days=1))  # all-day events: DTEND is exclusive
        calendar.add_component(item)

    windows: dict[str, Project] = {}
    for project in own_projects:
        windows[f"project-{project.id}"] = project
    for m in matches:
        if m.application.status not in CALENDAR_MATCH_STATUSES:
            continue
        if m.project.owner_id == actor.id:
            windows.setdefault(f"project-{m.project.id}", m.project)
        else:
            windows[f"match-{m.application.id}"] = m.project
    for uid, project in sorted(windows.items(), key=lambda kv: (kv[1].start_date, kv[0])):
        event(uid, f"Project: {project.title}", project.start_date, project.end_date)
    for milestone in milestones:
        event(
            f"milestone-{milestone.id}",
            f"Milestone due: {milestone.title} ({by_id[milestone.application_id].label})",
            milestone.due_date,
            milestone.due_date,
        )
    for row in sessions:
        event(
            f"session-{row.id}",
            f"Session ({row.minutes} min): {by_id[row.application_id].label}",
            row.held_on,
            row.held_on,
        )
    return calendar.to_ical()
