"""My applications: the student's applications with their status, the timeline of one of them,
and withdraw (with a confirmation). `?application=<id>` opens that application's timeline."""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from core.applications import (
    Actor,
    MyApplication,
    TimelineEntry,
    application_timeline,
    can_move,
    list_my_applications,
    withdraw,
)
from core.models import LIVE_STATUSES, ApplicationStatus, User
from core.platform.wording import counted, local_day, local_time
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.student import (
    BROWSE,
    MY_APPLICATIONS,
    STATUS_ICONS,
    day,
    link,
    project_link,
    show_flash,
    status_text,
)
from pages.components.tables import text_table
from pages.components.times import viewer_zone
from pages.components.ui import (
    escape_markdown,
    id_param,
    show_more_button,
    shown_in_steps,
    small,
)

APPLICATION_PARAM = "application"
CONFIRM = "my_apps_confirm_withdraw"
ACTOR_NAMES = {
    "student": "you",
    "alumni": "the mentor",
    "faculty": "faculty",
    "admin": "an administrator",
    "system": "the portal",
}
# Earlier applications shown at first; "Show more" adds as many again.
PAST_SHOWN = "my_applications_past_shown"
PAST_STEP = 20


def chosen_application() -> int | None:
    """Return the application whose timeline the URL asks for, or None."""
    return id_param(APPLICATION_PARAM)


def _show_timeline(application_id: int) -> None:
    st.query_params[APPLICATION_PARAM] = str(application_id)


def _ask_to_withdraw(application_id: int) -> None:
    st.session_state[CONFIRM] = application_id


def _cancel_withdraw() -> None:
    st.session_state.pop(CONFIRM, None)


def _withdrawable(status: ApplicationStatus) -> bool:
    return can_move(status, ApplicationStatus.WITHDRAWN, Actor.STUDENT)


def _do_withdraw(item: MyApplication) -> None:
    user = signed_in_user()
    act(
        lambda session: withdraw(session, actor=user, application_id=item.id),
        on_error=lambda _: _cancel_withdraw(),
        on_success=lambda _: _cancel_withdraw(),
        success=f"You withdrew your application to “{item.project_title}”. "
        "The mentor has been told.",
    )


def _entry_line(entry: TimelineEntry, zone: str) -> str:
    who = ACTOR_NAMES.get(entry.actor_role or "system", entry.actor_role or "the portal")
    if entry.before is None and entry.after:
        move = f"**{entry.after}**"
    elif entry.after:
        move = f"{entry.before} → **{entry.after}**"
    else:
        move = escape_markdown(entry.action)
    return f"{local_time(entry.at, zone)} — {move} by {who}"


def _timeline(item: MyApplication, entries: list[TimelineEntry]) -> None:
    with st.container(border=True):
        # The whole timeline is one Markdown list: one element, however many moves.
        lines = [f"**Timeline:** {escape_markdown(item.project_title)}", ""]
        if not entries:
            lines.append(small("No recorded moves yet."))
        zone = viewer_zone()
        for entry in entries:
            lines.append(f"- {_entry_line(entry, zone)}")
            if entry.detail:
                lines.append(f"  {small(escape_markdown(entry.detail))}")
        st.markdown("\n".join(lines))
        link(MY_APPLICATIONS, "Hide timeline", icon=":material/close:")


def _card(item: MyApplication, timeline: list[TimelineEntry] | None) -> None:
    zone = viewer_zone()
    with st.container(border=True):
        dates = (
            f"Applied {local_day(item.created_at, zone)} · "
            f"last change {local_day(item.updated_at, zone)} · "
            f"project runs {day(item.start_date)} – {day(item.end_date)}"
        )
        lines = [
            f"## {escape_markdown(item.project_title)}",
            f"{STATUS_ICONS.get(item.status, '')} **{status_text(item.status)}**",
            small(dates),
        ]
        if item.reason:
            lines.append(small(f"Reason: {escape_markdown(item.reason)}"))
        # One Markdown element and one flex row per card (see the card note in ui.py).
        st.markdown("  \n".join(lines))
        with st.container(horizontal=True, vertical_alignment="center"):
            project_link(item.project_id, "View project", icon=":material/visibility:")
            if timeline is None:
                # A link rather than a button: a timeline has an address of its own.
                link(
                    MY_APPLICATIONS,
                    "Show timeline",
                    params={APPLICATION_PARAM: str(item.id)},
                    icon=":material/timeline:",
                )
            if _withdrawable(item.status) and st.session_state.get(CONFIRM) != item.id:
                st.button(
                    "Withdraw",
                    key=f"withdraw_{item.id}",
                    on_click=_ask_to_withdraw,
                    args=(item.id,),
                    icon=":material/undo:",
                )
        if st.session_state.get(CONFIRM) == item.id:
            extra = (
                " Your seat goes to the next student on the waitlist."
                if item.status is ApplicationStatus.ACCEPTED
                else ""
            )
            st.warning(
                f"Withdraw your application to “{escape_markdown(item.project_title)}”? "
                f"This cannot be undone; you may apply again while the project is open.{extra}"
            )
            yes, no = st.columns(2)
            if yes.button("Yes, withdraw", key=f"confirm_{item.id}", type="primary"):
                _do_withdraw(item)
            no.button("Keep my application", key=f"keep_{item.id}", on_click=_cancel_withdraw)
        if timeline is not None:
            _timeline(item, timeline)


def _past_table(items: list[MyApplication]) -> None:
    zone = viewer_zone()
    # A table that wraps: a mentor's decline note is read in full, not cut off. Shown a step
    # at a time: every row of an st.table is drawn, and a long-time student has hundreds.
    shown = shown_in_steps(PAST_SHOWN, PAST_STEP)
    text_table(
        [
            {
                "Project": item.project_title,
                "Status": status_text(item.status),
                "Applied": local_day(item.created_at, zone),
                "Last change": local_day(item.updated_at, zone),
                "Reason": item.reason or "",
            }
            for item in items[:shown]
        ]
    )
    show_more_button(
        PAST_SHOWN,
        shown=shown,
        step=PAST_STEP,
        remaining=len(items) - shown,
        label="Show more earlier applications",
    )


def _applications_and_timeline(
    session: Session, user: User, chosen: int | None
) -> tuple[list[MyApplication], list[TimelineEntry] | None]:
    items = list_my_applications(session, actor=user)
    if chosen is None or not any(item.id == chosen for item in items):
        return items, None
    return items, application_timeline(session, actor=user, application_id=chosen)


def render() -> None:
    """List the student's applications; show one timeline; withdraw after confirming."""
    user = signed_in_user()
    st.title("My applications")
    show_flash()
    chosen = chosen_application()
    loaded = read(lambda session: _applications_and_timeline(session, user, chosen))
    if loaded is None:
        return
    items, timeline = loaded
    if not items:
        st.info(
            "You have not applied to any project yet. Browse the open projects, open one that "
            "fits your free hours and apply with a short statement."
        )
        link(BROWSE, "Browse projects", icon=":material/search:")
        return
    live = [item for item in items if item.status in LIVE_STATUSES]
    past = [item for item in items if item.status not in LIVE_STATUSES]
    st.caption(
        f"{counted(len(live), 'live application')}, {len(past):,} finished. A mentor answers "
        "first; an accepted application then waits for faculty approval."
    )
    for item in live:
        _card(item, timeline if item.id == chosen else None)
    if not live:
        st.info("None of your applications is live right now.")
        link(BROWSE, "Find another project", icon=":material/search:")
    if past:
        st.header("Earlier applications")
        _past_table(past)
        shown = next((item for item in past if item.id == chosen), None)
        options = [None, *(item.id for item in past)]
        names = {item.id: f"{item.project_title} — {status_text(item.status)}" for item in past}
        picked = st.selectbox(
            "Timeline of an earlier application",
            options,
            index=options.index(shown.id) if shown else 0,
            format_func=lambda value: "Choose…" if value is None else names[value],
            placeholder="Choose…",  # what a None value shows (Streamlit's: "Choose an option")
            key=f"past_timeline_{chosen}",
        )
        if picked is not None and picked != chosen:
            _show_timeline(picked)
            st.rerun()
        if shown is not None and timeline is not None:
            _timeline(shown, timeline)
