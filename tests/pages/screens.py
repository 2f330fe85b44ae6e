"""Reading and driving AppTest screens: what a reader sees, opening a page, clicking, lookups."""

from __future__ import annotations

import re

from sqlmodel import select
from streamlit.util import calc_hash

from core.accounts import find_user_by_username
from core.models import Project, User
from core.platform.db import read_session
from pages.components.ui import WORD_JOINER


def raw_texts(at) -> str:
    """Return the Markdown sources of what the app showed (escapes included)."""
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += [s.value for s in at.header] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [c.value for c in at.caption]
    parts += [m.label for m in at.metric] + [m.value for m in at.metric]
    return "\n".join(str(p) for p in parts)


def readable(markdown: str) -> str:
    """Return what a reader sees of Markdown: escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def texts(at) -> str:
    """Return what a reader sees: Markdown escapes removed."""
    return readable(raw_texts(at))


def table_column(table, name: str) -> list[str]:
    """Return a column of an st.table as a reader sees it (its cells are escaped Markdown)."""
    frame = table.value
    column = next(c for c in frame.columns if readable(str(c)) == name)
    return [readable(str(value)) for value in frame[column]]


def unescaped(elements) -> list[str]:
    return [readable(str(e.value)) for e in elements]


def open_screen(at, url_path: str, **params):
    """Open a page by URL path (and query string), as following a link does.

    st.Page identifies a page by the hash of its url_path; AppTest.switch_page only maps
    file names, so the hash is set directly.
    """
    at._page_hash = calc_hash(url_path)
    at.query_params.clear()
    for name, value in params.items():
        at.query_params[name] = str(value)
    return at.run()


def click(at, label: str, form: str | None = None):
    """Click the first button with this label (in this form, if given) and rerun."""
    matches = [b for b in at.button if b.label == label and (form is None or b.form_id == form)]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    matches[0].click()
    return at.run()


def project_id(engine, title: str) -> int:
    with read_session(engine) as session:
        found = session.exec(select(Project.id).where(Project.title == title)).one()
    assert found is not None
    return found


def user_named(engine, username: str) -> User:
    with read_session(engine) as session:
        found = find_user_by_username(session, username)
    assert found is not None
    return found
