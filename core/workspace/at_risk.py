"""The at-risk job: running matches with no session for AT_RISK_DAYS, flagged once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, func

from core.models import Application, Notification, Project
from core.models import ApplicationStatus as S
from core.platform import audit
from core.platform.db import write_transaction
from core.platform.notifications import notify
from core.platform.throttle import is_due
from core.workspace.models import MatchSession
from core.workspace.rules import AT_RISK_DAYS, AT_RISK_KIND, at_risk_since, match_link
from core.workspace.views import AtRiskMatch


def at_risk_matches(
    session: Session, *, today: date | None = None, days: int = AT_RISK_DAYS
) -> list[AtRiskMatch]:
    """Return running matches with no session in the last `days` days, in one query.

    Silence counts from the latest of: the last session, the approval, the project start
    (so a match approved weeks before its project starts is not flagged early).
    """
    today = today or date.today()
    cutoff = today - timedelta(days=days)
    cutoff_moment = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    last = (
        sa.select(
            col(MatchSession.application_id).label("application_id"),
            func.max(col(MatchSession.held_on)).label("last_on"),
        )
        .group_by(col(MatchSession.application_id))
        .subquery()
    )
    approved = func.coalesce(col(Application.approved_at), col(Application.updated_at))
    rows = session.execute(
        sa.select(
            col(Application.id),
            col(Project.id),
            col(Project.title),
            col(Application.student_id),
            col(Project.owner_id),
            last.c.last_on,
            col(Project.start_date),
            approved,
        )
        .join(Project, col(Project.id) == col(Application.project_id))
        .outerjoin(last, last.c.application_id == col(Application.id))
        .where(
            col(Application.status) == S.APPROVED,
            col(Project.start_date) <= cutoff,
            approved < cutoff_moment,
            sa.or_(last.c.last_on.is_(None), last.c.last_on <= cutoff),
        )
        .order_by(col(Application.id))
    ).all()
    found = []
    for app_id, project_id, title, student_id, owner_id, last_on, start, approved_at in rows:
        approved_on = approved_at.astimezone(UTC).date()
        found.append(
            AtRiskMatch(
                application_id=app_id,
                project_id=project_id,
                project_title=title,
                student_id=student_id,
                mentor_id=owner_id,
                last_session_on=last_on,
                since=at_risk_since(start, approved_on, last_on),
            )
        )
    return found


def flag_at_risk(session: Session, *, today: date | None = None) -> int:
    """Notify both parties of each at-risk match once per silent period; return how many."""
    _serialise_flagging(session)
    matches = at_risk_matches(session, today=today)
    if not matches:
        return 0
    links = {match_link(m.application_id): m for m in matches}
    flagged_at = dict(
        session.execute(
            sa.select(col(Notification.link), func.max(col(Notification.created_at)))
            .where(col(Notification.kind) == AT_RISK_KIND, col(Notification.link).in_(links))
            .group_by(col(Notification.link))
        ).all()
    )
    count = 0
    for link, match in links.items():
        previous = flagged_at.get(link)
        if previous is not None and previous.astimezone(UTC).date() > match.since:
            continue
        text = (
            f"No session has been logged on “{match.project_title}” for {AT_RISK_DAYS} days. "
            "Plan your next one."
        )
        for user_id in (match.student_id, match.mentor_id):
            notify(session, user_id=user_id, kind=AT_RISK_KIND, text=text, link=link)
        audit.record(
            session,
            actor=None,
            action="match.at_risk",
            entity="match",
            entity_id=match.application_id,
            after={"since": match.since.isoformat()},
        )
        count += 1
    return count


def _serialise_flagging(session: Session) -> None:
    """Let one flagging run at a time see and write the at-risk notifications.

    SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL two runs (cron and a
    manual one) would otherwise both find no earlier flag and notify twice. A transaction-level
    advisory lock takes no row locks, so it cannot deadlock with the app's writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FLAG_LOCK_KEY})


_FLAG_LOCK_KEY = 7_021_021  # any constant unique to this job among the project's advisory locks


def run_flag_at_risk(engine: Engine, *, today: date | None = None) -> int:
    """Flag at-risk matches in a transaction of its own and return how many (for the CLI)."""
    with write_transaction(engine) as session:
        return flag_at_risk(session, today=today)


def flag_at_risk_if_due(engine: Engine, *, min_interval_seconds: float = 3600.0) -> int:
    """Flag at-risk matches at most once an hour per process (the app calls this lazily)."""
    if not is_due("flag_at_risk", engine, min_interval_seconds=min_interval_seconds):
        return 0
    return run_flag_at_risk(engine)
