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
from pages.components.tables import text_table
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown

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
    # One table, not a bordered box per message: 50 boxes took the browser longer to draw
    # than the budget for a screen.
    text_table(
        [
            {
                "Status": row.status,
                "Kind": row.kind,
                "To": row.recipient,
                f"Written ({zone})": local_time(row.created_at, zone, named=False),
                "Attempts": row.attempts,
                f"Sent ({zone})": local_time(row.sent_at, zone, named=False) if row.sent_at else "",
                "Server's answer": row.last_error or "",
            }
            for row in view.rows
        ]
    )
    failed = [row for row in view.rows if row.status == OutboxStatus.FAILED.value]
    if failed:
        st.header("Failed: send again")
        for row in failed:
            st.markdown(
                f"{escape_markdown(row.kind)} to {escape_markdown(row.recipient)} · "
                f"written {local_time(row.created_at, zone)}"
            )
            st.button("Resend", key=f"resend_{row.id}", on_click=_resend, args=(row.id,))
