"""Project details: the description, the mentor's public profile, the milestone plan, the
student's weekly load with this project added, questions to the mentor (the published answers,
the student's own questions, a form to ask) and the application form. `?id=<id>` chooses the
project."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.applications import apply
from core.catalog import ProjectDetail, project_detail
from core.commitment import week_label
from core.models import ProjectStatus, Role
from core.platform.db import read_session
from core.platform.errors import DomainError
from core.platform.wording import MODE_LABELS, counted, local_day
from core.projects import (
    QUESTION_MAX,
    ProjectQuestions,
    ask_question,
    project_questions,
    status_label,
)
from pages.components.actions import act, act_in_callback, show_refusal
from pages.components.auth import signed_in_user
from pages.components.charts import draw, load_vs_limit_chart
from pages.components.engine import get_engine
from pages.components.student import (
    BROWSE,
    MENTOR,
    MENTOR_ID_PARAM,
    MY_APPLICATIONS,
    PROFILE,
    PROJECT_ID_PARAM,
    day,
    has_screen,
    hours,
    link,
    show_flash,
    status_text,
)
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown, id_param, literal, show_error, small, user_text

ROLE_LABELS = {Role.ALUMNI: "Alumni mentor", Role.FACULTY: "Faculty mentor"}
FIELD_LABELS = {"statement": "Your statement", "screening_answer": "Your answer"}


def chosen_project() -> int | None:
    """Return the project id asked for in the URL, or None."""
    return id_param(PROJECT_ID_PARAM)


def _nothing_chosen(message: str | None = None) -> None:
    st.title("Project details")
    if message:
        st.info(message)
    else:
        st.info(
            "Choose a project in Browse projects: the View link on each card opens it here, "
            "with the application form."
        )
    link(BROWSE, "Browse projects", icon=":material/search:")


def _header(detail: ProjectDetail) -> None:
    project = detail.project
    st.title(escape_markdown(project.title))
    seats = (
        "no seats left (you may still apply for the waitlist)"
        if detail.seats_left == 0
        else f"{detail.seats_left:,} of {counted(project.seats, 'seat')} left"
    )
    st.markdown(
        f"{escape_markdown(project.department)} · {MODE_LABELS[project.mode]} · "
        f"**{hours(project.student_hours)} h/week × {counted(project.duration_weeks, 'week')}**"
        f" · {seats}"
    )
    st.caption(
        f"Runs {day(project.start_date)} – {day(project.end_date)} · "
        f"applications close {day(project.deadline)}"
        + (f" · tags: {escape_markdown(', '.join(detail.tags))}" if detail.tags else "")
    )
    if not detail.taking_applications:
        why = (
            f"is {status_label(project.status).lower()}"
            if project.status is not ProjectStatus.OPEN
            else f"closed for applications on {day(project.deadline)}"
        )
        st.warning(f"This project {why}: it is not taking applications.")


def _about(detail: ProjectDetail) -> None:
    project = detail.project
    user_text(project.summary)
    st.header("About the project")
    user_text(project.description)
    st.header("Your mentor")
    mentor = detail.mentor
    facts = [ROLE_LABELS.get(mentor.role, mentor.role.value.title())]
    if mentor.department:
        facts.append(escape_markdown(mentor.department))
    lines = [f"**{escape_markdown(mentor.display_name)}** · " + " · ".join(facts)]
    if mentor.headline:
        lines.append(escape_markdown(mentor.headline))
    st.markdown("  \n".join(lines))
    link(
        MENTOR,
        "Read the mentor's profile",
        params={MENTOR_ID_PARAM: mentor.user_id},
        icon=":material/badge:",
    )
    st.caption("Contact details are shared once a match is approved.")
    st.header("Milestone plan")
    if detail.milestones:
        # One list, one element (see the card note in pages/components/ui.py).
        by_week = sorted(detail.milestones, key=lambda milestone: milestone[1])
        plan = [f"- **Week {week}:** {escape_markdown(title)}" for title, week in by_week]
        st.markdown("\n".join(plan))
    else:
        st.caption("The mentor has not listed milestones.")


def _fit(detail: ProjectDetail) -> None:
    if detail.score is None:
        return
    st.header("How it fits you")
    if detail.score.reasons:
        st.markdown("\n".join(f"- {escape_markdown(reason)}" for reason in detail.score.reasons))
    adding = {monday: detail.project.student_hours for monday in detail.weeks}
    draw(
        load_vs_limit_chart(
            detail.committed,
            weeks=list(detail.weeks),
            limit=detail.weekly_hours,
            limit_label="your available hours",
            adding=adding,
            adding_label="this project",
        ),
        description="Your committed hours per week with this project, against your available hours",
    )
    st.caption(
        "Bars: hours a week already committed to your approved matches, plus this project; "
        f"the dashed line is your availability of {hours(detail.weekly_hours)} hours a week."
    )


def _does_not_fit(detail: ProjectDetail) -> None:
    overrun = detail.overrun
    assert overrun is not None
    st.error(
        f"This project does not fit your free hours. Week {week_label(overrun.week)} "
        f"(starting {day(overrun.week)}) would need {hours(overrun.total)} hours: "
        f"{hours(overrun.committed)} already committed + {hours(overrun.adding)} for this "
        f"project, over your {hours(overrun.limit)} available hours per week.",
        icon=":material/block:",
    )
    st.caption("Raise your weekly hours in your profile, or look for a project with fewer hours.")
    if has_screen(PROFILE):
        link(PROFILE, "Change your weekly hours", icon=":material/tune:")


APPLY_PLACE = "apply_form"


def _keys(project_id: int) -> tuple[str, str]:
    return f"apply_statement_{project_id}", f"apply_answer_{project_id}"


def _apply_form(detail: ProjectDetail) -> None:
    project = detail.project
    assert project.id is not None
    for warning in detail.warnings:
        st.warning(escape_markdown(warning), icon=":material/warning:")
    statement_key, answer_key = _keys(project.id)
    with st.form("apply_form"):
        st.markdown("**Apply to this project**")
        st.text_area(
            "Your statement",
            key=statement_key,
            max_chars=2000,
            height=160,
            placeholder="Why this project, and what you bring (50–2,000 characters).",
        )
        messages = {"statement": st.empty()}
        if project.screening_question:
            st.markdown("**The mentor asks:**")
            user_text(project.screening_question)
            st.text_area("Your answer", key=answer_key, max_chars=2000, height=100)
            messages["screening_answer"] = st.empty()
        # Sent in the button's callback, before the run it sets off: one run shows the
        # outcome, instead of the page drawn once more and then rerun.
        st.form_submit_button(
            "Apply",
            type="primary",
            icon=":material/send:",
            on_click=_send_application,
            args=(project.id, project.title, statement_key, answer_key),
        )
    show_refusal(
        APPLY_PLACE,
        fields=messages,
        field_text=lambda field, problem: f"{FIELD_LABELS.get(field, field)}: {problem}",
    )


def _send_application(project_id: int, title: str, statement_key: str, answer_key: str) -> None:
    def forget_answers(_: object) -> None:
        for key in (statement_key, answer_key):
            st.session_state.pop(key, None)

    act_in_callback(
        lambda session, actor: apply(
            session,
            actor=actor,
            project_id=project_id,
            statement=st.session_state.get(statement_key) or "",
            screening_answer=st.session_state.get(answer_key),
        ),
        place=APPLY_PLACE,
        on_success=forget_answers,
        success=f"Application sent for “{title}”. The mentor has been notified; "
        "follow it in My applications.",
    )


def _apply_section(detail: ProjectDetail) -> None:
    st.header("Apply")
    mine = detail.my_application
    if mine is not None:
        st.info(
            f"You applied on {local_day(mine.created_at, viewer_zone())}: "
            f"{status_text(mine.status)}.",
            icon=":material/send:",
        )
        if has_screen(MY_APPLICATIONS):
            link(
                MY_APPLICATIONS,
                "Follow it in My applications",
                params={"application": str(mine.id)},
                icon=":material/assignment:",
            )
        return
    if not detail.taking_applications:
        st.caption("Look for similar projects that are still open.")
        link(BROWSE, "Browse projects", icon=":material/search:")
        return
    if not detail.fits:
        _does_not_fit(detail)
        return
    _apply_form(detail)


QUESTION_KEY = "ask_question_{}"


def _question_state(asked: date, answered: date | None, public: bool) -> str:
    if answered is None:
        return f"Asked {day(asked)} · waiting for the mentor's answer"
    where = "published on this page without your name" if public else "only you can see it"
    return f"Asked {day(asked)} · answered {day(answered)}, {where}"


def _questions_section(detail: ProjectDetail, questions: ProjectQuestions) -> None:
    project_id = detail.project.id
    assert project_id is not None
    st.header("Questions")
    if questions.public:
        # One Markdown element for the whole list (see the card note in ui.py).
        st.markdown(
            "\n\n".join(
                f"**Q:** {literal(q.text)}  \n**A:** {literal(q.answer)}" for q in questions.public
            )
        )
    else:
        st.caption("No answered questions on this project yet.")
    if questions.mine:
        st.subheader("Your questions")
        st.markdown(
            "\n\n".join(
                f"{literal(q.text)}  \n"
                + small(
                    _question_state(
                        q.asked_at.date(),
                        q.answered_at.date() if q.answered_at else None,
                        q.public,
                    )
                )
                + (f"  \n**Answer:** {literal(q.answer)}" if q.answer else "")
                for q in questions.mine
            )
        )
    if not questions.can_ask:
        if questions.why_not:
            st.caption(escape_markdown(questions.why_not))
        return
    key = QUESTION_KEY.format(project_id)
    with st.form("ask_form"):
        st.markdown("**Ask the mentor**")
        st.text_area(
            "Your question",
            key=key,
            max_chars=QUESTION_MAX,
            height=100,
            placeholder="Something the description does not say (up to 500 characters).",
        )
        slot = st.empty()
        st.caption(
            "The mentor may publish the answer on this page with your question, "
            "never with your name."
        )
        submitted = st.form_submit_button("Ask the mentor", icon=":material/help:")
    if not submitted:
        return
    user = signed_in_user()
    act(
        lambda session: ask_question(
            session, actor=user, project_id=project_id, text=st.session_state.get(key) or ""
        ),
        fields={"question": slot},
        field_text=lambda field, problem: f"Your question {problem}",
        on_success=lambda _: st.session_state.pop(key, None),
        success="Question sent. The mentor has been notified; the answer will appear here.",
    )


def render() -> None:
    """Show one project and, to a student it fits, the application form."""
    user = signed_in_user()
    assert user.id is not None
    project_id = chosen_project()
    if project_id is None:
        _nothing_chosen()
        return
    try:
        with read_session(get_engine()) as session:
            detail = project_detail(session, actor=user, project_id=project_id)
            questions = project_questions(session, actor=user, project_id=project_id)
    except DomainError as error:
        st.title("Project details")
        show_error(error)
        link(BROWSE, "Browse projects", icon=":material/search:")
        return
    _header(detail)
    show_flash()
    _about(detail)
    _fit(detail)
    _questions_section(detail, questions)
    _apply_section(detail)
