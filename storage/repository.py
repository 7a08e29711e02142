"""Writes and reads the flow needs: meetings, documents, versions with pages and items, runs.

Every function opens its own short transaction, so a failure costs one document, never a
run. Rows are never removed, except a version's pages and items that a re-processing of
that same version no longer produces.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from schemas.clock import as_utc, utc_now
from schemas.pipeline import (
    AgendaItemSpan,
    DocumentRef,
    ExtractedDocument,
    FetchedBlob,
    PageText,
    Provenance,
    SegmentationResult,
    SourceMeeting,
    UpsertOutcome,
)
from schemas.store import DatabaseSummary, DocumentState
from schemas.tables import AgendaItem, Document, DocumentVersion, IngestRun, Meeting, Page
from storage.engine import writing
from storage.upsert import upsert_row, upsert_rows, without_nul

meeting_table = Meeting.__table__
document_table = Document.__table__
version_table = DocumentVersion.__table__
page_table = Page.__table__
item_table = AgendaItem.__table__
run_table = IngestRun.__table__

MAX_ERROR_CHARS = 4000
MEETING_DATA = ("body", "organization", "organization_url", "name", "start", "end", "public", "modified")
PAGE_COLUMNS = {"number", "method", "confidence", "low_confidence", "engine", "engine_version", "dpi", "raw_text", "text"}
PAGE_COMPARED = tuple(sorted(PAGE_COLUMNS - {"number"}))


def upsert_meeting(engine: Engine, meeting: SourceMeeting) -> UpsertOutcome:
    """Insert or update a meeting by (source, external_id).

    A meeting the source reports deleted is only flagged (deleted, deleted_at): its data,
    documents and items stay, because the source's stub carries nothing else. A meeting that
    comes back undeleted is restored.
    """
    now = utc_now()
    values = {
        "source": meeting.source,
        "external_id": meeting.external_id,
        "body": meeting.body,
        "organization": meeting.organization,
        "organization_url": meeting.organization_url,
        "public": meeting.public,
        "name": meeting.name,
        "start": as_utc(meeting.start),
        "end": as_utc(meeting.end),
        "modified": as_utc(meeting.modified),
        "deleted": meeting.deleted,
        "deleted_at": now if meeting.deleted else None,
        "first_seen_at": now,
        "updated_at": now,
    }
    if meeting.deleted:
        compare, also_set = ("deleted",), ("deleted_at", "updated_at")
    else:
        compare, also_set = (*MEETING_DATA, "deleted"), ("deleted_at", "updated_at")
    with writing(engine) as connection:
        return upsert_row(
            connection, meeting_table, values, key=("source", "external_id"), compare=compare, also_set=also_set
        )


def upsert_document(engine: Engine, meeting_id: int, ref: DocumentRef) -> UpsertOutcome:
    """Insert or update a meeting's file by (meeting_id, external_id); a new one starts as `pending`."""
    values = {
        "meeting_id": meeting_id,
        "external_id": ref.external_id,
        "role": ref.role,
        "name": ref.name,
        "url": ref.url,
        "mime_type": ref.mime_type,
        "status": "pending",
        "attempts": 0,
        "deleted": False,
        "deleted_at": None,
    }
    with writing(engine) as connection:
        return upsert_row(
            connection,
            document_table,
            values,
            key=("meeting_id", "external_id"),
            compare=("role", "name", "url", "mime_type", "deleted"),
            also_set=("deleted_at",),
        )


def mark_documents_withdrawn(engine: Engine, meeting_id: int, listed_external_ids: Collection[str]) -> int:
    """Flag (never remove) a meeting's stored files that the source no longer lists.

    Councils take files down (a privacy complaint, a corrected upload under a new id); the
    rows, versions, pages and items stay, `deleted`/`deleted_at` tell downstream apps. A file
    listed again is restored by `upsert_document`. Returns how many were newly flagged.
    """
    d = document_table.c
    statement = (
        update(document_table)
        .where(d.meeting_id == meeting_id, d.deleted.is_(False), d.external_id.not_in(list(listed_external_ids)))
        .values(deleted=True, deleted_at=utc_now())
    )
    with writing(engine) as connection:
        return connection.execute(statement).rowcount


def get_document_state(engine: Engine, document_id: int) -> DocumentState | None:
    """The document's status and its current version's provenance; None if there is no such document."""
    d, v = document_table.c, version_table.c
    query = (
        select(
            d.id.label("document_id"),
            d.url,
            d.sha256,
            d.etag,
            d.last_modified,
            d.status,
            d.error_kind,
            d.attempts,
            d.current_version_id,
            v.normaliser_version,
            v.segmenter_version,
        )
        .select_from(document_table.outerjoin(version_table, v.id == d.current_version_id))
        .where(d.id == document_id)
    )
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return DocumentState(**row) if row is not None else None


def record_document_failure(engine: Engine, document_id: int, error: str, kind: str) -> None:
    """Mark the document failed with an operator-readable reason; its last good version stays current."""
    statement = (
        update(document_table)
        .where(document_table.c.id == document_id)
        .values(
            status="failed",
            error=without_nul(error)[:MAX_ERROR_CHARS],
            error_kind=kind,
            attempts=document_table.c.attempts + 1,
            last_attempt_at=utc_now(),
        )
    )
    with writing(engine) as connection:
        _require_one(connection.execute(statement).rowcount, document_id)


def mark_document_unchanged(
    engine: Engine,
    document_id: int,
    fetched_at: datetime | None,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Count an attempt that found nothing new (304, or the same sha256); the status is left as it is."""
    values: dict[str, Any] = {"attempts": document_table.c.attempts + 1, "last_attempt_at": utc_now()}
    if fetched_at is not None:
        values["fetched_at"] = as_utc(fetched_at)
    if etag is not None:
        values["etag"] = etag
    if last_modified is not None:
        values["last_modified"] = last_modified
    statement = update(document_table).where(document_table.c.id == document_id).values(values)
    with writing(engine) as connection:
        _require_one(connection.execute(statement).rowcount, document_id)


def store_document_version(
    engine: Engine,
    document_id: int,
    meeting_id: int,
    blob: FetchedBlob,
    extracted: ExtractedDocument,
    segmentation: SegmentationResult,
    provenance: Provenance,
) -> UpsertOutcome:
    """Store one content of a document with its pages and agenda items, and make it current.

    All or nothing, in one transaction. Returns the version's id and "inserted" (a new
    sha256), "updated" (a known sha256 re-processed with a different result, or made
    current again) or "unchanged". Older versions keep their pages and items.
    """
    now = utc_now()
    with writing(engine) as connection:
        version = upsert_row(
            connection,
            version_table,
            {
                "document_id": document_id,
                "sha256": blob.sha256,
                "url": blob.url,
                "size": blob.size,
                "blob_path": blob.path,
                "etag": blob.etag,
                "fetched_at": as_utc(blob.fetched_at),
                "page_count": len(extracted.pages),
                "normaliser_version": extracted.normaliser_version or provenance.normaliser_version,
                "segmenter_version": segmentation.segmenter_version or provenance.segmenter_version,
                "ratsflow_version": provenance.ratsflow_version,
                "git_commit": provenance.git_commit,
                "flow_run_id": provenance.flow_run_id,
                "task_run_id": provenance.task_run_id,
                "created_at": now,
                "segmentation_warnings": list(segmentation.warnings),
            },
            key=("document_id", "sha256"),
            compare=("size", "page_count", "normaliser_version", "segmenter_version", "segmentation_warnings"),
            touch=("url", "blob_path", "etag", "fetched_at", "ratsflow_version", "git_commit", "flow_run_id", "task_run_id"),
        )
        changed = _store_pages(connection, document_id, version.id, extracted.pages)
        changed |= _store_items(connection, meeting_id, document_id, version.id, segmentation)
        changed |= _make_current(connection, document_id, version.id)
        statement = (
            update(document_table)
            .where(document_table.c.id == document_id)
            .values(
                sha256=blob.sha256,
                status="ok",
                error=None,
                error_kind=None,
                page_count=len(extracted.pages),
                fetched_at=as_utc(blob.fetched_at),
                etag=blob.etag,
                last_modified=blob.last_modified,
                attempts=document_table.c.attempts + 1,
                last_attempt_at=now,
            )
        )
        _require_one(connection.execute(statement).rowcount, document_id)
    if version.action == "inserted" or version.action == "updated":
        return version
    return UpsertOutcome(id=version.id, action="updated" if changed else "unchanged")


def _store_pages(connection: Connection, document_id: int, version_id: int, pages: list[PageText]) -> bool:
    """The version's pages, one executemany; True if a page was added, changed or removed."""
    rows = [{"document_id": document_id, "version_id": version_id, **page.model_dump(include=PAGE_COLUMNS)} for page in pages]
    changed = upsert_rows(connection, page_table, rows, key=("version_id", "number"), compare=PAGE_COMPARED)
    numbers = [page.number for page in pages]
    gone = delete(page_table).where(page_table.c.version_id == version_id, page_table.c.number.not_in(numbers))
    return connection.execute(gone).rowcount > 0 or changed


def _store_items(
    connection: Connection, meeting_id: int, document_id: int, version_id: int, segmentation: SegmentationResult
) -> bool:
    """The version's agenda items by position, one executemany; True if an item was added, changed or removed."""
    rows = [
        {
            "meeting_id": meeting_id,
            "document_id": document_id,
            "version_id": version_id,
            "position": position,
            "segmenter_version": segmentation.segmenter_version,
            **_item_columns(span),
        }
        for position, span in enumerate(segmentation.items)
    ]
    compare = tuple(name for name in rows[0] if name not in ("version_id", "position")) if rows else ()
    changed = upsert_rows(connection, item_table, rows, key=("version_id", "position"), compare=compare)
    beyond = delete(item_table).where(
        item_table.c.version_id == version_id, item_table.c.position >= len(segmentation.items)
    )
    return connection.execute(beyond).rowcount > 0 or changed


def _item_columns(span: AgendaItemSpan) -> dict[str, Any]:
    votes = span.votes
    return {
        "number": span.number,
        "label": span.label,
        "title": span.title,
        "public": span.public,
        "text": span.text,
        "page_start": span.page_start,
        "page_end": span.page_end,
        "char_start": span.char_start,
        "char_end": span.char_end,
        "resolution": span.resolution,
        "result": span.result,
        "votes_yes": votes.yes if votes else None,
        "votes_no": votes.no if votes else None,
        "votes_abstain": votes.abstain if votes else None,
        "paper_refs": list(span.paper_refs or []),
        "source_item_id": span.source_item_id,
    }


def _make_current(connection: Connection, document_id: int, version_id: int) -> bool:
    """Point the document at this version; True if it pointed elsewhere before."""
    d = document_table.c
    statement = (
        update(document_table)
        .where(d.id == document_id, d.current_version_id.is_distinct_from(version_id))
        .values(current_version_id=version_id)
    )
    return connection.execute(statement).rowcount > 0


def _require_one(rowcount: int, document_id: int) -> None:
    if rowcount != 1:
        raise LookupError(f"no document with id {document_id} in the database")


def start_ingest_run(
    engine: Engine,
    *,
    flow_run_id: str | None,
    flow_name: str | None,
    source: str | None,
    params: Mapping[str, Any],
    owner_pid: int | None = None,
    owner_host: str | None = None,
) -> int:
    """Record that a run started, and which process runs it; returns its id for finish_ingest_run."""
    statement = (
        insert(run_table)
        .values(
            flow_run_id=flow_run_id,
            flow_name=flow_name,
            source=source,
            started_at=utc_now(),
            status="running",
            params=to_jsonable_python(dict(params)),
            owner_pid=owner_pid,
            owner_host=owner_host,
        )
        .returning(run_table.c.id)
    )
    with writing(engine) as connection:
        return connection.execute(statement).scalar_one()


def finish_ingest_run(
    engine: Engine, run_id: int, *, status: str, counts: Mapping[str, Any], error: str | None = None
) -> None:
    """Record how a run ended (completed, completed_with_failures, failed, cancelled) and what it did."""
    statement = (
        update(run_table)
        .where(run_table.c.id == run_id)
        .values(finished_at=utc_now(), status=status, counts=to_jsonable_python(dict(counts)), error=error)
    )
    with writing(engine) as connection:
        if connection.execute(statement).rowcount != 1:
            raise LookupError(f"no ingest run with id {run_id} in the database")


def running_runs_on(engine: Engine, host: str) -> list[tuple[int, int]]:
    """(run id, process id) of every run still `running` that a process on `host` opened."""
    statement = select(run_table.c.id, run_table.c.owner_pid).where(
        run_table.c.status == "running", run_table.c.owner_host == host, run_table.c.owner_pid.is_not(None)
    )
    with engine.connect() as connection:
        return [(row.id, row.owner_pid) for row in connection.execute(statement)]


def abandon_ingest_run(engine: Engine, run_id: int, error: str) -> bool:
    """Close a `running` row whose process is gone as `abandoned`; False when it was closed meanwhile."""
    statement = (
        update(run_table)
        .where(run_table.c.id == run_id, run_table.c.status == "running")
        .values(finished_at=utc_now(), status="abandoned", error=error)
    )
    with writing(engine) as connection:
        return connection.execute(statement).rowcount == 1


def summarise_database(engine: Engine) -> DatabaseSummary:
    """Counts for `ratsflow summary`: what is in the database now."""
    m, d, p = meeting_table.c, document_table.c, page_table.c
    current_pages = page_table.join(document_table, d.current_version_id == p.version_id)
    current_items = item_table.join(document_table, d.current_version_id == item_table.c.version_id)
    with engine.connect() as connection:
        scalar = connection.scalar
        by_status = connection.execute(select(d.status, func.count()).group_by(d.status)).all()
        by_method = connection.execute(select(p.method, func.count()).select_from(current_pages).group_by(p.method)).all()
        return DatabaseSummary(
            meetings=scalar(select(func.count()).select_from(meeting_table)),
            meetings_deleted=scalar(select(func.count()).where(m.deleted.is_(True))),
            documents=sum(count for _, count in by_status),
            documents_by_status=dict(by_status),
            versions=scalar(select(func.count()).select_from(version_table)),
            pages=sum(count for _, count in by_method),
            pages_by_method=dict(by_method),
            pages_low_confidence=scalar(
                select(func.count()).select_from(current_pages).where(p.low_confidence.is_(True))
            ),
            agenda_items=scalar(select(func.count()).select_from(current_items)),
            ingest_runs=scalar(select(func.count()).select_from(run_table)),
        )
