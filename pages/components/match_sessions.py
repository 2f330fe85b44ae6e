"""A match's sessions: the form to log one, and the sessions logged, newest first."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core import workspace as ws
from core.models import ApplicationStatus, User
from core.platform.wording import day
from core.workspace.models import SESSION_MINUTES_MAX, SESSION_MINUTES_MIN, SUMMARY_MAX
from pages.components.actions import act_in_callback, read, show_refusal
from pages.components.ui import escape_markdown, literal, show_flash, show_in_steps
from pages.components.workspace import (
    ACTIVE_TAB,
    DRAWING_TAB,
    EDITING,
    SESSIONS_CHANGED,
    act,
)

# The ids of a match's sessions when its workspace was opened, by match: {id, …}.
KNOWN = "sessions_known_"


def _session_fields(
    *,
    held_on: date,
    minutes: int,
    summary: str,
    earliest: date | None = None,
    latest: date | None = None,
    key: str | None = None,
) -> tuple[date, int, str]:
    """Show a session's date, minutes and summary inputs and return what they hold.

    With `key`, the inputs are keyed `<key>_date`, `<key>_minutes` and `<key>_summary`.
    """
    chosen = st.date_input(
        "Date",
        value=held_on,
        min_value=earliest,
        max_value=latest,
        format="DD/MM/YYYY",
        key=key and f"{key}_date",
    )
    length = st.number_input(
        "Minutes",
        min_value=SESSION_MINUTES_MIN,
        max_value=SESSION_MINUTES_MAX,
        value=minutes,
        step=15,
        key=key and f"{key}_minutes",
    )
    text = st.text_area(
        "What did you do?", value=summary, max_chars=SUMMARY_MAX, key=key and f"{key}_summary"
    )
    return chosen, int(length), text


def _log_form(user: User, view: ws.WorkspaceView) -> None:
    if not view.can_log_session:
        st.info(f"Sessions can be logged from the project's start, {day(view.start_date)}.")
        return
    today = date.today()
    form = f"log_session_{view.application_id}"
    with st.form(form):
        st.markdown("**Log a session**")
        _session_fields(
            held_on=max(view.start_date, min(today, view.end_date)),
            minutes=60,
            summary="",
            earliest=view.log_from,
            latest=view.log_until,
            key=form,
        )
        show_refusal(form)
        st.form_submit_button(
            "Log session", type="primary", on_click=_log_session, args=(form, view)
        )


def _log_session(form: str, view: ws.WorkspaceView) -> None:
    """Log the session in the form's callback, so only the sessions' fragment reruns after it."""
    st.session_state[ACTIVE_TAB] = "Sessions"
    values = st.session_state
    logged = act_in_callback(
        lambda s, actor: ws.log_session(
            s,
            actor=actor,
            application_id=view.application_id,
            held_on=values[f"{form}_date"],
            minutes=int(values[f"{form}_minutes"]),
            summary=values[f"{form}_summary"],
        ),
        place=form,
        success="Session logged. The other party is asked to confirm it.",
    )
    if logged is None:
        return
    st.session_state[SESSIONS_CHANGED] = view.application_id
    if view.at_risk:
        # A session ends the at-risk warning in the header, outside the fragment.
        st.rerun(scope="app")


def _edit_form(user: User, item: ws.SessionView) -> None:
    with st.form(f"edit_session_{item.id}"):
        held_on, minutes, summary = _session_fields(
            held_on=item.held_on, minutes=item.minutes, summary=item.summary
        )
        save, cancel = st.columns(2)
        if save.form_submit_button("Save changes", type="primary"):
            st.session_state.pop(EDITING, None)
            act(
                lambda s: ws.edit_session(
                    s,
                    actor=user,
                    session_id=item.id,
                    held_on=held_on,
                    minutes=minutes,
                    summary=summary,
                ),
                success="Session updated.",
            )
        if cancel.form_submit_button("Cancel"):
            st.session_state.pop(EDITING, None)
            st.rerun()


@st.fragment
def sessions(user: User, view: ws.WorkspaceView) -> None:
    """The session form and the logged sessions: after logging one, only they are redrawn.

    A fragment's own rerun is given the view of the last whole run, so it reads the sessions
    again when a callback changed them. Changes the header shows (hours confirmed, the
    at-risk warning) rerun the whole app.
    """
    st.session_state[DRAWING_TAB] = "Sessions"  # a fragment's own rerun skips the tab loop
    show_flash()
    if st.session_state.pop(SESSIONS_CHANGED, None) == view.application_id:
        fresh = read(
            lambda session: ws.workspace_view(
                session, actor=user, application_id=view.application_id
            )
        )
        if fresh is None:
            return
        view = fresh
    running = view.status is ApplicationStatus.APPROVED
    if running:
        _log_form(user, view)
    if not view.sessions:
        st.info(
            "No sessions logged yet. Log your first meeting above; the other party confirms it."
        )
        return
    # Newest first. Sessions logged since the workspace was opened go in a box of their own
    # above the others, which then keep their places: put first in one list, a new session
    # moved every card down one, and the browser redrew them all with their buttons.
    known = known_sessions(view)
    newer = st.container()
    for item in view.sessions:
        if item.id not in known:
            with newer:
                _session_card(user, item)
    # A step at a time: a long match logs dozens of sessions, each a box with its buttons.
    show_in_steps(
        [item for item in view.sessions if item.id in known],
        lambda item: _session_card(user, item),
        key=f"sessions_shown_{view.application_id}",
        label="Show earlier sessions",
    )


def remember_sessions(view: ws.WorkspaceView, *, again: bool) -> None:
    """Note the match's sessions the first time its workspace is drawn, or `again`."""
    key = f"{KNOWN}{view.application_id}"
    if again or key not in st.session_state:
        st.session_state[key] = {item.id for item in view.sessions}


def known_sessions(view: ws.WorkspaceView) -> set[int]:
    """Return the ids of the sessions the match had when its workspace was opened."""
    known: set[int] | None = st.session_state.get(f"{KNOWN}{view.application_id}")
    return known if known is not None else {item.id for item in view.sessions}


def _session_card(user: User, item: ws.SessionView) -> None:
    with st.container(border=True):
        state = "Confirmed" if item.confirmed else "Waiting for confirmation"
        summary = f"\n\n{literal(item.summary)}" if item.summary else ""
        # Heading and summary are one element: a long match logs many sessions.
        st.markdown(
            f"**{day(item.held_on)}** · {item.minutes} min · logged by "
            f"{escape_markdown(item.author_name)} · {state}{summary}"
        )
        if item.can_confirm:
            if st.button("Confirm", key=f"confirm_{item.id}", icon=":material/check:"):
                act(
                    lambda s, i=item.id: ws.confirm_session(s, actor=user, session_id=i),
                    success=f"You confirmed the session of {day(item.held_on)}.",
                )
            return
        if not item.can_change:
            return
        if st.session_state.get(EDITING) == item.id:
            _edit_form(user, item)
            return
        edit, delete = st.columns(2)
        if edit.button("Edit", key=f"edit_{item.id}", icon=":material/edit:"):
            st.session_state[EDITING] = item.id
            st.rerun()
        if delete.button("Delete", key=f"delete_{item.id}", icon=":material/delete:"):
            act(
                lambda s, i=item.id: ws.delete_session(s, actor=user, session_id=i),
                success=f"The session of {day(item.held_on)} was deleted.",
            )
