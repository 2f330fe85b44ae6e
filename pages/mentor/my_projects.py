"""My projects: a mentor's projects, the draft editor with a live load-vs-budget preview,
and publish / start / complete / close / cancel.

`?project=<id>` opens one project, `?project=new` a new draft; without it the list shows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core.accounts.verification import publishing_refusal
from core.commitment import describe_mentor_overrun
from core.models import (
    FINISHED_PROJECT_STATUSES,
    LIVE_PROJECT_STATUSES,
    Project,
    ProjectMode,
    ProjectStatus,
    User,
)
from core.platform.db import read_session, write_transaction
from core.platform.errors import DomainError
from core.platform.wording import MODE_LABELS, counted
from core.projects import (
    EDITABLE_STATUSES,
    MAX_MILESTONES,
    MAX_TAGS,
    MyProjectRow,
    budget_preview,
    can_manage,
    create_project,
    get_project,
    list_my_projects,
    milestone_blueprint,
    project_tags,
    publish_project,
    status_label,
    update_project,
)
from core.projects.tags import list_tags
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.charts import draw, load_vs_limit_chart
from pages.components.engine import get_engine
from pages.components.mentor import (
    APPLICANTS,
    MY_PROJECTS,
    NEW,
    PROJECT_PARAM,
    choose_project,
    chosen_project,
    day,
    flash,
    hours,
    link,
    show_flash,
)
from pages.components.tables import rows_table
from pages.components.ui import (
    escape_markdown,
    show_error,
    show_in_steps,
    small,
    user_text,
)
from pages.mentor.milestone_rows import milestones_from_rows
from pages.mentor.project_lifecycle import lifecycle

# Every widget of the editor has a key with this prefix, so a half-typed draft survives an
# error and is dropped when another project is opened.
PREFIX = "pe_"
LOADED = "pe_loaded"  # which project the editor's widgets hold: an id, or NEW
VERSION = "pe_version"  # bumps on every load, so the milestone table starts from its base
MILESTONE_BASE = "pe_milestone_base"
# ("close" | "cancel" | "complete", project id) while a confirmation is on screen
TAG_VOCABULARY = 200
# Finished projects in the list; "Show more" adds FINISHED_STEP more each time.
FINISHED_SHOWN = "my_projects_finished_shown"
FINISHED_STEP = 10

# Where each field's message appears (fields not listed only appear in the summary).
SCHEDULE_FIELDS = ("start_date", "deadline", "duration_weeks", "mentor_hours")
DETAIL_FIELDS = (
    "title",
    "summary",
    "description",
    "tags",
    "department",
    "mode",
    "seats",
    "student_hours",
    "screening_question",
    "milestones",
)
DEFAULT_MILESTONES = [("Agree on the goals and a plan", 1), ("Present the result", 4)]


def render() -> None:
    """The project list, or one project's editor when the URL names one."""
    user = signed_in_user()
    chosen = chosen_project()
    if chosen is None:
        _project_list(user)
    else:
        _project_view(user, chosen)


# ---------------------------------------------------------------------------- the list


def _project_list(user: User) -> None:
    st.title("My projects")
    show_flash()
    waiting = publishing_refusal(user)
    if waiting:
        st.info(escape_markdown(waiting), icon=":material/hourglass_top:")
    with read_session(get_engine()) as session:
        rows = list_my_projects(session, actor=user)
    link(MY_PROJECTS, "New project", params={PROJECT_PARAM: NEW}, icon=":material/add_circle:")
    if not rows:
        st.info(
            "You have no projects yet. A project asks a few hours a week for a few weeks: "
            "choose **New project**, describe it, check that it fits your weekly budget, "
            "then publish it so students can find it and apply."
        )
        return
    waiting = sum(row.waiting for row in rows)
    if waiting:
        verb = "waits" if waiting == 1 else "wait"
        st.caption(f"{counted(waiting, 'application')} {verb} for your decision.")
    # Drafts and live projects first; finished ones pile up over the years, a few at a time.
    current = [row for row in rows if row.status not in FINISHED_PROJECT_STATUSES]
    finished = [row for row in rows if row.status in FINISHED_PROJECT_STATUSES]
    for row in current:
        _project_card(row)
    if finished:
        st.markdown(f"**Finished ({len(finished)})**")
        show_in_steps(
            finished,
            _project_card,
            key=FINISHED_SHOWN,
            label="Show more finished projects",
            step=FINISHED_STEP,
        )


def _project_card(row: MyProjectRow) -> None:
    with st.container(border=True):
        when = (
            f"{status_label(row.status).capitalize()} · {day(row.start_date)} – "
            f"{day(row.end_date)} · apply by {day(row.deadline)} · "
            f"{hours(row.mentor_hours)} h/week from you"
        )
        # One Markdown element and one flex row per card (see the card note in ui.py).
        st.markdown(
            f"**{escape_markdown(row.title)}**  \n{small(when)}  \n"
            f"Seats filled: **{row.filled} of {row.seats}** · Waiting: **{row.waiting}**"
        )
        with st.container(horizontal=True):
            # The status is in the text above; the icon says what the link does.
            if row.status in EDITABLE_STATUSES:
                link(MY_PROJECTS, "Edit", params={PROJECT_PARAM: row.id}, icon=":material/edit:")
            else:
                link(
                    MY_PROJECTS,
                    "View",
                    params={PROJECT_PARAM: row.id},
                    icon=":material/visibility:",
                )
            if row.status is not ProjectStatus.DRAFT:
                link(
                    APPLICANTS,
                    "Applicants",
                    params={PROJECT_PARAM: row.id},
                    icon=":material/how_to_reg:",
                )


# ---------------------------------------------------------------------------- one project


def _project_view(user: User, chosen: int | str) -> None:
    engine = get_engine()
    project: Project | None = None
    with read_session(engine) as session:
        vocabulary = list_tags(session, "", TAG_VOCABULARY)
        if chosen == NEW:
            tags: list[str] = []
            milestones = list(DEFAULT_MILESTONES)
        else:
            assert isinstance(chosen, int)
            try:
                project = get_project(session, actor=user, project_id=chosen)
            except DomainError as error:
                st.title("My projects")
                show_error(error)
                link(MY_PROJECTS, "Back to my projects", icon=":material/arrow_back:")
                return
            tags = project_tags(session, [chosen])[chosen]
            milestones = [(m.title, m.due_week) for m in milestone_blueprint(session, chosen)]
    if project is not None and not can_manage(user, project):
        st.title("My projects")
        st.error(
            "This is another mentor's project: only its mentor or an administrator can edit it."
        )
        link(MY_PROJECTS, "Back to my projects", icon=":material/arrow_back:")
        return
    _header(project)
    show_flash()
    if project is not None and project.status not in EDITABLE_STATUSES:
        _read_only(project, tags, milestones)
        return
    marker = NEW if project is None else project.id
    _load(marker, _initial_values(user, project, tags), milestones)
    slots: dict[str, Any] = {}
    status = None if project is None else project.status
    _schedule(user, None if project is None else project.id, status, slots)
    _details_form(user, project, vocabulary, slots)
    if project is not None:
        lifecycle(user, project, on_done=_forget_editor)


def _header(project: Project | None) -> None:
    link(MY_PROJECTS, "All my projects", icon=":material/arrow_back:")
    if project is None:
        st.title("New project")
        st.caption(
            "Describe a short project, check the preview fits your weekly budget, then save it "
            "as a draft or publish it straight away."
        )
        return
    st.title(escape_markdown(project.title))
    st.caption(
        f"{status_label(project.status).capitalize()} · seats filled {project.filled} of "
        f"{project.seats} · {day(project.start_date)} – {day(project.end_date)}"
    )
    if project.status is not ProjectStatus.DRAFT:
        assert project.id is not None
        link(
            APPLICANTS,
            "See the applicants",
            params={PROJECT_PARAM: project.id},
            icon=":material/how_to_reg:",
        )


def _read_only(project: Project, tags: list[str], milestones: list[tuple[str, int]]) -> None:
    st.info(f"A {status_label(project.status)} project can no longer be edited.")
    st.markdown("**Summary**")
    user_text(project.summary)
    st.markdown("**Description**")
    user_text(project.description)
    st.markdown("**Tags**")
    st.text(", ".join(tags))
    st.markdown("**Milestones**")
    rows_table(milestones, ["Milestone", "Due week"])


# ---------------------------------------------------------------------------- editor state


def _initial_values(user: User, project: Project | None, tags: list[str]) -> dict[str, Any]:
    if project is None:
        start = date.today() + timedelta(days=21)
        return {
            "title": "",
            "summary": "",
            "description": "",
            "tags": [],
            "department": user.department or "",
            "mode": ProjectMode.REMOTE,
            "seats": 2,
            "student_hours": 3.0,
            "mentor_hours": 1.0,
            "duration_weeks": 4,
            "start_date": start,
            "deadline": start - timedelta(days=7),
            "screening_question": "",
        }
    return {
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "tags": list(tags),
        "department": project.department,
        "mode": project.mode,
        "seats": int(project.seats),
        "student_hours": float(project.student_hours),
        "mentor_hours": float(project.mentor_hours),
        "duration_weeks": int(project.duration_weeks),
        "start_date": project.start_date,
        "deadline": project.deadline,
        "screening_question": project.screening_question or "",
    }


def _load(marker: int | str | None, values: dict[str, Any], milestones: list[Any]) -> None:
    """Fill the editor's widgets for a project once; afterwards they keep what was typed."""
    if st.session_state.get(LOADED) != marker:
        for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
            if key != VERSION:
                del st.session_state[key]
        st.session_state[LOADED] = marker
        st.session_state[VERSION] = int(st.session_state.get(VERSION, 0)) + 1
        st.session_state[MILESTONE_BASE] = milestones
    st.session_state.setdefault(MILESTONE_BASE, milestones)
    for name, value in values.items():
        # Widgets not drawn on a run lose their state; fill them again from the project.
        st.session_state.setdefault(PREFIX + name, value)


def _forget_editor() -> None:
    st.session_state.pop(LOADED, None)


# ---------------------------------------------------------------------------- schedule + preview


@st.fragment
def _schedule(
    user: User, project_id: int | None, status: ProjectStatus | None, slots: dict[str, Any]
) -> None:
    """Dates and hours, redrawn on their own so the preview follows every change."""
    st.header("Schedule and your hours")
    first, second = st.columns(2)
    with first:
        start = st.date_input("Start date", key="pe_start_date", format="DD/MM/YYYY")
        slots["start_date"] = st.empty()
        duration = st.number_input(
            "Duration (weeks)", min_value=1, max_value=12, step=1, key="pe_duration_weeks"
        )
        slots["duration_weeks"] = st.empty()
    with second:
        st.date_input(
            "Application deadline",
            key="pe_deadline",
            format="DD/MM/YYYY",
            help="On or before the start date; students can apply until then.",
        )
        slots["deadline"] = st.empty()
        mentor_hours = st.number_input(
            "Your hours per week (for the whole project)",
            min_value=0.5,
            max_value=10.0,
            step=0.5,
            key="pe_mentor_hours",
            help="Counted against your weekly mentoring budget in every week of the project.",
        )
        slots["mentor_hours"] = st.empty()
    if isinstance(start, date):
        _preview(user, project_id, status, start, int(duration), float(mentor_hours))


def _preview(
    user: User,
    project_id: int | None,
    status: ProjectStatus | None,
    start: date,
    duration: int,
    mentor_hours: float,
) -> None:
    with read_session(get_engine()) as session:
        preview = budget_preview(
            session,
            actor=user,
            start=start,
            duration_weeks=duration,
            mentor_hours=mentor_hours,
            project_id=project_id,
        )
    st.markdown("**Your weekly load with this project**")
    draw(
        load_vs_limit_chart(
            preview.committed,
            weeks=preview.weeks,
            limit=preview.budget,
            limit_label="your weekly budget",
            adding=preview.adding,
        ),
        description="Your weekly load with this project against your weekly budget",
    )
    budget = hours(preview.budget)
    overrun = preview.overrun
    if overrun is None:
        st.success(
            f"Fits your weekly budget of {budget} hours in every week "
            f"(busiest week: {hours(preview.peak)} of {budget} hours).",
            icon=":material/check_circle:",
        )
        return
    live = status in LIVE_PROJECT_STATUSES
    verb = "Saving these hours and dates" if live else "Publishing"
    st.error(
        escape_markdown(f"{verb} would be refused: {describe_mentor_overrun(overrun)}"),
        icon=":material/block:",
    )
    st.caption(
        "Lower your hours, move the dates, or raise your weekly budget in your profile. "
        "You can still save a draft."
    )


# ---------------------------------------------------------------------------- details form


def _details_form(
    user: User, project: Project | None, vocabulary: list[str], slots: dict[str, Any]
) -> None:
    version = st.session_state[VERSION]
    chosen_tags = list(st.session_state.get("pe_tags", []))
    options = sorted(set(vocabulary) | set(chosen_tags))
    base = pd.DataFrame(
        [{"title": title, "due_week": week} for title, week in st.session_state[MILESTONE_BASE]],
        columns=["title", "due_week"],
    )
    is_draft = project is None or project.status is ProjectStatus.DRAFT
    with st.form("project_form", enter_to_submit=False):
        st.header("About the project")
        st.text_input("Title", key="pe_title", max_chars=120, help="5–120 characters.")
        slots["title"] = st.empty()
        st.text_area(
            "Summary",
            key="pe_summary",
            max_chars=280,
            height=80,
            help="One or two sentences shown on the project card (at most 280 characters).",
        )
        slots["summary"] = st.empty()
        st.text_area(
            "Description",
            key="pe_description",
            max_chars=5000,
            height=180,
            help="What the student will do and learn, and how you will work together. Plain text.",
        )
        slots["description"] = st.empty()
        st.multiselect(
            "Interest tags",
            options,
            key="pe_tags",
            accept_new_options=True,
            max_selections=MAX_TAGS,
            placeholder="Type to search, or type a new tag and press Enter",
            help=f"1–{MAX_TAGS} tags; students are matched to projects by them.",
        )
        slots["tags"] = st.empty()
        st.text_input("Department", key="pe_department", max_chars=80)
        slots["department"] = st.empty()
        mode_col, seats_col, hours_col = st.columns(3)
        with mode_col:
            st.selectbox(
                "Mode", list(ProjectMode), key="pe_mode", format_func=lambda m: MODE_LABELS[m]
            )
            slots["mode"] = st.empty()
        with seats_col:
            st.number_input("Seats", min_value=1, max_value=10, step=1, key="pe_seats")
            slots["seats"] = st.empty()
        with hours_col:
            st.number_input(
                "Student hours per week",
                min_value=1.0,
                max_value=20.0,
                step=0.5,
                key="pe_student_hours",
            )
            slots["student_hours"] = st.empty()
        st.text_area(
            "Screening question (optional)",
            key="pe_screening_question",
            max_chars=500,
            height=80,
            help="Every applicant answers it with their statement.",
        )
        slots["screening_question"] = st.empty()
        st.markdown("**Milestone blueprint**")
        st.caption(
            f"1–{MAX_MILESTONES} milestones, each with the project week it is due in. "
            "They become the pair's milestones, with real dates, when a match is approved."
        )
        edited = st.data_editor(
            base,
            key=f"pe_milestones_{version}",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                "title": st.column_config.TextColumn("Milestone", max_chars=120, required=True),
                "due_week": st.column_config.NumberColumn(
                    "Due week", min_value=1, max_value=12, step=1, format="%d", required=True
                ),
            },
        )
        slots["milestones"] = st.empty()
        save_col, publish_col = st.columns(2)
        with save_col:
            save = st.form_submit_button(
                "Save draft" if is_draft else "Save changes",
                icon=":material/save:",
                type="secondary" if is_draft else "primary",
            )
        publish = False
        with publish_col:
            if is_draft:
                publish = st.form_submit_button(
                    "Save and publish", icon=":material/campaign:", type="primary"
                )
    if save or publish:
        rows = edited.to_dict("records") if isinstance(edited, pd.DataFrame) else []
        _submit(user, project, _form_values(milestones_from_rows(rows)), publish, slots)


def _form_values(milestones: list[dict[str, Any]]) -> dict[str, Any]:
    state = st.session_state
    return {
        "title": state["pe_title"],
        "summary": state["pe_summary"],
        "description": state["pe_description"],
        "tags": list(state["pe_tags"]),
        "department": state["pe_department"],
        "mode": state["pe_mode"],
        "seats": int(state["pe_seats"]),
        "student_hours": float(state["pe_student_hours"]),
        "mentor_hours": float(state["pe_mentor_hours"]),
        "duration_weeks": int(state["pe_duration_weeks"]),
        "start_date": state["pe_start_date"],
        "deadline": state["pe_deadline"],
        "screening_question": state["pe_screening_question"] or None,
        "milestones": milestones,
    }


def _submit(
    user: User,
    project: Project | None,
    data: dict[str, Any],
    publish: bool,
    slots: dict[str, Any],
) -> None:
    def save(session: Session) -> tuple[int | None, str]:
        if project is None:
            saved = create_project(session, actor=user, data=data)
        else:
            assert project.id is not None
            saved = update_project(session, actor=user, project_id=project.id, data=data)
        return saved.id, saved.title

    outcome = act(save, fields=slots, rerun=False)
    if outcome is None:
        return
    saved_id, title = outcome
    assert saved_id is not None
    if project is None:
        message = f"Saved “{title}” as a draft. Publish it when you are ready."
    elif project.status is ProjectStatus.DRAFT:
        message = f"Saved your changes to the draft “{title}”."
    else:
        message = f"Saved your changes to “{title}”."
    if publish:
        try:
            with write_transaction(get_engine()) as session:
                published = publish_project(session, actor=user, project_id=saved_id)
                deadline = published.deadline
        except DomainError as error:
            flash(
                "error", f"Saved “{title}” as a draft, but publishing was refused: {error.message}"
            )
        else:
            message = (
                f"Published “{title}”: students can now find it and apply until {day(deadline)}."
            )
            flash("success", message)
    else:
        flash("success", message)
    _forget_editor()
    choose_project(saved_id)
    st.rerun()
