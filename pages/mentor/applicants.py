"""Applicants: one of the mentor's projects, its seat counter, and every applicant with their
fit; accept, waitlist or decline. `?project=<id>` chooses the project."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from core.applications import (
    UNDECIDED_STATUSES,
    Applicant,
    accept,
    decline,
    list_applicants,
    waitlist,
)
from core.models import SEAT_STATUSES, ApplicationStatus, Project, ProjectStatus, User
from core.platform.db import read_session
from core.platform.wording import counted, local_day
from core.projects import MyProjectRow, get_project, list_my_projects, status_label
from pages.components.actions import act_in_callback, read, show_refusal
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.mentor import (
    MY_PROJECTS,
    NEW,
    PROJECT_PARAM,
    choose_project,
    chosen_project,
    day,
    hours,
    link,
    show_flash,
)
from pages.components.times import viewer_zone
from pages.components.ui import (
    escape_markdown,
    literal,
    markdown_link,
    metric_row,
    show_in_steps,
    small,
)

# How many earlier (decided) applications the project shows; "Show more" adds as many again.
EARLIER_SHOWN = "ap_earlier_shown"
EARLIER_STEP = 10


def render() -> None:
    """Pick a project, then review its applicants."""
    user = signed_in_user()
    st.title("Applicants")
    show_flash()
    engine = get_engine()
    with read_session(engine) as session:
        rows = list_my_projects(session, actor=user)
    chosen = chosen_project()
    if not rows:
        st.info(
            "You have no projects yet, so nobody has applied. Post a project in *My projects*; "
            "once it is published, students' applications appear here."
        )
        link(MY_PROJECTS, "New project", params={PROJECT_PARAM: NEW}, icon=":material/add_circle:")
        return
    project_id = _pick(rows, chosen if isinstance(chosen, int) else None)
    if project_id is None:
        st.info("Choose one of your projects to see who applied.")
        return
    loaded = read(
        lambda session: (
            get_project(session, actor=user, project_id=project_id),
            list_applicants(session, actor=user, project_id=project_id),
        )
    )
    if loaded is None:
        return
    project, applicants = loaded
    _header(project, applicants)
    _applicants(user, project, applicants)


def _pick(rows: list[MyProjectRow], chosen: int | None) -> int | None:
    """A project chooser that follows the URL; choosing writes the URL back."""
    ids = [row.id for row in rows]
    titles = {row.id: row.title for row in rows}
    waiting = {row.id: row.waiting for row in rows}

    def label(project_id: int) -> str:
        count = waiting[project_id]
        return titles[project_id] + (f"  ({count} waiting)" if count else "")

    picked = st.selectbox(
        "Project",
        ids,
        index=ids.index(chosen) if chosen in ids else None,
        format_func=label,
        placeholder="Choose a project",
    )
    if picked is not None and picked != chosen:
        choose_project(picked)
        st.rerun()
    # A project that is not in the list (someone else's) is still asked for: core decides.
    return chosen


def _header(project: Project, applicants: list[Applicant]) -> None:
    assert project.id is not None
    link(
        MY_PROJECTS, "Edit this project", params={PROJECT_PARAM: project.id}, icon=":material/edit:"
    )
    taken = sum(a.status in SEAT_STATUSES for a in applicants)
    row = metric_row()
    row.metric("Seats filled", f"{project.filled} of {project.seats}")
    row.metric("Waiting for you", sum(a.status in UNDECIDED_STATUSES for a in applicants))
    row.metric("Project", status_label(project.status).capitalize())
    st.progress(
        min(project.filled / project.seats, 1.0) if project.seats else 0.0,
        text=(
            "All seats are taken: waitlist further applicants; they move up when a seat frees."
            if project.filled >= project.seats
            else f"{counted(project.seats - project.filled, 'seat')} left"
        ),
    )
    st.caption(
        f"{taken} accepted or matched · {hours(project.student_hours)} h/week for "
        f"{counted(project.duration_weeks, 'week')} from {day(project.start_date)} · "
        f"applications close {day(project.deadline)}"
    )


def _applicants(user: User, project: Project, applicants: list[Applicant]) -> None:
    if not applicants:
        if project.status is ProjectStatus.DRAFT:
            st.info("This project is still a draft: publish it in *My projects* to get applicants.")
        else:
            st.info(
                f"No applications yet. Students can apply until {day(project.deadline)}; "
                "they are told as soon as you decide."
            )
        return
    waiting = [a for a in applicants if a.status in UNDECIDED_STATUSES]
    placed = [a for a in applicants if a.status in SEAT_STATUSES]
    # Decided applications, the most recent first (the others keep the order they came in).
    earlier = [a for a in reversed(applicants) if a not in waiting and a not in placed]
    st.header("Waiting for your decision")
    if not waiting:
        st.caption("Nobody is waiting for a decision right now.")
    for applicant in waiting:
        _card(user, project, applicant)
    if placed:
        st.header("Accepted and matched")
        for applicant in placed:
            _card(user, project, applicant)
    if earlier:
        with st.expander(f"Earlier applications ({len(earlier)})"):
            show_in_steps(
                earlier,
                lambda applicant: _card(user, project, applicant),
                key=f"{EARLIER_SHOWN}_{project.id}",
                label="Show more earlier applications",
                step=EARLIER_STEP,
            )


def _card(user: User, project: Project, applicant: Applicant) -> None:
    with st.container(border=True):
        # One Markdown element per card (see the card note in pages/components/ui.py).
        st.markdown(_card_text(project, applicant))
        _actions(user, applicant)


def _card_text(project: Project, applicant: Applicant) -> str:
    """Return the card's Markdown: who, fit, statement, screening answer, interests."""
    lines = [
        f"**{escape_markdown(applicant.name)}** · {status_text_of(applicant.status)} · "
        f"applied {local_day(applicant.created_at, viewer_zone())}  "
    ]
    if applicant.blind:
        lines.append(
            small(
                "Blind review: the student's name stays hidden until a faculty member "
                "approves the match."
            )
            + "  "
        )
    lines += [_fit(applicant), "", "**Statement**", "", literal(applicant.statement), ""]
    if project.screening_question:
        answer = literal(applicant.screening_answer) if applicant.screening_answer else ""
        lines += [
            "**Answer to your screening question**  ",
            small(escape_markdown(project.screening_question)),
            "",
            answer or small("No answer."),
            "",
        ]
    lines += _about_lines(applicant)
    interests = ", ".join(applicant.interests) or "none given"
    lines.append(small(f"Interests: {escape_markdown(interests)}"))
    return "\n".join(lines)


def _about_lines(applicant: Applicant) -> list[str]:
    """Return what the student wrote about themselves (no links under blind review)."""
    about = applicant.about
    if not (about.headline or about.bio or about.links):
        return []
    lines = ["**About the student**  "]
    if about.headline:
        lines.append(escape_markdown(about.headline) + "  ")
    if about.bio:
        lines.append(literal(about.bio))
    if about.links:
        lines.append("Links: " + " · ".join(markdown_link(url) for url in about.links))
    return [*lines, ""]


def status_text_of(status: ApplicationStatus) -> str:
    return status.value.replace("_", " ")


def _fit(applicant: Applicant) -> str:
    shared = ", ".join(applicant.shared_tags) or "none"
    free = hours(max(applicant.least_free_hours, 0.0))
    needed = hours(applicant.hours_needed)
    if applicant.fits:
        verdict = f":green[Fits their hours]: at least {free} h free each week, {needed} needed"
    else:
        verdict = (
            f":red[Does not fit their hours]: only {free} h free in the fullest week, "
            f"{needed} needed"
        )
    return f"{verdict} · shared tags: {escape_markdown(shared)}"


def _actions(user: User, applicant: Applicant) -> None:
    # Core offers only the moves allowed now (a free seat, hours that fit).
    can_accept = ApplicationStatus.ACCEPTED in applicant.moves
    can_waitlist = ApplicationStatus.WAITLISTED in applicant.moves
    can_decline = ApplicationStatus.DECLINED in applicant.moves
    if not (can_accept or can_waitlist or can_decline):
        return
    number = applicant.application_id
    form = f"ap_form_{number}"
    with st.form(form, border=False, enter_to_submit=False):
        if can_decline:
            st.text_input(
                "Note to the student (optional, sent if you decline)",
                key=f"ap_note_{number}",
                max_chars=500,
            )
        show_refusal(form)
        buttons = st.container(horizontal=True)  # one flex row, not columns (see ui.py)
        # The move is made in the button's callback, before the run it sets off: one run
        # shows the outcome, instead of a run cut short at the card and then a whole rerun.
        if can_accept:
            buttons.form_submit_button(
                "Accept",
                type="primary",
                icon=":material/check:",
                on_click=_move,
                args=(form, applicant, "accept"),
            )
        if can_waitlist:
            buttons.form_submit_button(
                "Waitlist",
                icon=":material/schedule:",
                on_click=_move,
                args=(form, applicant, "waitlist"),
            )
        if can_decline:
            buttons.form_submit_button(
                "Decline",
                icon=":material/close:",
                on_click=_move,
                args=(form, applicant, "decline"),
            )


def _move(form: str, applicant: Applicant, move: str) -> None:
    number = applicant.application_id
    note = st.session_state.get(f"ap_note_{number}") if move == "decline" else None

    def work(session: Session, actor: User) -> None:
        if move == "accept":
            accept(session, actor=actor, application_id=number)
        elif move == "waitlist":
            waitlist(session, actor=actor, application_id=number)
        else:
            decline(session, actor=actor, application_id=number, note=note)

    name = applicant.name
    if move == "accept":
        text = f"Accepted {name}. A faculty member will now review the match; {name} was told."
    elif move == "waitlist":
        text = f"Put {name} on the waitlist; they move up automatically when a seat frees."
    else:
        with_note = " with your note" if note and note.strip() else ""
        text = f"Declined the application of {name}{with_note}; they were told."
    act_in_callback(work, place=form, success=text)
