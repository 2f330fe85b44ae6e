"""A malformed user-import file of any kind gets a clear refusal and writes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from core import accounts as admin
from core.models import Role, User
from core.platform.db import write_transaction
from core.platform.errors import ValidationFailed
from tests.factories import user

HEADER = "username,email,display_name,role,department,graduation_year\n"
ROW = "jdoe,jane.doe@example.edu,Jane Doe,student,Biology,\n"

MALFORMED: dict[str, tuple[str | bytes, str]] = {
    # name: (file, words the refusal must contain)
    "one huge cell": (HEADER + "jdoe,jane.doe@example.edu," + "x" * 200_000 + ",student,,\n", ""),
    "a huge quoted cell": (HEADER + 'jdoe,j@example.edu,"' + "y" * 200_000 + '",student,,\n', ""),
    "not UTF-8": (
        HEADER.encode() + "jdoe,j@example.edu,Jérôme,student,,\n".encode("latin-1"),
        "UTF-8",
    ),
    "NUL bytes": (HEADER + "jdoe,j@example.edu,Jane\x00Doe,student,,\n", "NUL"),
    "a spreadsheet saved as is": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, ""),
    "an unbalanced quote": (HEADER + 'jdoe,"j@example.edu,Jane Doe,student,,\n' + ROW, "quote"),
    "text after a closing quote": (HEADER + 'jdoe,"j@example.edu"x,Jane,student,,\n', "quote"),
    "a wrong header": ("user,mail,name,kind\n" + ROW, "column"),
    "a repeated column": (
        "username,email,email,display_name,role\njdoe,a@example.edu,b@example.edu,Jane,student\n",
        "column",
    ),
    "too many columns": (
        HEADER + "jdoe,jane.doe@example.edu,Jane Doe,student,Biology,,extra\n",
        "",
    ),
    "an empty file": ("", ""),
    "only blank lines": ("\n\n  \n", ""),
    "only a header": (HEADER, "no accounts"),
}


@pytest.fixture
def root(engine):
    with write_transaction(engine) as session:
        return user(session, Role.ADMIN)


def _users(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one()


def _refusal(preview: admin.ImportPreview) -> str:
    return " ".join(
        preview.problems
        + [f"{name}: {text}" for row in preview.rows for name, text in row.errors.items()]
    )


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_import_file_is_refused_clearly_and_nothing_is_written(engine, root, kind):
    data, words = MALFORMED[kind]
    before = _users(engine)
    with Session(engine) as session:
        preview = admin.preview_user_import(session, actor=root, csv_text=data)
    assert not preview.is_valid
    refusal = _refusal(preview)
    assert refusal, kind
    assert words.lower() in refusal.lower()
    with pytest.raises(ValidationFailed), write_transaction(engine) as session:
        admin.import_users(session, actor=root, csv_text=data)
    assert _users(engine) == before


def test_a_valid_file_given_as_bytes_with_a_byte_order_mark_is_imported(engine, root):
    data = ("\ufeff" + HEADER + ROW).encode()
    with write_transaction(engine) as session:
        created = admin.import_users(session, actor=root, csv_text=data)
    assert [account.username for account in created] == ["jdoe"]
