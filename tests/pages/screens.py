"""Reading and driving AppTest screens: what a reader sees, opening a page, clicking, lookups."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
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


class _Tables(HTMLParser):
    """Collect the header and cell texts of every <table> in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._header = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr" and self.tables:
            self._header = False
            self.tables[-1][1].append([])
        elif tag in ("th", "td"):
            self._header = tag == "th"
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None and self.tables:
            text = "".join(self._cell)
            columns, rows = self.tables[-1]
            (columns if self._header else rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def shown_tables(at) -> list[pd.DataFrame]:
    """Return the tables the screen drew (pages/components/tables.py), cells as shown."""
    found = []
    for element in at.get("html"):
        parser = _Tables()
        parser.feed(element.proto.body)
        for columns, rows in parser.tables:
            found.append(pd.DataFrame([row for row in rows if row], columns=columns))
    return found


def table_column(table: pd.DataFrame, name: str) -> list[str]:
    """Return a column of a shown table as a list of its cells' texts."""
    return list(table[name])


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


def open_tab(at, key: str, label: str):
    """Open a screen's tab by label, as clicking it does (only the open tab is drawn)."""
    at.session_state[key] = label
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


def element_paths(at, kind: str = "markdown") -> dict[str, tuple[int, ...]]:
    """Return each element of a kind in the main area by its value, with its place (the
    indices of the blocks holding it): the browser keeps an element it finds in the same place
    after a rerun, and redraws one that moved."""
    found: dict[str, tuple[int, ...]] = {}

    def walk(node, path: tuple[int, ...]) -> None:
        for index, child in getattr(node, "children", {}).items():
            if getattr(child, "type", None) == kind:
                found[str(child.value)] = (*path, index)
            walk(child, (*path, index))

    walk(at.main, ())
    return found
