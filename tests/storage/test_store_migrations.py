"""The schema comes from the migrations, agrees with schemas/tables.py, and is checked before use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from schemas.errors import ConfigurationError, SchemaOutdated
from schemas.tables import SQLModel
from storage.engine import (
    SCHEMA_REVISION,
    alembic_config,
    check_schema,
    create_db_engine,
    current_revision,
    upgrade_database,
    writing,
)

TABLES = {"meeting", "document", "document_version", "page", "agenda_item", "ingest_run"}
VIEWS = {"document_current", "agenda_item_current", "page_current"}


def search_machinery(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out what only the migration has on purpose: FTS5 tables and the tsvector column."""
    if type_ == "table" and name.startswith("agenda_item_fts"):
        return False
    return name not in ("search_vector", "ix_agenda_item_search_vector")


def test_upgrade_creates_tables_views_and_revision_from_empty(db_url):
    engine = create_db_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert upgrade_database(db_url) == SCHEMA_REVISION
        inspector = inspect(engine)
        assert TABLES <= set(inspector.get_table_names())
        assert VIEWS <= set(inspector.get_view_names())
        check_schema(engine)  # does not raise
        assert upgrade_database(db_url) == SCHEMA_REVISION  # a second upgrade is a no-op
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_sqlmodel_tables(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": search_machinery, "compare_type": True}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_schema_revision_is_the_newest_migration():
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert scripts.get_current_head() == SCHEMA_REVISION


def test_check_schema_refuses_an_empty_database_with_the_upgrade_command(db_url):
    engine = create_db_engine(db_url)
    try:
        with pytest.raises(SchemaOutdated) as raised:
            check_schema(engine)
    finally:
        engine.dispose()
    message = str(raised.value)
    assert "no ratsflow schema" in message
    assert f"needs schema revision {SCHEMA_REVISION}" in message
    assert "ratsflow db upgrade --database" in message


def test_check_schema_refuses_an_older_schema(engine):
    with pytest.raises(SchemaOutdated) as raised:
        check_schema(engine, required="0002_future")
    message = str(raised.value)
    assert f"is at schema revision {SCHEMA_REVISION}, this ratsflow needs 0002_future" in message
    assert "run `ratsflow db upgrade --database" in message


def test_check_schema_refuses_a_schema_from_a_newer_ratsflow(engine):
    with writing(engine) as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(SchemaOutdated, match="newer ratsflow"):
        check_schema(engine)


def test_downgrade_removes_everything_the_upgrade_created(engine, db_url):
    with writing(engine) as connection:
        config = alembic_config(db_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    inspector = inspect(engine)
    assert not (TABLES | VIEWS) & (set(inspector.get_table_names()) | set(inspector.get_view_names()))
    assert not [name for name in inspector.get_table_names() if name.startswith("agenda_item_fts")]


def test_sqlite_engine_uses_wal_and_enforces_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'folder' / 'r.db'}"
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "folder" / "r.db").exists()


@pytest.mark.parametrize("url", ["mysql://u@localhost/db", "not a url"])
def test_unsupported_database_urls_are_a_configuration_error(url):
    with pytest.raises(ConfigurationError):
        create_db_engine(url)


def test_two_upgrades_at_once_on_an_empty_database_both_succeed(db_url):
    with ThreadPoolExecutor(max_workers=2) as pool:
        revisions = list(pool.map(upgrade_database, [db_url, db_url]))
    assert revisions == [SCHEMA_REVISION, SCHEMA_REVISION]
