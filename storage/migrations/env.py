"""Alembic environment: runs the migrations on the connection `storage.engine.upgrade_database` hands in.

Only online migrations: ratsflow never needs SQL scripts, and the migrations branch on the
dialect (FTS5 on SQLite, tsvector on PostgreSQL), which needs a live connection.
"""

from __future__ import annotations

from alembic import context

from schemas.tables import SQLModel


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        transactional_ddl=True,  # SQLite can roll back DDL too: a failed upgrade leaves nothing behind
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    from storage.engine import create_db_engine, writing

    engine = create_db_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with writing(engine) as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("ratsflow migrations run online only: use `ratsflow db upgrade`")
main()
