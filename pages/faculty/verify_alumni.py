"""Verify alumni: self-registered alumni waiting for the program to vouch for them."""

from __future__ import annotations

import streamlit as st

from core.accounts.verification import (
    Claim,
    refuse_alumni,
    verification_queue,
    verify_alumni,
    verify_many,
)
from core.models import User
from core.platform.wording import counted, local_day
from pages.components.actions import act, read
from pages.components.auth import signed_in_user
from pages.components.times import viewer_zone
from pages.components.ui import escape_markdown, small

PICK = "va_pick_"
REFUSING = "va_refusing"


def render() -> None:
    """List the claims oldest first; verify, refuse with a reason, or verify a selection."""
    user = signed_in_user()
    st.title("Verify alumni")
    st.caption(
        "People who registered as alumni can fill their profile and draft projects; they can "
        "publish once you verify them. Check the claimed department and graduation year "
        "(for example against the alumni office's records). Refusing needs a reason, which "
        "they read."
    )
    claims = read(lambda session: verification_queue(session, actor=user))
    if claims is None:
        return
    if not claims:
        st.success("Nobody is waiting for verification.")
        return
    st.markdown(f"**{counted(len(claims), 'account')}** waiting, oldest first.")
    chosen = [c.user_id for c in claims if st.session_state.get(f"{PICK}{c.user_id}")]
    if st.button(
        f"Verify selected ({len(chosen)})",
        key="va_bulk",
        disabled=not chosen,
        icon=":material/done_all:",
    ):
        act(
            lambda s: verify_many(s, actor=user, user_ids=chosen),
            success=f"Verified {counted(len(chosen), 'account')}; each was told.",
            on_success=_close_refusal,
        )
    for claim in claims:
        _card(user, claim)


def _card(user: User, claim: Claim) -> None:
    year = f"class of {claim.graduation_year}" if claim.graduation_year else "no graduation year"
    st.divider()
    st.markdown(
        f"## {escape_markdown(claim.display_name)}\n"
        + small(
            f"{escape_markdown(claim.username)} · {escape_markdown(claim.email)} · "
            f"{escape_markdown(claim.department or 'no department')} · {year} · "
            f"registered {local_day(claim.registered_at, viewer_zone())}"
        )
    )
    buttons = st.container(horizontal=True)
    if buttons.button("Verify", key=f"va_verify_{claim.user_id}", type="primary"):
        act(
            lambda s: verify_alumni(s, actor=user, user_id=claim.user_id),
            success=f"Verified {claim.display_name}; they can publish now and were told.",
            on_success=_close_refusal,
        )
    buttons.button(
        "Refuse…",
        key=f"va_refuse_{claim.user_id}",
        on_click=lambda: st.session_state.update({REFUSING: claim.user_id}),
    )
    buttons.checkbox("Select", key=f"{PICK}{claim.user_id}")
    if st.session_state.get(REFUSING) == claim.user_id:
        _refuse_form(user, claim)


def _refuse_form(user: User, claim: Claim) -> None:
    with st.form(f"va_form_{claim.user_id}", enter_to_submit=False):
        reason = st.text_area(
            "Reason (required; they read it)", key=f"va_reason_{claim.user_id}", max_chars=500
        )
        row = st.container(horizontal=True)
        confirmed = row.form_submit_button("Refuse verification", type="primary")
        cancelled = row.form_submit_button("Cancel")
    if cancelled:
        st.session_state.pop(REFUSING, None)
        st.rerun()
    if confirmed:
        act(
            lambda s: refuse_alumni(s, actor=user, user_id=claim.user_id, reason=reason),
            success=f"Refused to verify {claim.display_name}; they were told why.",
            on_success=_close_refusal,
        )


def _close_refusal(_: object) -> None:
    st.session_state.pop(REFUSING, None)
