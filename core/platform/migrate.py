"""Apply and check Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The text search's index (migration 0014), which no model describes: SQLite's full-text table
# and the shadow tables FTS5 keeps its index in.
SEARCH_INDEX_TABLES = frozenset(
    {
        "project_text",
        "project_text_config",
        "project_text_data",
        "project_text_docsize",
        "project_text_idx",
    }
)


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the text search's index out of schema comparisons (autogenerate would drop it)."""
    return not (type_ == "table" and name in SEARCH_INDEX_TABLES)


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config pointing at core/migrations and the engine's database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_drift(engine: Engine) -> list[object]:
    """List the differences between the models and the migrated database (empty when they agree)."""
    import core.accounts.sso  # noqa: F401
    import core.mail.models  # noqa: F401
    import core.models  # noqa: F401
    import core.workspace.models  # noqa: F401

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, SQLModel.metadata))
