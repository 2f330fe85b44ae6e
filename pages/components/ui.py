"""Small display helpers: user text shown as text, domain errors shown as messages, long lists
shown a step at a time, rows handed to charts as Arrow tables."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote

import pyarrow as pa
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from core.platform.db import read_session
from core.platform.errors import DomainError

T = TypeVar("T")

# Every character Markdown could treat as syntax; escaping them shows user text literally.
# "=" and "-" too: a line of them under a line of text makes it a (setext) heading.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-=.!|~:$&])")
# White space at the start of a line makes an indented code block, two spaces at its end a
# line break: the first (last) such character is written as a character reference, which
# shows the same but is no longer white space to the Markdown parser.
_EDGE_SPACE = re.compile(r"(?m)^[ \t]|[ \t](?=\r?\n|\r|$)")
# Streamlit's Markdown also turns bare addresses into links (GitHub's "autolink literals":
# www.…, http://…, https://…, name@domain), and it finds them in the text after escapes are
# undone, so escaping cannot stop it. An invisible word joiner inside each trigger can: after
# "www", between ":" and "//", and before "@", the text shows as typed and links nowhere.
WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?<=www)(?=\\\.)|(?<=\\:)(?=//)|(?=@)")


def _escaped(match: re.Match[str]) -> str:
    return "\\" + match.group(1)


def _space_reference(match: re.Match[str]) -> str:
    return f"&#{ord(match.group(0))};"


def _escape_syntax(text: str) -> str:
    # A function, not the template r"\\\1": Python expands a template match by match, three
    # times slower here, and a card screen escapes some two hundred strings per rerun.
    escaped = _MARKDOWN_SPECIALS.sub(_escaped, text)
    if " " in escaped or "\t" in escaped:
        escaped = _EDGE_SPACE.sub(_space_reference, escaped)
    return escaped


def escape_markdown(text: str) -> str:
    """Return text that Streamlit's Markdown shows exactly as typed (no links, no HTML)."""
    escaped = _escape_syntax(text)
    if "@" in escaped or ":" in escaped or "www" in escaped.lower():
        escaped = _AUTOLINK_TRIGGERS.sub(WORD_JOINER, escaped)
    return escaped


def mail_link(address: str) -> str:
    """Return a Markdown link that writes to an e-mail address the app validated at sign-up.

    The one deliberate link to something a person typed: a match's partner is reached by
    e-mail. Its text is escaped and carries no word joiner (text inside a link is never
    linked again), so a copied address works.
    """
    return f"[{_escape_syntax(address)}](mailto:{quote(address, safe='@')})"


def literal(text: str) -> str:
    """Return Markdown that shows user-written text literally, keeping its line breaks."""
    return escape_markdown(text).replace("\n", "  \n")


# Cards and rows of controls. A rerun's cost grows with the number of elements a screen sends
# far more than with their length: Streamlit builds, hashes and queues a message per element,
# so a bordered box, a caption or a one-line notice costs about as much as a long Markdown
# block, and a widget more than text. Screens that show many cards (browse, the approval queue,
# applicants, my projects, my applications, a project's milestone plan) therefore draw each
# card's text as one Markdown element, with `small` and `tinted` for captions and notices inside
# it; put a card's controls in one flex row (`st.container(horizontal=True)`, one element)
# rather than st.columns (a block plus one per column); and prefer a link to a button when the
# target has an address of its own.


def metric_row() -> Any:
    """Return a row for a few metrics side by side, sharing the width equally.

    One flex row is one element; st.columns(3) sends four (a block and three columns).
    """
    return st.container(horizontal=True, gap="medium")


def small(markdown: str) -> str:
    """Return Markdown shown small and grey, like a caption, inside a larger Markdown block."""
    return f":small[:gray[{markdown}]]"


def tinted(colour: str, markdown: str, icon: str | None = None) -> str:
    """Return Markdown in a colour, after a Material icon: a notice inside a larger block."""
    mark = f":material/{icon}: " if icon else ""
    return f":{colour}[{mark}{markdown}]"


def markdown_link(url: str) -> str:
    """Return a validated https address as a Markdown link that shows the address itself.

    Streamlit opens such links in a new tab with rel="noopener noreferrer".
    """
    # Parentheses and brackets would end the Markdown link early: written as %-escapes.
    target = quote(url, safe=":/?#@!$&'*+,;=%-._~")
    return f"[{escape_markdown(url)}]({target})"


def user_text(text: str | None) -> None:
    """Show user-written text literally, keeping its line breaks."""
    if text:
        st.markdown(literal(text))


def show_error(error: DomainError) -> None:
    """Show a refused action's message literally (it may quote what a person typed)."""
    st.error(escape_markdown(error.message), icon=":material/block:")


# A message to show once after st.rerun(): (level, text).
FLASH = "flash_message"


def flash(level: str, text: str) -> None:
    """Keep a message (plain text) for the next run, after st.rerun()."""
    st.session_state[FLASH] = (level, text)


def show_flash() -> None:
    """Show the message kept by `flash`, once (escaped: it may quote what a person typed).

    The message goes in a container drawn on every run, message or not: an element inserted
    above the page's others moves every one of them down a place, and the browser then
    redraws them all (a form and ten cards: 101 ms against 52 ms with the slot).
    """
    slot = st.container()
    kept = st.session_state.pop(FLASH, None)
    if not kept:
        return
    level, text = kept
    shown = escape_markdown(text)
    if level == "success":
        # The page keeps its scroll position after a rerun, so the message at the top can be
        # out of view: a toast shows the outcome where the person is looking as well.
        st.toast(shown, icon=":material/check_circle:")
        slot.success(shown, icon=":material/check_circle:")
    elif level == "warning":
        slot.warning(shown)
    elif level == "error":
        slot.error(shown, icon=":material/block:")
    else:
        slot.info(shown)


def id_param(name: str) -> int | None:
    """Return the positive id in query parameter `name`, or None (bad values count as None).

    The parameter is written back: a link to the same page with new parameters reaches the
    server but leaves the browser's address bar as it was, and a reload or a copied link must
    show the same object.
    """
    raw = st.query_params.get(name)
    if raw is None:
        return None
    st.query_params[name] = raw
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if number > 0 else None


def built_on_click(engine: Engine, read: Callable[[Session], bytes]) -> Callable[[], bytes]:
    """Return a download's data as a callable, so the file is built only when clicked."""

    def build() -> bytes:
        with read_session(engine) as session:
            return read(session)

    return build


def show_in_steps(
    items: Sequence[T], render: Callable[[T], None], *, key: str, label: str, step: int = 10
) -> None:
    """Render the first `step` items, and a button that shows `step` more each time."""
    # Lists that only grow (finished matches, past applicants) would otherwise make every
    # rerun of the screen slower and longer to scroll.
    shown = shown_in_steps(key, step)
    for item in items[:shown]:
        render(item)
    show_more_button(key, shown=shown, step=step, remaining=len(items) - shown, label=label)


def shown_in_steps(key: str, step: int = 10) -> int:
    """Return how many items of a list shown in steps are on screen now."""
    return int(st.session_state.get(key, step))


def show_more_button(key: str, *, shown: int, step: int, remaining: int, label: str) -> None:
    """Offer to show `step` more items when `remaining` are not on screen."""
    if remaining > 0:
        st.button(
            f"{label} ({remaining} more)",
            key=f"{key}_button",
            on_click=_show_more,
            args=(key, shown + step),
            icon=":material/expand_more:",
        )


def _show_more(key: str, shown: int) -> None:
    st.session_state[key] = shown


def arrow_table(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pa.Table:
    """Return rows as an Arrow table, the form Streamlit sends charts and tables in."""
    # Straight to Arrow: a pandas frame first costs a conversion of about 1 ms per table.
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})


_log = logging.getLogger("portal.errors")


@contextmanager
def unexpected_errors() -> Iterator[None]:
    """Show an unexpected error as a short message with an id; log its traceback under the id.

    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) raises BaseException
    subclasses, which pass through untouched.
    """
    try:
        yield
    except Exception:
        error_id = secrets.token_hex(4)
        # The traceback may hold data, queries or paths: the server log only.
        _log.exception("Unexpected error, error id %s", error_id)
        st.error(
            "Something went wrong on our side. Please try again; if it happens again, tell "
            f"the program office the error id {error_id}.",
            icon=":material/error:",
        )
