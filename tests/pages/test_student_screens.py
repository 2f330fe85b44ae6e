"""Student screens through AppTest: browse (search, facets, URL, pagination, recommendations),
project detail and apply (with refusals), my applications (timeline, withdraw) and my weeks."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select

from core.accounts import end_session, find_user_by_username
from core.commitment import week_label, week_start
from core.models import Application, ApplicationStatus, AuthSession, Project, Role
from core.platform.db import read_session, write_transaction
from core.seed import STATEMENT
from tests import factories as h
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import log_in, new_app
from tests.pages.screens import (
    click,
    open_screen,
    project_id,
    raw_texts,
    shown_tables,
    table_column,
    texts,
    unescaped,
    user_named,
)

DASHBOARD = "Build a data dashboard for a food bank"
REVIEW = "Code review sprint on an open-source library"
ML = "Machine learning reading group"
GENOME = "Genome assembly mini-project"
WRITING = "Science writing: your research in 800 words"
HOUSING = "Policy brief on housing data"
OPEN_PROJECTS = 7  # the demo projects open and before their deadline


# ---------------------------------------------------------------------------- helpers


def param(at, name: str) -> str | None:
    value = at.query_params.get(name)
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def card_titles(at) -> list[str]:
    cards = (t.removeprefix("---\n") for t in unescaped(at.markdown))
    # A card's title is its heading: h3 under a browse section, h2 on My applications.
    return [t.split("\n")[0].lstrip("#").strip() for t in cards if re.match(r"#{2,3} ", t)]


def set_hours(engine, username: str, weekly_hours: float) -> None:
    with write_transaction(engine) as session:
        person = find_user_by_username(session, username)
        assert person is not None
        person.weekly_hours = weekly_hours
        session.add(person)


def browse(logged_in, **params):
    return open_screen(logged_in("demo-student"), "browse", **params)


# ---------------------------------------------------------------------------- browse


def test_browse_shows_cards_with_hours_seats_deadline_and_reasons(logged_in):
    at = browse(logged_in)
    assert not at.exception
    shown = texts(at)
    assert f"**{OPEN_PROJECTS} open projects**" in shown
    assert "showing" not in shown  # one page holds them all: no "showing 1–7"
    assert "4 h/week × 6 weeks" in shown  # the dashboard
    assert "1 seat left" in shown  # one of the dashboard's two seats is taken
    assert "no seats left (waitlist)" in shown  # the review sprint
    assert "apply by" in shown
    assert "Shares 2 of the project's 3 interest tags with you: data-science, python." in shown
    assert "You applied: Submitted — waiting for the mentor." in shown
    labels = [str(link.label) for link in at.get("page_link")]
    assert labels.count("View") >= OPEN_PROJECTS
    # Best match first: the projects sharing the most interests.
    assert card_titles(at)[:2] == [DASHBOARD, ML]
    # Never drafts, cancelled, closed or running projects.
    for hidden in ("Accessibility audit", "UX research", "Lab automation", "Portfolio website"):
        assert hidden not in shown


def test_recommended_for_you_with_reasons(logged_in):
    at = browse(logged_in)
    assert "Recommended for you" in [s.value for s in at.header]
    shown = texts(at)
    # Projects the student already applied to are not recommended; others come with reasons.
    assert "Genome assembly mini-project" in shown
    assert re.search(r"Needs \d+ h a week; you have at least \d+ h free", shown)
    assert re.search(r"Starts in \d+ days; applications close in \d+ days", shown)


def test_a_student_without_interests_is_told_to_add_some(app_env):
    with write_transaction(app_env) as session:
        make_user(session, Role.STUDENT, username="new-student")
    at = open_screen(log_in(new_app().run(), "new-student", PASSWORD), "browse")
    assert not at.exception
    assert "Nothing is recommended for you yet" in texts(at)
    # Projects that fit the hours but share no interest are not called recommendations.
    assert "Recommended for you" not in [h.value for h in (*at.subheader, *at.header)]
    assert "Add interests in your profile" in [str(x.label) for x in at.get("page_link")]


def test_search_box_filters_and_writes_the_url(logged_in):
    at = browse(logged_in)
    at.text_input(key="browse_q").input("genome").run()
    assert card_titles(at) == [GENOME]
    assert "**1 open project**" in texts(at)
    assert param(at, "q") == "genome"
    # Tag names are searched too.
    at.text_input(key="browse_q").input("open-source").run()
    assert card_titles(at) == [REVIEW]


def test_facets_filter_and_write_the_url(logged_in):
    at = browse(logged_in)
    at.multiselect(key="browse_tags").set_value(["policy"]).run()
    assert card_titles(at) == [HOUSING]
    assert param(at, "tags") == "policy"
    at.multiselect(key="browse_tags").set_value([]).run()
    at.selectbox(key="browse_dept").set_value("Biology").run()
    assert set(card_titles(at)) == {GENOME, WRITING}
    at.selectbox(key="browse_mode").set_value(_mode("remote")).run()
    assert card_titles(at) == [WRITING]
    assert (param(at, "dept"), param(at, "mode")) == ("Biology", "remote")
    at.selectbox(key="browse_dept").set_value(None).run()
    at.selectbox(key="browse_mode").set_value(None).run()
    # Unset, a select box shows its placeholder (Streamlit's is "Choose an option").
    shown = [at.selectbox(key=key).proto.placeholder for key in ("browse_dept", "browse_mode")]
    assert shown == ["Any department", "Any mode"]
    at.number_input(key="browse_max_hours").set_value(2).run()
    assert card_titles(at) == [WRITING]  # 2 h a week
    assert param(at, "max_hours") == "2"
    at.number_input(key="browse_max_hours").set_value(None).run()
    at.number_input(key="browse_max_weeks").set_value(4).run()
    assert set(card_titles(at)) == {REVIEW, WRITING}
    at.number_input(key="browse_max_weeks").set_value(None).run()
    at.number_input(key="browse_starts").set_value(2).run()  # starts within 14 days
    assert set(card_titles(at)) == {REVIEW, WRITING}
    assert param(at, "starts_within") == "2"


def _mode(value: str):
    from core.models import ProjectMode

    return ProjectMode(value)


def test_sort_by_deadline_and_newest(logged_in):
    at = browse(logged_in)
    at.selectbox(key="browse_sort").set_value("deadline").run()
    assert card_titles(at)[0] == WRITING  # starts in 10 days: closes first
    assert param(at, "sort") == "deadline"
    at.selectbox(key="browse_sort").set_value("newest").run()
    assert param(at, "sort") == "newest"
    assert len(card_titles(at)) == OPEN_PROJECTS


def test_a_bookmarked_url_sets_the_widgets(logged_in):
    at = browse(logged_in, q="data", dept="Computer Science", sort="deadline", max_weeks="6")
    assert not at.exception
    assert at.text_input(key="browse_q").value == "data"
    assert at.selectbox(key="browse_dept").value == "Computer Science"
    assert at.selectbox(key="browse_sort").value == "deadline"
    assert at.number_input(key="browse_max_weeks").value == 6
    assert card_titles(at) == [DASHBOARD]
    # Nonsense in the URL is ignored rather than refused.
    at = open_screen(at, "browse", mode="underwater", page="-3", max_hours="x")
    assert not at.exception
    assert len(card_titles(at)) == OPEN_PROJECTS


def test_no_match_tells_the_student_to_widen_the_filters(logged_in):
    at = browse(logged_in, q="zebra")
    assert "No open project matches these filters. Widen them" in texts(at)
    at = click(at, "Clear all filters")
    assert len(card_titles(at)) == OPEN_PROJECTS
    assert param(at, "q") is None


def test_pagination_ten_per_page_with_the_total(logged_in, app_env):
    with write_transaction(app_env) as session:
        mentor = h.user(session, Role.ALUMNI)
        for n in range(30):
            h.project(session, mentor, title=f"Extra project number {n:02d}", tag_names=["misc"])
    at = browse(logged_in)
    total = OPEN_PROJECTS + 30
    pages = -(-total // 10)
    assert f"{total} open projects** · showing 1–10" in texts(at)
    assert len(card_titles(at)) == 10
    assert f"Page 1 of {pages}" in [c.value for c in at.caption]
    first_page = card_titles(at)
    at = click(at, "Next page")
    assert f"{total} open projects** · showing 11–20" in texts(at)
    assert param(at, "page") == "2"
    assert not set(card_titles(at)) & set(first_page)
    # The page is in the URL: opening it directly shows the same page.
    again = open_screen(at, "browse", page="2")
    assert "showing 11–20" in texts(again)
    # Changing a filter goes back to the first page.
    at.selectbox(key="browse_sort").set_value("newest").run()
    assert "showing 1–10" in texts(at)
    assert param(at, "page") is None


def test_user_text_on_cards_is_shown_literally(logged_in, app_env):
    title = "**Bold** <b>html</b> [click](http://evil.example)"
    with write_transaction(app_env) as session:
        mentor = h.user(session, Role.ALUMNI)
        found = h.project(session, mentor, title=title, tag_names=["python"])
        found.summary = "<script>alert(1)</script> _under_"
        session.add(found)
    at = browse(logged_in, q="html")
    assert card_titles(at) == [title]
    raw = raw_texts(at)
    assert r"\*\*Bold\*\* \<b\>html\</b\> \[click\]\(http" in raw
    assert r"\<script\>alert\(1\)\</script\> \_under\_" in raw


def test_mentors_do_not_get_the_student_screens(logged_in):
    at = logged_in("demo-alumni")
    labels = [str(link.label) for link in at.sidebar.get("page_link")]
    assert "Browse projects" not in labels and "My applications" not in labels
    student = logged_in("demo-student")
    labels = [str(link.label) for link in student.sidebar.get("page_link")]
    for label in ("Browse projects", "My applications", "My weeks"):
        assert label in labels


# ---------------------------------------------------------------------------- project detail


def test_detail_shows_description_mentor_blueprint_and_load_chart(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "project", id=project_id(app_env, GENOME))
    assert not at.exception
    assert unescaped(at.title) == [GENOME]
    shown = texts(at)
    assert "We meet once a week" in shown  # the description
    assert "**Prof. Li Chen** · Faculty mentor · Biology" in shown
    assert "prof-chen@example.edu" not in shown  # never the e-mail address
    assert "**Week 3:** Pipeline runs" in shown
    assert "Shares 1 of the project's 3 interest tags with you: python." in shown
    assert at.get("vega_lite_chart")
    assert param(at, "id") == str(project_id(app_env, GENOME))
    assert [b.label for b in at.button if b.label == "Apply"] == ["Apply"]


def test_apply_succeeds_and_says_what_happened(logged_in, app_env):
    pid = project_id(app_env, GENOME)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    at.text_area(key=f"apply_statement_{pid}").input(STATEMENT)
    at = click(at, "Apply")
    assert not at.exception
    assert any(
        "Application sent for “Genome assembly mini-project”" in s for s in unescaped(at.success)
    )
    assert "You applied on" in texts(at)
    student = user_named(app_env, "demo-student")
    with read_session(app_env) as session:
        saved = session.exec(
            select(Application).where(
                Application.project_id == pid, Application.student_id == student.id
            )
        ).one()
    assert saved.status is ApplicationStatus.SUBMITTED
    assert saved.statement == STATEMENT


def test_an_application_sent_after_the_session_ended_is_not_written(logged_in, app_env):
    # Apply writes in the button's callback, before app.py's gate: the callback checks again.
    pid = project_id(app_env, GENOME)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    with write_transaction(app_env) as session:
        for record in session.exec(
            select(AuthSession).where(col(AuthSession.revoked_at).is_(None))
        ):
            end_session(session, session_id=record.id or 0)
    at.text_area(key=f"apply_statement_{pid}").input(STATEMENT)
    at = click(at, "Apply")
    with read_session(app_env) as session:
        sent = session.exec(select(Application).where(Application.project_id == pid)).all()
    student = user_named(app_env, "demo-student")
    assert all(application.student_id != student.id for application in sent)
    assert any(b.label == "Log in" for b in at.button)


def test_pending_applications_warn_before_applying(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "project", id=project_id(app_env, GENOME))
    assert any(
        "If your 2 pending applications were all approved" in w for w in unescaped(at.warning)
    )


def test_a_short_statement_shows_the_field_message_and_keeps_the_text(logged_in, app_env):
    pid = project_id(app_env, GENOME)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    at.text_area(key=f"apply_statement_{pid}").input("Too short")
    at = click(at, "Apply")
    errors = unescaped(at.error)
    assert any("statement: must be 50–2000 characters (now 9)" in e for e in errors)
    assert "Your statement: must be 50–2000 characters (now 9)" in errors
    assert at.text_area(key=f"apply_statement_{pid}").value == "Too short"
    student = user_named(app_env, "demo-student")
    with read_session(app_env) as session:
        assert not session.exec(
            select(Application).where(
                Application.project_id == pid, Application.student_id == student.id
            )
        ).all()


def test_the_screening_question_must_be_answered(logged_in, app_env):
    pid = project_id(app_env, REVIEW)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    assert "Which open-source project would you like to contribute to" in texts(at)
    at.text_area(key=f"apply_statement_{pid}").input(STATEMENT)
    at = click(at, "Apply")
    assert any(e.startswith("Your answer: please answer") for e in unescaped(at.error))
    assert at.text_area(key=f"apply_statement_{pid}").value == STATEMENT


def test_a_project_over_the_students_hours_is_refused_with_the_week_and_numbers(logged_in, app_env):
    set_hours(app_env, "demo-student", 8)
    pid = project_id(app_env, GENOME)
    with read_session(app_env) as session:
        genome = session.get(Project, pid)
        assert genome is not None
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    first = week_label(week_start(genome.start_date))
    expected = (
        f"This project does not fit your free hours. Week {first} "
        f"(starting {week_start(genome.start_date):%d %b %Y}) would need 9 hours: 3 already "
        "committed + 6 for this project, over your 8 available hours per week."
    )
    assert expected in unescaped(at.error)
    assert not [b for b in at.button if b.label == "Apply"]
    assert "Change your weekly hours" in [str(x.label) for x in at.get("page_link")]


def test_closed_missing_and_unchosen_projects(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "project")
    assert "Choose a project in Browse projects" in texts(at)
    at = open_screen(at, "project", id=999999)
    assert "That project does not exist." in unescaped(at.error)
    draft = project_id(app_env, "Accessibility audit of a university web page")
    at = open_screen(at, "project", id=draft)
    assert "That project does not exist." in unescaped(at.error)
    closed = project_id(app_env, "Lab automation with a Raspberry Pi")
    at = open_screen(at, "project", id=closed)
    assert not at.exception
    assert "it is not taking applications" in texts(at)
    assert not [b for b in at.button if b.label == "Apply"]


# ---------------------------------------------------------------------------- my applications


def test_my_applications_lists_statuses(logged_in):
    at = open_screen(logged_in("demo-student"), "my-applications")
    assert not at.exception
    assert set(card_titles(at)) == {ML, DASHBOARD, "Portfolio website clinic"}
    shown = texts(at)
    assert "Accepted — waiting for faculty approval" in shown
    assert "Submitted — waiting for the mentor" in shown
    assert "Approved — you have a match" in shown


def test_timeline_shows_each_move_with_its_date(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "my-applications")
    ml = next(i for i, t in enumerate(card_titles(at)) if t == ML)
    timeline_links = [x for x in at.main.get("page_link") if str(x.label) == "Show timeline"]
    link = timeline_links[ml].proto
    assert link.page == "my-applications" and link.query_string.startswith("application=")
    at = open_screen(at, "my-applications", application=link.query_string.split("=")[1])
    shown = texts(at)
    assert "**Timeline:** Machine learning reading group" in shown
    today = date.today()
    assert re.search(r"\d{2} \w{3} \d{4}, \d{2}:\d{2} UTC — \*\*submitted\*\* by you", shown)
    assert "submitted → **accepted** by faculty" in shown
    assert str(today.year) in shown
    assert param(at, "application") is not None
    hide = [x.proto for x in at.main.get("page_link") if str(x.label) == "Hide timeline"]
    assert [(x.page, x.query_string) for x in hide] == [("my-applications", "")]
    at = open_screen(at, "my-applications")
    assert "**Timeline:**" not in texts(at)


def test_withdraw_needs_a_confirmation(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "my-applications")
    index = card_titles(at).index(DASHBOARD)
    live = [i for i, t in enumerate(card_titles(at)) if t in (ML, DASHBOARD)]
    withdraw_buttons = [b for b in at.button if b.label == "Withdraw"]
    withdraw_buttons[live.index(index)].click()
    at.run()
    assert any(
        "Withdraw your application to “Build a data dashboard" in w for w in unescaped(at.warning)
    )
    at = click(at, "Keep my application")
    assert not [w for w in at.warning if "Withdraw your application" in w.value]
    pid = project_id(app_env, DASHBOARD)
    student = user_named(app_env, "demo-student")

    def status() -> ApplicationStatus:
        with read_session(app_env) as session:
            return session.exec(
                select(Application.status).where(
                    Application.project_id == pid, Application.student_id == student.id
                )
            ).one()

    assert status() is ApplicationStatus.SUBMITTED
    withdraw_buttons = [b for b in at.button if b.label == "Withdraw"]
    withdraw_buttons[live.index(index)].click()
    at.run()
    at = click(at, "Yes, withdraw")
    assert not at.exception
    assert any(
        "You withdrew your application to “Build a data dashboard" in s
        for s in unescaped(at.success)
    )
    assert status() is ApplicationStatus.WITHDRAWN
    assert DASHBOARD not in card_titles(at)
    assert "Earlier applications" in [s.value for s in at.header]
    assert DASHBOARD in table_column(shown_tables(at)[0], "Project")
    picker = next(s for s in at.selectbox if s.label == "Timeline of an earlier application")
    assert picker.value is None and picker.proto.placeholder == "Choose…"


def test_a_new_student_without_applications_is_told_what_to_do(app_env):
    with write_transaction(app_env) as session:
        make_user(session, Role.STUDENT, username="fresh-student")
    at = log_in(new_app().run(), "fresh-student", PASSWORD)
    at = open_screen(at, "my-applications")
    assert "You have not applied to any project yet" in texts(at)
    at = open_screen(at, "my-weeks")
    assert "Nothing takes your weeks yet" in texts(at)
    assert at.get("vega_lite_chart")
    assert not at.exception


# ---------------------------------------------------------------------------- my weeks


def test_my_weeks_charts_sixteen_weeks_against_availability(logged_in):
    at = open_screen(logged_in("demo-student"), "my-weeks")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Available per week"] == "10 h"
    assert metrics["Busiest week (committed)"] == "3 h"
    assert metrics["Free in the busiest week"] == "7 h"
    assert at.get("vega_lite_chart")
    table = shown_tables(at)[0]
    assert set(table["Project"]) == {"Portfolio website clinic", DASHBOARD, ML}
    assert set(table["Counts as"]) == {"committed", "pending"}
    assert "16 weeks from" in texts(at)
