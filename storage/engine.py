"""Connecting to the database and keeping its schema in step with this ratsflow.

The schema is owned by the Alembic migrations packaged in `storage/migrations`; nothing here
calls `create_all`. A flow checks the revision before it writes, so an old database fails
with an instruction instead of half a run of SQL errors.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from schemas.errors import ConfigurationError, SchemaOutdated

SCHEMA_REVISION = "0003_withdrawn_documents"
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
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


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


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None for a database ratsflow never set up."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


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
