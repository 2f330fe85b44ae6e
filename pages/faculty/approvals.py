"""Approval queue: accepted applications awaiting a faculty decision, oldest first, with the
statement and both weekly loads; approve, reject with a reason, or approve a selection."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.applications import reject
from core.commitment import week_label, week_name
from core.models import User
from core.platform.wording import counted, hours
from core.program import (
    OVERDUE_DAYS,
    ItemResult,
    QueueRow,
    WeekLoad,
    approve_each,
    queue_with_loads,
)
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import is_just_opened
from pages.components.tables import text_table
from pages.components.ui import escape_markdown, literal, metric_row

# Each item shows its statement, both loads and a week-by-week table: ten keep a page quick
# to scan and to render.
PAGE_SIZE = 10
OFFSET = "approvals_offset"
# Outcomes of the last action, shown once: [(ok, plain text)].
RESULTS = "approvals_results"
PICK = "ap_pick_"
LABELS = "approvals_labels"
# The application whose rejection form is open.
REJECTING = "approvals_rejecting"
APPROVE = "ap_approve_"
BULK = "ap_bulk"
WEEKS = "ap_weeks_"
# The page as drawn, (offset, application ids), and the outcomes of the items decided on it
# ({application id: text}). A decided item keeps its place, shown as its outcome, until the
# page is turned or the screen opened again: the cards below it stay where the eye left them,
# and the browser redraws one card instead of every card that would have moved up.
SHOWN = "approvals_shown"
DECIDED = "approvals_decided"


def render() -> None:
    """List the queue page by page; act on one item or on the selected ones."""
    user = signed_in_user()
    if is_just_opened():
        _forget_page()
    st.title("Approval queue")
    st.caption(
        "Matches the mentors accepted, waiting for a faculty decision, oldest first. "
        "Approving makes the match; rejecting frees the seat and needs a reason."
    )
    _approve_pressed(user)
    notices = st.container()  # the outcomes, above the page, once it is known what is in place
    offset = max(int(st.session_state.get(OFFSET, 0)), 0)
    rows = read(
        lambda session: queue_with_loads(session, actor=user, limit=PAGE_SIZE + 1, offset=offset)
    )
    if rows is None:
        return
    page = _page(rows, offset)
    with notices:
        _show_results(in_place=set(page.decided))
    if not page.entries:
        if offset:
            st.info("No more items on this page.")
            _pager(offset, next_offset=None)
        else:
            st.success("The queue is clear: nothing is waiting for your decision.")
        return
    _summary(page, offset)
    _bulk(page.waiting)
    for entry in page.entries:
        if isinstance(entry, QueueRow):
            _card(user, entry)
        else:
            _decided(entry)
    _pager(offset, next_offset=page.next_offset)


@dataclass(frozen=True)
class Page:
    """What a page draws: its items in place (a decided one as its application id)."""

    entries: list[QueueRow | int]
    next_offset: int | None  # None: nothing follows

    @property
    def waiting(self) -> list[QueueRow]:
        return [entry for entry in self.entries if isinstance(entry, QueueRow)]

    @property
    def decided(self) -> list[int]:
        return [entry for entry in self.entries if isinstance(entry, int)]


def _page(rows: list[QueueRow], offset: int) -> Page:
    """Return the page drawn before, with its decided items in place, while anything on it
    still waits; otherwise the queue read afresh from `offset`."""
    shown: tuple[int, list[int]] | None = st.session_state.get(SHOWN)
    if shown is not None and shown[0] == offset and st.session_state.get(DECIDED):
        by_id = {row.item.application_id: row for row in rows}
        entries: list[QueueRow | int] = [by_id.get(number, number) for number in shown[1]]
        waiting = sum(isinstance(entry, QueueRow) for entry in entries)
        if waiting:
            # The decided items left the queue: what follows this page starts that much earlier.
            return Page(entries, offset + waiting if len(rows) > waiting else None)
    st.session_state.pop(DECIDED, None)
    fresh = rows[:PAGE_SIZE]
    st.session_state[SHOWN] = (offset, [row.item.application_id for row in fresh])
    return Page(list(fresh), offset + PAGE_SIZE if len(rows) > PAGE_SIZE else None)


def _forget_page() -> None:
    st.session_state.pop(SHOWN, None)
    st.session_state.pop(DECIDED, None)


def _decided(number: int) -> None:
    text = st.session_state.get(DECIDED, {}).get(number)
    if text is None:
        label = st.session_state.get(LABELS, {}).get(number, f"application {number}")
        st.info(
            escape_markdown(f"No longer waiting: {label} (decided by a colleague, or withdrawn).")
        )
    else:
        st.success(escape_markdown(text), icon=":material/check_circle:")


def _summary(page: Page, offset: int) -> None:
    waiting = page.waiting
    row = metric_row()
    label = f"{offset + 1}–{offset + len(page.entries)}"
    row.metric("Items shown", label + (" (more follow)" if page.next_offset is not None else ""))
    row.metric(
        f"Waiting over {counted(OVERDUE_DAYS, 'day')}", sum(item.overdue for item in waiting)
    )
    row.metric("Oldest wait (days)", max((item.item.age_days for item in waiting), default=0))


def _bulk(rows: list[QueueRow]) -> None:
    """Offer to approve the ticked items."""
    # Labels of every item shown so far: an item that left the queue since it was ticked
    # (withdrawn, or decided by a colleague) is still reported by name.
    labels: dict[int, str] = st.session_state.setdefault(LABELS, {})
    labels.update({row.item.application_id: _label(row) for row in rows})
    picked = _ticked()
    st.button(
        f"Approve selected ({len(picked)})",
        type="primary",
        disabled=not picked,
        key=BULK,
        icon=":material/done_all:",
    )


def _ticked() -> list[int]:
    return sorted(
        int(key.removeprefix(PICK))
        for key, value in st.session_state.items()
        if str(key).startswith(PICK) and value
    )


def _pressed() -> list[int]:
    """Return the applications whose Approve button (a card's, or the selection's) started
    this run: a button reads True in session state for that one run only."""
    if st.session_state.get(BULK):
        picked = _ticked()
        for number in picked:
            st.session_state.pop(f"{PICK}{number}", None)
        return picked
    return [
        int(key.removeprefix(APPROVE))
        for key, value in st.session_state.items()
        if str(key).startswith(APPROVE) and value is True
    ]


def _approve_pressed(user: User) -> None:
    """Approve what was pressed and keep the outcomes for _show_results.

    Done before the queue is read rather than where the buttons are drawn: approving there
    changed the queue under a page already half drawn, which then had to be read and drawn
    again (st.rerun); this way a click reads and draws the queue once.
    """
    picked = _pressed()
    if not picked:
        return
    labels: dict[int, str] = st.session_state.get(LABELS, {})
    results = approve_each(get_engine(), actor=user, application_ids=picked)
    _keep_outcomes(
        [(r, labels.get(r.application_id, f"application {r.application_id}")) for r in results]
    )


def _label(row: QueueRow) -> str:
    return f"{row.item.student_name} on “{row.item.project_title}”"


def _keep_outcomes(outcomes: list[tuple[ItemResult, str]]) -> None:
    texts = []
    decided: dict[int, str] = st.session_state.setdefault(DECIDED, {})
    for result, label in outcomes:
        if result.ok:
            texts.append((True, f"Approved: {label}. Both were told."))
            decided[result.application_id] = texts[-1][1]
        else:
            texts.append((False, f"Not approved: {label}. {result.message}"))
    st.session_state[RESULTS] = texts


def _show_results(*, in_place: set[int]) -> None:
    """Show the last action's outcomes once: a toast, and each outcome not shown in place."""
    results = st.session_state.pop(RESULTS, [])
    if results:
        # The outcome also shows where the person is looking (the page keeps its scroll).
        done = sum(ok for ok, _ in results)
        failed = len(results) - done
        summary = " · ".join(
            part
            for part in (f"{done} done" if done else "", f"{failed} not done" if failed else "")
            if part
        )
        st.toast(summary, icon=":material/check_circle:" if not failed else ":material/block:")
    placed = {st.session_state.get(DECIDED, {}).get(number) for number in in_place}
    for ok, text in results:
        if text in placed:
            continue
        if ok:
            st.success(escape_markdown(text), icon=":material/check_circle:")
        else:
            st.error(escape_markdown(text), icon=":material/block:")


def _card(user: User, row: QueueRow) -> None:
    item = row.item
    with st.container(border=True):
        days = "day" if item.age_days == 1 else "days"
        waiting = f"Waiting {item.age_days} {days}"
        age = (
            f":red[**{waiting}** (over {counted(OVERDUE_DAYS, 'day')})]" if row.overdue else waiting
        )
        student = escape_markdown(item.student_name)
        if row.blind:
            student += " (pseudonym: blind review)"
        # One Markdown element per card (see the card note in pages/components/ui.py).
        st.markdown(
            f"**{escape_markdown(item.project_title)}** · {escape_markdown(item.department)}  \n"
            f"{age} · Mentor: {escape_markdown(item.mentor_name)} · Student: {student}\n\n"
            f"**Statement**\n\n{literal(row.statement)}\n\n"
            f"{_student_load(row)}  \n{_mentor_load(row)}"
        )
        # Drawn when opened: ten folded tables were a tenth of the page for the browser.
        weeks = st.expander(
            "Week by week", key=f"{WEEKS}{row.item.application_id}", on_change="rerun"
        )
        if weeks.open:
            with weeks:
                text_table(_weeks_rows(row))
        _actions(user, row)


def _student_load(row: QueueRow) -> str:
    peak = row.student_peak
    text = (
        f"{hours(peak.committed)} h committed + {hours(peak.adding)} h this project = "
        f"{hours(peak.total)} of {hours(peak.limit)} h available"
    )
    verdict = f":red[{text}: over their hours]" if peak.over else text
    # The ISO name alone ("2026-W52") makes a reader count weeks; its Monday says when it is.
    return f"**Student's fullest week**, {week_name(peak.week)}: {verdict}"


def _mentor_load(row: QueueRow) -> str:
    peak = row.mentor_peak
    text = f"{hours(peak.total)} of {hours(peak.limit)} h weekly budget"
    verdict = f":red[{text}: over budget]" if peak.over else text
    return f"**Mentor's fullest week**, {week_name(peak.week)}: {verdict}"


def _weeks_rows(row: QueueRow) -> list[dict[str, object]]:
    """Return the week-by-week loads, one row per week, for a plain HTML table.

    Not st.dataframe (a data frame per card cost about as much as the rest of the queue page)
    nor a Markdown table: the ten cards' tables are in the page even while folded away, and
    HTML is the cheapest of the three for the browser to draw.
    """
    mentor: dict[str, WeekLoad] = {week_label(w.week): w for w in row.mentor_weeks}
    return [
        {
            "Week": week_label(week.week),
            "Student committed h": week.committed,
            "This project h": week.adding,
            "Student available h": week.limit,
            "Mentor load h": mentor[week_label(week.week)].total,
            "Mentor budget h": mentor[week_label(week.week)].limit,
        }
        for week in row.student_weeks
    ]


def _start_rejecting(number: int) -> None:
    st.session_state[REJECTING] = number


def _stop_rejecting() -> None:
    st.session_state.pop(REJECTING, None)


def _actions(user: User, row: QueueRow) -> None:
    number = row.item.application_id
    # One row of controls per card; the reason form opens only on the card being rejected,
    # so the other cards send no form (see the card note in pages/components/ui.py).
    controls = st.container(horizontal=True, vertical_alignment="center")
    controls.button(
        "Approve",
        type="primary",
        icon=":material/check:",
        key=f"{APPROVE}{number}",
    )
    controls.button(
        "Reject…",
        icon=":material/close:",
        key=f"ap_reject_{number}",
        on_click=_start_rejecting,
        args=(number,),
    )
    controls.checkbox("Select for bulk approval", key=f"{PICK}{number}")
    if st.session_state.get(REJECTING) == number:
        _reject_form(user, row)


def _reject_form(user: User, row: QueueRow) -> None:
    number = row.item.application_id
    with st.form(f"ap_form_{number}", enter_to_submit=False):
        st.text_input(
            "Reason (required to reject; the student and mentor see it)",
            key=f"ap_reason_{number}",
            max_chars=500,
        )
        buttons = st.container(horizontal=True)
        confirmed = buttons.form_submit_button(
            "Reject", type="primary", icon=":material/close:", key=f"ap_confirm_{number}"
        )
        buttons.form_submit_button("Cancel", key=f"ap_cancel_{number}", on_click=_stop_rejecting)
    if not confirmed:
        return
    reason = str(st.session_state.get(f"ap_reason_{number}") or "")

    def done(_: object) -> None:
        _stop_rejecting()
        text = f"Rejected: {_label(row)}. The seat is free again; both were told."
        st.session_state[RESULTS] = [(True, text)]
        st.session_state.setdefault(DECIDED, {})[number] = text

    act(
        lambda session: reject(session, actor=user, application_id=number, reason=reason),
        on_success=done,
    )


def _go_to(offset: int) -> None:
    st.session_state[OFFSET] = offset
    _forget_page()


def _pager(offset: int, *, next_offset: int | None) -> None:
    # The buttons move the offset before the run they start, which then reads and draws the
    # new page only (moving it during the run drew the old page first, then reran).
    back, forward = st.columns(2)
    if offset:
        back.button(
            "Previous page",
            key="ap_prev",
            icon=":material/chevron_left:",
            on_click=_go_to,
            args=(max(offset - PAGE_SIZE, 0),),
        )
    if next_offset is not None:
        forward.button(
            "Next page",
            key="ap_next",
            icon=":material/chevron_right:",
            on_click=_go_to,
            args=(next_offset,),
        )
