"""The project lifecycle on SQLite and PostgreSQL: moves, budget, edits, visibility, audit."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, col, select

from core import projects
from core.commitment import Commitment, week_label, week_start
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    MilestoneBlueprint,
    Notification,
    Project,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
)
from core.platform.db import read_session, write_transaction
from core.platform.errors import (
    InvalidTransition,
    NotFound,
    OverBudget,
    PermissionDenied,
    ValidationFailed,
)
from tests.factories import make_open_project, make_user, project_input, project_input_data

TODAY = date.today()
COUNTED = (Project, ProjectTag, Tag, MilestoneBlueprint, AuditEntry, Notification, Application)


def counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in COUNTED
        }


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def apply(session: Session, project: Project, student: User, status: ApplicationStatus) -> None:
    assert project.id is not None and student.id is not None
    session.add(
        Application(
            project_id=project.id,
            student_id=student.id,
            status=status,
            statement="I would like to learn this. " * 3,
        )
    )
    if status in (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED):
        project.filled += 1
        session.add(project)
    session.flush()


@pytest.fixture
def mentor(engine) -> User:
    with write_transaction(engine) as session:
        return make_user(session, Role.ALUMNI, weekly_hours=4.0)


# ---------------------------------------------------------------------------- create and read


def test_a_mentor_creates_a_draft_with_normalised_tags_and_ordered_milestones(engine, mentor):
    with write_transaction(engine) as session:
        project = projects.create_project(
            session,
            actor=mentor,
            data=project_input(
                tags=["Machine  Learning", "python", "PYTHON"],
                milestones=[("Scope", 1), ("Prototype", 2), ("Demo", 4)],
            ),
        )
    with read_session(engine) as session:
        stored = session.get(Project, project.id)
        assert stored is not None
        assert stored.status is ProjectStatus.DRAFT
        assert stored.owner_id == mentor.id
        assert stored.end_date == stored.start_date + timedelta(days=27)
        assert projects.project_tags(session, [project.id]) == {
            project.id: ["machine-learning", "python"]
        }
        blueprint = projects.milestone_blueprint(session, project.id)
        assert [(m.position, m.title, m.due_week) for m in blueprint] == [
            (1, "Scope", 1),
            (2, "Prototype", 2),
            (3, "Demo", 4),
        ]
        [entry] = audit_rows(session, "project.create")
        assert entry.actor_id == mentor.id and entry.entity_id == project.id
        assert json.loads(entry.after or "{}")["status"] == "draft"


def test_text_is_stored_exactly_as_typed_markup_included(engine, mentor):
    markup = "<script>alert('hi')</script> <img src=x onerror=alert(1)> **bold**"
    with write_transaction(engine) as session:
        project = projects.create_project(
            session, actor=mentor, data=project_input(description=markup, summary=markup)
        )
    with read_session(engine) as session:
        stored = session.get(Project, project.id)
        assert stored is not None and stored.description == markup and stored.summary == markup


def test_tags_are_shared_between_projects(engine, mentor):
    with write_transaction(engine) as session:
        a = projects.create_project(session, actor=mentor, data=project_input(tags=["SQL"]))
        b = projects.create_project(session, actor=mentor, data=project_input(tags=["sql", "go"]))
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Tag)).one() == 2
        assert projects.project_tags(session, [a.id, b.id, 999]) == {
            a.id: ["sql"],
            b.id: ["go", "sql"],
            999: [],
        }


def test_drafts_are_hidden_from_everyone_but_the_owner_and_admins(engine, mentor):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
        other_mentor = make_user(session, Role.FACULTY)
        admin = make_user(session, Role.ADMIN)
        draft = projects.create_project(session, actor=mentor, data=project_input())
    for outsider in (student, other_mentor):
        with pytest.raises(NotFound, match="does not exist"), read_session(engine) as session:
            projects.get_project(session, actor=outsider, project_id=draft.id)
    with read_session(engine) as session:
        assert projects.get_project(session, actor=mentor, project_id=draft.id).id == draft.id
        assert projects.get_project(session, actor=admin, project_id=draft.id).id == draft.id
        refusals = list(session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")))
        assert {r.actor_id for r in refusals} == {student.id, other_mentor.id}
    with write_transaction(engine) as session:
        projects.publish_project(session, actor=mentor, project_id=draft.id)
    with read_session(engine) as session:
        assert projects.get_project(session, actor=student, project_id=draft.id).id == draft.id


def test_a_missing_project_is_not_found(engine, mentor):
    with pytest.raises(NotFound), read_session(engine) as session:
        projects.get_project(session, actor=mentor, project_id=12345)


def test_list_my_projects_counts_waiting_applicants_in_one_query(engine, mentor):
    with write_transaction(engine) as session:
        students = [make_user(session, Role.STUDENT) for _ in range(3)]
        busy = make_open_project(session, mentor, title="Busy project", seats=3)
        quiet = make_open_project(session, mentor, title="Quiet project")
        projects.create_project(session, actor=mentor, data=project_input(title="A draft"))
        apply(session, busy, students[0], ApplicationStatus.SUBMITTED)
        apply(session, busy, students[1], ApplicationStatus.SUBMITTED)
        apply(session, busy, students[2], ApplicationStatus.ACCEPTED)
        apply(session, quiet, students[0], ApplicationStatus.DECLINED)
        other = make_user(session, Role.FACULTY)
        make_open_project(session, other, title="Not mine")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with read_session(engine) as session:
        event.listen(engine, "before_cursor_execute", count)
        try:
            rows = projects.list_my_projects(session, actor=mentor)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    by_title = {row.title: row for row in rows}
    assert set(by_title) == {"Busy project", "Quiet project", "A draft"}
    assert (by_title["Busy project"].waiting, by_title["Busy project"].filled) == (2, 1)
    assert by_title["Busy project"].seats == 3
    assert by_title["Quiet project"].waiting == 0
    assert by_title["A draft"].status is ProjectStatus.DRAFT


# ---------------------------------------------------------------------------- lifecycle


def test_a_project_runs_from_draft_to_completed(engine, mentor):
    with write_transaction(engine) as session:
        draft = projects.create_project(session, actor=mentor, data=project_input())
        project_id = draft.id
    steps = [
        (projects.publish_project, ProjectStatus.OPEN, {}),
        (projects.close_project, ProjectStatus.CLOSED, {}),
        (projects.start_project, ProjectStatus.IN_PROGRESS, {}),
        (projects.complete_project, ProjectStatus.COMPLETED, {"today": draft.end_date}),
    ]
    for service, expected, extra in steps:
        with write_transaction(engine) as session:
            moved = service(session, actor=mentor, project_id=project_id, **extra)
            assert moved.status is expected
    with read_session(engine) as session:
        actions = list(
            session.exec(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "project")
                .order_by(col(AuditEntry.id))
            )
        )
        assert actions == [
            "project.create",
            "project.publish",
            "project.close",
            "project.start",
            "project.complete",
        ]
        stored = session.get(Project, project_id)
        assert stored is not None and stored.published_at is not None


def test_only_a_draft_can_be_published(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
    with pytest.raises(InvalidTransition) as refused, write_transaction(engine) as session:
        projects.publish_project(session, actor=mentor, project_id=project.id)
    assert refused.value.message == "Only a draft can be published; this project is open."


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (projects.close_project, "Only an open project can be closed; this project is draft."),
        (
            projects.start_project,
            "Only an open or closed project can be started; this project is draft.",
        ),
        (
            projects.complete_project,
            "Only a project in progress can be completed; this project is draft.",
        ),
    ],
)
def test_moves_a_draft_cannot_make_are_refused_with_a_clear_message(
    engine, mentor, service, message
):
    with write_transaction(engine) as session:
        draft = projects.create_project(session, actor=mentor, data=project_input())
    before = counts(engine)
    with pytest.raises(InvalidTransition) as refused, write_transaction(engine) as session:
        service(session, actor=mentor, project_id=draft.id)
    assert refused.value.message == message
    assert counts(engine) == before


def test_a_cancelled_project_cannot_be_cancelled_or_reopened(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        projects.cancel_project(session, actor=mentor, project_id=project.id)
    for service in (projects.cancel_project, projects.close_project, projects.publish_project):
        with pytest.raises(InvalidTransition), write_transaction(engine) as session:
            service(session, actor=mentor, project_id=project.id)


def test_completing_before_the_end_date_is_refused(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        projects.start_project(session, actor=mentor, project_id=project.id)
    with pytest.raises(InvalidTransition, match="runs until"), write_transaction(engine) as session:
        projects.complete_project(
            session, actor=mentor, project_id=project.id, today=project.end_date - timedelta(1)
        )


def test_publishing_needs_a_start_and_deadline_today_or_later(engine, mentor):
    with write_transaction(engine) as session:
        late = projects.create_project(
            session,
            actor=mentor,
            data=project_input(start_date=TODAY - timedelta(1), deadline=TODAY - timedelta(3)),
        )
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        projects.publish_project(session, actor=mentor, project_id=late.id)
    assert set(refused.value.fields) == {"start_date", "deadline"}


def test_closing_expires_pending_applications_and_tells_their_students(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        waiting, listed, accepted = (make_user(session, Role.STUDENT) for _ in range(3))
        apply(session, project, waiting, ApplicationStatus.SUBMITTED)
        apply(session, project, listed, ApplicationStatus.WAITLISTED)
        apply(session, project, accepted, ApplicationStatus.ACCEPTED)
    with write_transaction(engine) as session:
        projects.close_project(session, actor=mentor, project_id=project.id)
    with read_session(engine) as session:
        statuses = dict(session.exec(select(Application.student_id, Application.status)).all())
        assert statuses == {
            waiting.id: ApplicationStatus.EXPIRED,
            listed.id: ApplicationStatus.EXPIRED,
            accepted.id: ApplicationStatus.ACCEPTED,
        }
        told = list(
            session.exec(
                select(Notification.user_id).where(Notification.kind == "application.expired")
            )
        )
        assert sorted(told) == sorted([waiting.id, listed.id])
        assert len(audit_rows(session, "application.expire")) == 2
        assert len(audit_rows(session, "project.close")) == 1
        stored = session.get(Project, project.id)
        assert stored is not None and stored.filled == 1


def test_cancelling_expires_accepted_applications_too_and_frees_their_seats(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        waiting, accepted = make_user(session, Role.STUDENT), make_user(session, Role.STUDENT)
        apply(session, project, waiting, ApplicationStatus.SUBMITTED)
        apply(session, project, accepted, ApplicationStatus.ACCEPTED)
    with write_transaction(engine) as session:
        projects.cancel_project(
            session, actor=mentor, project_id=project.id, reason="I changed jobs"
        )
    with read_session(engine) as session:
        assert set(session.exec(select(Application.status))) == {ApplicationStatus.EXPIRED}
        stored = session.get(Project, project.id)
        assert stored is not None
        assert (stored.status, stored.filled) == (ProjectStatus.CANCELLED, 0)
        [entry] = audit_rows(session, "project.cancel")
        assert entry.detail == "I changed jobs"
        assert json.loads(entry.before or "{}") == {"status": "open"}
        assert json.loads(entry.after or "{}") == {"status": "cancelled"}
        texts = list(
            session.exec(select(Notification.text).where(Notification.user_id == accepted.id))
        )
        assert any("I changed jobs" in text for text in texts)


def test_an_admin_move_is_audited_under_the_admin_and_tells_the_mentor(engine, mentor):
    with write_transaction(engine) as session:
        admin = make_user(session, Role.ADMIN)
        project = make_open_project(session, mentor)
    with write_transaction(engine) as session:
        projects.close_project(session, actor=admin, project_id=project.id)
    with read_session(engine) as session:
        [entry] = audit_rows(session, "project.close")
        assert (entry.actor_id, entry.actor_role) == (admin.id, "admin")
        [note] = session.exec(select(Notification).where(Notification.user_id == mentor.id))
        assert note.kind == "project.closed"


# ---------------------------------------------------------------------------- budget


def test_publishing_over_budget_names_the_first_week(engine, mentor):
    start_a = TODAY + timedelta(days=14)
    start_b = TODAY + timedelta(days=28)
    with write_transaction(engine) as session:
        make_open_project(
            session,
            mentor,
            mentor_hours=3.0,
            start_date=start_a,
            deadline=start_a - timedelta(7),
            duration_weeks=4,
        )
        second = projects.create_project(
            session,
            actor=mentor,
            data=project_input(
                mentor_hours=1.5,
                start_date=start_b,
                deadline=start_b - timedelta(7),
                duration_weeks=4,
            ),
        )
    before = counts(engine)
    with pytest.raises(OverBudget) as refused, write_transaction(engine) as session:
        projects.publish_project(session, actor=mentor, project_id=second.id)
    message = refused.value.message
    assert week_label(week_start(start_b)) in message
    assert "4.5 mentoring hours" in message
    assert "3 already committed + 1.5" in message
    assert "budget of 4" in message
    assert counts(engine) == before
    with read_session(engine) as session:
        stored = session.get(Project, second.id)
        assert stored is not None and stored.status is ProjectStatus.DRAFT


def test_projects_in_separate_weeks_do_not_add_up(engine, mentor):
    first_start = TODAY + timedelta(days=7)
    with write_transaction(engine) as session:
        first = make_open_project(
            session, mentor, mentor_hours=4.0, start_date=first_start, deadline=first_start
        )
        later_start = week_start(first.end_date) + timedelta(days=7)
        later = make_open_project(
            session, mentor, mentor_hours=4.0, start_date=later_start, deadline=later_start
        )
    assert later.status is ProjectStatus.OPEN


def test_draft_and_cancelled_projects_do_not_count_against_the_budget(engine, mentor):
    with write_transaction(engine) as session:
        projects.create_project(session, actor=mentor, data=project_input(mentor_hours=4.0))
        cancelled = make_open_project(session, mentor, mentor_hours=4.0)
        projects.cancel_project(session, actor=mentor, project_id=cancelled.id)
        opened = make_open_project(session, mentor, mentor_hours=4.0)
    assert opened.status is ProjectStatus.OPEN


def test_editing_a_live_project_rechecks_the_budget(engine, mentor):
    with write_transaction(engine) as session:
        make_open_project(session, mentor, mentor_hours=2.0)
        second = make_open_project(session, mentor, mentor_hours=2.0)
    before = counts(engine)
    with pytest.raises(OverBudget, match="budget of 4"), write_transaction(engine) as session:
        projects.update_project(
            session,
            actor=mentor,
            project_id=second.id,
            data=project_input_data(mentor_hours=2.5),
        )
    assert counts(engine) == before
    with read_session(engine) as session:
        stored = session.get(Project, second.id)
        assert stored is not None and stored.mentor_hours == 2.0


def test_editing_a_live_project_within_budget_is_audited_and_tells_applicants(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor, mentor_hours=2.0)
        student = make_user(session, Role.STUDENT)
        apply(session, project, student, ApplicationStatus.SUBMITTED)
    with write_transaction(engine) as session:
        projects.update_project(
            session,
            actor=mentor,
            project_id=project.id,
            data=project_input_data(mentor_hours=4.0, student_hours=5.0, tags=["rust"]),
        )
    with read_session(engine) as session:
        [entry] = audit_rows(session, "project.update")
        assert json.loads(entry.before or "{}") == {
            "mentor_hours": 2.0,
            "student_hours": 3.0,
            "tags": ["data-visualisation", "python"],
        }
        assert json.loads(entry.after or "{}") == {
            "mentor_hours": 4.0,
            "student_hours": 5.0,
            "tags": ["rust"],
        }
        [note] = session.exec(select(Notification).where(Notification.user_id == student.id))
        assert note.kind == "project.changed"


def test_an_edit_that_changes_nothing_writes_nothing(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
    before = counts(engine)
    with write_transaction(engine) as session:
        projects.update_project(
            session, actor=mentor, project_id=project.id, data=project_input_data()
        )
    assert counts(engine) == before


def test_seats_cannot_go_below_the_places_already_filled(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor, seats=3)
        for _ in range(2):
            apply(session, project, make_user(session, Role.STUDENT), ApplicationStatus.ACCEPTED)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        projects.update_project(
            session, actor=mentor, project_id=project.id, data=project_input_data(seats=1)
        )
    assert "2 places already taken" in refused.value.fields["seats"]
    with write_transaction(engine) as session:
        projects.update_project(
            session, actor=mentor, project_id=project.id, data=project_input_data(seats=2)
        )


def test_a_draft_may_be_edited_freely_even_over_budget(engine, mentor):
    with write_transaction(engine) as session:
        make_open_project(session, mentor, mentor_hours=4.0)
        draft = projects.create_project(session, actor=mentor, data=project_input())
    with write_transaction(engine) as session:
        edited = projects.update_project(
            session,
            actor=mentor,
            project_id=draft.id,
            data=project_input_data(mentor_hours=10.0, title="A much bigger project"),
        )
    assert edited.mentor_hours == 10.0 and edited.status is ProjectStatus.DRAFT


def test_a_finished_project_can_no_longer_be_edited(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        projects.cancel_project(session, actor=mentor, project_id=project.id)
    edit = project_input_data()
    with (
        pytest.raises(InvalidTransition, match="cancelled project can no longer be edited"),
        write_transaction(engine) as session,
    ):
        projects.update_project(session, actor=mentor, project_id=project.id, data=edit)


def test_mentor_weekly_load_previews_an_extra_commitment(engine, mentor):
    start = TODAY + timedelta(days=14)
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor, mentor_hours=1.5, start_date=start)
    first_week = week_start(start)
    weeks = [first_week - timedelta(7), first_week, first_week + timedelta(7)]
    extra = Commitment(first_week + timedelta(7), first_week + timedelta(13), 2.0)
    with read_session(engine) as session:
        load = projects.mentor_weekly_load(session, mentor_id=mentor.id, weeks=weeks, extra=extra)
        assert load == {weeks[0]: 0.0, weeks[1]: 1.5, weeks[2]: 3.5}
        everything = projects.mentor_weekly_load(session, mentor_id=mentor.id)
        assert len(everything) == 5 and set(everything.values()) == {1.5}
        without = projects.mentor_weekly_load(
            session, mentor_id=mentor.id, exclude_project_id=project.id
        )
        assert without == {}
        assert (
            projects.check_mentor_budget(
                session, mentor=mentor, project_commitment=Commitment(start, start, 2.5)
            )
            is None
        )
        overrun = projects.check_mentor_budget(
            session, mentor=mentor, project_commitment=Commitment(start, start, 3.0)
        )
        assert overrun is not None and overrun.committed == 1.5


def test_the_budget_preview_shows_the_other_projects_this_one_and_the_first_overrun(engine, mentor):
    start = week_start(TODAY + timedelta(days=14))  # a Monday: one week is one ISO week
    with write_transaction(engine) as session:
        make_open_project(session, mentor, mentor_hours=1.5, start_date=start)
    first_week = week_start(start)
    with read_session(engine) as session:
        fits = projects.budget_preview(
            session, actor=mentor, start=start, duration_weeks=1, mentor_hours=2.5
        )
        over = projects.budget_preview(
            session, actor=mentor, start=start, duration_weeks=1, mentor_hours=3.0
        )
    margin = projects.PREVIEW_MARGIN_WEEKS
    assert len(fits.weeks) == 1 + 2 * margin and fits.weeks[margin] == first_week
    assert fits.committed[first_week] == 1.5 and fits.committed[fits.weeks[0]] == 0.0
    assert fits.adding == {first_week: 2.5}
    assert (fits.budget, fits.peak, fits.overrun) == (4.0, 4.0, None)
    assert over.overrun is not None and over.overrun.week == first_week


def test_editing_a_project_previews_without_its_own_hours(engine, mentor):
    start = TODAY + timedelta(days=14)
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor, mentor_hours=4.0, start_date=start)
    with read_session(engine) as session:
        preview = projects.budget_preview(
            session,
            actor=mentor,
            start=start,
            duration_weeks=2,
            mentor_hours=4.0,
            project_id=project.id,
        )
    assert set(preview.committed.values()) == {0.0}
    assert preview.overrun is None and preview.peak == 4.0


def test_an_admin_previews_the_mentors_budget_and_another_mentor_is_refused(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor, mentor_hours=1.0)
        admin = make_user(session, Role.ADMIN)
        other = make_user(session, Role.ALUMNI, weekly_hours=20.0)
    with read_session(engine) as session:
        seen = projects.get_project(session, actor=admin, project_id=project.id)
        assert projects.can_manage(admin, seen) and projects.can_manage(mentor, seen)
        assert not projects.can_manage(other, seen)
        preview = projects.budget_preview(
            session,
            actor=admin,
            start=seen.start_date,
            duration_weeks=seen.duration_weeks,
            mentor_hours=1.0,
            project_id=project.id,
        )
        assert preview.budget == 4.0
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        projects.budget_preview(
            session,
            actor=other,
            start=seen.start_date,
            duration_weeks=1,
            mentor_hours=1.0,
            project_id=project.id,
        )


def test_two_simultaneous_publishes_cannot_both_use_the_last_hours(engine, mentor):
    with write_transaction(engine) as session:
        drafts = [
            projects.create_project(session, actor=mentor, data=project_input(mentor_hours=3.0))
            for _ in range(2)
        ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(project_id: int) -> None:
        barrier.wait()
        try:
            with write_transaction(engine) as session:
                projects.publish_project(session, actor=mentor, project_id=project_id)
            outcomes.append("published")
        except OverBudget:
            outcomes.append("over budget")

    threads = [threading.Thread(target=publish, args=(d.id,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["over budget", "published"]
    with read_session(engine) as session:
        statuses = session.exec(select(Project.status).order_by(col(Project.id))).all()
        assert sorted(statuses) == sorted([ProjectStatus.OPEN, ProjectStatus.DRAFT])


# ---------------------------------------------------------------------------- nothing written


def test_nothing_is_written_when_new_project_input_is_invalid(engine, mentor):
    before = counts(engine)
    bad = project_input_data(title="", tags=["ok-tag", "not valid!"], milestones=[])
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        projects.create_project(session, actor=mentor, data=bad)
    assert set(refused.value.fields) == {"title", "tags", "milestones"}
    assert counts(engine) == before


def test_nothing_is_written_when_an_edit_is_invalid(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
    before = counts(engine)
    with pytest.raises(ValidationFailed), write_transaction(engine) as session:
        projects.update_project(
            session,
            actor=mentor,
            project_id=project.id,
            data=project_input_data(tags=["brand-new-tag"], seats=11),
        )
    assert counts(engine) == before


def test_a_refused_edit_of_someone_elses_project_is_audited_but_changes_nothing(engine, mentor):
    with write_transaction(engine) as session:
        project = make_open_project(session, mentor)
        intruder = make_user(session, Role.ALUMNI)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        projects.update_project(
            session, actor=intruder, project_id=project.id, data=project_input_data(seats=9)
        )
    with read_session(engine) as session:
        stored = session.get(Project, project.id)
        assert stored is not None and stored.seats == 2
        [refusal] = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused"))
        assert (refusal.actor_id, refusal.action) == (intruder.id, "project.update")
