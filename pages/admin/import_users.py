"""Admin · Import users: a CSV file becomes accounts with single-use set-password links."""

from __future__ import annotations

import csv
import io

import streamlit as st

from core import accounts as admin
from core.platform.db import write_transaction
from core.platform.errors import DomainError
from core.platform.text import spreadsheet_cell
from core.platform.wording import counted, local_time
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.links import RESET_PARAM, link_url, links_available
from pages.components.tables import text_table
from pages.components.times import viewer_zone
from pages.components.ui import show_error

PREVIEWED = "admin_import_text"
EXAMPLE = (
    "username,email,display_name,role,department,graduation_year\n"
    "jdoe,jane.doe@example.edu,Jane Doe,student,Biology,\n"
    "asmith,a.smith@example.org,Alex Smith,alumni,History,2015\n"
)


def render() -> None:
    """Preview an import file row by row, then create the accounts when it is all valid."""
    actor = signed_in_user()
    engine = get_engine()
    st.title("Import users")
    st.caption(
        "Columns: username, email, display_name, role (student, alumni or faculty), and "
        "optionally department and graduation_year. Nothing is written unless every row is "
        "valid. Each new account gets a set-password link (valid 7 days) instead of a password."
    )
    st.code(EXAMPLE, language=None, wrap_lines=True)
    uploaded = st.file_uploader("CSV file", type=["csv"], key="admin_import_file")
    pasted = st.text_area("…or paste the CSV here", key="admin_import_paste", height=150)
    if st.button("Preview", key="admin_import_preview"):
        if uploaded is not None:
            # Core decodes and checks the file: a bad encoding is one of its refusals.
            st.session_state[PREVIEWED] = uploaded.getvalue()
        else:
            st.session_state[PREVIEWED] = pasted
    text = st.session_state.get(PREVIEWED)
    if not text:
        return
    preview = read(lambda session: admin.preview_user_import(session, actor=actor, csv_text=text))
    if preview is None:
        return
    for problem in preview.problems:
        st.error(problem)
    if preview.rows:
        text_table(
            [
                {
                    "Line": str(row.line),
                    "Username": row.username or "",
                    "E-mail": row.email or "",
                    "Display name": row.display_name or "",
                    "Role": row.role or "",
                    "Department": row.department or "",
                    "Graduation year": str(row.graduation_year or ""),
                    "Problems": "; ".join(
                        f"{field.replace('_', ' ')}: {problem}"
                        for field, problem in row.errors.items()
                    ),
                }
                for row in preview.rows
            ]
        )
    if not preview.is_valid:
        st.warning(
            f"{counted(preview.error_count, 'problem')}: fix the file and preview again. "
            "Nothing has been imported."
        )
        return
    accounts = counted(len(preview.rows), "account")
    st.info(f"{accounts} {'is' if len(preview.rows) == 1 else 'are'} ready to import.")
    if not st.button(f"Import {accounts}", type="primary", key="admin_import_go"):
        return
    if not links_available():  # imported accounts need their set-password links
        return
    try:
        with write_transaction(engine) as session:
            created = admin.import_users(session, actor=actor, csv_text=text)
    except DomainError as error:
        show_error(error)
        return
    st.session_state.pop(PREVIEWED, None)
    zone = viewer_zone()
    rows = [
        {
            "Username": account.username,
            "E-mail": account.email,
            "Set-password link": link_url(account.link, RESET_PARAM),
            f"Valid until ({zone})": local_time(account.link.expires_at, zone, named=False),
        }
        for account in created
    ]
    st.success(
        f"{counted(len(created), 'account')} was created. Send the person their link; it is "
        "shown only now."
        if len(created) == 1
        else f"{counted(len(created), 'account')} were created. Send each person their link; "
        "the links are shown only now.",
        icon=":material/check_circle:",
    )
    text_table(rows)
    st.download_button(
        "Download the links (CSV)",
        links_csv(rows),
        file_name="set-password-links.csv",
        mime="text/csv",
        key="admin_import_download",
    )


def links_csv(rows: list[dict[str, str]]) -> str:
    """Return the new accounts and their links as CSV, every cell safe in a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({name: spreadsheet_cell(value) for name, value in row.items()} for row in rows)
    return out.getvalue()
