"""Connecting to the database and keeping its schema in step with this ratsflow.

The schema is owned by the Alembic migrations packaged in `storage/migrations`; nothing here
calls `create_all`. A flow checks the revision before it writes, so an old database fails
with an instruction instead of half a run of SQL errors.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, NoSuchModuleError, OperationalError

from schemas.errors import ConfigurationError, DatabaseUnavailable, SchemaOutdated

SCHEMA_REVISION = "0006"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option that makes a SQLite transaction take the write lock at BEGIN (see `writing`).
SQLITE_IMMEDIATE = "ratsflow_sqlite_immediate"
# Any constant: serialises concurrent `upgrade_database` calls on one PostgreSQL database.
POSTGRES_MIGRATION_LOCK = 0x7261747366  # "ratsf"


def create_db_engine(url: str) -> Engine:
    """An Engine for a SQLite or PostgreSQL URL, tuned for several writers.

    SQLite: the parent folder is created, WAL lets readers run beside the writer, and the
    driver's own transaction handling is switched off so that `writing(engine)` can start
    write transactions with BEGIN IMMEDIATE: a deferred transaction that reads and then
    writes gets SQLITE_BUSY at once instead of waiting for the busy timeout.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConfigurationError(f"not a database URL: {url!r} ({err})") from err
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise ConfigurationError(f"unsupported database {backend!r} in {url!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    except NoSuchModuleError as err:
        raise ConfigurationError(f"unknown SQLite driver in {url!r}") from err

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def switch_to_wal(cursor) -> None:
    """Put the file in WAL mode, waiting as long as the busy timeout while another connection holds it.

    SQLite answers a journal-mode switch it cannot make at once with "database is locked" without
    calling the busy handler: two processes opening a new file together (two first runs, two
    `db upgrade`s) would fail at random. The switch is made once per file; later it is a no-op.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def writing(engine: Engine):
    """`with writing(engine) as conn:` a write transaction; on SQLite it holds the write lock from the start."""
    return engine.execution_options(**{SQLITE_IMMEDIATE: True}).begin()


def alembic_config(url: str) -> Config:
    """The Alembic configuration, built in code so no alembic.ini is needed at runtime."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' is ConfigParser interpolation syntax; URLs may contain it (encoded passwords, options).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> str:
    """Bring the database at `url` to the newest schema (creating it if empty); returns the revision."""
    engine = create_db_engine(url)
    try:
        current_revision(engine)  # a database that cannot be opened says so before any migration runs
        with writing(engine) as connection:
            if connection.dialect.name == "postgresql":
                # Two flows starting at once on an empty database: the second waits, then finds it done.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POSTGRES_MIGRATION_LOCK})")
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return current_revision(engine) or ""
    finally:
        engine.dispose()


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Turn "cannot connect" (server down or refusing, bad credentials, a file that is no database) into
    DatabaseUnavailable with the driver's first line, instead of a page of SQLAlchemy traceback."""
    try:
        yield
    except DBAPIError as err:
        if not _cannot_open(err):
            raise
        where = engine.url.render_as_string(hide_password=True)
        reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        hint = "is it a SQLite database?" if engine.dialect.name == "sqlite" else "is the server running and the URL right?"
        raise DatabaseUnavailable(
            f"cannot open the database at {where}: {reason} ({hint} see --database / RATSFLOW_DATABASE_URL)"
        ) from err


def _cannot_open(err: DBAPIError) -> bool:
    return isinstance(err, (OperationalError, InterfaceError)) or "not a database" in str(err.orig)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None for a database ratsflow never set up."""
    with reachable(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    """True for a database without a single table (a new SQLite file, a new PostgreSQL database)."""
    with reachable(engine), engine.connect() as connection:
        return not inspect(connection).get_table_names()


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database (as Prefect migrates its own on start); refuse any other
    database that is not at this ratsflow's revision, with the command that fixes it."""
    if current_revision(engine) is None and is_empty(engine):
        upgrade_database(engine.url.render_as_string(hide_password=False))
        return
    check_schema(engine)


def check_schema(engine: Engine, *, required: str = SCHEMA_REVISION) -> None:
    """Raise SchemaOutdated unless the database is exactly at the revision this ratsflow needs."""
    where = engine.url.render_as_string(hide_password=True)
    found = current_revision(engine)
    if found == required:
        return
    if found is None:
        raise SchemaOutdated(
            f"database at {where} has no ratsflow schema (empty or not set up), this ratsflow needs "
            f"schema revision {required}: run `ratsflow db upgrade --database {where}`"
        )
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config(where)).walk_revisions()}
    if found not in known:
        raise SchemaOutdated(
            f"database at {where} is at schema revision {found}, which this ratsflow does not know "
            f"(it needs {required}): the database was set up by a newer ratsflow; upgrade ratsflow"
        )
    raise SchemaOutdated(
        f"database at {where} is at schema revision {found}, this ratsflow needs {required}: "
        f"run `ratsflow db upgrade --database {where}`"
    )
