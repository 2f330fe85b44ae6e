"""Every service that stores typed text applies one text policy, on SQLite and PostgreSQL.

Hostile text (NUL, ESC, DEL, C1 controls, direction overrides, lone surrogates) is refused with
a message naming the field, and nothing is written; on PostgreSQL a NUL never reaches the
database (it would raise an unhandled error there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from core import accounts as admin
from core import applications as apps
from core import projects
from core import workspace as ws
from core.accounts import profiles, registration
from core.models import ApplicationStatus, Role, User
from core.platform.db import write_transaction
from core.platform.errors import ValidationFailed
from core.platform.text import normalise_text
from core.workspace.models import MatchMessage, MatchMilestone
from tests.factories import TODAY, application, make_pair, project, project_input_data, user

HOSTILE = {
    "NUL": "\x00",
    "ESC": "\x1b[31m",
    "DEL": "\x7f",
    "a C1 control": "\x9b",
    "a right-to-left override": "\u202e",
    "a direction isolate": "\u2066",
    "a lone surrogate": "\ud800",
}
STATEMENT = "I have built two small data pipelines and want to learn how to test them well."
PASSWORD = "violet-harbour-tangent-91"


@dataclass
class World:
    admin: User
    mentor: User
    student: User
    faculty: User
    project_id: int
    submitted_id: int
    accepted_id: int
    match_id: int
    closed_match_id: int
    milestone_id: int


def _world(engine: Engine) -> World:
    with write_transaction(engine) as session:
        root = user(session, Role.ADMIN)
        mentor = user(session, Role.ALUMNI)
        student = user(session, Role.STUDENT)
        faculty = user(session, Role.FACULTY)
        asked = project(session, mentor, question="Which tools do you use?")
        submitted = application(session, user(session, Role.STUDENT), asked)
        accepted = application(
            session, user(session, Role.STUDENT), asked, status=ApplicationStatus.ACCEPTED
        )
        running = make_pair(session, mentor=mentor, student=student)
        closed = make_pair(session, mentor=mentor, status=ApplicationStatus.COMPLETED)
        milestone = session.exec(
            select(MatchMilestone).where(MatchMilestone.application_id == running.application_id)
        ).first()
        assert milestone is not None and milestone.id is not None
        ws.mark_milestone_done(session, actor=student, milestone_id=milestone.id)
        return World(
            root,
            mentor,
            student,
            faculty,
            asked.id or 0,
            submitted.id or 0,
            accepted.id or 0,
            running.application_id,
            closed.application_id,
            milestone.id,
        )


Call = Callable[[Session, World, str], Any]


def _register(**fields: str) -> Call:
    def call(session: Session, world: World, value: str) -> Any:
        typed = {
            "role": Role.STUDENT,
            "username": "new.student",
            "email": "new.student@example.edu",
            "display_name": "New Student",
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "department": "Biology",
        }
        typed.update({name: text.format(value) for name, text in fields.items()})
        return registration.register_account(session, **typed)  # type: ignore[arg-type]

    return call


def _import(**fields: str) -> Call:
    def call(session: Session, world: World, value: str) -> Any:
        typed = {
            "username": "imported.one",
            "email": "imported.one@example.edu",
            "display_name": "Imported One",
            "role": "student",
            "department": "Biology",
        }
        typed.update({name: text.format(value) for name, text in fields.items()})
        csv_text = ",".join(typed) + "\n" + ",".join(typed.values()) + "\n"
        preview = admin.preview_user_import(session, actor=world.admin, csv_text=csv_text)
        problems = {name: text for row in preview.rows for name, text in row.errors.items()}
        if problems or preview.problems:
            # import_users refuses the whole file; the preview names the field.
            with pytest.raises(ValidationFailed):
                admin.import_users(session, actor=world.admin, csv_text=csv_text)
            raise ValidationFailed.from_fields(problems or {"file": "; ".join(preview.problems)})
        return admin.import_users(session, actor=world.admin, csv_text=csv_text)

    return call


def _profile(**fields: str) -> Call:
    def call(session: Session, world: World, value: str) -> Any:
        typed = {"display_name": "Stu Dent", "department": "Biology"}
        typed.update({name: text.format(value) for name, text in fields.items()})
        return profiles.update_profile(
            session,
            actor=world.student,
            user_id=world.student.id or 0,
            weekly_hours=8,
            blind_review=False,
            interests=[],
            **typed,
        )

    return call


def _project(field: str, text: str) -> Call:
    def call(session: Session, world: World, value: str) -> Any:
        data = project_input_data()
        if field == "milestone":
            data["milestones"] = [{"title": text.format(value), "due_week": 1}]
        else:
            data[field] = text.format(value)
        return projects.create_project(session, actor=world.mentor, data=data)

    return call


def _apply(session: Session, world: World, value: str) -> Any:
    target = project(session, world.mentor)
    return apps.apply(
        session, actor=world.student, project_id=target.id or 0, statement=STATEMENT + value
    )


def _answer(session: Session, world: World, value: str) -> Any:
    target = project(session, world.mentor, question="Why?")
    return apps.apply(
        session,
        actor=world.student,
        project_id=target.id or 0,
        statement=STATEMENT,
        screening_answer="Because" + value,
    )


CASES: dict[str, tuple[str, Call]] = {
    "registration display name": ("display_name", _register(display_name="Stu{}Dent")),
    "registration e-mail": ("email", _register(email="stu{}@example.edu")),
    "registration department": ("department", _register(department="Bio{}logy")),
    "import display name": ("display_name", _import(display_name="Imp{}orted")),
    "import e-mail": ("email", _import(email="imp{}@example.edu")),
    "profile display name": ("display_name", _profile(display_name="Stu{}Dent")),
    "profile department": ("department", _profile(department="Bio{}logy")),
    "project title": ("title", _project("title", "A title{} here")),
    "project description": ("description", _project("description", "Some{} words")),
    "project screening question": (
        "screening_question",
        _project("screening_question", "Why{}?"),
    ),
    "milestone title": ("milestones", _project("milestone", "Step{} one")),
    "cancel reason": (
        "reason",
        lambda s, w, v: projects.cancel_project(
            s, actor=w.mentor, project_id=w.project_id, reason="No time" + v
        ),
    ),
    "statement": ("statement", _apply),
    "screening answer": ("screening_answer", _answer),
    "decline note": (
        "note",
        lambda s, w, v: apps.decline(
            s, actor=w.mentor, application_id=w.submitted_id, note="Sorry" + v
        ),
    ),
    "reject reason": (
        "reason",
        lambda s, w, v: apps.reject(
            s, actor=w.faculty, application_id=w.accepted_id, reason="No" + v
        ),
    ),
    "end-early reason": (
        "reason",
        lambda s, w, v: apps.end_early(
            s, actor=w.student, application_id=w.match_id, reason="Busy" + v
        ),
    ),
    "session summary": (
        "summary",
        lambda s, w, v: ws.log_session(
            s,
            actor=w.student,
            application_id=w.match_id,
            held_on=TODAY,
            minutes=30,
            summary="We met" + v,
        ),
    ),
    "message": (
        "message",
        lambda s, w, v: ws.send_message(
            s, actor=w.student, application_id=w.match_id, body="Hi" + v
        ),
    ),
    "milestone note": (
        "note",
        lambda s, w, v: ws.reopen_milestone(
            s, actor=w.mentor, milestone_id=w.milestone_id, note="Redo" + v
        ),
    ),
    "feedback comment": (
        "comment",
        lambda s, w, v: ws.give_feedback(
            s, actor=w.mentor, application_id=w.closed_match_id, rating=5, comment="Good" + v
        ),
    ),
    "project question": (
        "question",
        lambda s, w, v: projects.ask_question(
            s, actor=w.student, project_id=w.project_id, text="Why" + v
        ),
    ),
    "answer to a question": (
        "answer",
        lambda s, w, v: projects.answer_question(
            s,
            actor=w.mentor,
            question_id=projects.ask_question(
                s, actor=w.student, project_id=w.project_id, text="Why?"
            ).id,
            answer="Because" + v,
        ),
    ),
    "invite e-mail": (
        "email",
        lambda s, w, v: admin.create_faculty_invite(
            s, actor=w.admin, email=f"prof{v}@example.edu", department="Biology"
        ),
    ),
    "invite department": (
        "department",
        lambda s, w, v: admin.create_faculty_invite(
            s, actor=w.admin, email="prof@example.edu", department="Bio" + v
        ),
    ),
    "user search": (
        "search",
        lambda s, w, v: admin.list_users(s, actor=w.admin, search="stu" + v),
    ),
}


def _row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_characters_are_refused_naming_the_field_and_nothing_is_written(engine, case):
    named, call = CASES[case]
    world = _world(engine)
    before = _row_counts(engine)
    for what, value in HOSTILE.items():
        field = named
        with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
            call(session, world, value)
        problems = refused.value.fields
        if case.startswith("import") and value == "\x00":
            field = "file"  # a NUL anywhere means it is not a CSV text file at all
        assert field in problems or any(name.startswith(field) for name in problems), (
            f"{case} with {what}: {refused.value.message}"
        )
        assert _row_counts(engine) == before, f"{case} with {what} wrote something"


def test_the_same_calls_succeed_with_plain_text(engine):
    # The table above must fail for the hostile character, not for a mistake in the call.
    world = _world(engine)
    for _field, call in CASES.values():
        with Session(engine) as session:
            call(session, world, "")
            session.rollback()


def test_multi_line_text_keeps_line_breaks_and_tabs_with_crlf_as_lf(engine):
    world = _world(engine)
    with write_transaction(engine) as session:
        row = ws.send_message(
            session, actor=world.student, application_id=world.match_id, body="a\r\nb\rc\n\td"
        )
        message_id = row.id
    with Session(engine) as session:
        assert session.get(MatchMessage, message_id).body == "a\nb\nc\n\td"


def test_a_name_on_one_line_is_refused_when_it_holds_a_line_break(engine):
    world = _world(engine)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        _profile(display_name="Stu{}Dent")(session, world, "\n")
    assert refused.value.fields["display_name"] == "must be a single line"


# Arbitrary text: every code point, surrogates and controls included.
ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=ANY_TEXT)
def test_any_text_is_refused_with_a_message_or_stored_and_read_back_identically(engine, text):
    with write_transaction(engine) as session:
        student = user(session, Role.STUDENT)
        match = make_pair(session, student=student)
    try:
        with write_transaction(engine) as session:
            row = ws.send_message(
                session, actor=student, application_id=match.application_id, body=text
            )
            message_id = row.id
    except ValidationFailed as refused:
        assert refused.fields["message"]
        return
    with Session(engine) as session:
        assert session.get(MatchMessage, message_id).body == normalise_text(text, multiline=True)
