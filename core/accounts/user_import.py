"""Importing accounts from CSV: parse, preview (nothing written), import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from core.accounts.admin import (
    IMPORT_MAX_CHARS,
    IMPORT_MAX_ROWS,
    IMPORT_OPTIONAL_COLUMNS,
    IMPORT_REQUIRED_COLUMNS,
    IMPORT_ROLES,
    ensure_admin,
)
from core.accounts.registration import (
    WELCOME_LIFETIME,
    IssuedLink,
    department_problem,
    graduation_year_problem,
    make_set_password_link,
)
from core.accounts.users import (
    DEFAULT_WEEKLY_HOURS,
    account_problems,
    new_pseudonym,
    normalise_username,
)
from core.models import Role, User
from core.platform import audit
from core.platform.errors import ValidationFailed
from core.platform.wording import counted


@dataclass
class ImportRow:
    """One data row of an import file, as typed, with what is wrong with each field."""

    line: int
    username: str
    email: str
    display_name: str
    role: str
    department: str
    graduation_year: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    """What an import would create; `problems` are about the file as a whole."""

    rows: list[ImportRow]
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems and bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(1 for row in self.rows if row.errors)


@dataclass(frozen=True)
class ImportedAccount:
    """An imported account and its single-use set-password link."""

    user_id: int
    username: str
    email: str
    link: IssuedLink


def _parse_year(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _check_row(session: Session, row: ImportRow, today: date) -> None:
    # The password is set later through the welcome link.
    problems = account_problems(
        session,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        password=None,
    )
    try:
        role = Role(row.role.strip().lower())
    except ValueError:
        role = None
    if role not in IMPORT_ROLES:
        problems["role"] = "must be student, alumni or faculty"
    problem = department_problem(row.department, required=False)
    if problem:
        problems["department"] = problem
    if row.graduation_year.strip():
        year = _parse_year(row.graduation_year.strip())
        problem = graduation_year_problem(year, today=today)
        if problem:
            problems["graduation_year"] = problem
    row.errors.update(problems)


def _columns(names: list[str]) -> str:
    """Return "column" for one name and "columns" for several."""
    return "column" if len(names) == 1 else "columns"


def _import_text(data: str | bytes) -> tuple[str, str | None]:
    """Return an import file as text, or what makes it unreadable."""
    if len(data) > IMPORT_MAX_CHARS:
        return "", "The file is too large (at most 1 MB)."
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return "", "The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."
    if "\x00" in data:
        # A spreadsheet saved as is (or a UTF-16 file), not a CSV file.
        return "", (
            "The file holds NUL characters, so it is not a CSV text file. "
            "Save it as CSV (UTF-8) and try again."
        )
    return data.lstrip("\ufeff"), None


def _import_rows(csv_text: str) -> tuple[list[str], list[tuple[int, list[str]]]] | str:
    """Return the header and the numbered rows of an import file, or why it cannot be read."""
    # strict: an unbalanced quote is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(csv_text), strict=True)
    try:
        header = next(reader, [])
        rows = [(reader.line_num, values) for values in reader]
    except csv.Error as error:
        reason = str(error)
        if "field limit" in reason:
            reason = "a cell is too long"
        elif "end of data" in reason:
            reason = "a quote is opened and never closed"
        elif "expected after" in reason:
            reason = 'text follows a closing quote (write a quote inside a cell as "")'
        return (
            f"Line {reader.line_num} of the file cannot be read as CSV: {reason}. "
            "Nothing was read; fix the file and try again."
        )
    return [name.strip().lower() for name in header], rows


def parse_user_import(
    session: Session, csv_text: str | bytes, *, today: date | None = None
) -> ImportPreview:
    """Parse and check an import file (text or UTF-8 bytes) without permission checks."""
    today = today or date.today()
    text, unreadable = _import_text(csv_text)
    if unreadable:
        return ImportPreview([], [unreadable])
    parsed = _import_rows(text)
    if isinstance(parsed, str):
        return ImportPreview([], [parsed])
    header, lines = parsed
    missing = [name for name in IMPORT_REQUIRED_COLUMNS if name not in header]
    unknown = [
        name for name in header if name not in IMPORT_REQUIRED_COLUMNS + IMPORT_OPTIONAL_COLUMNS
    ]
    problems: list[str] = []
    if missing:
        problems.append(f"Missing {_columns(missing)}: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown {_columns(unknown)}: {', '.join(unknown)}.")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"Repeated {_columns(repeated)}: {', '.join(repeated)}.")
    if problems:
        expected = ", ".join(IMPORT_REQUIRED_COLUMNS + IMPORT_OPTIONAL_COLUMNS)
        problems.append(f"The first line must name the columns: {expected}.")
        return ImportPreview([], problems)
    rows: list[ImportRow] = []
    for line, cells in lines:
        if len(rows) >= IMPORT_MAX_ROWS:
            return ImportPreview(rows, [f"Import at most {IMPORT_MAX_ROWS} rows at a time."])
        values = {key: value.strip() for key, value in zip(header, cells, strict=False)}
        if not any(value.strip() for value in cells):
            continue
        row = ImportRow(
            line=line,
            username=values.get("username", ""),
            email=values.get("email", ""),
            display_name=values.get("display_name", ""),
            role=values.get("role", ""),
            department=values.get("department", ""),
            graduation_year=values.get("graduation_year", ""),
        )
        if len(cells) > len(header):
            row.errors["row"] = "has more values than there are columns"
        _check_row(session, row, today)
        rows.append(row)
    if not rows:
        return ImportPreview([], ["The file holds no accounts."])
    _mark_duplicates(rows)
    return ImportPreview(rows)


def _mark_duplicates(rows: list[ImportRow]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for name, value in (
            ("username", normalise_username(row.username)),
            ("email", row.email.strip().lower()),
        ):
            if not value:
                continue
            first = seen.setdefault((name, value), row.line)
            if first != row.line and name not in row.errors:
                row.errors[name] = f"repeats line {first} of the file"


def preview_user_import(
    session: Session, *, actor: User, csv_text: str | bytes, today: date | None = None
) -> ImportPreview:
    """Check an import file and show what would be created, with every row's errors."""
    ensure_admin(actor, action="admin.preview_import")
    return parse_user_import(session, csv_text, today=today)


def import_users(
    session: Session, *, actor: User, csv_text: str | bytes, today: date | None = None
) -> list[ImportedAccount]:
    """Create every account of a valid file with a set-password link; nothing if a row is wrong."""
    action = "admin.import_users"
    ensure_admin(actor, action=action)
    preview = parse_user_import(session, csv_text, today=today)
    if not preview.is_valid:
        raise ValidationFailed(
            f"Nothing was imported: {counted(preview.error_count, 'problem')} in the file. "
            "Fix them and preview again."
        )
    created: list[ImportedAccount] = []
    for row in preview.rows:
        role = Role(row.role.strip().lower())
        user = User(
            username=normalise_username(row.username),
            email=row.email.strip().lower(),
            display_name=row.display_name.strip(),
            role=role,
            # No usable password until the person sets one through their link.
            password_hash="",
            department=row.department.strip() or None,
            weekly_hours=DEFAULT_WEEKLY_HOURS[role],
            graduation_year=_parse_year(row.graduation_year) if role is Role.ALUMNI else None,
            pseudonym=new_pseudonym(),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        link = make_set_password_link(
            session,
            user_id=user.id,
            created_by=actor.id,
            purpose="welcome",
            lifetime=WELCOME_LIFETIME,
        )
        audit.record(
            session,
            actor=actor,
            action="user.create",
            entity="user",
            entity_id=user.id,
            after={"username": user.username, "role": role.value, "source": "import"},
        )
        created.append(ImportedAccount(user.id, user.username, user.email, link))
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=None,
        after={"accounts": len(created)},
    )
    return created
