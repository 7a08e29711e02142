"""The per-document tail: one minutes file through fetch → blob → pages → text → items → rows.

One Prefect task per document (pages run in parallel inside extraction, never a task per
page). Any failure is recorded on the document with its reason and the run goes on; nothing
raised here stops a run. Inside, two nested tasks carry the policies: the download retries
transient trouble with exponential backoff and jitter, the page extraction is cached by
content hash and extractor version, so an unchanged file is never OCRed twice.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.errors import DocumentRejected, RatsflowError, SourceInvalid
from schemas.extraction import OcrPolicy
from schemas.params import DocumentOutcome
from schemas.pipeline import (
    AgendaEntry,
    DocumentRef,
    ExtractedDocument,
    FetchedBlob,
    PageText,
    SourceMeeting,
)
from storage.blobs import BlobCorrupted, BlobMissing
from storage.repository import (
    get_document_state,
    mark_document_unchanged,
    record_document_failure,
    store_document_version,
    upsert_document,
)
from storage.selection import StoredDocument, stored_agenda
from tasks.extract import EXTRACTOR_VERSION, PDFIUM_VERSION, extract_pages, tesseract_model_version
from tasks.extract.html import extract_html_pages, is_html_blob
from tasks.normalise import normalised_document
from tasks.run.context import PipelineContext, provenance_in_task
from tasks.run.politeness import polite
from tasks.run.report import document_state, document_task_name, file_name
from tasks.run.steps import fetch_document_task
from tasks.segment import segment_minutes
from tasks.sources.oparl import NO_FILE_URL

log = logging.getLogger("ratsflow.ingest")

EXTRACT_CACHE_DAYS = 365


def is_current(state, provenance) -> bool:
    """True when the stored version was made by the same normaliser and segmenter as this run's."""
    return (
        state is not None
        and state.status == "ok"
        and state.normaliser_version == provenance.normaliser_version
        and state.segmenter_version == provenance.segmenter_version
    )


# ── Getting the bytes ──────────────────────────────────────────────────────────────────────────


def fetch_blob(ref: DocumentRef, ctx: PipelineContext, known) -> FetchedBlob | None:
    """The document's bytes in the blob store; None when the server says 304 Not Modified."""
    with polite(ref.url, ctx.host_limits):
        return fetch_document_task(
            ref.url,
            ctx.client,
            ctx.blobs,
            etag=known.etag if known else None,
            last_modified=known.last_modified if known else None,
            html_minutes=ref.mime_type == "text/html",  # the source says: a web page (ALLRIS si016)
        )


# ── Pages, cached by content ───────────────────────────────────────────────────────────────────


def extraction_cache_key(context, parameters: dict) -> str:
    """Content hash + everything that changes what extraction yields; never the blob's path."""
    policy: OcrPolicy = parameters["policy"]
    knobs = hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:16]
    engines = f"x{EXTRACTOR_VERSION}-pdfium{PDFIUM_VERSION}-tess{tesseract_model_version(policy.lang)}"
    return f"ratsflow-pages-{parameters['sha256']}-{engines}-{knobs}"


def _extract_blob_pages(sha256: str, path: str, policy: OcrPolicy, name: str | None = None) -> list[PageText]:
    # `name` (the file's name) only words a rejection; the cache key leaves it out.
    if is_html_blob(Path(path)):  # HTML minutes: only the fetch stage's `html_minutes` lets them in
        return extract_html_pages(Path(path))
    return extract_pages(Path(path), policy, name=name)


extract_pages_cached = task(
    name="extract-pages",
    cache_key_fn=extraction_cache_key,
    cache_expiration=None,
    persist_result=True,
    task_run_name="extract-pages-{sha256:.12}",
)(_extract_blob_pages)


def extract_blob(
    blob_sha256: str, path: Path, policy: OcrPolicy, *, name: str | None = None, refresh: bool = False
) -> ExtractedDocument:
    """Pages of a stored blob (from the cache when this content was extracted before), normalised.

    A rejection names the file by `name` (the last part of its URL), never by the local blob path.
    """
    runner = extract_pages_cached.with_options(refresh_cache=True) if refresh else extract_pages_cached
    return normalised_document(runner(blob_sha256, str(path), policy, name))


def process_blob(
    ctx: PipelineContext,
    outcome: DocumentOutcome,
    meeting_id: int,
    blob: FetchedBlob,
    path: Path,
    agenda: list[AgendaEntry],
    *,
    refresh: bool = False,
) -> None:
    """blob → pages → text → agenda items → rows, the same for a fresh download and a reprocess.

    Fills `outcome` with what was stored; raises what went wrong for the caller to record.
    """
    extracted = extract_blob(blob.sha256, path, ctx.policy, name=file_name(blob.url) if blob.url else None, refresh=refresh)
    segmentation = segment_minutes([p.text for p in extracted.pages], agenda=agenda or None)
    stored = store_document_version(
        ctx.engine, outcome.document_id, meeting_id, blob, extracted, segmentation, provenance_in_task(ctx.provenance)
    )
    outcome.status = stored.action
    outcome.pages_by_method = dict(Counter(p.method for p in extracted.pages))
    outcome.pages_without_text = sum(1 for p in extracted.pages if not p.text.strip())
    outcome.agenda_items = len(segmentation.items)
    outcome.warnings = list(segmentation.warnings)


# ── The stages, per document ───────────────────────────────────────────────────────────────────


def ingest_document(meeting: SourceMeeting, meeting_id: int, ref: DocumentRef, ctx: PipelineContext) -> DocumentOutcome:
    """Bring one document up to date; returns what happened, never raises for bad input."""
    document = upsert_document(ctx.engine, meeting_id, ref)
    state = get_document_state(ctx.engine, document.id)
    outcome = DocumentOutcome(meeting=meeting.external_id, url=ref.url, status="unchanged", document_id=document.id)
    if ctx.skip_current and is_current(state, ctx.provenance):
        return outcome.model_copy(update={"status": "skipped"})

    def work() -> None:
        if not ref.url:
            raise SourceInvalid(NO_FILE_URL)
        known = state if state is not None and state.status == "ok" else None
        blob = fetch_blob(ref, ctx, known)
        if blob is None or (known and blob.sha256 == known.sha256):
            if is_current(state, ctx.provenance):
                mark_document_unchanged(ctx.engine, document.id, blob.fetched_at if blob else None)
                return
            blob = blob or stored_blob(ctx, ref, state)
        process_blob(ctx, outcome, meeting_id, blob, ctx.blobs.local_path(blob.sha256), meeting.agenda)

    return attempted(ctx, outcome, work)


def reprocess_document(doc: StoredDocument, ctx: PipelineContext, *, refresh_pages: bool = False) -> DocumentOutcome:
    """Extract, normalise and segment a stored blob again; nothing is downloaded.

    Segmentation is guided by the agenda items the previous version matched to the source's
    agenda (the agenda itself is not stored). A failure is recorded like an ingest failure and
    leaves the current version as it was.
    """
    outcome = DocumentOutcome(meeting=doc.meeting_external_id, url=doc.url, status="unchanged", document_id=doc.document_id)

    def work() -> None:
        try:
            path = ctx.blobs.local_path(doc.sha256)
        except (BlobMissing, BlobCorrupted) as err:
            raise DocumentRejected(f"blob of document {doc.document_id}: {err}") from err
        blob = FetchedBlob(
            url=doc.url, sha256=doc.sha256, size=doc.size or path.stat().st_size, path=ctx.blobs.location_for(doc.sha256),
            etag=doc.etag, fetched_at=doc.fetched_at or datetime.now(UTC),
        )
        agenda = stored_agenda(ctx.engine, doc.version_id)
        process_blob(ctx, outcome, doc.meeting_id, blob, path, agenda, refresh=refresh_pages)

    return attempted(ctx, outcome, work)


def attempted(ctx: PipelineContext, outcome: DocumentOutcome, work: Callable[[], None]) -> DocumentOutcome:
    """Run `work`; any failure is recorded on the document and returned, never raised.

    A typed error keeps its operator message; anything else is a bug, which must cost one
    document, not the run (its traceback goes to the log).
    """
    try:
        work()
    except RatsflowError as err:
        return failed(ctx, outcome, str(err), err.kind)
    except Exception as err:
        log.error("unexpected error on %s:\n%s", outcome.url, traceback.format_exc())
        return failed(ctx, outcome, f"internal error: {err.__class__.__name__}: {err}", "internal")
    return outcome


def stored_blob(ctx: PipelineContext, ref: DocumentRef, state) -> FetchedBlob:
    """The blob we already hold, for re-processing after the server said 304."""
    path = ctx.blobs.local_path(state.sha256)
    return FetchedBlob(
        url=ref.url, sha256=state.sha256, size=path.stat().st_size, path=ctx.blobs.location_for(state.sha256),
        etag=state.etag, last_modified=state.last_modified, fetched_at=datetime.now(UTC),
    )


def failed(ctx: PipelineContext, outcome: DocumentOutcome, message: str, kind: str) -> DocumentOutcome:
    log.warning("document %s failed (%s): %s", outcome.url, kind, message)
    record_document_failure(ctx.engine, outcome.document_id, message, kind)
    return outcome.model_copy(update={"status": "failed", "error": message, "error_kind": kind})


# A failed document is a Failed task run (its outcome is the state's data): visible and filterable in the UI.
ingest_document_task = task(name="ingest-document", cache_policy=NO_CACHE, task_run_name=document_task_name)(
    document_state(ingest_document)
)

reprocess_document_task = task(name="reprocess-document", cache_policy=NO_CACHE, task_run_name=document_task_name)(
    document_state(reprocess_document)
)
