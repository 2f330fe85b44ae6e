"""Admin · Outbox: what is queued, sent and failed (with the server's answer); resend, test."""

from __future__ import annotations

import streamlit as st

from core.mail import admin as mail_admin
from core.mail.models import OutboxStatus
from core.platform.db import read_session
from core.platform.wording import local_time
from pages.components.actions import act
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown, literal

FILTERS = {"All": None, **{status.value.capitalize(): status for status in OutboxStatus}}


def _resend(outbox_id: int) -> None:
    actor = signed_in_user()
    act(
        lambda session: mail_admin.resend(session, actor=actor, outbox_id=outbox_id),
        on_success=lambda _: st.toast("Queued again: the next send-mail pass tries it."),
        rerun=False,
    )


def _test_message() -> None:
    actor = signed_in_user()
    act(
        lambda session: mail_admin.send_test_message(session, actor=actor),
        on_success=lambda _: st.toast(f"Test message queued to {actor.email}."),
        rerun=False,
    )


def render() -> None:
    """Show the outbox by state; failed rows can be queued again."""
    actor = signed_in_user()
    st.title("Outbox")
    st.caption("E-mail written by the portal and delivered by the send-mail job.")
    st.button("Send me a test message", on_click=_test_message, icon=":material/send:")
    chosen = st.segmented_control("Show", list(FILTERS), default="All", key="outbox_filter")
    with read_session(get_engine()) as session:
        view = mail_admin.outbox_view(session, actor=actor, status=FILTERS[chosen or "All"])
    st.markdown(
        " · ".join(
            f"**{count:,}** {escape_markdown(state)}" for state, count in view.counts.items()
        )
        or "The outbox is empty."
    )
    zone = viewer_zone()
    for row in view.rows:
        with st.container(border=True):
            sent = f" · sent {local_time(row.sent_at, zone)}" if row.sent_at else ""
            st.markdown(
                f"**{escape_markdown(row.status)}** · {escape_markdown(row.kind)} to "
                f"{escape_markdown(row.recipient)} · {local_time(row.created_at, zone)}"
                f" · {row.attempts} attempt(s){sent}"
                + (f"  \nServer's answer: {literal(row.last_error)}" if row.last_error else "")
            )
            if row.status == OutboxStatus.FAILED.value:
                st.button("Resend", key=f"resend_{row.id}", on_click=_resend, args=(row.id,))
