"""One read or write from a screen: run it, and show a refusal where the screen stands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st
from sqlmodel import Session

from core.models import User
from core.platform.db import read_session, run_in_transaction
from core.platform.errors import DomainError, ValidationFailed
from core.platform.settings import get_settings
from pages.components.auth import recheck_user
from pages.components.engine import get_engine
from pages.components.ui import escape_markdown, flash, show_error

T = TypeVar("T")


def field_sentence(field: str, problem: str) -> str:
    """Return a field's problem as a sentence, e.g. `Start date must be a date`."""
    return f"{field.replace('_', ' ').capitalize()} {problem}"


def act(
    action: Callable[[Session], T],
    *,
    success: str | Callable[[T], str] | None = None,
    fields: Mapping[str, Any] | None = None,
    field_text: Callable[[str, str], str] = field_sentence,
    on_error: Callable[[DomainError], None] | None = None,
    on_success: Callable[[T], None] | None = None,
    rerun: bool = True,
) -> T | None:
    """Run one write in its own transaction (retried on deadlocks) and report the outcome.

    - Refused (any DomainError): the message is shown here, next to the control; with
      `fields` (field name → an st.empty() slot), each field a ValidationFailed names gets
      its own message (`field_text(field, problem)`) in its slot too. `on_error` runs, and
      None is returned.
    - Done: `on_success(result)` runs, `success` (text, or made from the result) is kept for
      the next run's `show_flash`, and the script reruns; with `rerun=False` the result is
      returned instead (for a screen that shows the outcome in place).
    """
    try:
        result = run_in_transaction(get_engine(), action)
    except DomainError as error:
        if fields and isinstance(error, ValidationFailed):
            for field, problem in error.fields.items():
                slot = fields.get(field)
                if slot is not None:
                    slot.error(escape_markdown(field_text(field, problem)))
        show_error(error)
        if on_error is not None:
            on_error(error)
        return None
    if on_success is not None:
        on_success(result)
    if success is not None:
        flash("success", success if isinstance(success, str) else success(result))
    if rerun:
        st.rerun()
    return result


# Refusals met in widget callbacks, kept for the run the callback sets off: {place: message}.
REFUSALS = "action_refusals"


def act_in_callback(
    action: Callable[[Session, User], T],
    *,
    place: str,
    success: str | Callable[[T], str] | None = None,
    on_success: Callable[[T], None] | None = None,
) -> T | None:
    """Run one write from a widget callback, as the user the session belongs to now.

    A callback runs before the script, and Streamlit reruns after it (only the fragment, when
    the widget is in one), so the write is not followed by a second run as act()'s st.rerun
    is. The session is checked again first (recheck_user): a session that ended writes
    nothing and the whole app reruns, so its gate logs the person out. A refusal is kept for
    `show_refusal(place)` in the run that follows, next to the control (a callback draws
    nothing in place); `success` is kept for `show_flash`.
    """
    engine = get_engine()
    actor = recheck_user(engine, get_settings())
    if actor is None:
        st.rerun(scope="app")
    try:
        result = run_in_transaction(engine, lambda session: action(session, actor))
    except DomainError as error:
        fields = dict(error.fields) if isinstance(error, ValidationFailed) else {}
        st.session_state.setdefault(REFUSALS, {})[place] = (error.message, fields)
        return None
    if on_success is not None:
        on_success(result)
    if success is not None:
        flash("success", success if isinstance(success, str) else success(result))
    return result


def show_refusal(
    place: str,
    *,
    fields: Mapping[str, Any] | None = None,
    field_text: Callable[[str, str], str] = field_sentence,
) -> None:
    """Show, once, the refusal a callback kept for this place.

    With `fields` (field name → an st.empty() slot), each field the refusal names gets its own
    message in its slot too, as act() does.
    """
    area = st.container()  # drawn on every run, so the elements after it keep their places
    kept = st.session_state.get(REFUSALS, {}).pop(place, None)
    if kept is None:
        return
    message, problems = kept
    for field, problem in problems.items():
        slot = (fields or {}).get(field)
        if slot is not None:
            slot.error(escape_markdown(field_text(field, problem)))
    area.error(escape_markdown(message), icon=":material/block:")


def read(load: Callable[[Session], T]) -> T | None:
    """Run one read in a read-only session; show a refusal in its place and return None.

    For reads whose result is never None (a list, a read model): None then means "refused,
    and already said so".
    """
    try:
        with read_session(get_engine()) as session:
            return load(session)
    except DomainError as error:
        show_error(error)
        return None
