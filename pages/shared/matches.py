"""My matches: the list of the user's matches, the calendar download, and one match's workspace
(sessions, milestones, messages, close-out). `?match=<id>` opens that match's workspace."""

from __future__ import annotations

import streamlit as st

from core import applications as apps
from core import documents
from core import workspace as ws
from core.models import ApplicationStatus, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.wording import day, local_time
from core.workspace.models import (
    MESSAGE_MAX,
    NOTE_MAX,
    SELF_EFFICACY_QUESTIONS,
    MatchMessage,
    MilestoneStatus,
    SelfEfficacyPhase,
)
from pages.components.actions import act_in_callback, read, show_refusal
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.match_sessions import remember_sessions, sessions
from pages.components.navigation import has_screen, is_just_opened, screen_page
from pages.components.times import viewer_zone
from pages.components.ui import (
    built_on_click,
    escape_markdown,
    id_param,
    literal,
    mail_link,
    metric_row,
    show_flash,
    show_in_steps,
    small,
    user_text,
)
from pages.components.workspace import (
    ACTIVE_TAB,
    DRAWING_TAB,
    SESSIONS_CHANGED,
    THREAD_CHANGED,
    act,
)

MATCH_PARAM = "match"
# Bumped after a message is sent, so the message box starts empty again.
SENT = "matches_sent_count"
# (match, how many messages were new) for the run after the thread was marked read.
JUST_READ = "matches_just_read"

# How many finished matches the list shows; "Show more" adds as many again.
FINISHED_SHOWN = "matches_finished_shown"
FINISHED_STEP = 10

STATUS_TEXT = {
    ApplicationStatus.APPROVED: "Running",
    ApplicationStatus.COMPLETED: "Completed",
    ApplicationStatus.ENDED_EARLY: "Ended early",
}
MILESTONE_TEXT = {
    MilestoneStatus.TODO: "To do",
    MilestoneStatus.DONE: "Done, waiting for the mentor to verify",
    MilestoneStatus.VERIFIED: "Verified",
}
SCALE = {1: "1 · not at all", 2: "2", 3: "3 · somewhat", 4: "4", 5: "5 · completely"}


def chosen_match() -> int | None:
    """Return the match asked for in the URL, or None."""
    return id_param(MATCH_PARAM)


def _open(match_id: int) -> None:
    st.query_params[MATCH_PARAM] = str(match_id)


def _close() -> None:
    st.query_params.pop(MATCH_PARAM, None)


# ---------------------------------------------------------------------------- the list


def _match_list(user: User) -> None:
    engine = get_engine()
    with read_session(engine) as session:
        matches = ws.my_matches(session, actor=user)
    top = st.columns([1, 1])
    top[0].download_button(
        "Download my calendar (.ics)",
        # Every session of every match: built when clicked, not on each rerun.
        data=built_on_click(engine, lambda session: documents.calendar_ics(session, actor=user)),
        on_click="ignore",
        file_name="mentoring-calendar.ics",
        mime="text/calendar",
        icon=":material/calendar_month:",
        help="Project windows, milestone due dates and logged sessions, for any calendar app.",
    )
    if user.role is Role.STUDENT and has_screen("passport"):
        with top[1]:
            st.page_link(screen_page("passport"), label="My passport", icon=":material/badge:")
    if not matches:
        if user.role is Role.STUDENT:
            st.info(
                "No matches yet. Once a mentor accepts your application and faculty approve it, "
                "your shared workspace appears here."
            )
        else:
            st.info(
                "No matches yet. Accept applicants on your projects; once faculty approve a "
                "match, its workspace appears here."
            )
        return
    running = [m for m in matches if m.status is ApplicationStatus.APPROVED]
    finished = [m for m in matches if m.status is not ApplicationStatus.APPROVED]
    for match in running:
        _match_card(match)
    if not finished:
        return
    # Finished matches pile up over the years: the most recent first, a few at a time.
    st.markdown(f"**Finished ({len(finished)})**")
    show_in_steps(
        finished,
        _match_card,
        key=FINISHED_SHOWN,
        label="Show more finished matches",
        step=FINISHED_STEP,
    )


def _match_card(match: ws.MatchSummary) -> None:
    with st.container(border=True):
        st.markdown(f"## {escape_markdown(match.project_title)}")
        partner = "Mentor" if match.is_student else "Student"
        unread = f" · **{match.unread} unread**" if match.unread else ""
        st.markdown(
            f"{partner}: {escape_markdown(match.other_name)} · "
            f"{STATUS_TEXT.get(match.status, match.status.value)}{unread}"
        )
        st.caption(f"{day(match.start_date)} – {day(match.end_date)}")
        st.button(
            "Open workspace",
            key=f"open_{match.application_id}",
            on_click=_open,
            args=(match.application_id,),
            icon=":material/meeting_room:",
        )


# ---------------------------------------------------------------------------- milestones


def _milestones(user: User, view: ws.WorkspaceView) -> None:
    if not view.milestones:
        st.info("This project has no milestones; track progress through your sessions.")
        return
    for item in view.milestones:
        with st.container(border=True):
            overdue = " · :red[**Overdue**]" if item.overdue else ""
            note = (
                "  \n" + small(f"Mentor's note: {escape_markdown(item.note)}") if item.note else ""
            )
            st.markdown(
                f"**{escape_markdown(item.title)}** · due {day(item.due_date)}{overdue}  \n"
                f"{MILESTONE_TEXT[item.status]}{note}"
            )
            if item.can_mark_done and st.button(
                "Mark done", key=f"done_{item.id}", icon=":material/done:"
            ):
                act(
                    lambda s, i=item.id: ws.mark_milestone_done(s, actor=user, milestone_id=i),
                    success=f"“{item.title}” marked done. Your mentor is asked to verify it.",
                )
            if item.can_verify and st.button(
                "Verify", key=f"verify_{item.id}", icon=":material/verified:"
            ):
                act(
                    lambda s, i=item.id: ws.verify_milestone(s, actor=user, milestone_id=i),
                    success=f"“{item.title}” verified.",
                )
            if item.can_reopen:
                with st.form(f"reopen_{item.id}"):
                    note = st.text_input("Why reopen it?", max_chars=NOTE_MAX)
                    if st.form_submit_button("Reopen"):
                        act(
                            lambda s, i=item.id, n=note: ws.reopen_milestone(
                                s, actor=user, milestone_id=i, note=n
                            ),
                            success=f"“{item.title}” reopened; the student sees your note.",
                        )


# ---------------------------------------------------------------------------- messages


@st.fragment
def _messages(user: User, view: ws.WorkspaceView, thread: list[MatchMessage]) -> None:
    """The thread and the message box: after a message is sent, only they are redrawn.

    A fragment's own rerun is given the thread of the last whole run, so it reads the thread
    again when a callback sent a message.
    """
    st.session_state[DRAWING_TAB] = "Messages"  # a fragment's own rerun skips the tab loop
    if st.session_state.pop(THREAD_CHANGED, None) == view.application_id:
        fresh = read(
            lambda session: ws.match_thread(session, actor=user, application_id=view.application_id)
        )
        if fresh is None:
            return
        thread = fresh
    names = {view.student_id: view.student_name, view.mentor_id: view.mentor_name}
    if not thread:
        st.caption("No messages yet. Say hello and agree on your first meeting.")
    zone = viewer_zone()
    for message in thread:
        with st.container(border=True):
            who = "You" if message.sender_id == user.id else names.get(message.sender_id, "?")
            when = f"{escape_markdown(who)} · {local_time(message.created_at, zone)}"
            # Who, when and what are one element: a thread grows for the whole match.
            st.markdown(f"{small(when)}  \n{literal(message.body)}")
    if view.status is not ApplicationStatus.APPROVED:
        st.caption("The match has ended; the thread is kept read-only.")
        return
    sent = st.session_state.get(SENT, 0)
    form = f"message_{view.application_id}_{sent}"
    with st.form(form):
        st.text_area("Message", max_chars=MESSAGE_MAX, placeholder="Plain text", key=f"{form}_body")
        show_refusal(form)
        st.form_submit_button("Send", icon=":material/send:", on_click=_send, args=(form, view))


def _send(form: str, view: ws.WorkspaceView) -> None:
    """Send in the form's callback, so only the thread's fragment reruns after it."""
    st.session_state[ACTIVE_TAB] = "Messages"

    def sent(_: MatchMessage) -> None:
        # A new form (its key counts the messages sent) starts with an empty box.
        st.session_state[SENT] = st.session_state.get(SENT, 0) + 1
        st.session_state[THREAD_CHANGED] = view.application_id

    act_in_callback(
        lambda s, actor: ws.send_message(
            s,
            actor=actor,
            application_id=view.application_id,
            body=st.session_state[f"{form}_body"],
        ),
        place=form,
        on_success=sent,
    )


# ---------------------------------------------------------------------------- close-out


def _scale_form(user: User, view: ws.WorkspaceView, phase: SelfEfficacyPhase) -> None:
    when = "at the start" if phase is SelfEfficacyPhase.START else "at the close"
    with st.form(f"efficacy_{phase.value}_{view.application_id}"):
        st.markdown(f"**Leadership self-efficacy, {when} of the match**")
        st.caption("How confident are you today? 1 = not at all, 5 = completely.")
        scores = [
            st.radio(
                question,
                list(SCALE),
                format_func=SCALE.__getitem__,
                horizontal=True,
                index=None,
                key=f"efficacy_{phase.value}_{view.application_id}_{n}",
            )
            for n, question in enumerate(SELF_EFFICACY_QUESTIONS)
        ]
        if st.form_submit_button("Save my answers"):
            if any(score is None for score in scores):
                st.error("Answer all five statements, then save.")
                return
            act(
                lambda s: ws.record_self_efficacy(
                    s,
                    actor=user,
                    application_id=view.application_id,
                    phase=phase,
                    scores=[int(score or 0) for score in scores],
                ),
                success="Thank you: your answers are saved.",
            )


def _feedback(user: User, view: ws.WorkspaceView, feedback: ws.FeedbackView) -> None:
    other = view.mentor_name if user.id == view.student_id else view.student_name
    st.markdown("**Feedback**")
    if feedback.mine is None:
        with st.form(f"feedback_{view.application_id}"):
            rating = st.radio(
                "Your rating",
                [1, 2, 3, 4, 5],
                index=None,
                horizontal=True,
                format_func=lambda n: "★" * n,
            )
            comment = st.text_area("Your comment", max_chars=2000)
            st.caption(
                f"{escape_markdown(other)} sees it once they have given theirs, or 14 days after "
                "the match ended."
            )
            if st.form_submit_button("Give feedback", type="primary"):
                act(
                    lambda s: ws.give_feedback(
                        s,
                        actor=user,
                        application_id=view.application_id,
                        rating=int(rating or 0),
                        comment=comment,
                    ),
                    success="Thank you: your feedback is saved.",
                )
    else:
        st.markdown(f"You gave {'★' * feedback.mine.rating} ({feedback.mine.rating}/5):")
        user_text(feedback.mine.comment)
    if feedback.theirs is not None:
        st.markdown(
            f"{escape_markdown(other)} gave {'★' * feedback.theirs.rating} "
            f"({feedback.theirs.rating}/5):"
        )
        user_text(feedback.theirs.comment)
    elif feedback.other_has_given:
        on = f" or on {day(feedback.reveal_on)}" if feedback.reveal_on else ""
        st.caption(
            f"{escape_markdown(other)} has given feedback; it shows once you give yours{on}."
        )
    else:
        st.caption(f"{escape_markdown(other)} has not given feedback yet.")


def _close_out(
    user: User,
    view: ws.WorkspaceView,
    feedback: ws.FeedbackView | None,
    answered: set[SelfEfficacyPhase],
) -> None:
    is_student = user.id == view.student_id
    if view.status is ApplicationStatus.APPROVED:
        if is_student and SelfEfficacyPhase.START not in answered:
            _scale_form(user, view, SelfEfficacyPhase.START)
        if not is_student:
            st.markdown("**Complete the match**")
            st.caption(f"Possible from the end date, {day(view.end_date)}.")
            if st.button("Complete match", type="primary", icon=":material/task_alt:"):
                act(
                    lambda s: apps.complete_match(
                        s, actor=user, application_id=view.application_id
                    ),
                    success="The match is completed. Both of you can now give feedback.",
                )
        with st.form(f"end_early_{view.application_id}"):
            st.markdown("**End the match early**")
            reason = st.text_area("Reason", max_chars=500)
            sure = st.checkbox("I understand this ends the match for both of us.")
            if st.form_submit_button("End match early"):
                if not sure:
                    st.error("Tick the box to confirm that the match should end now.")
                    return
                act(
                    lambda s: apps.end_early(
                        s, actor=user, application_id=view.application_id, reason=reason
                    ),
                    success="The match was ended early; the seat is free for the next student.",
                )
        return
    if feedback is not None:
        _feedback(user, view, feedback)
    if is_student and SelfEfficacyPhase.CLOSE not in answered:
        _scale_form(user, view, SelfEfficacyPhase.CLOSE)


# ---------------------------------------------------------------------------- the workspace


def _header(user: User, view: ws.WorkspaceView) -> None:
    st.button("All my matches", on_click=_close, icon=":material/arrow_back:")
    st.header(escape_markdown(view.project_title))
    if user.id == view.student_id:
        partner = f"Mentor: {escape_markdown(view.mentor_name)} ({mail_link(view.mentor_email)})"
    else:
        partner = f"Student: {escape_markdown(view.student_name)} ({mail_link(view.student_email)})"
    st.markdown(
        f"{partner}  \n{STATUS_TEXT.get(view.status, view.status.value)} · "
        f"{day(view.start_date)} – {day(view.end_date)}"
    )
    verified = sum(1 for m in view.milestones if m.status is MilestoneStatus.VERIFIED)
    row = metric_row()
    row.metric("Hours planned", f"{view.hours_planned:g}")
    row.metric("Hours logged (confirmed)", f"{view.hours_logged:g}")
    row.metric("Milestones verified", f"{verified} of {len(view.milestones)}")
    st.progress(view.progress, text=f"Progress {view.progress:.0%}")
    if view.at_risk:
        last = day(view.last_session_on) if view.last_session_on else "never"
        st.warning(
            f"No session in the last {ws.AT_RISK_DAYS} days (last: {last}). "
            "Plan your next meeting and log it here.",
            icon=":material/warning:",
        )


def _workspace(user: User, match_id: int) -> None:
    engine = get_engine()
    page = read(lambda session: ws.open_workspace(session, actor=user, application_id=match_id))
    if page is None:
        st.button("All my matches", on_click=_close, icon=":material/arrow_back:")
        return
    view, thread = page.view, page.thread
    if page.unread:
        # Read up to the newest message shown, so one arriving meanwhile stays unread; then
        # rerun so the menu's badge, counted before this page, drops at once.
        with write_transaction(engine) as session:
            ws.mark_thread_read(session, actor=user, application_id=match_id, up_to=thread[-1].id)
        st.session_state[JUST_READ] = (match_id, page.unread)
        st.rerun()
    # This whole run read the workspace after any callback's write: the fragments need not.
    st.session_state.pop(SESSIONS_CHANGED, None)
    st.session_state.pop(THREAD_CHANGED, None)
    just_read = st.session_state.pop(JUST_READ, None)
    new = just_read[1] if just_read and just_read[0] == match_id else 0
    remember_sessions(view, again=is_just_opened())
    _header(user, view)
    labels = {
        "Sessions": "Sessions",
        "Milestones": "Milestones",
        "Messages": f"Messages ({new} new)" if new else "Messages",
        "Close-out": "Close-out",
    }
    # After an action the workspace opens where the person acted, not on its first tab; a
    # stable key keeps the tab when its label changes ("Messages (1 new)").
    active = labels.get(st.session_state.get(ACTIVE_TAB) or "", labels["Sessions"])
    tabs = st.tabs(list(labels.values()), default=active, key=f"ws_tabs_{match_id}")
    draws = {
        "Sessions": lambda: sessions(user, view),
        "Milestones": lambda: _milestones(user, view),
        "Messages": lambda: _messages(user, view, thread),
        "Close-out": lambda: _close_out(user, view, page.feedback, page.answered),
    }
    for tab, (name, draw) in zip(tabs, draws.items(), strict=True):
        with tab:
            st.session_state[DRAWING_TAB] = name
            draw()


def render() -> None:
    """List the user's matches, or show the workspace of the one in the URL."""
    user = signed_in_user()
    st.title("My matches")
    show_flash()
    chosen = chosen_match()
    if chosen is None:
        _match_list(user)
    else:
        _workspace(user, chosen)
