"""Rules of the match workspace, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import event
from sqlmodel import Session, select, update

from core import applications as apps
from core import documents
from core import workspace as ws
from core.models import (
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Notification,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform.db import read_session, write_transaction
from core.platform.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.platform.types import utcnow
from core.workspace.models import MatchMilestone, MilestoneStatus, SelfEfficacyPhase
from tests.factories import (
    TODAY,
    application,
    audit_rows,
    build,
    make_pair,
    notifications_of,
    pair,
    project,
    user,
)


def _set_status(engine, application_id, status, *, ended_days_ago=0):
    with write_transaction(engine) as session:
        found = session.get(Application, application_id)
        found.status = status
        found.updated_at = utcnow() - timedelta(days=ended_days_ago)
        session.add(found)


def _milestones(engine, application_id):
    with Session(engine) as session:
        return list(
            session.exec(
                select(MatchMilestone)
                .where(MatchMilestone.application_id == application_id)
                .order_by(MatchMilestone.position)
            ).all()
        )


def _log(engine, actor, p, **kw):
    kw.setdefault("held_on", TODAY)
    kw.setdefault("minutes", 60)
    kw.setdefault("summary", "Planned the first sprint.")
    with write_transaction(engine) as session:
        return ws.log_session(session, actor=actor, application_id=p.application_id, **kw)


# ---------------------------------------------------------------------------- start


def test_start_copies_the_blueprint_with_due_dates_clipped_to_the_end(engine):
    p = pair(engine, weeks=(1, 2, 6))  # week 6 of a 4-week project is clipped
    rows = _milestones(engine, p.application_id)
    assert [m.title for m in rows] == ["Step 1", "Step 2", "Step 3"]
    assert [m.due_date for m in rows] == [
        p.start + timedelta(days=6),
        p.start + timedelta(days=13),
        p.end,
    ]
    assert all(m.status is MilestoneStatus.TODO for m in rows)


def test_start_is_idempotent(engine):
    p = pair(engine)
    with write_transaction(engine) as session:
        ws.start_match_workspace(session, application=session.get(Application, p.application_id))
    assert len(_milestones(engine, p.application_id)) == 3


# ---------------------------------------------------------------------------- view


def test_workspace_shows_parties_hours_progress_and_overdue(engine):
    p = pair(engine, student_hours=3.0, duration=4)
    with read_session(engine) as session:
        view = ws.open_workspace(session, actor=p.student, application_id=p.application_id).view
    assert view.student_email == p.student.email and view.mentor_email == p.mentor.email
    assert view.mentor_name == p.mentor.display_name
    assert view.hours_planned == 12.0 and view.hours_logged == 0
    assert view.progress == 0 and not view.at_risk
    # Step 1 was due yesterday (start a week ago + 6 days) and is not done: overdue.
    assert [m.overdue for m in view.milestones] == [True, False, False]


def test_outsider_is_refused_and_audited(engine):
    p = pair(engine)
    other = build(engine, lambda s: user(s, Role.STUDENT))
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        ws.open_workspace(session, actor=other, application_id=p.application_id)
    refused = audit_rows(engine, outcome="refused")
    assert [(r.actor_id, r.action, r.entity_id) for r in refused] == [
        (other.id, "match.view", p.application_id)
    ]


def test_an_application_that_is_not_a_match_has_no_workspace(engine):
    p = pair(engine, status=ApplicationStatus.ACCEPTED)
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        ws.open_workspace(session, actor=p.student, application_id=p.application_id)


# ---------------------------------------------------------------------------- sessions


def test_log_and_confirm_a_session(engine):
    p = pair(engine)
    logged = _log(engine, p.student, p, minutes=90)
    assert [n.kind for n in notifications_of(engine, p.mentor.id)] == [
        "workspace.session_to_confirm"
    ]
    with read_session(engine) as session:
        view = ws.open_workspace(session, actor=p.mentor, application_id=p.application_id).view
    assert view.hours_logged == 0  # unconfirmed minutes do not count
    with write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)
    with read_session(engine) as session:
        view = ws.open_workspace(session, actor=p.mentor, application_id=p.application_id).view
    assert view.hours_logged == 1.5 and view.sessions[0].confirmed
    assert [r.action for r in audit_rows(engine, entity="match_session")] == [
        "match_session.log",
        "match_session.confirm",
    ]
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)


def test_the_author_cannot_confirm_their_own_session(engine):
    p = pair(engine)
    logged = _log(engine, p.mentor, p)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)
    assert audit_rows(engine, outcome="refused")[0].action == "match_session.confirm"


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("minutes", {"minutes": 14}),
        ("minutes", {"minutes": 241}),
        ("held_on", {"held_on": TODAY + timedelta(days=2)}),
        ("held_on", {"held_on": TODAY - timedelta(days=8)}),  # before the project started
        ("summary", {"summary": "   "}),
        ("summary", {"summary": "x" * 501}),
    ],
)
def test_session_input_is_validated(engine, field, kw):
    p = pair(engine)
    with pytest.raises(ValidationFailed) as caught:
        _log(engine, p.student, p, **kw)
    assert field in caught.value.fields


def test_session_bounds_are_accepted(engine):
    p = pair(engine)
    _log(engine, p.student, p, minutes=15, held_on=TODAY + timedelta(days=1))
    _log(engine, p.student, p, minutes=240, held_on=p.start, summary="x" * 500)


def test_edit_and_delete_only_by_the_author_while_unconfirmed(engine):
    p = pair(engine)
    logged = _log(engine, p.student, p)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ws.edit_session(
            session,
            actor=p.mentor,
            session_id=logged.id,
            held_on=TODAY,
            minutes=30,
            summary="Changed.",
        )
    with write_transaction(engine) as session:
        edited = ws.edit_session(
            session,
            actor=p.student,
            session_id=logged.id,
            held_on=TODAY,
            minutes=30,
            summary="Changed.",
        )
    assert edited.minutes == 30
    with write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        ws.delete_session(session, actor=p.student, session_id=logged.id)
    other = _log(engine, p.student, p)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ws.delete_session(session, actor=p.mentor, session_id=other.id)
    with write_transaction(engine) as session:
        ws.delete_session(session, actor=p.student, session_id=other.id)
    with read_session(engine) as session:
        view = ws.open_workspace(session, actor=p.student, application_id=p.application_id).view
    assert [s.id for s in view.sessions] == [logged.id]
    assert notifications_of(engine, p.mentor.id)[-1].kind == "workspace.session_deleted"
    assert [r.action for r in audit_rows(engine, entity="match_session", outcome="ok")] == [
        "match_session.log",
        "match_session.edit",
        "match_session.confirm",
        "match_session.log",
        "match_session.delete",
    ]


def test_no_sessions_once_the_match_is_over(engine):
    p = pair(engine)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED)
    with pytest.raises(InvalidTransition):
        _log(engine, p.student, p)


# ---------------------------------------------------------------------------- milestones


def test_milestone_done_verify_reopen(engine):
    p = pair(engine)
    first, second, _ = (m.id for m in _milestones(engine, p.application_id))
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ws.mark_milestone_done(session, actor=p.mentor, milestone_id=first)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        ws.verify_milestone(session, actor=p.mentor, milestone_id=first)  # still to do
    with write_transaction(engine) as session:
        ws.mark_milestone_done(session, actor=p.student, milestone_id=first)
        ws.mark_milestone_done(session, actor=p.student, milestone_id=second)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ws.verify_milestone(session, actor=p.student, milestone_id=first)
    with write_transaction(engine) as session:
        ws.verify_milestone(session, actor=p.mentor, milestone_id=first)
    with pytest.raises(ValidationFailed), write_transaction(engine) as session:
        ws.reopen_milestone(session, actor=p.mentor, milestone_id=second, note="  ")
    with write_transaction(engine) as session:
        ws.reopen_milestone(session, actor=p.mentor, milestone_id=second, note="Add the tests.")
    with read_session(engine) as session:
        view = ws.open_workspace(session, actor=p.student, application_id=p.application_id).view
    assert [m.status for m in view.milestones] == [
        MilestoneStatus.VERIFIED,
        MilestoneStatus.TODO,
        MilestoneStatus.TODO,
    ]
    assert view.milestones[1].note == "Add the tests."
    assert view.progress == pytest.approx(1 / 3)
    assert not view.milestones[0].overdue  # verified milestones are never overdue
    kinds = [n.kind for n in notifications_of(engine, p.student.id)]
    assert kinds == ["workspace.milestone_verified", "workspace.milestone_reopened"]
    assert [r.action for r in audit_rows(engine, entity="match_milestone")] == [
        "match_milestone.done",
        "match_milestone.done",
        "match_milestone.verify",
        "match_milestone.reopen",
    ]


def test_a_done_milestone_stays_overdue_until_verified(engine):
    p = pair(engine)  # Step 1 was due yesterday
    first = _milestones(engine, p.application_id)[0].id

    def overdue():
        with read_session(engine) as session:
            view = ws.open_workspace(session, actor=p.mentor, application_id=p.application_id).view
        return view.milestones[0].overdue

    assert overdue()
    with write_transaction(engine) as session:
        ws.mark_milestone_done(session, actor=p.student, milestone_id=first)
    assert overdue()
    with write_transaction(engine) as session:
        ws.verify_milestone(session, actor=p.mentor, milestone_id=first)
    assert not overdue()


def test_no_milestone_moves_once_the_match_is_over(engine):
    p = pair(engine)
    first = _milestones(engine, p.application_id)[0].id
    _set_status(engine, p.application_id, ApplicationStatus.ENDED_EARLY)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        ws.mark_milestone_done(session, actor=p.student, milestone_id=first)


# ---------------------------------------------------------------------------- messages


def test_messages_thread_and_unread_counts(engine):
    p = pair(engine)
    q = build(engine, lambda s: make_pair(s, student=p.student))  # a second match, same student
    with write_transaction(engine) as session:
        for body in ("Hello!", "  When shall we meet?  "):
            ws.send_message(session, actor=p.mentor, application_id=p.application_id, body=body)
        ws.send_message(session, actor=q.mentor, application_id=q.application_id, body="Hi")
    with read_session(engine) as session:
        assert ws.unread_counts(session, actor=p.student) == {
            p.application_id: 2,
            q.application_id: 1,
        }
        assert ws.unread_counts(session, actor=p.mentor) == {}  # own messages are read
        assert ws.unread_badges(session, actor=p.student)[1] == 3
        thread = ws.open_workspace(session, actor=p.student, application_id=p.application_id).thread
        assert ws.unread_counts(session, actor=p.student)[p.application_id] == 2  # listing ≠ read
    assert [m.body for m in thread] == ["Hello!", "When shall we meet?"]
    with write_transaction(engine) as session:
        mark = ws.mark_thread_read(session, actor=p.student, application_id=p.application_id)
    assert mark == thread[-1].id
    with read_session(engine) as session:
        assert ws.unread_counts(session, actor=p.student) == {q.application_id: 1}
        assert ws.unread_badges(session, actor=p.student)[1] == 1
    with write_transaction(engine) as session:
        ws.send_message(session, actor=p.student, application_id=p.application_id, body="Mine")
        thread = ws.open_workspace(session, actor=p.student, application_id=p.application_id).thread
    assert [m.body for m in thread][-1] == "Mine"  # newest last
    with write_transaction(engine) as session:
        ws.mark_thread_read(session, actor=p.mentor, application_id=p.application_id)
        ws.send_message(session, actor=p.student, application_id=p.application_id, body="Again")
    with read_session(engine) as session:
        assert ws.unread_counts(session, actor=p.mentor) == {p.application_id: 1}
        assert ws.unread_counts(session, actor=p.student) == {q.application_id: 1}
    assert "workspace.message" in {n.kind for n in notifications_of(engine, p.student.id)}


def test_mark_thread_read_stops_at_the_last_message_shown(engine):
    p = pair(engine)
    with write_transaction(engine) as session:
        first = ws.send_message(session, actor=p.mentor, application_id=p.application_id, body="1")
        ws.send_message(session, actor=p.mentor, application_id=p.application_id, body="2")
    with write_transaction(engine) as session:
        mark = ws.mark_thread_read(
            session, actor=p.student, application_id=p.application_id, up_to=first.id
        )
    assert mark == first.id
    with write_transaction(engine) as session:  # a stale screen never lowers the mark
        again = ws.mark_thread_read(session, actor=p.student, application_id=p.application_id)
        assert (
            ws.mark_thread_read(
                session, actor=p.student, application_id=p.application_id, up_to=first.id
            )
            == again
        )
    with read_session(engine) as session:
        assert ws.unread_counts(session, actor=p.student) == {}
    empty = pair(engine)
    with write_transaction(engine) as session:  # an empty thread: nothing to mark
        assert (
            ws.mark_thread_read(session, actor=empty.student, application_id=empty.application_id)
            == 0
        )


def test_unread_counts_take_one_statement(engine):
    p = pair(engine)
    q = build(engine, lambda s: make_pair(s, student=p.student))
    with write_transaction(engine) as session:
        for m in (p, q):
            ws.send_message(session, actor=m.mentor, application_id=m.application_id, body="Hi")
    statements = []

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with read_session(engine) as session:
            assert ws.unread_counts(session, actor=p.student) == {
                p.application_id: 1,
                q.application_id: 1,
            }
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_message_body_is_validated(engine, body):
    p = pair(engine)
    with pytest.raises(ValidationFailed), write_transaction(engine) as session:
        ws.send_message(session, actor=p.student, application_id=p.application_id, body=body)


def test_a_message_of_2000_characters_is_accepted(engine):
    p = pair(engine)
    with write_transaction(engine) as session:
        sent = ws.send_message(
            session, actor=p.student, application_id=p.application_id, body="x" * 2000
        )
    assert len(sent.body) == 2000


# ---------------------------------------------------------------------------- feedback


def _give(engine, actor, p, rating=5, comment="Great work."):
    with write_transaction(engine) as session:
        return ws.give_feedback(
            session, actor=actor, application_id=p.application_id, rating=rating, comment=comment
        )


def _visible(engine, actor, p, now=None):
    with read_session(engine) as session:
        return ws.visible_feedback(session, actor=actor, application_id=p.application_id, now=now)


def test_feedback_only_after_the_match_ends_and_only_once(engine):
    p = pair(engine)
    with pytest.raises(InvalidTransition):
        _give(engine, p.student, p)
    _set_status(engine, p.application_id, ApplicationStatus.ENDED_EARLY)
    _give(engine, p.student, p)
    with pytest.raises(InvalidTransition):
        _give(engine, p.student, p)


@pytest.mark.parametrize(("rating", "comment"), [(0, "ok"), (6, "ok"), (3, " "), (3, "x" * 2001)])
def test_feedback_input_is_validated(engine, rating, comment):
    p = pair(engine)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED)
    with pytest.raises(ValidationFailed):
        _give(engine, p.student, p, rating=rating, comment=comment)


def test_feedback_is_blind_until_both_have_given_it(engine):
    p = pair(engine)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED)
    _give(engine, p.student, p, rating=4, comment="Helpful mentor.")
    seen_by_mentor = _visible(engine, p.mentor, p)
    assert seen_by_mentor.other_has_given and not seen_by_mentor.revealed
    assert seen_by_mentor.theirs is None and seen_by_mentor.mine is None
    assert _visible(engine, p.student, p).theirs is None
    _give(engine, p.mentor, p, rating=5, comment="Excellent student.")
    assert _visible(engine, p.mentor, p).theirs.comment == "Helpful mentor."
    assert _visible(engine, p.student, p).theirs.rating == 5
    assert "workspace.feedback" in {n.kind for n in notifications_of(engine, p.mentor.id)}


def test_feedback_is_revealed_after_14_days(engine):
    p = pair(engine)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED, ended_days_ago=13)
    _give(engine, p.student, p, comment="Seen later.")
    assert _visible(engine, p.mentor, p).theirs is None
    later = utcnow() + timedelta(days=1, minutes=1)
    view = _visible(engine, p.mentor, p, now=later)
    assert view.revealed and view.theirs.comment == "Seen later."


# ---------------------------------------------------------------------------- self-efficacy


def test_self_efficacy_at_start_and_close(engine):
    p = pair(engine)

    def record(actor, phase, scores=(3, 4, 3, 2, 5)):
        with write_transaction(engine) as session:
            return ws.record_self_efficacy(
                session,
                actor=actor,
                application_id=p.application_id,
                phase=phase,
                scores=scores,
            )

    with pytest.raises(PermissionDenied):
        record(p.mentor, SelfEfficacyPhase.START)
    with pytest.raises(ValidationFailed):
        record(p.student, SelfEfficacyPhase.START, (3, 4, 3, 2))
    with pytest.raises(ValidationFailed):
        record(p.student, SelfEfficacyPhase.START, (3, 4, 3, 2, 6))
    with pytest.raises(InvalidTransition):
        record(p.student, SelfEfficacyPhase.CLOSE)
    assert record(p.student, SelfEfficacyPhase.START).scores() == [3, 4, 3, 2, 5]
    with pytest.raises(InvalidTransition):
        record(p.student, SelfEfficacyPhase.START)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED)
    assert record(p.student, SelfEfficacyPhase.CLOSE, (4, 4, 4, 4, 4)).item5 == 4


# ---------------------------------------------------------------------------- at risk


def test_at_risk_counts_from_the_last_session_or_approval(engine):
    quiet = pair(engine, start=TODAY - timedelta(days=30), approved_days_ago=40)
    recent = pair(engine, start=TODAY - timedelta(days=30), approved_days_ago=40)
    fresh = pair(engine, start=TODAY - timedelta(days=30), approved_days_ago=10)
    future = pair(engine, start=TODAY + timedelta(days=3), approved_days_ago=40)
    old_session = pair(engine, start=TODAY - timedelta(days=30), approved_days_ago=40)
    _log(engine, recent.student, recent, held_on=TODAY - timedelta(days=20))
    _log(engine, old_session.student, old_session, held_on=TODAY - timedelta(days=21))
    with read_session(engine) as session:
        found = ws.at_risk_matches(session)
        view = ws.open_workspace(
            session, actor=quiet.mentor, application_id=quiet.application_id
        ).view
    ids = {m.application_id for m in found}
    assert quiet.application_id in ids and old_session.application_id in ids
    assert not ids & {recent.application_id, fresh.application_id, future.application_id}
    assert view.at_risk


def test_flag_at_risk_notifies_both_once_per_silent_period(engine):
    p = pair(engine, start=TODAY - timedelta(days=40), approved_days_ago=50)
    with write_transaction(engine) as session:
        assert ws.flag_at_risk(session) == 1
    with write_transaction(engine) as session:
        assert ws.flag_at_risk(session) == 0
    for person in (p.student, p.mentor):
        flags = [n for n in notifications_of(engine, person.id) if n.kind == ws.AT_RISK_KIND]
        assert [n.link for n in flags] == [ws.match_link(p.application_id)]
    # The flag went out a month ago; a session followed, then three weeks of silence again.
    with write_transaction(engine) as session:
        session.exec(
            update(Notification)
            .where(Notification.kind == ws.AT_RISK_KIND)
            .values(created_at=utcnow() - timedelta(days=30))
        )
    _log(engine, p.student, p, held_on=TODAY - timedelta(days=25))
    with write_transaction(engine) as session:
        assert ws.flag_at_risk(session) == 1
    with write_transaction(engine) as session:
        assert ws.flag_at_risk(session) == 0
    _log(engine, p.student, p, held_on=TODAY)
    with write_transaction(engine) as session:
        assert ws.flag_at_risk(session) == 0
    assert len(notifications_of(engine, p.mentor.id)) == 2 + 2  # two flags, two sessions


def test_concurrent_flag_runs_notify_each_party_once(engine):
    quiet = [pair(engine, start=TODAY - timedelta(days=40), approved_days_ago=50) for _ in range(3)]
    start = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=30)
            results.append(ws.run_flag_at_risk(engine))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [0, 0, 0, 3]
    for p in quiet:
        for person in (p.student, p.mentor):
            kinds = [n.kind for n in notifications_of(engine, person.id)]
            assert kinds == [ws.AT_RISK_KIND]
    assert len(audit_rows(engine, action="match.at_risk")) == 3


# ---------------------------------------------------------------------------- calendar


def test_calendar_parses_back_with_the_same_events(engine):
    p = pair(engine)
    _log(engine, p.student, p, held_on=TODAY - timedelta(days=2))
    with read_session(engine) as session:
        data = documents.calendar_ics(session, actor=p.mentor)
    calendar = icalendar.Calendar.from_ical(data)
    events = {
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"))
        for e in calendar.walk("VEVENT")
    }
    title = f"Project {p.project_id}"
    with Session(engine) as session:
        from core.models import Project

        title = session.get(Project, p.project_id).title
    dues = [m.due_date for m in _milestones(engine, p.application_id)]
    session_day = TODAY - timedelta(days=2)
    label = f"{title}, with {p.student.display_name}"
    expected = {(f"Project: {title}", p.start, p.end + timedelta(days=1))}
    expected |= {
        (f"Milestone due: Step {i} ({label})", due, due + timedelta(days=1))
        for i, due in enumerate(dues, start=1)
    }
    expected.add((f"Session (60 min): {label}", session_day, session_day + timedelta(days=1)))
    assert events == expected
    assert len(calendar.walk("VEVENT")) == len(expected)
    assert all(e.decoded("dtstart").__class__ is type(TODAY) for e in calendar.walk("VEVENT"))
    with read_session(engine) as session:
        student_view = icalendar.Calendar.from_ical(
            documents.calendar_ics(session, actor=p.student)
        )
    summaries = {str(e["summary"]) for e in student_view.walk("VEVENT")}
    assert f"Session (60 min): {title}, with {p.mentor.display_name}" in summaries
    with read_session(engine) as session:
        outsider = user(session, Role.ALUMNI)
        empty = icalendar.Calendar.from_ical(documents.calendar_ics(session, actor=outsider))
    assert empty.walk("VEVENT") == []


def test_calendar_windows_mentor_projects_once_and_skips_ended_early_matches(engine):
    p = pair(engine)
    second = build(engine, lambda s: _second_student(s, p))
    ended = build(engine, lambda s: make_pair(s, mentor=p.mentor, weeks=(1,)))
    _log(engine, ended.student, ended, held_on=TODAY)
    _set_status(engine, ended.application_id, ApplicationStatus.ENDED_EARLY)
    with Session(engine) as session:
        ended_project = session.get(Project, ended.project_id)
        ended_project.status = ProjectStatus.CANCELLED
        session.add(ended_project)
        live = project(session, p.mentor, start=TODAY + timedelta(days=30), duration=2)
        draft = project(
            session, p.mentor, start=TODAY + timedelta(days=30), status=ProjectStatus.DRAFT
        )
        session.commit()
        titles = {
            pid: session.get(Project, pid).title
            for pid in (p.project_id, ended.project_id, live.id, draft.id)
        }
    with read_session(engine) as session:
        mentor_cal = icalendar.Calendar.from_ical(documents.calendar_ics(session, actor=p.mentor))
        ended_cal = icalendar.Calendar.from_ical(
            documents.calendar_ics(session, actor=ended.student)
        )
    windows = sorted(
        str(e["uid"]) for e in mentor_cal.walk("VEVENT") if str(e["uid"]).startswith("project-")
    )
    assert windows == sorted(f"project-{i}@micro-mentoring" for i in (p.project_id, live.id))
    mentor_summaries = [str(e["summary"]) for e in mentor_cal.walk("VEVENT")]
    assert mentor_summaries.count(f"Project: {titles[p.project_id]}") == 1  # two students
    assert not any(titles[draft.id] in text for text in mentor_summaries)
    milestone_labels = [t for t in mentor_summaries if t.startswith("Milestone due: Step 1 (")]
    assert sorted(milestone_labels) == sorted(
        f"Milestone due: Step 1 ({titles[p.project_id]}, with {who})"
        for who in (p.student.display_name, second.display_name)
    )
    # An ended-early match keeps its held sessions, not its window or milestones.
    kinds = sorted(str(e["uid"]).split("-")[0] for e in ended_cal.walk("VEVENT"))
    assert kinds == ["session"]
    assert any(titles[ended.project_id] in text for text in mentor_summaries)


def _second_student(session, p):
    student = user(session, Role.STUDENT)
    target = session.get(Project, p.project_id)
    found = application(
        session, student, target, status=ApplicationStatus.APPROVED, approved_at=utcnow()
    )
    ws.start_match_workspace(session, application=found)
    return student


# ---------------------------------------------------------------------------- passport


def test_passport_lists_completed_matches_with_hours_milestones_and_feedback(engine):
    p = pair(engine)
    running = build(engine, lambda s: make_pair(s, student=p.student))
    logged = _log(engine, p.student, p, minutes=120)
    with write_transaction(engine) as session:
        ws.confirm_session(session, actor=p.mentor, session_id=logged.id)
        first = _milestones(engine, p.application_id)[0].id
        ws.mark_milestone_done(session, actor=p.student, milestone_id=first)
        ws.verify_milestone(session, actor=p.mentor, milestone_id=first)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED)
    _give(engine, p.mentor, p, rating=5, comment="=Reliable and curious.")
    _give(engine, p.student, p, rating=4, comment="Not in the student's own passport.")
    with read_session(engine) as session:
        entries = documents.student_passport(session, actor=p.student, student_id=p.student.id)
        text = documents.passport_csv_text(
            documents.student_passport(session, actor=p.student, student_id=p.student.id)
        )
    assert [e.application_id for e in entries] == [p.application_id]
    assert running.application_id != entries[0].application_id
    entry = entries[0]
    assert (entry.milestones_verified, entry.milestones_total, entry.hours_logged) == (1, 3, 2.0)
    assert (entry.feedback_rating, entry.feedback_comment) == (5, "=Reliable and curious.")
    lines = text.splitlines()
    assert lines[0].startswith("project,mentor,start_date")
    assert "'=Reliable and curious." in lines[1]  # no spreadsheet formula


def test_passport_hides_the_mentors_feedback_until_it_is_revealed(engine):
    p = pair(engine)
    _set_status(engine, p.application_id, ApplicationStatus.COMPLETED, ended_days_ago=2)
    _give(engine, p.mentor, p, rating=4, comment="Solid work.")

    def entry(actor, now=None):
        with read_session(engine) as session:
            (found,) = documents.student_passport(
                session, actor=actor, student_id=p.student.id, now=now
            )
        return found.feedback_rating, found.feedback_comment

    faculty = build(engine, lambda s: user(s, Role.FACULTY, program_wide=True))
    assert entry(p.student) == (None, None)  # the student has not given theirs yet
    assert entry(faculty) == (None, None)  # the same rule for every reader
    assert entry(p.student, now=utcnow() + timedelta(days=12, minutes=1)) == (4, "Solid work.")
    _give(engine, p.student, p, rating=5, comment="Thanks!")
    assert entry(p.student) == (4, "Solid work.")
    with read_session(engine) as session:
        text = documents.passport_csv_text(
            documents.student_passport(session, actor=faculty, student_id=p.student.id)
        )
    assert "Solid work." in text


def test_passport_leaves_out_running_and_ended_early_matches(engine):
    p = pair(engine)
    ended = build(engine, lambda s: make_pair(s, student=p.student))
    _set_status(engine, ended.application_id, ApplicationStatus.ENDED_EARLY)
    with read_session(engine) as session:
        assert documents.student_passport(session, actor=p.student, student_id=p.student.id) == []
        text = documents.passport_csv_text(
            documents.student_passport(session, actor=p.student, student_id=p.student.id)
        )
    assert text.splitlines() == [",".join(documents.PASSPORT_COLUMNS)]


def test_a_passport_is_only_for_students(engine):
    p = pair(engine)
    with pytest.raises(NotFound), read_session(engine) as session:
        faculty = user(session, Role.FACULTY, program_wide=True)
        documents.student_passport(session, actor=faculty, student_id=p.mentor.id)


def test_approval_copies_the_blueprint_into_the_match(engine) -> None:
    def accepted(session: Session) -> tuple[int, int, User]:
        mentor = user(session, Role.ALUMNI)
        target = project(session, mentor)
        for position, (title, week) in enumerate((("Plan", 1), ("Ship", 3)), start=1):
            session.add(
                MilestoneBlueprint(
                    project_id=target.id, position=position, title=title, due_week=week
                )
            )
        found = application(
            session, user(session, Role.STUDENT), target, ApplicationStatus.ACCEPTED
        )
        approver = user(session, Role.FACULTY, program_wide=True)
        assert found.id is not None and target.id is not None
        return found.id, target.id, approver

    app_id, project_id, approver = build(engine, accepted)
    with write_transaction(engine) as session:
        apps.approve(session, actor=approver, application_id=app_id)
    with read_session(engine) as session:
        copied = session.exec(
            select(MatchMilestone.title, MatchMilestone.due_date)
            .where(MatchMilestone.application_id == app_id)
            .order_by(MatchMilestone.position)
        ).all()
        target = session.get(Project, project_id)
    assert target is not None
    assert [tuple(row) for row in copied] == [
        ("Plan", ws.milestone_due(target, 1)),
        ("Ship", ws.milestone_due(target, 3)),
    ]


def test_answered_self_efficacy_lists_the_phases_given(engine) -> None:
    pair = build(engine, lambda s: make_pair(s))
    with write_transaction(engine) as session:
        before = ws.answered_self_efficacy(
            session, actor=pair.student, application_id=pair.application_id
        )
        ws.record_self_efficacy(
            session,
            actor=pair.student,
            application_id=pair.application_id,
            phase=SelfEfficacyPhase.START,
            scores=[3, 3, 3, 3, 3],
        )
        after = ws.answered_self_efficacy(
            session, actor=pair.mentor, application_id=pair.application_id
        )
    assert before == set() and after == {SelfEfficacyPhase.START}


def test_my_matches_lists_only_the_actors_matches_with_unread_counts(engine) -> None:
    mine = pair(engine)
    other = pair(engine)
    with write_transaction(engine) as session:
        ws.send_message(session, actor=mine.mentor, application_id=mine.application_id, body="Hi")
        ws.send_message(session, actor=mine.mentor, application_id=mine.application_id, body="?")
    with read_session(engine) as session:
        as_student = ws.my_matches(session, actor=mine.student)
        as_mentor = ws.my_matches(session, actor=mine.mentor)
    assert [(m.application_id, m.is_student, m.unread) for m in as_student] == [
        (mine.application_id, True, 2)
    ]
    assert [(m.application_id, m.is_student, m.unread) for m in as_mentor] == [
        (mine.application_id, False, 0)
    ]
    assert other.application_id not in {m.application_id for m in as_student + as_mentor}
    assert as_student[0].other_name == mine.mentor.display_name


def test_printable_passport_shows_names_as_text(engine) -> None:
    p = pair(engine, status=ApplicationStatus.COMPLETED)
    with write_transaction(engine) as session:
        project_row = session.get(Project, p.project_id)
        project_row.title = "<script>alert(1)</script> Data"
    with read_session(engine) as session:
        page = documents.passport_html_text(
            p.student.display_name,
            documents.student_passport(session, actor=p.student, student_id=p.student.id),
        )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Data" in page
    assert "<script>" not in page
    assert p.student.display_name in page


def test_the_app_flags_at_risk_matches_lazily_and_at_most_once_per_interval(engine) -> None:
    from core.platform.throttle import forget_checks

    silent = pair(engine, start=TODAY - timedelta(days=40), approved_days_ago=40)
    forget_checks()
    assert ws.flag_at_risk_if_due(engine, min_interval_seconds=3600) == 1
    assert ws.flag_at_risk_if_due(engine, min_interval_seconds=3600) == 0  # checked too soon
    assert ws.flag_at_risk_if_due(engine, min_interval_seconds=0) == 0  # already flagged
    kinds = [n.kind for n in notifications_of(engine, silent.student.id)]
    assert kinds.count(ws.AT_RISK_KIND) == 1
