"""Mentor screens through AppTest: my projects (editor, preview, publish, start, complete,
close, cancel),
applicants (accept, waitlist, decline, refusals) and my time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from core.accounts import find_user_by_username
from core.applications import apply, approve
from core.commitment import project_end, week_label, week_start
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    MilestoneBlueprint,
    Notification,
    Project,
    ProjectStatus,
)
from core.platform.db import read_session, write_transaction
from core.seed import STATEMENT
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import log_in, new_app
from tests.pages.screens import (
    click,
    open_screen,
    project_id,
    shown_tables,
    texts,
    unescaped,
    user_named,
)

DASHBOARD = "Build a data dashboard for a food bank"
REVIEW = "Code review sprint on an open-source library"
DRAFT = "Accessibility audit of a university web page"
ML = "Machine learning reading group"
PORTFOLIO = "Portfolio website clinic"
NEW_TITLE = "Plan a data-literacy workshop"


# ---------------------------------------------------------------------------- helpers


def load_project(engine, title: str) -> Project:
    with read_session(engine) as session:
        return session.exec(select(Project).where(Project.title == title)).one()


def fill_new_project(at, **overrides):
    values = {
        "pe_title": NEW_TITLE,
        "pe_summary": "Help a student run a one-hour workshop on reading charts.",
        "pe_description": "We plan the session together, rehearse it, then run it for first-years.",
    }
    values.update(overrides)
    for key, value in values.items():
        kind = "text_input" if key in ("pe_title", "pe_department") else "text_area"
        next(w for w in at.get(kind) if w.key == key).input(value)
    at.multiselect(key="pe_tags").set_value(["python", "data-science"])
    return at


def new_draft_screen(logged_in):
    at = logged_in("demo-alumni")
    return open_screen(at, "my-projects", project="new")


# ---------------------------------------------------------------------------- my projects


def test_my_projects_lists_status_seats_and_waiting(logged_in):
    at = open_screen(logged_in("demo-alumni"), "my-projects")
    assert not at.exception
    shown = texts(at)
    for title in (DASHBOARD, REVIEW, DRAFT, "Portfolio website clinic"):
        assert f"**{title}**" in shown
    assert "Seats filled: **1 of 1**" in shown  # the review sprint
    assert "Waiting: **1**" in shown  # Dana's application to the dashboard
    labels = [str(link.label) for link in at.get("page_link")]
    assert "New project" in labels and "Applicants" in labels and "Edit" in labels


def test_finished_projects_come_after_the_live_ones_ten_at_a_time(logged_in, app_env):
    from core.models import ProjectStatus
    from tests import factories as h

    with write_transaction(app_env) as session:
        alumna = find_user_by_username(session, "demo-alumni")
        assert alumna is not None
        for n in range(11):
            start = date.today() - timedelta(days=300 - 7 * n)
            h.project(
                session,
                alumna,
                title=f"Finished number {n:02d}",
                start=start,
                status=ProjectStatus.COMPLETED,
            )

    def finished(at) -> list[str]:
        lines = (t.rstrip() for t in texts(at).splitlines())
        return [t for t in lines if t.startswith("**Finished number")]

    at = open_screen(logged_in("demo-alumni"), "my-projects")
    shown = texts(at)
    heading = shown.index("**Finished (11)**")
    assert shown.index(f"**{DASHBOARD}**") < heading and shown.index(f"**{PORTFOLIO}**") < heading
    assert finished(at) == [f"**Finished number {n:02d}**" for n in range(10, 0, -1)]
    at = click(at, "Show more finished projects (1 more)")
    assert finished(at)[-1] == "**Finished number 00**"
    assert not [b for b in at.button if b.label.startswith("Show more")]


def test_a_mentor_without_projects_is_told_what_to_do(app_env):
    with write_transaction(app_env) as session:
        make_user(session, "alumni", username="fresh-alumna", weekly_hours=4)
    at = log_in(new_app().run(), "fresh-alumna", PASSWORD)
    at = open_screen(at, "my-projects")
    assert "You have no projects yet" in texts(at)
    at = open_screen(at, "applicants")
    assert "You have no projects yet" in texts(at)
    at = open_screen(at, "my-time")
    assert "Nothing takes your time in these weeks yet" in texts(at)
    assert not at.exception


def test_students_do_not_get_the_mentor_screens(logged_in):
    at = logged_in("demo-student")
    labels = [str(link.label) for link in at.sidebar.get("page_link")]
    assert "My projects" not in labels and "Applicants" not in labels


def test_create_a_draft(logged_in, app_env):
    at = fill_new_project(new_draft_screen(logged_in))
    at = click(at, "Save draft")
    assert not at.exception
    assert f"Saved “{NEW_TITLE}” as a draft." in "\n".join(unescaped(at.success))
    project = load_project(app_env, NEW_TITLE)
    assert project.status is ProjectStatus.DRAFT
    assert project.mentor_hours == 1.0 and project.duration_weeks == 4
    assert at.query_params["project"] in (str(project.id), [str(project.id)])
    with read_session(app_env) as session:
        milestones = session.exec(
            select(MilestoneBlueprint.title).where(MilestoneBlueprint.project_id == project.id)
        ).all()
    assert len(milestones) == 2
    # The editor now shows the saved draft.
    assert at.text_input(key="pe_title").value == NEW_TITLE


def test_edit_a_draft(logged_in, app_env):
    draft = project_id(app_env, DRAFT)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=draft)
    assert at.text_input(key="pe_title").value == DRAFT
    at.text_input(key="pe_title").input("Accessibility audit of the library website")
    at.number_input(key="pe_student_hours").set_value(4.5)
    at = click(at, "Save draft")
    assert "Saved your changes to the draft" in "\n".join(unescaped(at.success))
    project = load_project(app_env, "Accessibility audit of the library website")
    assert project.id == draft and project.student_hours == 4.5


def test_publish_a_draft(logged_in, app_env):
    draft = project_id(app_env, DRAFT)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=draft)
    assert any("Fits your weekly budget of 6 hours" in s for s in unescaped(at.success))
    at = click(at, "Save and publish")
    assert not at.exception
    assert f"Published “{DRAFT}”" in "\n".join(unescaped(at.success))
    assert load_project(app_env, DRAFT).status is ProjectStatus.OPEN
    assert not any(b.label == "Save and publish" for b in at.button)


def test_the_preview_follows_the_hours_and_names_the_refusal(logged_in):
    at = new_draft_screen(logged_in)
    assert any("Fits your weekly budget of 6 hours" in s for s in unescaped(at.success))
    at.number_input(key="pe_mentor_hours").set_value(3.0)
    at.run()
    start = date.today() + timedelta(days=21)
    errors = "\n".join(unescaped(at.error))
    assert f"Publishing would be refused: Week {week_label(week_start(start))}" in errors
    assert "would need 7 mentoring hours: 4 already committed + 3 for this project" in errors
    assert "over your weekly budget of 6." in errors
    assert at.get("vega_lite_chart"), "the load chart is drawn"
    # Moving the project after the other projects end makes it fit.
    at.date_input(key="pe_start_date").set_value(date.today() + timedelta(days=120))
    at.date_input(key="pe_deadline").set_value(date.today() + timedelta(days=110))
    at.run()
    assert not at.error
    assert any("Fits your weekly budget" in s for s in unescaped(at.success))


def test_publishing_over_budget_is_refused_with_the_week_and_numbers(logged_in, app_env):
    at = fill_new_project(new_draft_screen(logged_in))
    at.number_input(key="pe_mentor_hours").set_value(4.0)
    at = click(at, "Save and publish")
    assert not at.exception
    start = date.today() + timedelta(days=21)
    errors = "\n".join(unescaped(at.error))
    assert "publishing was refused" in errors
    assert f"Week {week_label(week_start(start))}" in errors
    assert "would need 8 mentoring hours: 4 already committed + 4 for this project" in errors
    assert "over your weekly budget of 6." in errors
    # It is kept as a draft, and the form shows it.
    assert load_project(app_env, NEW_TITLE).status is ProjectStatus.DRAFT
    assert at.text_input(key="pe_title").value == NEW_TITLE


def test_invalid_input_shows_field_messages_and_keeps_what_was_typed(logged_in, app_env):
    at = new_draft_screen(logged_in)
    at.text_input(key="pe_title").input("Hi")
    at.text_area(key="pe_summary").input("A summary that should survive the error.")
    at = click(at, "Save draft")
    assert not at.exception
    errors = unescaped(at.error)
    assert "Title must be 5–120 characters" in errors
    assert "Tags choose 1–8 tags" in errors
    assert any(e.startswith("Please correct: title") for e in errors)
    assert at.text_input(key="pe_title").value == "Hi"
    assert at.text_area(key="pe_summary").value == "A summary that should survive the error."
    with read_session(app_env) as session:
        assert session.exec(select(Project).where(Project.title == "Hi")).first() is None


def test_cross_field_problems_are_named_at_their_fields(logged_in):
    at = fill_new_project(new_draft_screen(logged_in))
    start = date.today() + timedelta(days=21)
    at.date_input(key="pe_deadline").set_value(start + timedelta(days=3))
    at.number_input(key="pe_duration_weeks").set_value(2)
    at = click(at, "Save draft")
    errors = unescaped(at.error)
    assert "Deadline must be on or before the start date" in errors
    assert any("milestone 2 due week must be a week of the project (1–2)" in e for e in errors)
    assert at.text_input(key="pe_title").value == NEW_TITLE
    assert at.number_input(key="pe_duration_weeks").value == 2


def test_close_needs_a_confirmation(logged_in, app_env):
    dashboard = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=dashboard)
    at = click(at, "Close applications…")
    assert "Close “Build a data dashboard for a food bank” to new applications?" in texts(at)
    assert load_project(app_env, DASHBOARD).status is ProjectStatus.OPEN
    at = click(at, "Keep it open")
    assert load_project(app_env, DASHBOARD).status is ProjectStatus.OPEN
    at = click(at, "Close applications…")
    at = click(at, "Yes, close applications")
    assert not at.exception
    assert f"Closed “{DASHBOARD}” to new applications" in "\n".join(unescaped(at.success))
    assert load_project(app_env, DASHBOARD).status is ProjectStatus.CLOSED
    with read_session(app_env) as session:
        statuses = session.exec(
            select(Application.status).where(Application.project_id == dashboard)
        ).all()
    assert ApplicationStatus.SUBMITTED not in statuses  # Dana's pending application expired


def test_cancel_needs_a_confirmation_and_passes_the_reason(logged_in, app_env):
    review = project_id(app_env, REVIEW)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=review)
    at = click(at, "Cancel project…")
    assert "This cannot be undone" in texts(at)
    assert load_project(app_env, REVIEW).status is ProjectStatus.OPEN
    at.text_input(key="pe_cancel_reason").input("The library moved to another host.")
    at = click(at, "Yes, cancel the project")
    assert not at.exception
    assert f"Cancelled “{REVIEW}”" in "\n".join(unescaped(at.success))
    assert load_project(app_env, REVIEW).status is ProjectStatus.CANCELLED
    assert "can no longer be edited" in texts(at)
    with read_session(app_env) as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "project.cancel", AuditEntry.entity_id == review
            )
        ).one()
    assert entry is not None and entry.detail == "The library moved to another host."


def _application_of(engine, project: int, username: str) -> Application:
    student = user_named(engine, username)
    with read_session(engine) as session:
        return session.exec(
            select(Application).where(
                Application.project_id == project, Application.student_id == student.id
            )
        ).one()


def _notification_kinds(engine, username: str) -> list[str]:
    person = user_named(engine, username)
    with read_session(engine) as session:
        return list(
            session.exec(select(Notification.kind).where(Notification.user_id == person.id)).all()
        )


def test_start_a_project_with_an_approved_match(logged_in, app_env):
    review = project_id(app_env, REVIEW)
    accepted = _application_of(app_env, review, "raj-student")
    with write_transaction(app_env) as session:
        faculty = find_user_by_username(session, "demo-faculty")
        assert faculty is not None and accepted.id is not None
        approve(session, actor=faculty, application_id=accepted.id)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=review)
    assert not any(b.label == "Mark completed…" for b in at.button)  # not before it started
    at = click(at, "Start project…")
    assert "Applications still waiting for your decision expire" in texts(at)
    at = click(at, "Not yet")
    assert load_project(app_env, REVIEW).status is ProjectStatus.OPEN
    at = click(at, "Start project…")
    at = click(at, "Yes, start it")
    assert not at.exception
    success = "\n".join(unescaped(at.success))
    assert f"Started “{REVIEW}”: it is now in progress" in success
    assert "Students still waiting were told their applications expired." in success
    assert load_project(app_env, REVIEW).status is ProjectStatus.IN_PROGRESS
    assert "project.started" in _notification_kinds(app_env, "raj-student")
    waitlisted = _application_of(app_env, review, "ana-student")
    assert waitlisted.status is ApplicationStatus.EXPIRED
    # An in-progress project is completed next, not started again.
    labels = [b.label for b in at.button]
    assert not any(label.startswith("Start project") for label in labels)
    assert "Mark completed…" in labels


def test_completing_before_the_end_date_is_refused_with_the_domain_message(logged_in, app_env):
    portfolio = load_project(app_env, PORTFOLIO)
    assert portfolio.status is ProjectStatus.IN_PROGRESS and portfolio.end_date > date.today()
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=portfolio.id)
    assert not any(b.label.startswith("Start project") for b in at.button)
    at = click(at, "Mark completed…")
    assert f"Mark “{PORTFOLIO}” as completed? This cannot be undone." in texts(at)
    at = click(at, "Yes, mark it completed")
    assert not at.exception
    assert unescaped(at.error) == [
        f"This project runs until {portfolio.end_date:%d %b %Y}; "
        "it can be completed from that day on."
    ]
    assert "Marked" not in "\n".join(unescaped(at.success))
    assert load_project(app_env, PORTFOLIO).status is ProjectStatus.IN_PROGRESS


def test_complete_a_project_on_its_end_date(logged_in, app_env):
    # The clinic ran its six weeks: its last day is today.
    today = date.today()
    start = today - timedelta(weeks=6) + timedelta(days=1)
    with write_transaction(app_env) as session:
        project = session.exec(select(Project).where(Project.title == PORTFOLIO)).one()
        project.start_date, project.deadline = start, start - timedelta(days=5)
        project.end_date = project_end(start, project.duration_weeks)
        session.add(project)
    assert load_project(app_env, PORTFOLIO).end_date == today
    at = open_screen(
        logged_in("demo-alumni"), "my-projects", project=project_id(app_env, PORTFOLIO)
    )
    at = click(at, "Mark completed…")
    at = click(at, "Keep it in progress")
    assert load_project(app_env, PORTFOLIO).status is ProjectStatus.IN_PROGRESS
    at = click(at, "Mark completed…")
    at = click(at, "Yes, mark it completed")
    assert not at.exception
    assert not at.error
    assert f"Marked “{PORTFOLIO}” as completed" in "\n".join(unescaped(at.success))
    assert load_project(app_env, PORTFOLIO).status is ProjectStatus.COMPLETED
    assert "can no longer be edited" in texts(at)
    assert "project.completed" in _notification_kinds(app_env, "demo-student")


def test_another_mentors_project_cannot_be_opened_in_the_editor(logged_in, app_env):
    ml = project_id(app_env, ML)
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=ml)
    assert "another mentor's project" in texts(at)
    assert not any(w.key == "pe_title" for w in at.text_input)


def test_a_missing_project_is_reported(logged_in):
    at = open_screen(logged_in("demo-alumni"), "my-projects", project=999999)
    assert "That project does not exist." in texts(at)


# ---------------------------------------------------------------------------- applicants


def _applicant(engine, project_title: str, *, blind: bool = False, username: str) -> int:
    """A new student applies to a project; returns the application id."""
    project = project_id(engine, project_title)
    with write_transaction(engine) as session:
        student = make_user(session, "student", username=username, weekly_hours=20)
        student.blind_review = blind
        session.add(student)
        session.flush()
        application = apply(session, actor=student, project_id=project, statement=STATEMENT)
        assert application.id is not None
        return application.id


def test_applicants_show_statement_interests_fit_and_seat_counter(logged_in, app_env):
    dashboard = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "applicants", project=dashboard)
    assert not at.exception
    shown = texts(at)
    assert "Dana Student" in shown
    assert STATEMENT in shown
    assert "Interests: data-science, machine-learning, python, web" in shown
    assert "Fits their hours" in shown and "shared tags: data-science, python" in shown
    seats = next(m for m in at.metric if m.label == "Seats filled")
    assert seats.value == "1 of 2"


def test_blind_review_shows_a_pseudonym(logged_in, app_env):
    _applicant(app_env, DASHBOARD, blind=True, username="quiet-student")
    at = open_screen(logged_in("demo-alumni"), "applicants", project=project_id(app_env, DASHBOARD))
    shown = texts(at)
    assert "Quiet-Student" not in shown
    assert "Blind review: the student's name stays hidden" in shown


def test_accept_an_applicant(logged_in, app_env):
    dashboard = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "applicants", project=dashboard)
    with read_session(app_env) as session:
        dana = user_named(app_env, "demo-student")
        application = session.exec(
            select(Application.id).where(
                Application.project_id == dashboard, Application.student_id == dana.id
            )
        ).one()
    at = click(at, "Accept", form=f"ap_form_{application}")
    assert not at.exception
    assert "Accepted Dana Student." in "\n".join(unescaped(at.success))
    assert next(m for m in at.metric if m.label == "Seats filled").value == "2 of 2"
    assert load_project(app_env, DASHBOARD).filled == 2


def test_an_accept_refused_after_the_seats_filled_is_told_on_its_card(logged_in, app_env):
    # The move runs in the button's callback; its refusal is shown in the card's form.
    dashboard = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "applicants", project=dashboard)
    dana = user_named(app_env, "demo-student")
    with write_transaction(app_env) as session:
        application = session.exec(
            select(Application).where(
                Application.project_id == dashboard, Application.student_id == dana.id
            )
        ).one()
        project = session.get(Project, dashboard)
        assert project is not None
        project.filled = project.seats
        session.add(project)
    at = click(at, "Accept", form=f"ap_form_{application.id}")
    assert not at.exception
    assert at.error and not at.success
    with read_session(app_env) as session:
        still = session.get(Application, application.id)
        assert still is not None and still.status is application.status


def test_waitlist_and_decline_with_a_note(logged_in, app_env):
    first = _applicant(app_env, DASHBOARD, username="wait-student")
    second = _applicant(app_env, DASHBOARD, username="no-student")
    at = open_screen(logged_in("demo-alumni"), "applicants", project=project_id(app_env, DASHBOARD))
    at = click(at, "Waitlist", form=f"ap_form_{first}")
    assert "on the waitlist" in "\n".join(unescaped(at.success))
    at.text_input(key=f"ap_note_{second}").input("We need someone with SQL this round.")
    at = click(at, "Decline", form=f"ap_form_{second}")
    assert "with your note" in "\n".join(unescaped(at.success))
    with read_session(app_env) as session:
        waiting = session.get(Application, first)
        declined = session.get(Application, second)
    assert waiting is not None and waiting.status is ApplicationStatus.WAITLISTED
    assert declined is not None and declined.status is ApplicationStatus.DECLINED
    assert declined.mentor_note == "We need someone with SQL this round."


def test_accept_is_not_offered_to_a_waitlisted_applicant_when_the_seats_are_full(
    logged_in, app_env
):
    review = project_id(app_env, REVIEW)
    at = open_screen(logged_in("demo-alumni"), "applicants", project=review)
    assert "All seats are taken" in at.get("progress")[0].proto.text
    with read_session(app_env) as session:
        waiting = session.exec(
            select(Application.id).where(
                Application.project_id == review,
                Application.status == ApplicationStatus.WAITLISTED,
            )
        ).one()
    labels = [b.label for b in at.button if b.form_id == f"ap_form_{waiting}"]
    assert "Accept" not in labels and "Decline" not in labels  # waitlisted: no decline move
    assert not at.exception


def test_accepting_a_waitlisted_application_into_full_seats_is_worded_for_the_waitlist(app_env):
    # A second tab (or a stale screen) can still send Accept; the refusal fits the state.
    from core.applications import accept
    from core.platform.errors import CapacityExceeded

    review = project_id(app_env, REVIEW)
    with read_session(app_env) as session:
        waiting = session.exec(
            select(Application.id).where(
                Application.project_id == review,
                Application.status == ApplicationStatus.WAITLISTED,
            )
        ).one()
    mentor = user_named(app_env, "demo-alumni")
    with pytest.raises(CapacityExceeded) as refused, write_transaction(app_env) as session:
        accept(session, actor=mentor, application_id=waiting)
    assert "stays on the waitlist" in refused.value.message
    assert "waitlist the application instead" not in refused.value.message


def test_another_mentors_applicants_are_refused_and_audited(logged_in, app_env):
    ml = project_id(app_env, ML)
    at = open_screen(logged_in("demo-alumni"), "applicants", project=ml)
    assert not at.exception
    assert "Only the project's mentor may see its applicants." in unescaped(at.error)
    assert "Machine learning" not in texts(at).replace("Choose a project", "")
    with read_session(app_env) as session:
        refused = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "application.list_applicants", AuditEntry.entity_id == ml
            )
        ).all()
    assert refused


def test_the_applicants_chooser_writes_the_url(logged_in, app_env):
    at = open_screen(logged_in("demo-alumni"), "applicants")
    assert "Choose one of your projects" in texts(at)
    review = project_id(app_env, REVIEW)
    at.selectbox[0].set_value(review)
    at.run()
    assert at.query_params["project"] in (str(review), [str(review)])
    assert next(m for m in at.metric if m.label == "Seats filled").value == "1 of 1"


# ---------------------------------------------------------------------------- my time


def test_my_time_charts_sixteen_weeks_against_the_budget(logged_in):
    at = open_screen(logged_in("demo-alumni"), "my-time")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Weekly budget"] == "6 h"
    assert metrics["Busiest week"] == "4 h"
    assert metrics["Free in the busiest week"] == "2 h"
    assert at.get("vega_lite_chart")
    table = shown_tables(at)[0]
    assert set(table["Project"]) == {DASHBOARD, REVIEW, "Portfolio website clinic"}
    assert "1 draft does not count yet; it will when you publish it." in texts(at)


@pytest.mark.parametrize("url_path", ["my-projects", "applicants", "my-time"])
def test_mentor_screens_render_for_faculty(logged_in, url_path):
    at = open_screen(logged_in("demo-faculty"), url_path)
    assert not at.exception


def test_earlier_applications_show_ten_at_a_time_most_recent_first(logged_in, app_env):
    from datetime import UTC, datetime

    from core.models import ApplicationStatus, Role
    from tests import factories as h

    dashboard = project_id(app_env, DASHBOARD)
    with write_transaction(app_env) as session:
        target = session.get(Project, dashboard)
        for n in range(12):
            student = h.user(session, Role.STUDENT, display_name=f"Declined number {n:02d}")
            created = datetime(2026, 1, 1 + n, tzinfo=UTC)
            h.application(session, student, target, ApplicationStatus.DECLINED, created_at=created)

    def declined() -> list[str]:
        return [t for t in texts(at).splitlines() if t.startswith("**Declined number")]

    at = open_screen(logged_in("demo-alumni"), "applicants", project=dashboard)
    expander = next(e for e in at.expander if e.label.startswith("Earlier applications"))
    assert expander.label == "Earlier applications (12)"
    assert len(declined()) == 10
    # The ten shown are the most recent; the two oldest wait behind "Show more".
    assert not [t for t in declined() if "number 00" in t or "number 01" in t]
    at = click(at, "Show more earlier applications (2 more)")
    assert len(declined()) == 12
    assert not [b for b in at.button if b.label.startswith("Show more earlier")]
