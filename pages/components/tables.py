"""Tables a person reads: plain HTML tables of escaped text, cheap for the browser to draw.

Measured in headless Chromium, a page with a 25-row, 7-column table settled 359 ms after the
click with st.dataframe (a canvas grid and its script), 102 ms with st.table (a Markdown block
per cell), 50 ms with a Markdown table and 32 ms with an HTML table, against 27 ms for the same
page without a table. The screens' tables are short or paged on the server, so a grid's
sorting and column search add little; they are drawn here as HTML. Every value is escaped,
so user text shows exactly as typed. APP_STYLE (app.py) styles them: cells wrap, so every
column stays in view at phone width (WCAG 1.4.10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape
from typing import Any

import streamlit as st

from core.platform.wording import day

TABLE_CLASS = "portal-table"


def cell_text(value: Any) -> str:
    """Return a value as the text its cell shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value)
    return str(value)


# A cell with a "word" this long (JSON, an address, a link) may break it anywhere; shorter
# words stay whole, so a narrow column never shows "visualizatio/n".
LONG_WORD = 24


def _cell(value: Any) -> str:
    text = cell_text(value)
    # Numbers line up on the right, as in a spreadsheet.
    if isinstance(value, int | float) and not isinstance(value, bool):
        opening = '<td class="number">'
    elif any(len(word) > LONG_WORD for word in text.split()):
        opening = '<td class="long">'
    else:
        opening = "<td>"
    return f"{opening}{escape(text)}</td>"


def table_html(records: Sequence[Mapping[str, Any]], *, caption: str | None = None) -> str:
    """Return rows given as dicts (column name to value) as an HTML table of escaped text."""
    columns = list(records[0]) if records else []
    head = "".join(f'<th scope="col">{escape(str(name))}</th>' for name in columns)
    body = "".join(
        "<tr>" + "".join(_cell(row.get(name)) for name in columns) + "</tr>" for row in records
    )
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="{TABLE_CLASS}">{title}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def text_table(records: Sequence[Mapping[str, Any]], *, caption: str | None = None) -> None:
    """Show rows given as dicts as a table whose long cells wrap; nothing for no rows.

    For tables a person reads rather than sorts: a notice, a problem, an audit entry's before
    and after are read in full instead of being cut off.
    """
    if records:
        st.html(table_html(records, caption=caption))


def rows_table(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], *, caption: str | None = None
) -> None:
    """Show rows given as sequences under the named columns (see text_table)."""
    text_table([dict(zip(columns, row, strict=True)) for row in rows], caption=caption)
