"""Questions: what students asked about the mentor's projects before applying, unanswered first
per project, each with an answer form; answers are published on the project page (never naming
the student) or kept for the student who asked. `?project=<id>` shows one project."""

from __future__ import annotations

import streamlit as st

from core.platform.wording import counted
from core.projects import ANSWER_MAX, MentorQuestion, answer_question, mentor_questions
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.mentor import (
    APPLICANTS,
    MY_PROJECTS,
    PROJECT_PARAM,
    chosen_project,
    day,
    link,
    show_flash,
)
from pages.components.ui import escape_markdown, literal, show_in_steps, small

QUESTIONS = "questions"
ANSWERED_SHOWN = "qa_answered_shown"
ANSWERED_STEP = 10


def render() -> None:
    """List the questions on the mentor's projects, with a form to answer each."""
    user = signed_in_user()
    st.title("Questions")
    show_flash()
    chosen = chosen_project()
    project_id = chosen if isinstance(chosen, int) else None
    questions = read(lambda session: mentor_questions(session, actor=user, project_id=project_id))
    if questions is None:
        link(QUESTIONS, "All questions", icon=":material/help:")
        return
    st.caption(
        "Students ask before they apply. You never see who asked; a published answer shows "
        "on the project page with the question, never with the student's name."
    )
    if project_id is not None:
        link(QUESTIONS, "Questions on all my projects", icon=":material/help:")
    if not questions:
        st.info(
            "No questions yet. Students can ask about your open projects until their "
            "application deadline; you are notified of each one."
        )
        if project_id is None:
            link(MY_PROJECTS, "My projects", icon=":material/work:")
        return
    by_project: dict[int, list[MentorQuestion]] = {}
    for question in questions:  # unanswered first: projects with open questions lead
        by_project.setdefault(question.project_id, []).append(question)
    for number, rows in by_project.items():
        _project(number, rows)


def _project(project_id: int, rows: list[MentorQuestion]) -> None:
    waiting = [q for q in rows if not q.answered]
    answered = [q for q in rows if q.answered]
    st.header(escape_markdown(rows[0].project_title))
    st.caption(
        f"{counted(len(waiting), 'question')} waiting for your answer · {len(answered):,} answered"
    )
    link(APPLICANTS, "Applicants", params={PROJECT_PARAM: project_id}, icon=":material/how_to_reg:")
    for question in waiting:
        with st.container(border=True):
            st.markdown(_question_text(question))
            _answer_form(question)
    if answered:
        with st.expander(f"Answered ({len(answered)})"):
            show_in_steps(
                answered,
                _answered,
                key=f"{ANSWERED_SHOWN}_{project_id}",
                label="Show more answered questions",
                step=ANSWERED_STEP,
            )


def _question_text(question: MentorQuestion) -> str:
    lines = [small(f"Asked {day(question.asked_at.date())}") + "  ", literal(question.text)]
    if question.answer is not None and question.answered_at is not None:
        where = "published on the project page" if question.public else "private to the student"
        lines += [
            "",
            f"**Your answer** {small(f'({day(question.answered_at.date())}, {where})')}  ",
            literal(question.answer),
        ]
    return "\n".join(lines)


def _answered(question: MentorQuestion) -> None:
    st.markdown(_question_text(question))
    _answer_form(question)


def _answer_form(question: MentorQuestion) -> None:
    number = question.id
    answer_key, public_key = f"qa_answer_{number}", f"qa_public_{number}"
    editing = question.answered
    with st.form(f"qa_form_{number}", border=False, enter_to_submit=False):
        st.text_area(
            "Change your answer" if editing else "Your answer",
            value=question.answer or "",
            key=answer_key,
            max_chars=ANSWER_MAX,
            height=100,
        )
        slot = st.empty()
        st.checkbox(
            "Publish on the project page",
            value=question.public if editing else True,
            key=public_key,
            help="Shows the question and your answer to every student; never who asked. "
            "Unticked, only the student who asked sees the answer.",
        )
        sent = st.form_submit_button(
            "Save the answer" if editing else "Send the answer",
            type="secondary" if editing else "primary",
            icon=":material/send:",
        )
    if not sent:
        return
    user = signed_in_user()
    text = st.session_state.get(answer_key) or ""
    public = bool(st.session_state.get(public_key, True))

    def forget(_: object) -> None:
        for key in (answer_key, public_key):
            st.session_state.pop(key, None)

    where = (
        "it is published on the project page, without the student's name"
        if public
        else "only the student who asked can see it"
    )
    act(
        lambda session: answer_question(
            session, actor=user, question_id=number, answer=text, public=public
        ),
        fields={"answer": slot},
        field_text=lambda field, problem: f"Your answer {problem}",
        on_success=forget,
        success=(
            f"Answer saved: {where}."
            if editing
            else f"Answer sent: {where}. The student has been notified."
        ),
    )
