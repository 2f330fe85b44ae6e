"""Application services: every move, refused moves, seats, hours, auto-withdraw, expiry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from core import applications as apps
from core.applications import student as apps_student
from core.models import Application, ApplicationStatus, Project, ProjectStatus, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import (
    CapacityExceeded,
    InvalidTransition,
    NotFound,
    OverCommitted,
    PermissionDenied,
    ValidationFailed,
)
from core.platform.throttle import forget_checks
from tests import factories as h

S = ApplicationStatus
TODAY = date.today()


@dataclass
class Scene:
    engine: Engine
    mentor: User
    faculty: User
    student: User
    project: Project


def _scene(engine: Engine, **project_kw) -> Scene:
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        faculty = h.user(session, Role.FACULTY)
        student = h.user(session, Role.STUDENT, weekly_hours=8)
        project = h.project(session, mentor, **project_kw)
    return Scene(engine, mentor, faculty, student, project)


def _add(engine: Engine, student: User, project: Project, status=S.SUBMITTED, **kw) -> int:
    with write_transaction(engine) as session:
        target = session.get(Project, project.id)
        found = h.application(session, student, target, status, **kw)
        return found.id


def _student(engine: Engine, **kw) -> User:
    return h.build(engine, lambda s: h.user(s, Role.STUDENT, **kw))


def _project(engine: Engine, owner: User, **kw) -> Project:
    return h.build(engine, lambda s: h.project(s, owner, **kw))


def _apply(scene: Scene, student: User | None = None, **kw) -> Application:
    kw.setdefault("statement", h.STATEMENT)
    with write_transaction(scene.engine) as session:
        return apps.apply(
            session, actor=student or scene.student, project_id=scene.project.id, **kw
        )


def _do(engine: Engine, fn, **kw):
    with write_transaction(engine) as session:
        return fn(session, **kw)


# ---------------------------------------------------------------------------- apply


def test_student_applies_one_audit_row_and_the_mentor_is_told(engine):
    scene = _scene(engine)
    application = _apply(scene)
    assert application.status is S.SUBMITTED
    rows = h.audit_rows(engine, entity="application", entity_id=application.id)
    assert [(r.action, r.before, r.after, r.actor_id) for r in rows] == [
        ("application.apply", None, '{"status": "submitted"}', scene.student.id)
    ]
    (note,) = h.notifications_of(engine, scene.mentor.id)
    assert scene.project.title in note.text and scene.student.display_name in note.text


def test_blind_student_is_named_by_pseudonym_to_the_mentor(engine):
    scene = _scene(engine)
    blind = _student(engine, blind_review=True)
    _apply(scene, blind)
    (note,) = h.notifications_of(engine, scene.mentor.id)
    assert blind.pseudonym in note.text and blind.display_name not in note.text


def test_statement_is_stored_stripped(engine):
    scene = _scene(engine)
    application = _apply(scene, statement="   " + h.STATEMENT + "  \n")
    assert application.statement == h.STATEMENT


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"statement": "too short"}, "statement"),
        ({"statement": " " * 60}, "statement"),
        ({"statement": "x" * 2001}, "statement"),
    ],
)
def test_bad_statement_is_refused_and_nothing_is_written(engine, kw, field):
    scene = _scene(engine)
    before = h.counts(engine)
    with pytest.raises(ValidationFailed) as error:
        _apply(scene, **kw)
    assert field in error.value.fields
    assert h.counts(engine) == before


def test_screening_answer_is_required_when_the_project_asks(engine):
    scene = _scene(engine, question="Which tools have you used?")
    with pytest.raises(ValidationFailed) as error:
        _apply(scene, screening_answer="   ")
    assert "screening_answer" in error.value.fields
    assert _apply(scene, screening_answer=" pandas ").screening_answer == "pandas"


def test_answer_without_a_question_is_not_stored(engine):
    scene = _scene(engine)
    assert _apply(scene, screening_answer="unasked").screening_answer is None


def test_one_live_application_per_project(engine):
    scene = _scene(engine)
    _apply(scene)
    with pytest.raises(InvalidTransition, match="already have a live application"):
        _apply(scene)


def test_reapplying_after_withdrawing_is_allowed(engine):
    scene = _scene(engine)
    first = _apply(scene)
    _do(engine, apps.withdraw, actor=scene.student, application_id=first.id)
    assert _apply(scene).id != first.id


def test_unique_index_is_the_fallback_for_a_duplicate(engine, monkeypatch):
    scene = _scene(engine)
    _apply(scene)
    monkeypatch.setattr(apps_student, "_live_application", lambda *a: None)
    with pytest.raises(InvalidTransition, match="already have a live application"):
        _apply(scene)


@pytest.mark.parametrize(
    "status", [ProjectStatus.CLOSED, ProjectStatus.CANCELLED, ProjectStatus.IN_PROGRESS]
)
def test_only_open_projects_take_applications(engine, status):
    scene = _scene(engine, status=status)
    with pytest.raises(InvalidTransition, match="not taking applications"):
        _apply(scene)


def test_draft_projects_are_invisible(engine):
    scene = _scene(engine, status=ProjectStatus.DRAFT)
    with pytest.raises(NotFound):
        _apply(scene)


def test_applying_after_the_deadline_is_refused_on_the_deadline_it_is_not(engine):
    scene = _scene(engine, deadline=TODAY)
    late = TODAY + timedelta(days=1)
    with pytest.raises(InvalidTransition, match="closed on"):
        _apply(scene, today=late)
    assert _apply(scene, today=TODAY).status is S.SUBMITTED


def test_applying_beyond_free_hours_is_refused_with_the_week(engine):
    scene = _scene(engine, student_hours=5)
    other = _project(engine, scene.mentor, student_hours=4)  # same weeks
    _add(engine, scene.student, other, S.APPROVED)
    with pytest.raises(OverCommitted, match=r"would need 9 hours: 4 already committed \+ 5"):
        _apply(scene)


def test_pending_applications_only_warn(engine):
    scene = _scene(engine, student_hours=5)
    other = _project(engine, scene.mentor, student_hours=4)
    _add(engine, scene.student, other, S.SUBMITTED)
    _apply(scene)
    with read_session(engine) as session:
        warnings = apps.apply_warnings(session, actor=scene.student, project_id=scene.project.id)
    assert len(warnings) == 1 and "would need 9 hours" in warnings[0]
    assert warnings[0].startswith("If your 1 pending application was approved, week ")
    # The week is named with its Monday, not only its ISO number.
    assert re.search(r"week \d{4}-W\d{2} \(\d{2} [A-Z][a-z]{2}\) would need 9 hours", warnings[0])
    assert warnings[0].endswith("Approval of one may withdraw the other.")


def test_no_warning_without_pending_overlap(engine):
    scene = _scene(engine)
    with read_session(engine) as session:
        assert apps.apply_warnings(session, actor=scene.student, project_id=scene.project.id) == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    statement=st.one_of(
        st.text(max_size=49),
        st.text(min_size=2001, max_size=2100),
        st.builds(
            lambda pad, core: pad + core + pad,
            st.sampled_from([" ", "\n", "\t "]),
            st.text(alphabet="ab ", max_size=40),
        ),
    )
)
def test_apply_refuses_any_bad_statement_and_writes_nothing(sqlite_engine, statement):
    if 50 <= len(statement.strip()) <= 2000:
        return
    scene = _scene(sqlite_engine)
    before = h.counts(sqlite_engine)
    with pytest.raises(ValidationFailed):
        _apply(scene, statement=statement)
    assert h.counts(sqlite_engine) == before


# ---------------------------------------------------------------------------- mentor moves


def test_accept_takes_a_seat_and_tells_the_student(engine):
    scene = _scene(engine, seats=2)
    app_id = _add(engine, scene.student, scene.project)
    accepted = _do(engine, apps.accept, actor=scene.mentor, application_id=app_id)
    assert accepted.status is S.ACCEPTED and accepted.accepted_at is not None
    assert h.filled_of(engine, scene.project.id) == 1
    (row,) = h.audit_rows(engine, entity="application", entity_id=app_id)
    assert row.action == "application.accept" and row.before == '{"status": "submitted"}'
    assert [n.kind for n in h.notifications_of(engine, scene.student.id)] == [
        "application.accepted"
    ]


def test_accept_from_the_waitlist(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.WAITLISTED)
    assert _do(engine, apps.accept, actor=scene.mentor, application_id=app_id).status is S.ACCEPTED


def test_accept_with_no_free_seat_is_refused(engine):
    scene = _scene(engine, seats=1)
    _add(engine, _student(engine), scene.project, S.ACCEPTED)
    app_id = _add(engine, scene.student, scene.project)
    before = h.counts(engine)
    with pytest.raises(CapacityExceeded, match="All 1 seats"):
        _do(engine, apps.accept, actor=scene.mentor, application_id=app_id)
    assert h.counts(engine) == before and h.filled_of(engine, scene.project.id) == 1


def test_accept_rechecks_the_students_hours(engine):
    scene = _scene(engine, student_hours=5)
    app_id = _add(engine, scene.student, scene.project)
    _add(engine, scene.student, _project(engine, scene.mentor, student_hours=4), S.APPROVED)
    with pytest.raises(OverCommitted):
        _do(engine, apps.accept, actor=scene.mentor, application_id=app_id)
    assert h.filled_of(engine, scene.project.id) == 0


def test_waitlist_and_decline_tell_the_student(engine):
    scene = _scene(engine)
    one = _add(engine, scene.student, scene.project)
    other = _student(engine)
    two = _add(engine, other, scene.project)
    assert _do(engine, apps.waitlist, actor=scene.mentor, application_id=one).status is S.WAITLISTED
    declined = _do(
        engine, apps.decline, actor=scene.mentor, application_id=two, note=" Not this term. "
    )
    assert declined.status is S.DECLINED and declined.mentor_note == "Not this term."
    assert "Not this term." in h.notifications_of(engine, other.id)[-1].text
    assert h.notifications_of(engine, scene.student.id)[-1].kind == "application.waitlisted"


@pytest.mark.parametrize(
    ("fn", "status", "message"),
    [
        (apps.accept, S.DECLINED, "declined, so it cannot be accepted"),
        (apps.accept, S.ACCEPTED, "accepted, so it cannot be accepted"),
        (apps.waitlist, S.WAITLISTED, "waitlisted, so it cannot be waitlisted"),
        (apps.decline, S.WAITLISTED, "waitlisted, so it cannot be declined"),
        (apps.decline, S.APPROVED, "approved, so it cannot be declined"),
    ],
)
def test_mentor_moves_from_the_wrong_state_are_refused(engine, fn, status, message):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, status)
    before = h.counts(engine)
    with pytest.raises(InvalidTransition, match=message):
        _do(engine, fn, actor=scene.mentor, application_id=app_id)
    assert h.counts(engine) == before


# ---------------------------------------------------------------------------- faculty moves


def test_approve_makes_a_match_and_tells_both(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    approved = _do(engine, apps.approve, actor=scene.faculty, application_id=app_id)
    assert approved.status is S.APPROVED
    assert approved.approved_by == scene.faculty.id and approved.approved_at is not None
    assert h.filled_of(engine, scene.project.id) == 1
    (row,) = h.audit_rows(engine, entity="application", entity_id=app_id)
    assert row.action == "application.approve" and row.after == '{"status": "approved"}'
    assert h.notifications_of(engine, scene.student.id)[-1].kind == "application.approved"
    assert h.notifications_of(engine, scene.mentor.id)[-1].kind == "application.approved"


def test_approve_rechecks_hours(engine):
    scene = _scene(engine, student_hours=5)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    _add(engine, scene.student, _project(engine, scene.mentor, student_hours=4), S.APPROVED)
    with pytest.raises(OverCommitted, match="over the student's 8 available hours"):
        _do(engine, apps.approve, actor=scene.faculty, application_id=app_id)
    assert h.status_of(engine, app_id) is S.ACCEPTED


def test_approve_only_from_accepted(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.SUBMITTED)
    with pytest.raises(InvalidTransition, match="submitted, so it cannot be approved"):
        _do(engine, apps.approve, actor=scene.faculty, application_id=app_id)


def test_approval_withdraws_what_no_longer_fits_and_promotes_the_waitlist(engine):
    scene = _scene(engine, student_hours=5)
    other_mentor = h.build(engine, lambda s: h.user(s, Role.ALUMNI))
    clash = _project(engine, other_mentor, student_hours=4, seats=1)  # same weeks: 9 > 8
    later = _project(
        engine, other_mentor, student_hours=4, start=TODAY + timedelta(days=120)
    )  # other weeks: still fits
    waiting_student = _student(engine)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    clash_id = _add(engine, scene.student, clash, S.ACCEPTED)
    later_id = _add(engine, scene.student, later, S.SUBMITTED)
    waiting_id = _add(engine, waiting_student, clash, S.WAITLISTED)

    _do(engine, apps.approve, actor=scene.faculty, application_id=app_id)

    assert h.status_of(engine, clash_id) is S.WITHDRAWN
    assert h.status_of(engine, later_id) is S.SUBMITTED
    assert h.status_of(engine, waiting_id) is S.ACCEPTED
    assert h.filled_of(engine, clash.id) == 1
    (withdrawn,) = h.audit_rows(engine, entity="application", entity_id=clash_id)
    assert withdrawn.actor_id is None and withdrawn.action == "application.auto_withdraw"
    assert withdrawn.detail == apps.NO_LONGER_FITS
    (promoted,) = h.audit_rows(engine, entity="application", entity_id=waiting_id)
    assert promoted.actor_id is None and promoted.action == "application.promote"
    mentor_kinds = [n.kind for n in h.notifications_of(engine, other_mentor.id)]
    assert mentor_kinds == ["application.withdrawn", "application.promoted"]
    assert h.notifications_of(engine, waiting_student.id)[-1].kind == "application.promoted"
    with Session_(engine) as session:
        assert session.get(Application, clash_id).reason == apps.NO_LONGER_FITS


def Session_(engine):  # noqa: N802 - small alias for a read session in assertions
    return read_session(engine)


def test_reject_needs_a_reason_and_frees_the_seat_for_the_waitlist(engine):
    scene = _scene(engine, seats=1)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    waiting = _student(engine)
    too_busy = _student(engine, weekly_hours=2)
    busy_id = _add(engine, too_busy, scene.project, S.WAITLISTED)  # earlier, but 3 h > 2 h
    waiting_id = _add(engine, waiting, scene.project, S.WAITLISTED)
    with pytest.raises(ValidationFailed, match="reason"):
        _do(engine, apps.reject, actor=scene.faculty, application_id=app_id, reason="  ")
    assert h.status_of(engine, app_id) is S.ACCEPTED
    rejected = _do(
        engine,
        apps.reject,
        actor=scene.faculty,
        application_id=app_id,
        reason="Project scope too big",
    )
    assert rejected.status is S.REJECTED and rejected.reason == "Project scope too big"
    assert h.status_of(engine, waiting_id) is S.ACCEPTED
    assert h.status_of(engine, busy_id) is S.WAITLISTED
    assert h.filled_of(engine, scene.project.id) == 1
    assert "Project scope too big" in h.notifications_of(engine, scene.student.id)[-1].text


# ---------------------------------------------------------------------------- student and pair


@pytest.mark.parametrize("status", [S.SUBMITTED, S.WAITLISTED, S.ACCEPTED])
def test_student_withdraws_a_live_application(engine, status):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, status)
    withdrawn = _do(engine, apps.withdraw, actor=scene.student, application_id=app_id)
    assert withdrawn.status is S.WITHDRAWN
    assert h.filled_of(engine, scene.project.id) == 0
    assert h.notifications_of(engine, scene.mentor.id)[-1].kind == "application.withdrawn"
    assert len(h.audit_rows(engine, entity="application", entity_id=app_id)) == 1


def test_withdrawing_an_accepted_application_promotes_the_earliest_waitlisted(engine):
    scene = _scene(engine, seats=1)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    first, second = _student(engine), _student(engine)
    first_id = _add(engine, first, scene.project, S.WAITLISTED)
    second_id = _add(engine, second, scene.project, S.WAITLISTED)
    _do(engine, apps.withdraw, actor=scene.student, application_id=app_id)
    assert h.status_of(engine, first_id) is S.ACCEPTED
    assert h.status_of(engine, second_id) is S.WAITLISTED
    assert h.filled_of(engine, scene.project.id) == 1


def test_a_match_cannot_be_withdrawn(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.APPROVED)
    with pytest.raises(InvalidTransition, match="approved, so it cannot be withdrawn"):
        _do(engine, apps.withdraw, actor=scene.student, application_id=app_id)


def test_complete_at_or_after_the_end_date_only(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.APPROVED)
    end = scene.project.end_date
    with pytest.raises(InvalidTransition, match="can be completed from then on"):
        _do(
            engine,
            apps.complete_match,
            actor=scene.mentor,
            application_id=app_id,
            today=end - timedelta(days=1),
        )
    done = _do(engine, apps.complete_match, actor=scene.mentor, application_id=app_id, today=end)
    assert done.status is S.COMPLETED
    assert h.filled_of(engine, scene.project.id) == 0
    assert h.notifications_of(engine, scene.student.id)[-1].kind == "application.completed"


@pytest.mark.parametrize("by", ["student", "mentor"])
def test_either_party_ends_a_match_early_with_a_reason(engine, by):
    scene = _scene(engine, seats=1)
    app_id = _add(engine, scene.student, scene.project, S.APPROVED)
    waiting_id = _add(engine, _student(engine), scene.project, S.WAITLISTED)
    actor = scene.student if by == "student" else scene.mentor
    other = scene.mentor if by == "student" else scene.student
    with pytest.raises(ValidationFailed):
        _do(engine, apps.end_early, actor=actor, application_id=app_id, reason="")
    ended = _do(engine, apps.end_early, actor=actor, application_id=app_id, reason="Moved abroad")
    assert ended.status is S.ENDED_EARLY and ended.reason == "Moved abroad"
    assert "application.ended_early" in [n.kind for n in h.notifications_of(engine, other.id)]
    assert h.status_of(engine, waiting_id) is S.ACCEPTED
    assert h.filled_of(engine, scene.project.id) == 1


def test_ending_early_only_from_a_match(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project, S.ACCEPTED)
    with pytest.raises(InvalidTransition, match="accepted, so it cannot be ended early"):
        _do(engine, apps.end_early, actor=scene.student, application_id=app_id, reason="x")


def test_missing_application_is_not_found(engine):
    scene = _scene(engine)
    with pytest.raises(NotFound):
        _do(engine, apps.withdraw, actor=scene.student, application_id=999_999)


# ---------------------------------------------------------------------------- expiry


def test_expiry_14_days_after_the_deadline_is_idempotent(engine):
    scene = _scene(engine)
    deadline = scene.project.deadline
    submitted = _add(engine, scene.student, scene.project, S.SUBMITTED)
    waitlisted = _add(engine, _student(engine), scene.project, S.WAITLISTED)
    accepted = _add(engine, _student(engine), scene.project, S.ACCEPTED)
    day_13 = deadline + timedelta(days=13)
    day_14 = deadline + timedelta(days=14)
    assert _do(engine, apps.expire_stale, today=day_13) == 0
    assert _do(engine, apps.expire_stale, today=day_14) == 2
    assert _do(engine, apps.expire_stale, today=day_14) == 0
    assert h.status_of(engine, submitted) is S.EXPIRED
    assert h.status_of(engine, waitlisted) is S.EXPIRED
    assert h.status_of(engine, accepted) is S.ACCEPTED
    (row,) = h.audit_rows(engine, entity="application", entity_id=submitted)
    assert row.actor_id is None and row.after == '{"status": "expired"}'
    assert h.notifications_of(engine, scene.student.id)[-1].kind == "application.expired"


@pytest.mark.parametrize("status", [ProjectStatus.CLOSED, ProjectStatus.CANCELLED])
def test_closed_or_cancelled_projects_expire_their_undecided_applications(engine, status):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project)
    with write_transaction(engine) as session:
        session.get(Project, scene.project.id).status = status
    assert _do(engine, apps.expire_stale) == 1
    assert h.status_of(engine, app_id) is S.EXPIRED
    assert status.value in h.notifications_of(engine, scene.student.id)[-1].text


def test_expire_if_due_checks_cheaply_and_runs_only_when_due(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project)
    before = h.counts(engine)
    assert apps.expire_if_due(engine, min_interval_seconds=0) == 0
    assert h.counts(engine) == before
    late = scene.project.deadline + timedelta(days=14)
    assert apps.expire_if_due(engine, today=late, min_interval_seconds=0) == 1
    assert h.status_of(engine, app_id) is S.EXPIRED
    assert apps.expire_if_due(engine, today=late, min_interval_seconds=0) == 0


def test_expire_if_due_is_throttled(engine):
    scene = _scene(engine)
    _add(engine, scene.student, scene.project)
    late = scene.project.deadline + timedelta(days=14)
    forget_checks()
    assert apps.expire_if_due(engine, today=TODAY, min_interval_seconds=60) == 0
    assert apps.expire_if_due(engine, today=late, min_interval_seconds=60) == 0  # too soon
    assert apps.expire_if_due(engine, today=late, min_interval_seconds=0) == 1


def test_cli_expire_prints_the_count(sqlite_engine, monkeypatch, capsys):
    from core import cli

    scene = _scene(sqlite_engine)
    _add(sqlite_engine, scene.student, scene.project)
    with write_transaction(sqlite_engine) as session:
        session.get(Project, scene.project.id).status = ProjectStatus.CLOSED
    monkeypatch.setattr(cli, "_engine", lambda: sqlite_engine)
    assert cli.main(["expire"]) == 0
    assert "Expired 1 application." in capsys.readouterr().out


# ---------------------------------------------------------------------------- reads


def test_my_applications_list_titles_and_statuses(engine):
    scene = _scene(engine)
    app_id = _add(engine, scene.student, scene.project)
    _add(engine, _student(engine), scene.project)  # someone else's
    with read_session(engine) as session:
        mine = apps.list_my_applications(session, actor=scene.student)
    assert [(m.id, m.project_title, m.status) for m in mine] == [
        (app_id, scene.project.title, S.SUBMITTED)
    ]
    assert mine[0].deadline == scene.project.deadline


def test_timeline_follows_the_audit_rows(engine):
    scene = _scene(engine)
    application = _apply(scene)
    _do(engine, apps.accept, actor=scene.mentor, application_id=application.id)
    _do(engine, apps.approve, actor=scene.faculty, application_id=application.id)
    for viewer in (scene.student, scene.mentor, scene.faculty):
        with read_session(engine) as session:
            steps = apps.application_timeline(session, actor=viewer, application_id=application.id)
        assert [(s.before, s.after) for s in steps] == [
            (None, "submitted"),
            ("submitted", "accepted"),
            ("accepted", "approved"),
        ]
        assert [s.actor_role for s in steps] == ["student", "alumni", "faculty"]


def test_applicants_show_fit_interests_and_pseudonyms(engine):
    scene = _scene(engine, tag_names=["python", "data"], student_hours=3)
    blind = _student(engine, blind_review=True, weekly_hours=4)
    h.build(engine, lambda s: h.interests(s, scene.student, ["python", "music"]))
    _add(engine, blind, _project(engine, scene.mentor, student_hours=2), S.APPROVED)
    _add(engine, scene.student, scene.project)
    _add(engine, blind, scene.project)
    with read_session(engine) as session:
        seen = apps.list_applicants(session, actor=scene.mentor, project_id=scene.project.id)
    by_id = {a.student_id: a for a in seen}
    open_one, hidden = by_id[scene.student.id], by_id[blind.id]
    assert open_one.name == scene.student.display_name and not open_one.blind
    assert open_one.interests == ("music", "python") and open_one.shared_tags == ("python",)
    assert open_one.least_free_hours == 8 and open_one.fits
    assert hidden.name == blind.pseudonym and hidden.blind
    assert hidden.least_free_hours == 2 and not hidden.fits


def test_applicants_reads_are_batched(engine):
    from sqlalchemy import event

    scene = _scene(engine, tag_names=["python"])
    for _ in range(6):
        _add(engine, _student(engine), scene.project)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with read_session(engine) as session:
        assert (
            len(apps.list_applicants(session, actor=scene.mentor, project_id=scene.project.id)) == 6
        )
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 5


def test_approval_queue_oldest_first_in_scope(engine):
    scene = _scene(engine)
    other_dept = h.build(engine, lambda s: h.user(s, Role.ALUMNI, department="History"))
    history = _project(engine, other_dept, department="History")
    own = _project(engine, scene.faculty)  # the faculty member mentors this one
    first = _add(engine, scene.student, scene.project, S.ACCEPTED)
    second = _add(engine, _student(engine), scene.project, S.ACCEPTED)
    _add(engine, _student(engine), history, S.ACCEPTED)
    _add(engine, _student(engine), own, S.ACCEPTED)
    _add(engine, _student(engine), scene.project, S.SUBMITTED)
    with read_session(engine) as session:
        queue = apps.approval_queue(session, actor=scene.faculty)
    assert [q.application_id for q in queue] == [first, second]
    assert queue[0].mentor_name == scene.mentor.display_name and queue[0].fits
    wide = h.build(engine, lambda s: h.user(s, Role.FACULTY, program_wide=True))
    admin = h.build(engine, lambda s: h.user(s, Role.ADMIN))
    with read_session(engine) as session:
        assert len(apps.approval_queue(session, actor=wide)) == 4
        assert len(apps.approval_queue(session, actor=admin)) == 4


def test_students_have_no_approval_queue(engine):
    scene = _scene(engine)
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        apps.approval_queue(session, actor=scene.student)
