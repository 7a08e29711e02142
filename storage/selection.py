"""Reads for the operator flows: which stored documents to reprocess, and how a source usually looks.

`reprocess` works from what is stored (a blob per version) and never asks the source; the
freshness alarm compares a run with the source's stored pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import Engine, and_, case, func, select

from schemas.clock import as_utc
from schemas.pipeline import AgendaEntry
from schemas.tables import AgendaItem, Document, DocumentVersion, Meeting, Page

meeting_table = Meeting.__table__
document_table = Document.__table__
version_table = DocumentVersion.__table__
page_table = Page.__table__
item_table = AgendaItem.__table__
BERLIN = ZoneInfo("Europe/Berlin")


class StoredDocument(BaseModel):
    """A document's current version as stored: enough to extract and segment it again."""

    document_id: int
    meeting_id: int
    meeting_external_id: str
    source: str
    url: str
    version_id: int
    sha256: str
    size: int | None = None
    blob_path: str | None = None
    etag: str | None = None
    fetched_at: datetime | None = None
    normaliser_version: str | None = None
    segmenter_version: str | None = None


def version_key(version: str | None) -> tuple[int, ...]:
    """'1.10.0' after '1.9': numbers compare as numbers; a missing version is the oldest of all."""
    if not version:
        return ()
    return tuple(int(part) for part in re.findall(r"\d+", version))


def is_older_version(version: str | None, than: str) -> bool:
    return version_key(version) < version_key(than)


def in_day_range(start: datetime | None, start_from: date | None, start_to: date | None) -> bool:
    """Whether a meeting starting at `start` falls on a day in the range (Berlin days)."""
    if start_from is None and start_to is None:
        return True
    if start is None:
        return False
    # Timestamps are stored in UTC; SQLite hands them back naive.
    day = as_utc(start).astimezone(BERLIN).date()
    return (start_from is None or day >= start_from) and (start_to is None or day <= start_to)


def select_stored_documents(
    engine: Engine,
    *,
    source: str | None = None,
    start_from: date | None = None,
    start_to: date | None = None,
    document_ids: Sequence[int] = (),
    segmenter_older_than: str | None = None,
    limit: int | None = None,
) -> list[StoredDocument]:
    """Current versions of documents matching every given filter, oldest meetings first.

    Only documents with a current version qualify: one that never succeeded has no blob to
    reprocess. Versions compare numerically and days in Berlin time, both in Python: '10' < '9'
    as SQL strings, and SQLite and PostgreSQL hand timestamps back differently.
    """
    d, v, m = document_table.c, version_table.c, meeting_table.c
    query = (
        select(
            d.id.label("document_id"),
            d.meeting_id,
            m.external_id.label("meeting_external_id"),
            m.source,
            d.url,
            v.id.label("version_id"),
            v.sha256,
            v.size,
            v.blob_path,
            v.etag,
            v.fetched_at,
            v.normaliser_version,
            v.segmenter_version,
            m.start,
        )
        .select_from(
            document_table.join(version_table, v.id == d.current_version_id).join(meeting_table, m.id == d.meeting_id)
        )
        .where(d.deleted.is_(False))
        .order_by(m.start, d.id)
    )
    if source:
        query = query.where(m.source == source)
    if document_ids:
        query = query.where(d.id.in_(list(document_ids)))
    with engine.connect() as connection:
        found = [(row["start"], StoredDocument(**row)) for row in connection.execute(query).mappings()]
    rows = [doc for start, doc in found if in_day_range(start, start_from, start_to)]
    if segmenter_older_than:
        rows = [r for r in rows if is_older_version(r.segmenter_version, segmenter_older_than)]
    return rows[:limit] if limit else rows


def stored_agenda(engine: Engine, version_id: int) -> list[AgendaEntry]:
    """The official agenda as far as a version's items were matched to it (guided segmentation).

    The source's agenda itself is not stored; the items that carry a `source_item_id` are the
    ones found in it, so segmenting again is guided by those. Empty when the version was
    segmented heuristically.
    """
    i = item_table.c
    query = (
        select(i.source_item_id, i.number, i.title, i.public, i.position)
        .where(i.version_id == version_id, i.source_item_id.is_not(None))
        .order_by(i.position)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        AgendaEntry(external_id=r.source_item_id, number=r.number, name=r.title, public=r.public, order=r.position + 1)
        for r in rows
    ]


def source_page_counts(engine: Engine, source: str, *, exclude_flow_run_id: str | None = None) -> tuple[int, int]:
    """(pages, pages without text) over the current versions of a source's documents.

    Versions made by `exclude_flow_run_id` are left out, so a run compares itself with what
    the source looked like before it.
    """
    d, v, m, p = document_table.c, version_table.c, meeting_table.c, page_table.c
    conditions = [m.source == source]
    if exclude_flow_run_id:
        conditions.append(v.flow_run_id.is_distinct_from(exclude_flow_run_id))
    empty = func.sum(case((func.length(func.trim(p.text)) == 0, 1), else_=0))
    query = (
        select(func.count(), empty)
        .select_from(
            page_table.join(version_table, v.id == p.version_id)
            .join(document_table, and_(d.id == p.document_id, d.current_version_id == v.id))
            .join(meeting_table, m.id == d.meeting_id)
        )
        .where(*conditions)
    )
    with engine.connect() as connection:
        total, without_text = connection.execute(query).one()
    return int(total or 0), int(without_text or 0)



def newest_stored_meeting_start(engine: Engine, source: str) -> datetime | None:
    """The latest start of a source's live meetings: what an incremental run knows of freshness."""
    m = meeting_table.c
    query = select(func.max(m.start)).where(m.source == source, m.deleted.is_(False))
    with engine.connect() as connection:
        return connection.execute(query).scalar()
