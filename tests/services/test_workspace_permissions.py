"""Who may do what in a match workspace: parties and outsiders × services (refusals audited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core import documents
from core import workspace as ws
from core.models import Application, ApplicationStatus, Role, User
from core.platform.db import write_transaction
from core.platform.errors import PermissionDenied
from core.workspace.models import MatchMilestone, MatchSession, MilestoneStatus, SelfEfficacyPhase
from tests.factories import TODAY, audit_rows, build, make_pair, user

ROLES = ("student", "mentor", "other_student", "other_mentor", "faculty", "admin")


@dataclass
class World:
    people: dict[str, User]
    application_id: int
    session_id: int  # logged by the student, unconfirmed
    milestone_id: int  # marked done by the student


def _world(engine: Engine, *, closed: bool = False) -> World:
    def make(session: Session) -> World:
        p = make_pair(session)
        people = {
            "student": p.student,
            "mentor": p.mentor,
            "other_student": user(session, Role.STUDENT),
            "other_mentor": user(session, Role.ALUMNI),
            "faculty": user(session, Role.FACULTY, program_wide=True),
            "admin": user(session, Role.ADMIN),
        }
        logged = MatchSession(
            application_id=p.application_id,
            author_id=p.student.id,
            held_on=TODAY,
            minutes=60,
            summary="Kick-off.",
        )
        session.add(logged)
        milestone = session.exec(_first_milestone(p.application_id)).one()
        milestone.status = MilestoneStatus.DONE
        session.add(milestone)
        if closed:
            found = session.get(Application, p.application_id)
            assert found is not None
            found.status = ApplicationStatus.COMPLETED
            session.add(found)
        session.flush()
        assert logged.id is not None and milestone.id is not None
        return World(people, p.application_id, logged.id, milestone.id)

    return build(engine, make)


def _first_milestone(application_id: int) -> Any:
    return (
        select(MatchMilestone)
        .where(MatchMilestone.application_id == application_id)
        .order_by(MatchMilestone.position)
        .limit(1)
    )


Call = Callable[[Session, User, World], object]

# service name → (needs a closed match, call, roles allowed)
CASES: dict[str, tuple[bool, Call, set[str]]] = {
    "view": (
        False,
        lambda s, a, w: ws.open_workspace(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "workspace_view": (
        False,
        lambda s, a, w: ws.workspace_view(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "match_thread": (
        False,
        lambda s, a, w: ws.match_thread(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "log_session": (
        False,
        lambda s, a, w: ws.log_session(
            s,
            actor=a,
            application_id=w.application_id,
            held_on=TODAY - timedelta(days=1),
            minutes=30,
            summary="Review.",
        ),
        {"student", "mentor"},
    ),
    "confirm_session": (
        False,
        lambda s, a, w: ws.confirm_session(s, actor=a, session_id=w.session_id),
        {"mentor"},
    ),
    "edit_session": (
        False,
        lambda s, a, w: ws.edit_session(
            s, actor=a, session_id=w.session_id, held_on=TODAY, minutes=45, summary="Edited."
        ),
        {"student"},
    ),
    "delete_session": (
        False,
        lambda s, a, w: ws.delete_session(s, actor=a, session_id=w.session_id),
        {"student"},
    ),
    "mark_done": (
        False,
        lambda s, a, w: ws.mark_milestone_done(
            s, actor=a, milestone_id=_todo_milestone(s, w.application_id)
        ),
        {"student"},
    ),
    "verify": (
        False,
        lambda s, a, w: ws.verify_milestone(s, actor=a, milestone_id=w.milestone_id),
        {"mentor"},
    ),
    "reopen": (
        False,
        lambda s, a, w: ws.reopen_milestone(
            s, actor=a, milestone_id=w.milestone_id, note="Needs more work."
        ),
        {"mentor"},
    ),
    "send_message": (
        False,
        lambda s, a, w: ws.send_message(s, actor=a, application_id=w.application_id, body="Hi"),
        {"student", "mentor"},
    ),
    "mark_thread_read": (
        False,
        lambda s, a, w: ws.mark_thread_read(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "self_efficacy": (
        False,
        lambda s, a, w: ws.record_self_efficacy(
            s,
            actor=a,
            application_id=w.application_id,
            phase=SelfEfficacyPhase.START,
            scores=[3, 3, 3, 3, 3],
        ),
        {"student"},
    ),
    "open_workspace": (
        False,
        lambda s, a, w: ws.open_workspace(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "answered_self_efficacy": (
        False,
        lambda s, a, w: ws.answered_self_efficacy(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "give_feedback": (
        True,
        lambda s, a, w: ws.give_feedback(
            s, actor=a, application_id=w.application_id, rating=4, comment="Good."
        ),
        {"student", "mentor"},
    ),
    "visible_feedback": (
        True,
        lambda s, a, w: ws.visible_feedback(s, actor=a, application_id=w.application_id),
        {"student", "mentor"},
    ),
    "passport": (
        True,
        lambda s, a, w: documents.student_passport(
            s, actor=a, student_id=w.people["student"].id or 0
        ),
        {"student", "faculty", "admin"},
    ),
}


def _todo_milestone(session: Session, application_id: int) -> int:
    found = session.exec(
        select(MatchMilestone.id).where(
            MatchMilestone.application_id == application_id,
            MatchMilestone.status == MilestoneStatus.TODO,
        )
    ).first()
    assert found is not None
    return found


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", sorted(CASES))
def test_permission_table(engine: Engine, service: str, role: str) -> None:
    closed, call, allowed = CASES[service]
    world = _world(engine, closed=closed)
    actor = world.people[role]
    if role in allowed:
        with write_transaction(engine) as session:
            call(session, actor, world)
        assert audit_rows(engine, outcome="refused") == []
    else:
        with pytest.raises(PermissionDenied), write_transaction(engine) as session:
            call(session, actor, world)
        refused = audit_rows(engine, outcome="refused")
        assert [r.actor_id for r in refused] == [actor.id]
        assert refused[0].action.split(".")[0] in {
            "match",
            "match_session",
            "match_milestone",
            "match_message",
            "match_feedback",
            "self_efficacy",
        }


@pytest.mark.parametrize("service", ["view", "log_session", "send_message"])
def test_a_deactivated_party_is_refused(engine: Engine, service: str) -> None:
    _, call, _ = CASES[service]
    world = _world(engine)
    student = world.people["student"]
    with write_transaction(engine) as session:
        found = session.get(User, student.id)
        assert found is not None
        found.is_active = False
        session.add(found)
    student.is_active = False
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        call(session, student, world)
    assert [r.actor_id for r in audit_rows(engine, outcome="refused")] == [student.id]


def test_calendar_holds_only_the_actors_own_matches(engine: Engine) -> None:
    world = _world(engine)
    other = build(engine, lambda s: make_pair(s))
    with write_transaction(engine) as session:
        mine = documents.calendar_ics(session, actor=world.people["student"]).decode()
    assert f"match-{world.application_id}@" in mine
    assert f"match-{other.application_id}@" not in mine


def test_every_public_workspace_service_is_in_the_table() -> None:
    # Services that act on one match (or passport) are listed in CASES; the rest act only on
    # the actor's own rows (unread counts, calendar) or are the system's (start, at-risk).
    named = {
        "view": "open_workspace",
        "mark_done": "mark_milestone_done",
        "verify": "verify_milestone",
        "reopen": "reopen_milestone",
        "self_efficacy": "record_self_efficacy",
        "passport": "student_passport",
    }
    covered = {named.get(case, case) for case in CASES}
    own_or_system = {
        "unread_counts",
        "unread_badges",
        "calendar_ics",
        "my_matches",
        "actor_matches",
        "start_match_workspace",
        "at_risk_matches",
        "flag_at_risk",
        "run_flag_at_risk",
    }
    from core.documents import calendar, passport

    services = {
        name
        for module in (ws, calendar, passport)
        for name, value in vars(module).items()
        if callable(value)
        and getattr(value, "__module__", "").startswith(module.__name__)
        and not name.startswith("_")
        and not isinstance(value, type)
        and "actor" in getattr(value, "__code__", ws.open_workspace.__code__).co_varnames
    }
    assert services - own_or_system == covered


def test_unread_counts_never_include_someone_elses_match(engine: Engine) -> None:
    world = _world(engine)
    with write_transaction(engine) as session:
        ws.send_message(
            session,
            actor=world.people["mentor"],
            application_id=world.application_id,
            body="For the student only.",
        )
    with write_transaction(engine) as session:
        for role in ("other_student", "other_mentor", "faculty", "admin"):
            assert ws.unread_counts(session, actor=world.people[role]) == {}
        assert ws.unread_counts(session, actor=world.people["student"]) == {world.application_id: 1}
