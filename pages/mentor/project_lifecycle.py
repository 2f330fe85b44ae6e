"""My projects · one project's moves: start, complete, close and cancel, each confirmed first
when it cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlmodel import Session

from core.models import Project, ProjectStatus, User
from core.projects import (
    can_move_project,
    cancel_project,
    close_project,
    complete_project,
    start_project,
)
from pages.components.actions import act
from pages.components.ui import escape_markdown

# ("close" | "cancel" | "complete", project id) while a confirmation is on screen
CONFIRM = "pe_confirm"


# ------------------------------------------------------------ start / complete / close / cancel


# move → (question, yes, no); {title} is the escaped project title.
CONFIRMATIONS = {
    "start": (
        "Start “{title}” now? Applications still waiting for your decision expire and their "
        "students are told; approved students are told the project has started.",
        "Yes, start it",
        "Not yet",
    ),
    "complete": (
        "Mark “{title}” as completed? This cannot be undone. Its approved students are told "
        "and asked for their feedback.",
        "Yes, mark it completed",
        "Keep it in progress",
    ),
    "close": (
        "Close “{title}” to new applications? Applications still waiting for your decision "
        "expire and their students are told. Accepted students keep their places.",
        "Yes, close applications",
        "Keep it open",
    ),
    "cancel": (
        "Cancel “{title}”? This cannot be undone. Open and accepted applications expire, "
        "running matches end early with your reason (their students' hours are freed), and "
        "every student concerned is told.",
        "Yes, cancel the project",
        "Keep the project",
    ),
}


def _ask(move: str, project_id: int) -> None:
    st.session_state[CONFIRM] = (move, project_id)


def lifecycle(user: User, project: Project, *, on_done: Callable[[], None]) -> None:
    """Offer the moves the project's state allows, each confirmed first when it is final."""
    assert project.id is not None
    can_start = can_move_project(project.status, ProjectStatus.IN_PROGRESS)
    can_complete = can_move_project(project.status, ProjectStatus.COMPLETED)
    can_close = can_move_project(project.status, ProjectStatus.CLOSED)
    can_cancel = can_move_project(project.status, ProjectStatus.CANCELLED)
    if not (can_start or can_complete or can_close or can_cancel):
        return
    st.divider()
    st.header("Start, complete, close or cancel")
    pending = st.session_state.get(CONFIRM)
    if pending is not None and pending[1] == project.id and pending[0] in CONFIRMATIONS:
        _confirm(user, project, pending[0], on_done)
        return
    move_col, close_col, cancel_col = st.columns(3)
    if can_start and project.status is ProjectStatus.OPEN:
        # Starting an open project expires the applications still waiting: ask first.
        _ask_button(move_col, "Start project…", "start", ":material/play_circle:", project.id)
    elif can_start and move_col.button(
        "Start project",
        key="pe_start",
        icon=":material/play_circle:",
        help="Mark the project in progress; its approved students are told.",
    ):
        _run_move(user, project, "start", on_done)
    if can_complete:
        _ask_button(move_col, "Mark completed…", "complete", ":material/task_alt:", project.id)
    if can_close:
        _ask_button(close_col, "Close applications…", "close", ":material/lock:", project.id)
    if can_cancel:
        label = "Cancel draft…" if project.status is ProjectStatus.DRAFT else "Cancel project…"
        _ask_button(cancel_col, label, "cancel", ":material/cancel:", project.id)


def _ask_button(where: Any, label: str, move: str, icon: str, project_id: int) -> None:
    """A button that asks to confirm `move` (see CONFIRMATIONS) before doing it."""
    where.button(label, key=f"pe_{move}", icon=icon, on_click=_ask, args=(move, project_id))


def _confirm(user: User, project: Project, move: str, on_done: Callable[[], None]) -> None:
    question, yes_label, no_label = CONFIRMATIONS[move]
    with st.container(border=True):
        st.warning(question.format(title=escape_markdown(project.title)))
        reason = None
        if move == "cancel":
            reason = st.text_input(
                "Reason (shown to the students; required while matches run)",
                key="pe_cancel_reason",
                max_chars=500,
            )
        yes, no = st.columns(2)
        if yes.button(yes_label, key=f"pe_confirm_{move}", type="primary"):
            _run_move(user, project, move, on_done, reason)
        if no.button(no_label, key=f"pe_keep_{move}"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()


def _run_move(
    user: User,
    project: Project,
    move: str,
    on_done: Callable[[], None],
    reason: str | None = None,
) -> None:
    assert project.id is not None
    number = project.id

    def work(session: Session) -> None:
        if move == "start":
            start_project(session, actor=user, project_id=number)
        elif move == "complete":
            complete_project(session, actor=user, project_id=number)
        elif move == "close":
            close_project(session, actor=user, project_id=number)
        else:
            cancel_project(session, actor=user, project_id=number, reason=reason)

    if move == "start":
        text = (
            f"Started “{project.title}”: it is now in progress and its approved students were told."
        )
        if project.status is ProjectStatus.OPEN:
            text += " Students still waiting were told their applications expired."
    elif move == "complete":
        text = (
            f"Marked “{project.title}” as completed; its approved students were told and asked "
            "for their feedback."
        )
    elif move == "close":
        text = (
            f"Closed “{project.title}” to new applications; "
            "students still waiting were told it expired."
        )
    else:
        text = f"Cancelled “{project.title}”; the students concerned were told."

    def done(_: None) -> None:
        st.session_state.pop(CONFIRM, None)
        on_done()

    act(work, success=text, on_success=done)
