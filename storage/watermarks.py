"""Incremental-sync watermarks: one row per (source, list URL), only ever moved forward.

The upsert compares inside the database (`CASE WHEN new > old`), so two runs finishing at
once cannot move a watermark back, whichever commits last.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, case, select

from schemas.clock import as_utc, utc_now
from schemas.tables import SourceWatermark
from storage.engine import writing
from storage.upsert import dialect_insert

watermark_table = SourceWatermark.__table__


def get_watermark(engine: Engine, source: str, list_url: str) -> SourceWatermark | None:
    """The stored watermark of one list; None before its first completed walk."""
    statement = select(watermark_table).where(
        watermark_table.c.source == source, watermark_table.c.list_url == list_url
    )
    with engine.connect() as connection:
        row = connection.execute(statement).mappings().first()
    return SourceWatermark.model_validate(dict(row)) if row is not None else None


def advance_watermark(
    engine: Engine,
    source: str,
    list_url: str,
    seen_max: datetime | None,
    placeholder: bool,
    *,
    now: datetime | None = None,
) -> SourceWatermark:
    """Record a walk of a list: the watermark becomes max(stored, seen_max), never less.

    `seen_max=None` (nothing dated seen, or the list broke off) keeps the stored watermark and
    still records the run and the placeholder finding, which always reflects the latest walk.
    """
    values = {
        "source": source,
        "list_url": list_url,
        "watermark": as_utc(seen_max),
        "last_run_at": as_utc(now) or utc_now(),
        "placeholder_detected": placeholder,
    }
    with writing(engine) as connection:
        statement = dialect_insert(connection, watermark_table).values(values)
        current, new = watermark_table.c.watermark, statement.excluded.watermark
        forward = case((new.is_(None), current), (current.is_(None), new), (new > current, new), else_=current)
        statement = statement.on_conflict_do_update(
            index_elements=["source", "list_url"],
            set_={
                "watermark": forward,
                "last_run_at": statement.excluded.last_run_at,
                "placeholder_detected": statement.excluded.placeholder_detected,
            },
        ).returning(*watermark_table.c)
        row = connection.execute(statement).mappings().one()
    return SourceWatermark.model_validate(dict(row))

