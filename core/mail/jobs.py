"""Jobs run from cron: the daily digest and the reminders. Both are idempotent: a second run
the same day finds everything already done (unique keys) and sends nothing more."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.mail.models import MailOutbox, OutboxStatus, ReminderSent, SavedProject
from core.mail.outbox import enqueue
from core.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    Notification,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform.db import is_sqlite, write_transaction
from core.platform.types import utcnow
from core.workspace.models import MatchFeedback, MatchMilestone, MatchSession, MilestoneStatus

S = ApplicationStatus
# Advisory locks (PostgreSQL) so two runs of a job serialise; SQLite's BEGIN IMMEDIATE does it.
_DIGEST_LOCK_KEY = 7_021_190
_REMIND_LOCK_KEY = 7_021_191
DEADLINE_DAYS = 2
MILESTONE_DAYS = 3
WAIT_DAYS = 3
# Completed matches older than this get no feedback reminder (e.g. the first run after install).
FEEDBACK_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Due:
    """A reminder to give once (its key), to one person."""

    key: str
    user_id: int
    kind: str
    text: str
    link: str | None = None
    body: str | None = None


def _serialise(session: Session, engine: Engine, key: int) -> None:
    if not is_sqlite(engine):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# ---------------------------------------------------------------------------- digest


def run_digest(engine: Engine, *, today: date | None = None) -> int:
    """Send each person one summary of what they chose to get in the digest; return how many.

    One digest per person per day (`digest:<user>:<day>`); nothing when nothing is held.
    """
    day = today or utcnow().date()
    with write_transaction(engine) as session:
        _serialise(session, engine, _DIGEST_LOCK_KEY)
        held = session.exec(
            select(MailOutbox)
            .where(col(MailOutbox.status) == OutboxStatus.HELD)
            .order_by(col(MailOutbox.user_id), col(MailOutbox.id))
        ).all()
        by_user: dict[int, list[MailOutbox]] = defaultdict(list)
        for row in held:
            by_user[row.user_id].append(row)
        keys = [f"digest:{user_id}:{day.isoformat()}" for user_id in by_user]
        done = set(
            session.exec(select(MailOutbox.dedupe_key).where(col(MailOutbox.dedupe_key).in_(keys)))
        )
        made = 0
        for user_id, rows in by_user.items():
            key = f"digest:{user_id}:{day.isoformat()}"
            if key in done:
                continue  # today's digest went out; these wait for tomorrow's
            entries = [{"kind": row.kind, "text": row.text, "link": row.link} for row in rows]
            count = len(entries)
            digest = MailOutbox(
                user_id=user_id,
                kind="digest",
                text=f"{count} update{'s' if count != 1 else ''} since your last summary",
                body=json.dumps(entries),
                dedupe_key=key,
            )
            session.add(digest)
            session.flush()
            for row in rows:
                row.status = OutboxStatus.DIGESTED
                row.digest_id = digest.id
                session.add(row)
            made += 1
        return made


# ---------------------------------------------------------------------------- reminders


def _remind(session: Session, item: Due) -> None:
    """Give one reminder: in the inbox, and by e-mail as the person chose."""
    session.add(ReminderSent(key=item.key))
    link = item.link
    session.add(Notification(user_id=item.user_id, kind=item.kind, text=item.text[:500], link=link))
    enqueue(
        session, user_id=item.user_id, kind=item.kind, text=item.text, link=link, body=item.body
    )


def _deadline_reminders(session: Session, today: date) -> list[Due]:
    live = sa.exists().where(
        col(Application.project_id) == col(SavedProject.project_id),
        col(Application.student_id) == col(SavedProject.user_id),
        col(Application.status).in_(LIVE_STATUSES),
    )
    rows = session.exec(
        select(SavedProject.user_id, Project)
        .join(Project, col(Project.id) == col(SavedProject.project_id))
        .where(
            col(Project.status) == ProjectStatus.OPEN,
            col(Project.deadline) >= today,
            col(Project.deadline) <= today + timedelta(days=DEADLINE_DAYS),
            ~live,
        )
    ).all()
    return [
        Due(
            key=f"deadline:{project.id}:{user_id}",
            user_id=user_id,
            kind="reminder.deadline",
            text=f"Applications to “{project.title}”, which you saved, close on "
            f"{project.deadline:%d %b %Y}.",
            link=f"project:{project.id}",
        )
        for user_id, project in rows
    ]


def _milestone_reminders(session: Session, today: date) -> list[Due]:
    rows = session.exec(
        select(MatchMilestone, Application.student_id)
        .join(Application, col(Application.id) == col(MatchMilestone.application_id))
        .where(
            col(Application.status) == S.APPROVED,
            col(MatchMilestone.status) == MilestoneStatus.TODO,
            col(MatchMilestone.due_date) >= today,
            col(MatchMilestone.due_date) <= today + timedelta(days=MILESTONE_DAYS),
        )
    ).all()
    return [
        Due(
            key=f"milestone:{milestone.id}",
            user_id=student_id,
            kind="reminder.milestone",
            text=f"The milestone “{milestone.title}” is due on {milestone.due_date:%d %b %Y}.",
            link=f"match:{milestone.application_id}",
        )
        for milestone, student_id in rows
    ]


def _session_reminders(session: Session, now: datetime) -> list[Due]:
    rows = session.exec(
        select(MatchSession, Application.student_id, Project.owner_id)
        .join(Application, col(Application.id) == col(MatchSession.application_id))
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(
            col(Application.status) == S.APPROVED,
            col(MatchSession.confirmed_at).is_(None),
            col(MatchSession.created_at) <= now - timedelta(days=WAIT_DAYS),
        )
    ).all()
    return [
        Due(
            key=f"session:{item.id}",
            user_id=owner_id if item.author_id == student_id else student_id,
            kind="reminder.session",
            text=f"A session of {item.held_on:%d %b %Y} ({item.minutes} min) has waited "
            f"{WAIT_DAYS} days or more for your confirmation.",
            link=f"match:{item.application_id}",
        )
        for item, student_id, owner_id in rows
    ]


def _feedback_reminders(session: Session, now: datetime) -> list[Due]:
    rows = session.exec(
        select(Application, Project)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(
            col(Application.status) == S.COMPLETED,
            col(Application.updated_at) <= now - timedelta(days=WAIT_DAYS),
            col(Application.updated_at) >= now - timedelta(days=FEEDBACK_WINDOW_DAYS),
        )
    ).all()
    given = {
        (feedback.application_id, feedback.author_id)
        for feedback in session.exec(
            select(MatchFeedback).where(
                col(MatchFeedback.application_id).in_([a.id for a, _ in rows])
            )
        )
    }
    found: list[Due] = []
    for application, project in rows:
        for user_id in (application.student_id, project.owner_id):
            if (application.id, user_id) in given:
                continue
            found.append(
                Due(
                    key=f"feedback:{application.id}:{user_id}",
                    user_id=user_id,
                    kind="reminder.feedback",
                    text=f"The match on “{project.title}” is complete: please leave your feedback.",
                    link=f"match:{application.id}",
                )
            )
    return found


def _approval_reminders(session: Session, now: datetime, today: date) -> list[Due]:
    waiting = session.exec(
        select(Application, Project)
        .join(Project, col(Project.id) == col(Application.project_id))
        .where(
            col(Application.status) == S.ACCEPTED,
            col(Application.accepted_at) <= now - timedelta(days=WAIT_DAYS),
        )
        .order_by(col(Application.accepted_at))
    ).all()
    if not waiting:
        return []
    faculty = session.exec(
        select(User).where(col(User.role) == Role.FACULTY, col(User.is_active).is_(True))
    ).all()
    found: list[Due] = []
    for approver in faculty:
        assert approver.id is not None
        mine = [
            (application, project)
            for application, project in waiting
            if project.owner_id != approver.id
            and (approver.program_wide or approver.department == project.department)
        ]
        if not mine:
            continue
        entries = [
            {
                "kind": "",
                "text": f"“{project.title}”: accepted on {application.accepted_at:%d %b %Y}"
                if application.accepted_at
                else f"“{project.title}”",
                "link": f"approval:{application.id}",
            }
            for application, project in mine
        ]
        count = len(mine)
        found.append(
            Due(
                key=f"approvals:{approver.id}:{today.isoformat()}",
                user_id=approver.id,
                kind="reminder.approvals",
                text=f"{count} match{'es' if count != 1 else ''} ha{'ve' if count != 1 else 's'}"
                f" waited over {WAIT_DAYS} days for approval.",
                link=None,
                body=json.dumps(entries),
            )
        )
    return found


def run_reminders(engine: Engine, *, now: datetime | None = None) -> int:
    """Give every reminder that is due and not given before; return how many were given."""
    moment = now or utcnow()
    today = moment.date()
    with write_transaction(engine) as session:
        _serialise(session, engine, _REMIND_LOCK_KEY)
        due = (
            _deadline_reminders(session, today)
            + _milestone_reminders(session, today)
            + _session_reminders(session, moment)
            + _feedback_reminders(session, moment)
            + _approval_reminders(session, moment, today)
        )
        keys = [item.key for item in due]
        given = set(session.exec(select(ReminderSent.key).where(col(ReminderSent.key).in_(keys))))
        count = 0
        for item in due:
            if item.key in given:
                continue
            given.add(item.key)
            _remind(session, item)
            count += 1
        return count
