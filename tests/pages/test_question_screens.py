"""Questions before applying through AppTest: the Questions section of a project page (ask,
published and own questions, refusals) and the mentor's Questions screen (answer, publish or
keep private, another mentor's project refused)."""

from __future__ import annotations

from sqlmodel import col, select

from core.models import AuditEntry, Notification, ProjectQuestion, Role
from core.platform.db import read_session, write_transaction
from core.projects import answer_question, ask_question
from pages.components.navigation import screens_for
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import log_in, new_app
from tests.pages.screens import (
    click,
    open_screen,
    project_id,
    raw_texts,
    readable,
    texts,
    unescaped,
)
from tests.pages.screens import user_named as named

DASHBOARD = "Build a data dashboard for a food bank"  # demo-alumni's, open
ML = "Machine learning reading group"  # another mentor's
QUESTION = "Do I need to know SQL before the first week?"
ANSWER = "No: we start with a short tutorial in week one."


def _ask(engine, username: str, title: str, text: str = QUESTION) -> int:
    with write_transaction(engine) as session:
        student = named(engine, username)
        row = ask_question(session, actor=student, project_id=project_id(engine, title), text=text)
        assert row.id is not None
        return row.id


def _answer(engine, question_id: int, *, public: bool = True, mentor: str = "demo-alumni") -> None:
    with write_transaction(engine) as session:
        answer_question(
            session,
            actor=named(engine, mentor),
            question_id=question_id,
            answer=ANSWER,
            public=public,
        )


# The demo data's own questions (on demo-faculty's reading group) are asked by these students.
DEMO_ASKERS = ("ana-student", "lee-student")


def _questions(engine) -> list[ProjectQuestion]:
    """Return the questions the test asked (not the demo data's)."""
    demo = [named(engine, username).id for username in DEMO_ASKERS]
    with read_session(engine) as session:
        statement = select(ProjectQuestion).where(col(ProjectQuestion.asker_id).not_in(demo))
        return list(session.exec(statement.order_by(ProjectQuestion.id)).all())


def _other_student(engine, username: str = "curious-student"):
    with write_transaction(engine) as session:
        make_user(session, Role.STUDENT, username=username, display_name="Curious Student")
    return log_in(new_app().run(), username, PASSWORD)


# ---------------------------------------------------------------------------- the project page


def test_a_student_asks_from_the_project_page_and_stays_there(logged_in, app_env):
    pid = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    assert "Questions" in unescaped(at.header)
    assert "No answered questions on this project yet." in texts(at)
    at.text_area(key=f"ask_question_{pid}").input(QUESTION)
    at = click(at, "Ask the mentor")
    assert not at.exception
    assert any("Question sent." in s for s in unescaped(at.success))
    assert any("Question sent." in readable(str(t.value)) for t in at.toast)
    assert unescaped(at.title) == [DASHBOARD]  # still on the project
    shown = texts(at)
    assert QUESTION in shown and "waiting for the mentor's answer" in shown
    assert at.text_area(key=f"ask_question_{pid}").value == ""
    [saved] = _questions(app_env)
    assert (saved.project_id, saved.text, saved.answered_at) == (pid, QUESTION, None)
    mentor = named(app_env, "demo-alumni")
    with read_session(app_env) as session:
        notes = session.exec(
            select(Notification).where(
                Notification.user_id == mentor.id, Notification.kind == "question.asked"
            )
        ).all()
    assert [n.link for n in notes] == [f"questions:{pid}"]


def test_an_empty_question_is_refused_at_the_field_and_nothing_is_written(logged_in, app_env):
    pid = project_id(app_env, DASHBOARD)
    at = open_screen(logged_in("demo-student"), "project", id=pid)
    at.text_area(key=f"ask_question_{pid}").input("   ")
    at = click(at, "Ask the mentor")
    assert "Your question is required" in unescaped(at.error)
    assert _questions(app_env) == []


def test_published_answers_show_without_the_askers_name(logged_in, app_env):
    asked = _ask(app_env, "demo-student", DASHBOARD)
    _answer(app_env, asked)
    private = _ask(app_env, "demo-student", DASHBOARD, "Is the **data** [public](http://x.y)?")
    _answer(app_env, private, public=False)
    at = open_screen(_other_student(app_env), "project", id=project_id(app_env, DASHBOARD))
    assert not at.exception
    shown = texts(at)
    assert QUESTION in shown and ANSWER in shown
    assert "Is the" not in shown  # the private one
    asker = named(app_env, "demo-student")
    for secret in (asker.display_name, asker.pseudonym, asker.username):
        assert secret and secret not in shown
    assert "Your questions" not in unescaped(at.subheader)


def test_the_asker_sees_their_questions_with_their_state_as_text(logged_in, app_env):
    private = _ask(app_env, "demo-student", DASHBOARD, "Is the **data** [public](http://x.y)?")
    _answer(app_env, private, public=False)
    _ask(app_env, "demo-student", DASHBOARD)
    at = open_screen(logged_in("demo-student"), "project", id=project_id(app_env, DASHBOARD))
    assert "Your questions" in unescaped(at.subheader)
    shown = texts(at)
    assert "Is the **data** [public](http://x.y)?" in shown  # shown as typed
    assert "](http" not in raw_texts(at)  # never a link
    assert "only you can see it" in shown and "waiting for the mentor's answer" in shown
    assert f"**Answer:** {ANSWER}" in shown
    assert "No answered questions on this project yet." in shown  # nothing public


def test_the_form_gives_way_to_the_limit_of_open_questions(logged_in, app_env):
    for n in range(3):
        _ask(app_env, "demo-student", DASHBOARD, f"Question number {n}?")
    at = open_screen(logged_in("demo-student"), "project", id=project_id(app_env, DASHBOARD))
    assert "Ask the mentor" not in [b.label for b in at.button]
    assert "You have 3 unanswered questions on this project." in texts(at)


# ---------------------------------------------------------------------------- the mentor's screen


def test_questions_is_a_mentor_menu_screen_after_applicants():
    for role in (Role.ALUMNI, Role.FACULTY):
        paths = [screen.url_path for screen in screens_for(role)]
        assert paths.index("questions") == paths.index("applicants") + 1
    assert "questions" not in [s.url_path for s in screens_for(Role.STUDENT)]
    assert "questions" not in [s.url_path for s in screens_for(Role.ADMIN)]


def test_a_mentor_without_questions_is_told_what_to_expect(logged_in):
    at = open_screen(logged_in("demo-alumni"), "questions")
    assert not at.exception
    assert "No questions yet." in texts(at)
    # The demo's reading group has one answered question and one waiting.
    at = open_screen(logged_in("demo-faculty"), "questions")
    assert "1 question waiting for your answer · 1 answered" in texts(at)


def test_the_mentor_answers_unanswered_questions_first_and_keeps_one_private(logged_in, app_env):
    answered = _ask(app_env, "demo-student", DASHBOARD, "An answered question?")
    _answer(app_env, answered)
    waiting = _ask(app_env, "demo-student", DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "questions")
    assert not at.exception
    assert unescaped(at.header) == [DASHBOARD]
    assert "1 question waiting for your answer · 1 answered" in texts(at)
    assert [e.label for e in at.expander] == ["Answered (1)"]
    shown = texts(at)
    assert shown.index(QUESTION) < shown.index("An answered question?")
    assert "demo-student" not in shown.lower() and "Dana Student" not in shown
    publish = at.checkbox(key=f"qa_public_{waiting}")
    assert publish.label == "Publish on the project page" and publish.value is True
    at.text_area(key=f"qa_answer_{waiting}").input(ANSWER)
    publish.uncheck()
    at = click(at, "Send the answer", form=f"qa_form_{waiting}")
    assert not at.exception
    assert any("only the student who asked can see it" in s for s in unescaped(at.success))
    saved = next(q for q in _questions(app_env) if q.id == waiting)
    assert (saved.answer, saved.public) == (ANSWER, False)
    assert [e.label for e in at.expander] == ["Answered (2)"]


def test_the_mentor_may_publish_an_answer_kept_private(logged_in, app_env):
    asked = _ask(app_env, "demo-student", DASHBOARD)
    _answer(app_env, asked, public=False)
    at = open_screen(logged_in("demo-alumni"), "questions", project=project_id(app_env, DASHBOARD))
    at.checkbox(key=f"qa_public_{asked}").check()
    at = click(at, "Save the answer", form=f"qa_form_{asked}")
    assert any("published on the project page" in s for s in unescaped(at.success))
    assert _questions(app_env)[0].public is True


def test_an_empty_answer_is_refused_at_the_field(logged_in, app_env):
    asked = _ask(app_env, "demo-student", DASHBOARD)
    at = open_screen(logged_in("demo-alumni"), "questions")
    at = click(at, "Send the answer", form=f"qa_form_{asked}")
    assert "Your answer is required" in unescaped(at.error)
    assert _questions(app_env)[0].answered_at is None


def test_another_mentors_questions_are_refused_and_audited(logged_in, app_env):
    ml = project_id(app_env, ML)
    _ask(app_env, "demo-student", ML, "A question for someone else?")
    at = open_screen(logged_in("demo-alumni"), "questions", project=ml)
    assert not at.exception
    assert any("Only the project's mentor" in e for e in unescaped(at.error))
    assert "A question for someone else?" not in texts(at)
    with read_session(app_env) as session:
        refused = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "project_question.list", AuditEntry.outcome == "refused"
            )
        ).all()
    assert [r.entity_id for r in refused] == [ml]
