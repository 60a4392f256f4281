"""How the interaction log connects: the default SQLite file, any SQLAlchemy URL, SQLite tuning.

SQLite is the default because it needs no server; a team server points `--db` at PostgreSQL.
SQLite is opened in WAL mode (readers never block the writer, a killed process loses nothing it
committed) with a busy timeout, so concurrent writers wait their turn instead of failing. Write
transactions start with `BEGIN IMMEDIATE`: a transaction that reads and then writes cannot be
refused half-way (SQLITE_BUSY_SNAPSHOT) when another writer got in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from dslgen.errors import StoreError
from dslgen.paths import home
from dslgen.store.redact import redact_text

DEFAULT_FILE = "interactions.sqlite"
BUSY_TIMEOUT_S = 30.0
#: Execution option marking an engine whose transactions only read (SQLite: plain BEGIN).
READ_ONLY = "dslgen_read_only"
URL_HELP = (
    "give a SQLAlchemy URL like sqlite:///path/log.sqlite or postgresql+psycopg://user@host/db"
)


def default_url() -> str:
    """`sqlite:///<home()>/interactions.sqlite` (home() honours $DSLGEN_HOME)."""
    return f"sqlite:///{home() / DEFAULT_FILE}"


def shown(url: str | URL) -> str:
    """The URL as it may appear in messages and logs: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(redact_text(str(url)))  # shown as typed, less anything that looks secret


def parse_url(url: str) -> URL:
    """`url` parsed; StoreError with a sentence (never a traceback) when it is not a URL."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"--db {shown(url)} is not a database URL; {URL_HELP}") from exc


def create_store_engine(url: str | None) -> Engine:
    """An engine for `url` (None: the default SQLite file), SQLite tuned as described above."""
    parsed = parse_url(url or default_url())
    sqlite = parsed.get_backend_name() == "sqlite"
    options: dict[str, Any] = {}
    if sqlite:
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
        _make_parent_folder(parsed)
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except NoSuchModuleError as exc:
        raise StoreError(
            f"--db {shown(parsed)}: no database driver {parsed.drivername!r} is known; {URL_HELP}"
        ) from exc
    except ImportError as exc:
        raise StoreError(
            f"--db {shown(parsed)}: the driver is not installed ({exc.name}); "
            "install it, e.g. pip install 'dslgen[serve]' for PostgreSQL"
        ) from exc
    if sqlite:
        _tune_sqlite(engine, file_backed=parsed.database not in (None, "", ":memory:"))
    return engine


def _make_parent_folder(url: URL) -> None:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        try:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {url.database}: {exc}") from exc


def _tune_sqlite(engine: Engine, file_backed: bool) -> None:
    """WAL, busy timeout, foreign keys, and transactions that SQLAlchemy (not pysqlite) begins."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        if file_backed:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
