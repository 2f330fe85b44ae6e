"""Workspace, inbox and passport screens through AppTest, on the demo seed.

The demo seed gives Dana (demo-student) a running match with Alex (demo-alumni) — one confirmed
session, one waiting for Dana, the first milestone verified, two messages — and Sam
(demo-student2) a completed match with Prof. Rivera (demo-faculty), with both feedbacks given.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs

import pytest
from sqlmodel import col, delete, select

from core import workspace as ws
from core.accounts import end_session
from core.models import Application, ApplicationStatus, AuthSession, Project, User
from core.platform.db import read_session, write_transaction
from core.workspace.models import (
    MatchFeedback,
    MatchMilestone,
    MatchSession,
    MilestoneStatus,
    SelfEfficacy,
)
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import log_in, new_app
from tests.pages.screens import (
    click,
    element_paths,
    open_screen,
    shown_tables,
    texts,
    unescaped,
    user_named,
)

PORTFOLIO = "Portfolio website clinic"
SQL = "SQL for social scientists"


def match_of(engine, student: str, title: str) -> int:
    student_id = user_named(engine, student).id
    with read_session(engine) as session:
        found = session.exec(
            select(Application.id)
            .join(Project, Project.id == Application.project_id)
            .where(Application.student_id == student_id, Project.title == title)
            .where(Application.status != ApplicationStatus.WITHDRAWN)
        ).first()
    assert found is not None
    return found


def workspace(
    logged_in,
    app_env,
    who: str = "demo-student",
    student: str = "demo-student",
    title: str = PORTFOLIO,
):
    match_id = match_of(app_env, student, title)
    return open_screen(logged_in(who), "matches", match=match_id), match_id


def sessions_of(engine, match_id: int) -> list[MatchSession]:
    with read_session(engine) as session:
        return list(
            session.exec(select(MatchSession).where(MatchSession.application_id == match_id))
        )


def submit(at, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; have {[b.label for b in at.button]}"
    found[0].click()
    return at.run()


def metric(at, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


# ---------------------------------------------------------------------------- list and access


def test_my_matches_lists_the_running_match_and_offers_the_calendar(logged_in):
    at = open_screen(logged_in("demo-student"), "matches")
    assert not at.exception
    shown = texts(at)
    assert f"## {PORTFOLIO}" in shown
    assert "Mentor: Alex Alumna · Running" in shown
    assert "Open workspace" in [b.label for b in at.button]
    assert "Download my calendar (.ics)" in [d.label for d in at.get("download_button")]


def test_open_workspace_button_opens_the_match_by_url(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "matches")
    at = click(at, "Open workspace")
    assert at.query_params["match"] == str(match_of(app_env, "demo-student", PORTFOLIO))
    assert metric(at, "Milestones verified") == "1 of 3"
    # The partner's address is the one deliberate link to something typed: a mailto link.
    assert "Mentor: Alex Alumna ([demo-alumni@example.edu](mailto:demo-alumni@example.edu))" in (
        texts(at)
    )


def test_finished_matches_stay_listed(logged_in):
    at = open_screen(logged_in("demo-faculty"), "matches")
    shown = texts(at)
    assert f"## {SQL}" in shown and "Student: Sam Student · Completed" in shown


def test_finished_matches_show_ten_at_a_time_most_recent_first(logged_in, app_env):
    from core.models import Role, User
    from tests import factories as h

    with write_transaction(app_env) as session:
        faculty = session.exec(select(User).where(User.username == "demo-faculty")).one()
        for n in range(10):
            start = date.today() - timedelta(days=200 - 7 * n)
            done = h.project(session, faculty, title=f"Finished number {n:02d}", start=start)
            student = h.user(session, Role.STUDENT)
            h.application(session, student, done, ApplicationStatus.COMPLETED)

    def titles(at) -> list[str]:
        return [m.removeprefix("## ") for m in unescaped(at.markdown) if m.startswith("## ")]

    at = open_screen(logged_in("demo-faculty"), "matches")
    assert "**Finished (11)**" in texts(at)
    finished = [t for t in titles(at) if t.startswith("Finished number") or t == SQL]
    assert len(finished) == 10
    # The ten shown are the most recently ended; the oldest waits behind "Show more".
    assert "Finished number 00" not in finished
    at = click(at, "Show more finished matches (1 more)")
    assert "Finished number 00" in titles(at)
    assert not [b for b in at.button if b.label.startswith("Show more finished")]


def test_an_empty_list_tells_the_user_what_happens_next(app_env):
    with write_transaction(app_env) as session:
        make_user(session, "alumni", username="fresh-alumna", weekly_hours=4)
    at = open_screen(log_in(new_app().run(), "fresh-alumna", PASSWORD), "matches")
    assert [i.value for i in at.info] == [
        "No matches yet. Accept applicants on your projects; once faculty approve a match, "
        "its workspace appears here."
    ]


@pytest.mark.parametrize("outsider", ["demo-student2", "demo-faculty", "demo-admin"])
def test_someone_elses_workspace_is_refused(logged_in, app_env, outsider):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    at = open_screen(logged_in(outsider), "matches", match=match_id)
    if outsider == "demo-admin":  # admins have no workspace screen at all
        assert "Only the student and the mentor" not in texts(at)
        assert "Log a session" not in texts(at)
        return
    assert [e.value for e in at.error] == [
        "Only the student and the mentor of this match may use its workspace\\."
    ]
    assert "Log a session" not in texts(at)


# ---------------------------------------------------------------------------- sessions


def test_student_logs_a_session_and_the_mentor_is_asked_to_confirm(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    before = len(sessions_of(app_env, match_id))
    at.date_input[0].set_value(date.today())
    at.number_input[0].set_value(90)
    summary = next(t for t in at.text_area if t.label == "What did you do?")
    summary.input("Deployed the first version to GitHub Pages.")
    at = submit(at, "Log session")
    assert [s.value for s in at.success] == [
        "Session logged\\. The other party is asked to confirm it\\."
    ]
    rows = sessions_of(app_env, match_id)
    assert len(rows) == before + 1
    newest = max(rows, key=lambda r: r.id or 0)
    assert (newest.minutes, newest.confirmed_at) == (90, None)
    assert "Waiting for confirmation" in texts(at)


def session_cards(at) -> dict[str, tuple[int, ...]]:
    """Return the session cards' texts with their places, in the order they are shown."""
    return {text: path for text, path in element_paths(at).items() if " min · logged by " in text}


def log_a_session(at, summary: str):
    at.date_input[0].set_value(date.today())
    at.number_input[0].set_value(45)
    next(t for t in at.text_area if t.label == "What did you do?").input(summary)
    return submit(at, "Log session")


def test_a_new_session_shows_first_and_the_others_keep_their_places(logged_in, app_env):
    at, _ = workspace(logged_in, app_env)
    before = session_cards(at)
    assert before
    at = log_a_session(at, "Reviewed the layout together.")
    after = session_cards(at)
    # Newest first: the new card is shown above the others...
    first = next(iter(after))
    assert "Reviewed the layout together" in first
    # ...and every card shown before is where it was, so the browser draws only the new one
    # (and the message above the form has a place of its own).
    assert {text: after[text] for text in before} == before
    assert list(after)[1:] == list(before)


def test_reopening_the_workspace_lists_every_session_in_one_list(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    at = log_a_session(at, "Reviewed the layout together.")
    open_screen(at, "home")
    open_screen(at, "matches", match=match_id)
    cards = session_cards(at)
    assert "Reviewed the layout together" in next(iter(cards))
    # One list again: the cards are siblings in the same block.
    assert len({path[:-2] for path in cards.values()}) == 1  # (…, card, text)


def test_a_session_without_summary_is_refused_and_nothing_is_written(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    before = len(sessions_of(app_env, match_id))
    at = submit(at, "Log session")
    assert any("summary" in str(e.value) for e in at.error)
    assert len(sessions_of(app_env, match_id)) == before


def test_student_confirms_the_session_the_mentor_logged(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    at = submit(at, "Confirm")
    assert any("You confirmed the session" in str(s.value) for s in at.success)
    assert all(row.confirmed_at is not None for row in sessions_of(app_env, match_id))
    assert metric(at, "Hours logged (confirmed)") == "1.75"


def test_author_edits_and_deletes_an_unconfirmed_session(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env, who="demo-alumni")
    at = submit(at, "Edit")
    minutes = [n for n in at.number_input if n.label == "Minutes"][-1]
    minutes.set_value(30)
    at = submit(at, "Save changes")
    assert [s.value for s in at.success] == ["Session updated\\."]
    mine = [r for r in sessions_of(app_env, match_id) if r.confirmed_at is None]
    assert [r.minutes for r in mine] == [30]
    at = submit(at, "Delete")
    assert not [r for r in sessions_of(app_env, match_id) if r.confirmed_at is None]


# ---------------------------------------------------------------------------- milestones


def milestone_statuses(engine, match_id: int) -> list[MilestoneStatus]:
    with read_session(engine) as session:
        return list(
            session.exec(
                select(MatchMilestone.status)
                .where(MatchMilestone.application_id == match_id)
                .order_by(MatchMilestone.position)
            )
        )


def test_student_marks_done_and_mentor_verifies(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    at = submit(at, "Mark done")
    assert any("marked done" in str(s.value) for s in at.success)
    assert milestone_statuses(app_env, match_id)[1] is MilestoneStatus.DONE
    at, _ = workspace(logged_in, app_env, who="demo-alumni")
    at = submit(at, "Verify")
    assert milestone_statuses(app_env, match_id)[1] is MilestoneStatus.VERIFIED
    assert metric(at, "Milestones verified") == "2 of 3"


def test_mentor_reopens_a_milestone_only_with_a_note(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env, who="demo-alumni")
    at = submit(at, "Reopen")
    assert any("note" in str(e.value) for e in at.error)
    assert milestone_statuses(app_env, match_id)[0] is MilestoneStatus.VERIFIED
    note = next(t for t in at.text_input if t.label == "Why reopen it?")
    note.input("The wireframe needs a mobile layout.")
    at = submit(at, "Reopen")
    assert milestone_statuses(app_env, match_id)[0] is MilestoneStatus.TODO
    student, _ = workspace(logged_in, app_env)
    assert "Mentor's note: The wireframe needs a mobile layout." in texts(student)


def test_overdue_milestones_are_marked(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    with write_transaction(app_env) as session:
        second = session.exec(
            select(MatchMilestone).where(
                MatchMilestone.application_id == match_id, MatchMilestone.position == 2
            )
        ).one()
        second.due_date = date.today() - timedelta(days=1)
    at = open_screen(logged_in("demo-student"), "matches", match=match_id)
    assert "First deploy** · due" in texts(at) and "Overdue" in texts(at)


# ---------------------------------------------------------------------------- messages


def test_a_message_reaches_the_other_party_as_unread_then_read(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    mentor_user = user_named(app_env, "demo-alumni")
    with read_session(app_env) as session:
        before = ws.unread_badges(session, actor=mentor_user)[1]
    box = next(t for t in at.text_area if t.label == "Message")
    box.input("<img src=x onerror=alert(1)> see you Tuesday")
    at = submit(at, "Send")
    escaped = "\\<img src\\=x onerror\\=alert\\(1\\)\\> see you Tuesday"
    assert [m.value for m in at.markdown if m.value.endswith(f"  \n{escaped}")]
    mentor = open_screen(logged_in("demo-alumni"), "home")
    labels = [str(link.label) for link in mentor.sidebar.get("page_link")]
    new = "1 new message" if before == 0 else f"{before + 1} new messages"
    assert f"My matches ({new})" in labels
    mentor = open_screen(mentor, "matches", match=match_id)
    assert any(f"Messages ({before + 1} new)" in str(tab.label) for tab in mentor.tabs)
    with read_session(app_env) as session:
        assert ws.unread_counts(session, actor=mentor_user) == {}


def test_a_message_sent_after_the_session_ended_is_not_written(logged_in, app_env):
    # Send writes in the form's callback, before app.py's gate: the callback checks again.
    at, match_id = workspace(logged_in, app_env)
    with write_transaction(app_env) as session:
        for record in session.exec(
            select(AuthSession).where(col(AuthSession.revoked_at).is_(None))
        ):
            end_session(session, session_id=record.id or 0)
    with read_session(app_env) as session:
        before = len(
            ws.match_thread(
                session, actor=user_named(app_env, "demo-student"), application_id=match_id
            )
        )
    box = next(t for t in at.text_area if t.label == "Message")
    box.input("Still there?")
    at = submit(at, "Send")
    with read_session(app_env) as session:
        after = len(
            ws.match_thread(
                session, actor=user_named(app_env, "demo-student"), application_id=match_id
            )
        )
    assert after == before
    assert any(b.label == "Log in" for b in at.button)


def test_a_message_typed_for_minutes_is_still_sent(logged_in, app_env):
    # The session was last seen long enough ago to be due a touch: the callback writes it,
    # and the message, instead of leaving both to the gate's next run.
    at, match_id = workspace(logged_in, app_env)
    with write_transaction(app_env) as session:
        for record in session.exec(
            select(AuthSession).where(col(AuthSession.revoked_at).is_(None))
        ):
            record.last_seen_at = record.last_seen_at - timedelta(minutes=5)
            session.add(record)
    box = next(t for t in at.text_area if t.label == "Message")
    box.input("Written slowly, over several minutes.")
    at = submit(at, "Send")
    with read_session(app_env) as session:
        thread = ws.match_thread(
            session, actor=user_named(app_env, "demo-student"), application_id=match_id
        )
    assert thread[-1].body == "Written slowly, over several minutes."
    assert not any(b.label == "Log in" for b in at.button)


def test_the_thread_and_sessions_shown_after_a_write_are_read_again(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    box = next(t for t in at.text_area if t.label == "Message")
    box.input("First message of the test")
    at = submit(at, "Send")
    box = next(t for t in at.text_area if t.label == "Message")
    assert box.value == ""  # a fresh box after sending
    box.input("Second message of the test")
    at = submit(at, "Send")
    shown = texts(at)
    assert "First message of the test" in shown and "Second message of the test" in shown
    summary = next(t for t in at.text_area if t.label == "What did you do?")
    summary.input("Paired on the contact form.")
    at = submit(at, "Log session")
    assert "Paired on the contact form." in texts(at)
    assert any("Session logged" in str(s.value) for s in at.success)


# ---------------------------------------------------------------------------- close-out


def test_completing_before_the_end_date_is_refused(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env, who="demo-alumni")
    at = submit(at, "Complete match")
    assert any("can be completed from then on" in str(e.value) for e in at.error)
    with read_session(app_env) as session:
        assert session.get(Application, match_id).status is ApplicationStatus.APPROVED


def test_ending_early_needs_the_confirmation_tick_and_a_reason(logged_in, app_env):
    at, match_id = workspace(logged_in, app_env)
    reason = next(t for t in at.text_area if t.label == "Reason")
    reason.input("I got a full-time internship.")
    at = submit(at, "End match early")
    assert [e.value for e in at.error] == ["Tick the box to confirm that the match should end now."]
    at.checkbox[0].check()
    at = submit(at, "End match early")
    with read_session(app_env) as session:
        assert session.get(Application, match_id).status is ApplicationStatus.ENDED_EARLY
    assert "Feedback" in texts(at) and "Give feedback" in [b.label for b in at.button]


def test_feedback_is_hidden_until_both_have_given_it(logged_in, app_env):
    match_id = match_of(app_env, "demo-student2", SQL)
    with write_transaction(app_env) as session:
        session.exec(
            delete(MatchFeedback).where(
                MatchFeedback.author_id == user_named(app_env, "demo-student2").id
            )
        )
    at = open_screen(logged_in("demo-student2"), "matches", match=match_id)
    shown = texts(at)
    assert "has given feedback; it shows once you give yours" in shown
    assert "the findings write-up was excellent" not in shown
    next(r for r in at.radio if r.label == "Your rating").set_value(5)
    next(t for t in at.text_area if t.label == "Your comment").input("Great weekly rhythm.")
    at = submit(at, "Give feedback")
    shown = texts(at)
    assert "Reliable and curious; the findings write-up was excellent." in shown
    assert "You gave ★★★★★ (5/5):" in shown


def test_student_answers_the_start_questionnaire(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    with write_transaction(app_env) as session:
        session.exec(delete(SelfEfficacy).where(SelfEfficacy.application_id == match_id))
    at = open_screen(logged_in("demo-student"), "matches", match=match_id)
    at = submit(at, "Save my answers")
    assert [e.value for e in at.error] == ["Answer all five statements, then save."]
    for n, radio in enumerate(r for r in at.radio if r.label != "Your rating"):
        radio.set_value(1 + n % 5)
    at = submit(at, "Save my answers")
    with read_session(app_env) as session:
        row = session.exec(
            select(SelfEfficacy).where(SelfEfficacy.application_id == match_id)
        ).one()
    assert row.scores() == [1, 2, 3, 4, 5]
    assert "Save my answers" not in [b.label for b in at.button]


# ---------------------------------------------------------------------------- passport


def test_passport_shows_completed_projects_with_downloads(logged_in):
    at = open_screen(logged_in("demo-student2"), "passport")
    assert not at.exception
    frame = shown_tables(at)[0]
    assert list(frame["Project"]) == [SQL]
    assert list(frame["Milestones verified"]) == ["2 of 2"]
    assert list(frame["Hours logged"]) == ["4"]
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["Download CSV", "Printable version (HTML)"]


def test_faculty_look_a_student_up_and_unknown_names_are_told(logged_in):
    at = open_screen(logged_in("demo-faculty"), "passport")
    at = at.text_input[0].input("nobody-here").run()
    assert any("No student in your scope matches" in str(w.value) for w in at.warning)
    at = at.text_input[0].input("demo-student2").run()
    assert list(shown_tables(at)[0]["Project"]) == [SQL]


def test_faculty_find_a_student_by_part_of_their_e_mail(logged_in):
    at = open_screen(logged_in("demo-faculty"), "passport")
    at = at.text_input[0].input("student2@example").run()
    assert not at.exception
    assert list(shown_tables(at)[0]["Project"]) == [SQL]


def test_a_student_with_no_completed_project_is_told_what_fills_it(logged_in):
    at = open_screen(logged_in("demo-student"), "passport")
    assert any("No completed projects yet" in str(i.value) for i in at.info)


# ---------------------------------------------------------------------------- inbox


def inbox_links(at) -> list[tuple[str, str]]:
    return [(str(link.proto.page), link.proto.query_string) for link in at.main.get("page_link")]


@pytest.mark.parametrize(
    ("role", "link", "opens"),
    [
        ("student", "project:7", ("project", {"id": "7"})),
        ("alumni", "project:7", ("my-projects", {"project": "7"})),
        ("faculty", "applicants:7", ("applicants", {"project": "7"})),
        ("alumni", "questions:7", ("questions", {"project": "7"})),
        ("student", "questions:7", None),
        ("admin", "questions:7", None),
        ("student", "match:3", ("matches", {"match": "3"})),
        ("student", "application:5", ("my-applications", {"application": "5"})),
        # Admins post no projects and have no matches: such links are not offered to them.
        ("admin", "project:7", None),
        ("admin", "applicants:7", None),
        ("admin", "match:3", None),
        ("student", "applicants:7", None),
        ("student", "match:x", None),
        ("student", "nonsense", None),
        ("student", None, None),
    ],
)
def test_a_notification_links_only_to_a_screen_the_reader_may_open(role, link, opens):
    from core.models import Role
    from pages.shared.inbox import link_target

    assert link_target(User(role=Role(role)), link) == opens


def test_inbox_links_each_notification_to_its_place(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    at = open_screen(logged_in("demo-student"), "inbox")
    links = [(page, parse_qs(query)) for page, query in inbox_links(at)]
    assert any(page.endswith("matches") and q["match"] == [str(match_id)] for page, q in links)
    assert any(page.endswith("my-applications") for page, _ in links)


def _unread_notes(engine, username: str) -> dict[int, str | None]:
    from core.models import Notification

    with read_session(engine) as session:
        rows = session.exec(
            select(Notification.id, Notification.link)
            .join(User, col(User.id) == Notification.user_id)
            .where(User.username == username, col(Notification.read_at).is_(None))
        ).all()
    return {number: link for number, link in rows}


def test_opening_an_unread_notification_marks_it_read(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "inbox")
    unread = _unread_notes(app_env, "demo-student")
    opened = [(page, parse_qs(query)) for page, query in inbox_links(at) if "note=" in query]
    assert opened, "no unread notification with a link"
    page, query = opened[0]
    note = int(query.pop("note")[0])
    assert note in unread
    params = {name: values[0] for name, values in query.items()}
    at = open_screen(at, page.rsplit("/", 1)[-1], **params, note=note)
    assert not at.exception
    assert note not in _unread_notes(app_env, "demo-student")
    assert len(_unread_notes(app_env, "demo-student")) == len(unread) - 1
    assert at.query_params.get("note") is None  # dropped from the address
    badge = [str(x.label) for x in at.sidebar.get("page_link") if str(x.label).startswith("Inbox")]
    assert badge == [f"Inbox ({len(unread) - 1} unread)"]
    # Read notes link without it.
    at = open_screen(at, "inbox")
    assert all(f"note={note}" not in query for _, query in inbox_links(at))


def test_a_note_id_that_is_not_the_users_changes_nothing(logged_in, app_env):
    others = _unread_notes(app_env, "demo-alumni")
    mine = _unread_notes(app_env, "demo-student")
    at = open_screen(logged_in("demo-student"), "home", note=next(iter(others)))
    assert not at.exception
    at = open_screen(at, "home", note="not-a-number")
    assert not at.exception
    assert _unread_notes(app_env, "demo-alumni") == others
    assert _unread_notes(app_env, "demo-student") == mine


def test_mark_read_marks_a_notification_without_a_link(logged_in, app_env):
    from core.platform.notifications import notify

    with write_transaction(app_env) as session:
        student = session.exec(select(User).where(User.username == "demo-student")).one()
        notify(session, user_id=student.id, kind="test", text="Nothing to open")
    at = open_screen(logged_in("demo-student"), "inbox")
    # Notifications with a link are marked read by opening them; the others have a button.
    assert sum(1 for b in at.button if b.label == "Mark read") == 1
    before = len(_unread_notes(app_env, "demo-student"))
    at = submit(at, "Mark read")
    assert not [b for b in at.button if b.label == "Mark read"]
    assert len(_unread_notes(app_env, "demo-student")) == before - 1


def _only_numbered_notes(engine, count: int) -> None:
    """Replace the demo student's notifications with `count` numbered ones, oldest first."""
    from core.models import Notification
    from core.platform.notifications import notify

    with write_transaction(engine) as session:
        student = session.exec(select(User).where(User.username == "demo-student")).one()
        session.exec(delete(Notification).where(Notification.user_id == student.id))
        for n in range(count):
            notify(session, user_id=student.id, kind="test", text=f"Note number {n:02d}")


def _numbered_notes(at) -> list[str]:
    return [t for t in texts(at).splitlines() if t.startswith("Note number")]


def test_the_inbox_shows_ten_notifications_at_a_time_newest_first(logged_in, app_env):
    _only_numbered_notes(app_env, 13)
    at = open_screen(logged_in("demo-student"), "inbox")
    assert _numbered_notes(at) == [f"Note number {n:02d}" for n in range(12, 2, -1)]
    at = click(at, "Show more notifications (3 more)")
    assert _numbered_notes(at)[-3:] == ["Note number 02", "Note number 01", "Note number 00"]
    assert not [b for b in at.button if b.label.startswith("Show more")]


def test_the_inbox_reaches_the_oldest_of_many_notifications(logged_in, app_env):
    _only_numbered_notes(app_env, 62)
    at = open_screen(logged_in("demo-student"), "inbox")
    for remaining in (52, 42, 32, 22, 12, 2):
        at = click(at, f"Show more notifications ({remaining} more)")
    shown = _numbered_notes(at)
    assert len(shown) == 62
    assert shown[-1] == "Note number 00"


def test_mentors_application_notifications_open_the_applicants(logged_in, app_env):
    at = open_screen(logged_in("demo-alumni"), "inbox")
    links = inbox_links(at)
    assert any(
        page.endswith("applicants") and query.startswith("project=") for page, query in links
    )


def test_opening_the_thread_clears_the_menu_badge_in_the_same_visit(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    mentor = open_screen(logged_in("demo-alumni"), "matches", match=match_id)
    labels = [str(link.label) for link in mentor.sidebar.get("page_link")]
    assert "My matches" in labels  # not "My matches (1 new message)" from before reading
    assert any(str(tab.label) == "Messages (1 new)" for tab in mentor.tabs)


def test_the_next_user_on_the_tab_starts_at_home_not_on_the_last_workspace(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    at = open_screen(logged_in("demo-student"), "matches", match=match_id)
    at = click(at, "Log out")
    assert not at.query_params
    at = log_in(at, "demo-alumni")
    assert [t.value for t in at.title] == ["Home"]


def test_a_long_match_shows_its_sessions_ten_at_a_time_newest_first(logged_in, app_env):
    match_id = match_of(app_env, "demo-student", PORTFOLIO)
    student = user_named(app_env, "demo-student")
    before = len(sessions_of(app_env, match_id))
    with write_transaction(app_env) as session:
        for days in range(12):
            session.add(
                MatchSession(
                    application_id=match_id,
                    author_id=student.id,
                    held_on=date.today() - timedelta(days=days),
                    minutes=45,
                    summary=f"Weekly check-in {days:02d}",
                )
            )
    at, _ = workspace(logged_in, app_env)
    shown = [m.value for m in at.markdown if " · logged by " in m.value]
    assert len(shown) == 10 and "check\\-in 00" in shown[0]
    more = next(b for b in at.button if b.label.startswith("Show earlier sessions"))
    assert more.label == f"Show earlier sessions ({before + 12 - 10} more)"
    at = more.click().run()
    assert len([m for m in at.markdown if " · logged by " in m.value]) == min(before + 12, 20)
