"""One upsert, three outcomes: inserted, updated or unchanged, told apart without a racy read first.

Every write is `INSERT … ON CONFLICT`, so two processes storing the same row never produce a
duplicate or a unique-violation error:

1. `ON CONFLICT DO NOTHING RETURNING id`: a row comes back → inserted.
2. `ON CONFLICT DO UPDATE … WHERE <a compared column differs> RETURNING id`: a row → updated.
3. Nothing differed: the key already exists, so fetch its id (and write the `touch` columns,
   bookkeeping such as fetched_at that changes on every run but is no change of content).

`upsert_rows` is the batched form for the many rows of one document version (pages, agenda
items), whose ids nobody needs: steps 1 and 2 in one statement, one executemany for all rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, Text, and_, cast, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from schemas.pipeline import UpsertOutcome


def dialect_insert(connection: Connection, table: Table):
    """The INSERT construct that knows ON CONFLICT for this connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"ratsflow stores only to SQLite or PostgreSQL, not {connection.dialect.name}")


def upsert_row(
    connection: Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    compare: Sequence[str],
    also_set: Sequence[str] = (),
    touch: Sequence[str] = (),
) -> UpsertOutcome:
    """Insert `values` or bring the row with the same `key` up to date.

    `compare`: columns whose change makes the outcome "updated". `also_set`: written only
    together with such a change (updated_at). `touch`: written every time, never counted.
    """
    values = {name: without_nul(value) for name, value in values.items()}
    insert = dialect_insert(connection, table).values(values)
    row = connection.execute(insert.on_conflict_do_nothing(index_elements=list(key)).returning(table.c.id)).first()
    if row is not None:
        return UpsertOutcome(id=row.id, action="inserted")

    differs = or_(*(_is_distinct(table.c[name], insert.excluded[name]) for name in compare))
    set_ = {name: insert.excluded[name] for name in (*compare, *also_set, *touch)}
    statement = insert.on_conflict_do_update(index_elements=list(key), set_=set_, where=differs)
    row = connection.execute(statement.returning(table.c.id)).first()
    if row is not None:
        return UpsertOutcome(id=row.id, action="updated")

    match = and_(*(table.c[name] == values[name] for name in key))
    if touch:
        statement = update(table).where(match).values({name: values[name] for name in touch}).returning(table.c.id)
    else:
        statement = select(table.c.id).where(match)
    return UpsertOutcome(id=connection.execute(statement).scalar_one(), action="unchanged")


def upsert_rows(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str], compare: Sequence[str]
) -> bool:
    """Insert `rows` or bring the rows with the same `key` up to date, in one executemany; True if any changed.

    The same rows as `upsert_row` on each, without ids or per-row outcomes: `INSERT … ON CONFLICT
    DO UPDATE … WHERE <a compared column differs> RETURNING id` returns exactly the rows it
    inserted or updated (SQLAlchemy sends the list as multi-row INSERTs within the driver's
    parameter limit). Keys must be unique within `rows`: PostgreSQL refuses to update one row
    twice in one statement.
    """
    if not rows:
        return False
    insert = dialect_insert(connection, table)
    differs = or_(*(_is_distinct(table.c[name], insert.excluded[name]) for name in compare))
    statement = insert.on_conflict_do_update(
        index_elements=list(key), set_={name: insert.excluded[name] for name in compare}, where=differs
    ).returning(table.c.id)
    params = [{name: without_nul(value) for name, value in row.items()} for row in rows]
    return bool(connection.execute(statement, params).all())


def _is_distinct(column, new_value):
    # PostgreSQL's json type has no equality operator; compare the serialised text instead.
    if isinstance(column.type, JSON):
        return cast(column, Text).is_distinct_from(cast(new_value, Text))
    return column.is_distinct_from(new_value)


def without_nul(value: Any) -> Any:
    """Strings without NUL characters: PostgreSQL text cannot hold them, and PDF text layers contain some."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


