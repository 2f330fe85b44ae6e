"""Questions before applying, on SQLite and PostgreSQL: ask, answer, read; who may do what;
the asker stays anonymous; the limits; the text policy; notifications, e-mail and audit rows."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, func
from sqlmodel import Session, SQLModel, col, select

from core import projects
from core.mail.models import MailOutbox
from core.models import ProjectQuestion, ProjectStatus, Role, User
from core.platform.db import is_sqlite, read_session, write_transaction
from core.platform.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.platform.text import normalise_text
from core.platform.types import utcnow
from core.projects.questions import (
    DAILY_QUESTIONS_LIMIT,
    OPEN_QUESTIONS_LIMIT,
    QUESTION_MAX,
    TooManyQuestions,
)
from tests.factories import TODAY, audit_rows, build, notifications_of, project, user

QUESTION = "Do I need to know SQL before the first week?"
ANSWER = "No: we start with a short tutorial in week one."


@dataclass
class World:
    mentor: User
    other_mentor: User
    student: User
    other_student: User
    faculty: User
    admin: User
    project_id: int


def _world(engine: Engine) -> World:
    def make(session: Session) -> World:
        mentor = user(session, Role.ALUMNI, display_name="Morgan Mentor")
        found = project(session, mentor, title="Course-planning dashboard")
        return World(
            mentor=mentor,
            other_mentor=user(session, Role.FACULTY),
            student=user(session, Role.STUDENT, display_name="Sasha Asker"),
            other_student=user(session, Role.STUDENT),
            faculty=user(session, Role.FACULTY),
            admin=user(session, Role.ADMIN),
            project_id=found.id or 0,
        )

    return build(engine, make)


def _ask(engine: Engine, actor: User, project_id: int, text: str = QUESTION) -> int:
    with write_transaction(engine) as session:
        row = projects.ask_question(session, actor=actor, project_id=project_id, text=text)
        assert row.id is not None
        return row.id


def _answer(
    engine: Engine, actor: User, question_id: int, *, answer: str = ANSWER, public: bool = True
) -> None:
    with write_transaction(engine) as session:
        projects.answer_question(
            session, actor=actor, question_id=question_id, answer=answer, public=public
        )


def _row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


# ---------------------------------------------------------------------------- happy paths


def test_a_student_asks_and_the_mentor_answers_in_public(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id, "  Is the work\r\nremote?  ")
    with read_session(engine) as session:
        mine = projects.project_questions(session, actor=w.student, project_id=w.project_id)
        waiting = projects.mentor_questions(session, actor=w.mentor)
    assert [q.text for q in mine.mine] == ["Is the work\nremote?"]
    assert not mine.mine[0].answered and mine.public == () and mine.unanswered == 1
    assert [(q.id, q.project_title, q.answered) for q in waiting] == [
        (question_id, "Course-planning dashboard", False)
    ]
    _answer(engine, w.mentor, question_id)
    with read_session(engine) as session:
        for reader in (w.student, w.other_student):
            seen = projects.project_questions(session, actor=reader, project_id=w.project_id)
            assert [(q.text, q.answer) for q in seen.public] == [("Is the work\nremote?", ANSWER)]
        row = session.get(ProjectQuestion, question_id)
    assert row is not None and row.public and row.answered_by == w.mentor.id
    assert row.answered_at is not None


def test_a_private_answer_is_seen_by_the_asker_only(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    _answer(engine, w.mentor, question_id, public=False)
    with read_session(engine) as session:
        mine = projects.project_questions(session, actor=w.student, project_id=w.project_id)
        theirs = projects.project_questions(session, actor=w.other_student, project_id=w.project_id)
        assert projects.read_question(session, actor=w.student, question_id=question_id)
        assert projects.read_question(session, actor=w.mentor, question_id=question_id)
    assert mine.public == () and [q.answer for q in mine.mine] == [ANSWER]
    assert not mine.mine[0].public
    assert theirs.public == () and theirs.mine == ()


def test_the_mentor_may_change_the_answer_and_its_visibility(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    _answer(engine, w.mentor, question_id, public=False)
    with read_session(engine) as session:
        first = projects.read_question(session, actor=w.mentor, question_id=question_id)
        assert (
            projects.project_questions(
                session, actor=w.other_student, project_id=w.project_id
            ).public
            == ()
        )
    _answer(engine, w.mentor, question_id, answer="Some SQL helps, but it is not needed.")
    with read_session(engine) as session:
        seen = projects.project_questions(session, actor=w.other_student, project_id=w.project_id)
        again = projects.read_question(session, actor=w.mentor, question_id=question_id)
    assert [q.answer for q in seen.public] == ["Some SQL helps, but it is not needed."]
    # The answer's time stays the first one (the mentor's activity is when they answered).
    assert again.answered_at == first.answered_at and again.public
    edits = audit_rows(engine, action="project_question.edit_answer")
    assert len(edits) == 1 and '"public": false' in (edits[0].before or "")
    # The student was told once, when the answer first came.
    kinds = [n.kind for n in notifications_of(engine, w.student.id)]
    assert kinds.count("question.answered") == 1


def test_mentor_questions_list_unanswered_first_then_answered_newest_first(engine):
    w = _world(engine)
    second_project = build(engine, lambda s: project(s, w.mentor, title="Second project")).id
    first = _ask(engine, w.student, w.project_id, "First question here?")
    second = _ask(engine, w.other_student, second_project, "Second question here?")
    third = _ask(engine, w.student, w.project_id, "Third question here?")
    _answer(engine, w.mentor, first)
    _answer(engine, w.mentor, third)
    with read_session(engine) as session:
        listed = projects.mentor_questions(session, actor=w.mentor)
        one = projects.mentor_questions(session, actor=w.mentor, project_id=second_project)
        none = projects.mentor_questions(session, actor=w.other_mentor)
    assert [q.id for q in listed] == [second, third, first]
    assert [q.id for q in one] == [second]
    assert none == []


def test_answered_question_counts_per_mentor(engine):
    w = _world(engine)
    other = build(engine, lambda s: project(s, w.other_mentor)).id
    for text in ("One question?", "Two questions?"):
        _answer(engine, w.mentor, _ask(engine, w.student, w.project_id, text))
    _ask(engine, w.student, w.project_id, "Unanswered?")
    # An administrator's answer is not the mentor's activity.
    _answer(engine, w.admin, _ask(engine, w.other_student, other))
    with read_session(engine) as session:
        counts = projects.answered_question_counts(
            session, mentor_ids=[w.mentor.id, w.other_mentor.id, w.faculty.id]
        )
        last = session.exec(
            select(func.max(ProjectQuestion.answered_at)).where(
                ProjectQuestion.project_id == w.project_id
            )
        ).one()
        assert projects.answered_question_counts(session, mentor_ids=[]) == {}
    assert set(counts) == {w.mentor.id}
    count, when = counts[w.mentor.id]
    assert count == 2 and when == last and when.tzinfo is not None


# ---------------------------------------------------------------------------- the asker unnamed


def test_published_answers_never_carry_the_asker(engine):
    w = _world(engine)
    _answer(engine, w.mentor, _ask(engine, w.student, w.project_id))
    fields = {f.name for f in dataclasses.fields(projects.PublicAnswer)}
    assert fields == {"id", "text", "answer", "answered_at"}
    mentor_fields = {f.name for f in dataclasses.fields(projects.MentorQuestion)}
    assert not {"asker", "asker_id", "asker_name", "pseudonym"} & mentor_fields
    with read_session(engine) as session:
        seen = projects.project_questions(session, actor=w.other_student, project_id=w.project_id)
    shown = repr(seen.public)
    for secret in (w.student.display_name, w.student.pseudonym, w.student.username):
        assert secret and secret not in shown
    notes = notifications_of(engine, w.mentor.id)
    assert notes and all(w.student.display_name not in n.text for n in notes)


# ---------------------------------------------------------------------------- permissions

Action = Callable[[Session, User, World, int], Any]
ASK: Action = lambda s, a, w, q: projects.ask_question(  # noqa: E731
    s, actor=a, project_id=w.project_id, text=QUESTION
)
ANSWER_IT: Action = lambda s, a, w, q: projects.answer_question(  # noqa: E731
    s, actor=a, question_id=q, answer=ANSWER
)
READ: Action = lambda s, a, w, q: projects.read_question(s, actor=a, question_id=q)  # noqa: E731
LIST: Action = lambda s, a, w, q: projects.mentor_questions(  # noqa: E731
    s, actor=a, project_id=w.project_id
)

# (who, action, allowed, audit action) — the question is the student's, private until answered.
TABLE = [
    ("student", ASK, True, "project_question.ask"),
    ("alumni", ASK, False, "project_question.ask"),
    ("faculty", ASK, False, "project_question.ask"),
    ("admin", ASK, False, "project_question.ask"),
    ("mentor", ANSWER_IT, True, "project_question.answer"),
    ("admin", ANSWER_IT, True, "project_question.answer"),
    ("other_mentor", ANSWER_IT, False, "project_question.answer"),
    ("student", ANSWER_IT, False, "project_question.answer"),
    ("other_student", ANSWER_IT, False, "project_question.answer"),
    ("faculty", ANSWER_IT, False, "project_question.answer"),
    ("student", READ, True, "project_question.read"),
    ("mentor", READ, True, "project_question.read"),
    ("other_student", READ, False, "project_question.read"),
    ("other_mentor", READ, False, "project_question.read"),
    ("mentor", LIST, True, "project_question.list"),
    ("other_mentor", LIST, False, "project_question.list"),
    ("student", LIST, False, "project_question.list"),
]


@pytest.mark.parametrize(
    ("who", "action", "allowed", "audited"),
    TABLE,
    ids=[f"{who}-{audited.split('.')[1]}-{ok}" for who, _a, ok, audited in TABLE],
)
def test_who_may_ask_answer_and_read(engine, who, action, allowed, audited):
    w = _world(engine)
    alumni = who == "alumni"
    who_user = build(engine, lambda s: user(s, Role.ALUMNI)) if alumni else getattr(w, who)
    question_id = _ask(engine, w.student, w.project_id)
    with write_transaction(engine) as session:
        # The answer stays private (read refusals are about someone else's private answer).
        row = session.get(ProjectQuestion, question_id)
        row.answer, row.answered_at, row.answered_by = "Kept private.", utcnow(), w.mentor.id
        session.add(row)
    before = _row_counts(engine)
    if allowed:
        with write_transaction(engine) as session:
            action(session, who_user, w, question_id)
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        action(session, who_user, w, question_id)
    after = _row_counts(engine)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before
    refused = audit_rows(engine, outcome="refused")
    assert [(r.action, r.actor_id) for r in refused] == [(audited, who_user.id)]


def test_a_deactivated_student_cannot_ask(engine):
    w = _world(engine)
    with write_transaction(engine) as session:
        w.student.is_active = False
        session.add(session.merge(w.student))
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        ASK(session, w.student, w, 0)


def test_a_public_answer_may_be_read_by_any_student(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    _answer(engine, w.mentor, question_id)
    with read_session(engine) as session:
        found = projects.read_question(session, actor=w.other_student, question_id=question_id)
    assert found.answer == ANSWER


def test_missing_things_are_reported_as_missing(engine):
    w = _world(engine)
    draft = build(engine, lambda s: project(s, w.mentor, status=ProjectStatus.DRAFT)).id
    with pytest.raises(NotFound), write_transaction(engine) as session:
        projects.ask_question(session, actor=w.student, project_id=draft, text=QUESTION)
    with pytest.raises(NotFound), write_transaction(engine) as session:
        projects.ask_question(session, actor=w.student, project_id=999_999, text=QUESTION)
    with pytest.raises(NotFound), write_transaction(engine) as session:
        projects.answer_question(session, actor=w.mentor, question_id=999_999, answer=ANSWER)


# ---------------------------------------------------------------------------- project state


@pytest.mark.parametrize(
    ("status", "deadline_days", "message"),
    [
        (ProjectStatus.CLOSED, 7, "only be asked while a project is open"),
        (ProjectStatus.IN_PROGRESS, 7, "only be asked while a project is open"),
        (ProjectStatus.CANCELLED, 7, "only be asked while a project is open"),
        (ProjectStatus.OPEN, -1, "closed on"),
    ],
)
def test_no_questions_on_a_project_not_open_or_past_its_deadline(
    engine, status, deadline_days, message
):
    w = _world(engine)
    target = build(
        engine,
        lambda s: project(
            s, w.mentor, status=status, deadline=TODAY + timedelta(days=deadline_days)
        ),
    ).id
    before = _row_counts(engine)
    with pytest.raises(InvalidTransition) as refused, write_transaction(engine) as session:
        projects.ask_question(session, actor=w.student, project_id=target, text=QUESTION)
    assert message in refused.value.message
    assert _row_counts(engine) == before
    with read_session(engine) as session:
        section = projects.project_questions(session, actor=w.student, project_id=target)
    assert not section.can_ask and section.why_not and message in section.why_not


def test_the_last_day_before_the_deadline_still_takes_questions(engine):
    w = _world(engine)
    target = build(engine, lambda s: project(s, w.mentor, deadline=TODAY)).id
    _ask(engine, w.student, target)


# ---------------------------------------------------------------------------- limits


def test_at_most_three_unanswered_questions_per_student_and_project(engine):
    w = _world(engine)
    asked = [_ask(engine, w.student, w.project_id, f"Question {n}?") for n in range(3)]
    before = _row_counts(engine)
    with pytest.raises(TooManyQuestions) as refused, write_transaction(engine) as session:
        ASK(session, w.student, w, 0)
    assert f"{OPEN_QUESTIONS_LIMIT} unanswered questions" in refused.value.message
    assert "wait for the mentor to answer" in refused.value.message
    assert _row_counts(engine) == before
    with read_session(engine) as session:
        section = projects.project_questions(session, actor=w.student, project_id=w.project_id)
    assert not section.can_ask and "unanswered questions" in (section.why_not or "")
    # Another student, or the same student on another project, is not held back.
    _ask(engine, w.other_student, w.project_id)
    # Once one is answered, the student may ask again.
    _answer(engine, w.mentor, asked[0])
    _ask(engine, w.student, w.project_id, "A fourth question?")


def test_at_most_ten_questions_a_day_over_all_projects(engine):
    w = _world(engine)
    targets = build(
        engine, lambda s: [project(s, w.mentor).id for _ in range(DAILY_QUESTIONS_LIMIT + 1)]
    )
    for target in targets[:DAILY_QUESTIONS_LIMIT]:
        _ask(engine, w.student, target)
    with pytest.raises(TooManyQuestions) as refused, write_transaction(engine) as session:
        projects.ask_question(session, actor=w.student, project_id=targets[-1], text=QUESTION)
    assert "in the last 24 hours" in refused.value.message
    # Questions older than a day no longer count.
    with write_transaction(engine) as session:
        for row in session.exec(select(ProjectQuestion)).all():
            row.asked_at = utcnow() - timedelta(hours=25)
            session.add(row)
    _ask(engine, w.student, targets[-1])


# ---------------------------------------------------------------------------- text policy


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is required"),
        ("   \n ", "is required"),
        ("x" * (QUESTION_MAX + 1), f"at most {QUESTION_MAX}"),
        ("Why\x00?", "control characters"),
        ("Why\x1b[31m?", "control characters"),
        ("Why\u202e?", "text-direction"),
        ("Why\ud800?", "invalid characters"),
    ],
)
def test_a_bad_question_is_refused_and_nothing_written(engine, text, problem):
    w = _world(engine)
    before = _row_counts(engine)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        projects.ask_question(session, actor=w.student, project_id=w.project_id, text=text)
    assert problem in refused.value.fields["question"]
    assert _row_counts(engine) == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "is required"), ("y" * 2001, "at most 2,000"), ("No\x7f.", "control characters")],
)
def test_a_bad_answer_is_refused_and_nothing_written(engine, text, problem):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    before = _row_counts(engine)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        projects.answer_question(session, actor=w.mentor, question_id=question_id, answer=text)
    assert problem in refused.value.fields["answer"]
    assert _row_counts(engine) == before


ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=ANY_TEXT)
def test_any_question_text_is_refused_with_a_message_or_stored_and_read_back(engine, text):
    def make(session: Session) -> tuple[User, int]:
        mentor = user(session, Role.ALUMNI)
        return user(session, Role.STUDENT), project(session, mentor).id or 0

    student, target = build(engine, make)
    try:
        question_id = _ask(engine, student, target, text)
    except ValidationFailed as refused:
        assert refused.fields["question"]
        return
    with read_session(engine) as session:
        mine = projects.project_questions(session, actor=student, project_id=target).mine
    assert [(q.id, q.text) for q in mine] == [(question_id, normalise_text(text, multiline=True))]


# ---------------------------------------------------------------------------- notifications, audit


def test_both_sides_are_notified_with_links_and_mail(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    asked = notifications_of(engine, w.mentor.id)
    assert [(n.kind, n.link) for n in asked] == [("question.asked", f"questions:{w.project_id}")]
    assert "Course-planning dashboard" in asked[0].text
    _answer(engine, w.mentor, question_id, public=False)
    answered = notifications_of(engine, w.student.id)
    assert [(n.kind, n.link) for n in answered] == [
        ("question.answered", f"project:{w.project_id}")
    ]
    assert "Only you can see the answer." in answered[0].text
    with read_session(engine) as session:
        mail = session.exec(select(MailOutbox).order_by(col(MailOutbox.id))).all()
    assert [(m.user_id, m.kind) for m in mail] == [
        (w.mentor.id, "question.asked"),
        (w.student.id, "question.answered"),
    ]


def test_ask_and_answer_write_one_audit_row_each(engine):
    w = _world(engine)
    question_id = _ask(engine, w.student, w.project_id)
    _answer(engine, w.mentor, question_id)
    rows = [r for r in audit_rows(engine) if r.entity == "project_question"]
    assert [(r.action, r.actor_id, r.entity_id, r.outcome) for r in rows] == [
        ("project_question.ask", w.student.id, question_id, "ok"),
        ("project_question.answer", w.mentor.id, question_id, "ok"),
    ]
    # The audit row holds lengths, not what was typed.
    assert QUESTION not in (rows[0].after or "") and ANSWER not in (rows[1].after or "")


def test_the_kinds_are_in_the_mail_preferences_for_their_roles(engine):
    from core.mail.preferences import MAIL_KINDS, default_mode, kind_title

    kinds = {item.kind: item for item in MAIL_KINDS}
    assert kinds["question.asked"].roles == frozenset({Role.ALUMNI, Role.FACULTY})
    assert kinds["question.answered"].roles == frozenset({Role.STUDENT})
    assert default_mode("question.asked").value == "immediately"
    assert kind_title("question.answered") == "A mentor answers my question"


# ---------------------------------------------------------------------------- concurrency

RACERS = 8


@pytest.fixture
def racing_engine(engine: Engine):
    """The test database, with a pool big enough that every thread holds its own connection."""
    if is_sqlite(engine):
        yield engine
        return
    wide = create_engine(
        engine.url.render_as_string(hide_password=False), pool_size=RACERS + 2, max_overflow=0
    )
    yield wide
    wide.dispose()


def test_simultaneous_questions_never_pass_the_limit(racing_engine, engine):
    w = _world(engine)
    barrier = threading.Barrier(RACERS)

    def ask(n: int) -> object:
        barrier.wait(timeout=30)
        try:
            return _ask(racing_engine, w.student, w.project_id, f"Question {n}?")
        except TooManyQuestions as refused:
            return refused

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(ask, range(RACERS)))
    stored = [o for o in outcomes if isinstance(o, int)]
    assert len(stored) == OPEN_QUESTIONS_LIMIT, outcomes
    assert all(isinstance(o, (int, TooManyQuestions)) for o in outcomes), outcomes
    assert len(_row_questions(engine)) == OPEN_QUESTIONS_LIMIT


def _row_questions(engine: Engine) -> list[ProjectQuestion]:
    with Session(engine) as session:
        return list(session.exec(select(ProjectQuestion)).all())
