"""SQLite: an index for browse's text search (a substring of title, summary or description).

`project_text` is an FTS5 table with the trigram tokenizer over the three columns, its content
read from `project` (external content) and kept in step by three triggers on `project`. A term
of 3 characters or more is looked up there instead of by three LIKEs on every open project's
row (at the `large` profile about 30 ms for each statement of a search).

PostgreSQL gets nothing. A pg_trgm GIN index cannot serve an ILIKE OR'd with the tag probe;
used for a list of ids instead (as on SQLite), a term in most projects ("week") took the count
from 27 to 230 ms at `large`, where the ILIKEs on each open row stop at the first column that
holds it.

Recreating `project` (a batch migration) drops its triggers: a later migration that does so
must create them again, or the index goes stale.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "title, summary, description"
SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS project_text USING fts5({COLUMNS},
        content='project', content_rowid='id', tokenize='trigram')""",
    # An external-content table is told what to remove: the row's old text, as it was indexed.
    f"""CREATE TRIGGER IF NOT EXISTS project_text_insert AFTER INSERT ON project BEGIN
        INSERT INTO project_text(rowid, {COLUMNS})
        VALUES (new.id, new.title, new.summary, new.description);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS project_text_delete AFTER DELETE ON project BEGIN
        INSERT INTO project_text(project_text, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.title, old.summary, old.description);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS project_text_update
        AFTER UPDATE OF {COLUMNS} ON project BEGIN
        INSERT INTO project_text(project_text, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.title, old.summary, old.description);
        INSERT INTO project_text(rowid, {COLUMNS})
        VALUES (new.id, new.title, new.summary, new.description);
        END""",
    # Index the projects already there.
    "INSERT INTO project_text(project_text) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS project_text_update",
    "DROP TRIGGER IF EXISTS project_text_delete",
    "DROP TRIGGER IF EXISTS project_text_insert",
    "DROP TABLE IF EXISTS project_text",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
