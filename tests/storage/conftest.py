"""Databases for the storage tests: a fresh, empty SQLite file or PostgreSQL schema per test.

PostgreSQL (127.0.0.1:5432, database `test`) is required unless RATSFLOW_SKIP_POSTGRES=1:
without it the PostgreSQL tests error instead of silently passing as skipped. One database
`ratsflow_test_<random>` is created per session and dropped at the end; each test gets its
own schema in it, reached through `search_path` in the URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bench.scratch_postgres import scratch_database
from storage.engine import create_db_engine, upgrade_database

POSTGRES_ADMIN_URL = os.environ.get("RATSFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
SKIP_POSTGRES = os.environ.get("RATSFLOW_SKIP_POSTGRES") == "1"

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(SKIP_POSTGRES, reason="RATSFLOW_SKIP_POSTGRES=1")],
    ),
]


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """URL of a database created for this test session (dropped afterwards)."""
    with scratch_database(POSTGRES_ADMIN_URL, "ratsflow_test") as url:
        yield url


@pytest.fixture(params=DIALECTS)
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database, SQLite or PostgreSQL; nothing migrated yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'ratsflow.db'}"
        return
    database_url = request.getfixturevalue("postgres_database_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        engine.dispose()


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    """An engine on a database migrated to the newest schema."""
    upgrade_database(db_url)
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()
