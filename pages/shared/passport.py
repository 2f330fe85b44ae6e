"""Passport: a student's record of completed micro-mentoring projects, as CSV and printable.

Students see their own; faculty and admins look a student up by username (`?student=<name>`).
"""

from __future__ import annotations

import streamlit as st

from core import documents
from core.models import Role, User
from core.platform.db import read_session
from core.program.oversight import find_students
from pages.components.actions import read
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.tables import text_table
from pages.components.ui import escape_markdown

STUDENT_PARAM = "student"
LOOKUP = "passport_lookup"


def _student_for(user: User) -> User | None:
    """Return whose passport to show: the student themself, or one a reader found."""
    if user.role is Role.STUDENT:
        return user
    # The URL fills the box once; afterwards the box is what the reader typed.
    st.session_state.setdefault(LOOKUP, st.query_params.get(STUDENT_PARAM, ""))
    asked = st.text_input(
        "Find a student by name, username or e-mail", key=LOOKUP, max_chars=80
    ).strip()
    if not asked:
        st.info("Type part of a student's name, username or e-mail to read their passport.")
        return None
    with read_session(get_engine()) as session:
        hits = find_students(session, actor=user, query=asked)
    if not hits:
        st.warning(f"No student in your scope matches “{escape_markdown(asked)}”.")
        return None
    by_id = {hit.user_id: hit for hit in hits}
    chosen = st.selectbox(
        f"{len(hits)} found" if len(hits) > 1 else "Student",
        list(by_id),
        format_func=lambda number: (
            f"{by_id[number].display_name} ({by_id[number].username}, {by_id[number].email})"
        ),
        key=f"{LOOKUP}_choice",
    )
    st.query_params[STUDENT_PARAM] = by_id[chosen].username
    with read_session(get_engine()) as session:
        return session.get(User, chosen)


def _table(entries: list[documents.PassportEntry]) -> None:
    rows = [
        {
            "Project": e.project_title,
            "Mentor": e.mentor_name,
            "From": e.start_date,
            "To": e.end_date,
            "Milestones verified": f"{e.milestones_verified} of {e.milestones_total}",
            "Hours logged": e.hours_logged,
            "Mentor's rating": e.feedback_rating,
            "Mentor's comment": e.feedback_comment or "",
        }
        for e in entries
    ]
    text_table(rows)


def render() -> None:
    """Show a student's completed projects with CSV and printable downloads."""
    user = signed_in_user()
    st.title("Mentoring passport")
    student = _student_for(user)
    if student is None or student.id is None:
        return
    entries = read(
        lambda session: documents.student_passport(session, actor=user, student_id=student.id)
    )
    if entries is None:
        return
    csv_text = documents.passport_csv_text(entries)
    printable = documents.passport_html_text(student.display_name, entries)
    st.caption(
        f"Completed micro-mentoring projects of {escape_markdown(student.display_name)}: "
        "mentor, dates, verified milestones, confirmed hours and the mentor's feedback."
    )
    if not entries:
        st.info(
            "No completed projects yet. When a match is completed, it is recorded here with "
            "its verified milestones and hours."
        )
    else:
        _table(entries)
    left, right = st.columns(2)
    name = student.username
    left.download_button(
        "Download CSV",
        data=csv_text,
        file_name=f"passport-{name}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    right.download_button(
        "Printable version (HTML)",
        data=printable,
        file_name=f"passport-{name}.html",
        mime="text/html",
        icon=":material/print:",
        help="Open the file in a browser and print it, or save it as PDF.",
    )
