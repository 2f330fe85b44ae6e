"""Documents people download: calendar feeds, the mentoring passport, CSV exports."""

from core.documents.calendar import CALENDAR_MATCH_STATUSES, calendar_ics
from core.documents.csv_safe import safe_cell
from core.documents.exports import (
    EXPORTS,
    MATCH_COLUMNS,
    PROJECT_COLUMNS,
    ExportScope,
    export_csv,
    export_scope,
    match_rows,
    project_rows,
    write_csv,
)
from core.documents.passport import (
    PASSPORT_COLUMNS,
    PassportEntry,
    passport_csv_text,
    passport_html_text,
    student_passport,
)

__all__ = [
    "CALENDAR_MATCH_STATUSES",
    "EXPORTS",
    "MATCH_COLUMNS",
    "PASSPORT_COLUMNS",
    "PROJECT_COLUMNS",
    "ExportScope",
    "PassportEntry",
    "calendar_ics",
    "export_csv",
    "export_scope",
    "match_rows",
    "passport_csv_text",
    "passport_html_text",
    "project_rows",
    "safe_cell",
    "student_passport",
    "write_csv",
]
