"""Bring a database to the schema this dslgen writes, with Alembic run from code.

Users never see alembic.ini: opening a store upgrades it to the head revision in one transaction
(SQLite and PostgreSQL both have transactional DDL). Concurrent openers queue instead of racing:
on SQLite the transaction is `BEGIN IMMEDIATE` (see engine.py), on PostgreSQL it first takes an
advisory lock, so the second opener reads the version table only after the first committed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from dslgen.errors import StoreError
from dslgen.store.engine import READ_ONLY, shown

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK_KEY = 0x64736C67  # "dslg": one advisory lock id for dslgen's migrations


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the packaged migrations have no head"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: empty, never migrated)."""
    with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the head); StoreError with a sentence if the
    server cannot be reached or the database is at a revision this dslgen does not know."""
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
                )
            command.upgrade(alembic_config(connection), revision)
    except CommandError as exc:
        raise StoreError(
            f"the interaction log at {shown(engine.url)} has a schema this dslgen does not know "
            f"({exc}); upgrade dslgen, or point --db at another database"
        ) from exc
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(
            f"cannot open the interaction log at {shown(engine.url)}: {reason}; "
            "check --db and that the database server is running"
        ) from exc
