"""ingest_document: one minutes file through fetch → blob → pages → text → items → rows.

One Prefect task per document (pages run in parallel inside extraction). Any failure is
recorded on the document with its reason and the run goes on; nothing raised here stops a run.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from schemas.extraction import OcrPolicy
from schemas.params import DocumentOutcome
from schemas.pipeline import DocumentRef, FetchedBlob, Provenance, SourceMeeting
from storage.blobs import BlobStore
from storage.repository import (
    get_document_state,
    mark_document_unchanged,
    record_document_failure,
    store_document_version,
    upsert_document,
)
from tasks.errors import RatsflowError
from tasks.extract import extract_document
from tasks.fetch import fetch_document
from tasks.http import HttpClient
from tasks.normalise import NORMALISER_VERSION
from tasks.version import git_commit, ratsflow_version
from tasks.segment import SEGMENTER_VERSION, segment_minutes

log = logging.getLogger("ratsflow.ingest")


@dataclass
class PipelineContext:
    """The resources one run shares between its document tasks."""

    engine: Engine
    client: HttpClient
    blobs: BlobStore
    policy: OcrPolicy
    provenance: Provenance


def is_current(state, provenance: Provenance) -> bool:
    """True when the stored version was made by the same normaliser and segmenter as this run's."""
    return (
        state is not None
        and state.status == "ok"
        and state.normaliser_version == provenance.normaliser_version
        and state.segmenter_version == provenance.segmenter_version
    )


def ingest_document(meeting: SourceMeeting, meeting_id: int, ref: DocumentRef, ctx: PipelineContext) -> DocumentOutcome:
    """Bring one document up to date; returns what happened, never raises for bad input."""
    document = upsert_document(ctx.engine, meeting_id, ref)
    state = get_document_state(ctx.engine, document.id)
    outcome = DocumentOutcome(meeting=meeting.external_id, url=ref.url, status="unchanged")
    try:
        known = state if state is not None and state.status == "ok" else None
        blob = fetch_document(
            ref.url,
            ctx.client,
            ctx.blobs,
            etag=known.etag if known else None,
            last_modified=known.last_modified if known else None,
        )
        if blob is None or (known and blob.sha256 == known.sha256):
            if is_current(state, ctx.provenance):
                mark_document_unchanged(ctx.engine, document.id, blob.fetched_at if blob else None)
                return outcome
            blob = blob or stored_blob(ctx, ref, state)
        extracted = extract_document(Path(blob.path), ctx.policy)
        segmentation = segment_minutes([p.text for p in extracted.pages], agenda=meeting.agenda or None)
        stored = store_document_version(
            ctx.engine, document.id, meeting_id, blob, extracted, segmentation, ctx.provenance
        )
        outcome.status = stored.action
        outcome.pages_by_method = dict(Counter(p.method for p in extracted.pages))
        outcome.agenda_items = len(segmentation.items)
    except RatsflowError as err:
        outcome = failed(ctx, document.id, outcome, str(err), err.kind)
    except Exception as err:  # a bug must cost one document, not the run
        log.error("unexpected error on %s:\n%s", ref.url, traceback.format_exc())
        outcome = failed(ctx, document.id, outcome, f"internal error: {err.__class__.__name__}: {err}", "internal")
    return outcome


def stored_blob(ctx: PipelineContext, ref: DocumentRef, state) -> FetchedBlob:
    """The blob we already hold, for re-processing after the server said 304."""
    path = ctx.blobs.path_for(state.sha256)
    return FetchedBlob(
        url=ref.url, sha256=state.sha256, size=path.stat().st_size, path=str(path),
        etag=state.etag, last_modified=state.last_modified, fetched_at=datetime.now(UTC),
    )


def failed(ctx: PipelineContext, document_id: int, outcome: DocumentOutcome, message: str, kind: str) -> DocumentOutcome:
    log.warning("document %s failed (%s): %s", outcome.url, kind, message)
    record_document_failure(ctx.engine, document_id, message, kind)
    return outcome.model_copy(update={"status": "failed", "error": message, "error_kind": kind})


def provenance_for_run(flow_run_id: str | None) -> Provenance:
    return Provenance(
        ratsflow_version=ratsflow_version(),
        git_commit=git_commit(),
        normaliser_version=NORMALISER_VERSION,
        segmenter_version=SEGMENTER_VERSION,
        flow_run_id=flow_run_id,
    )


ingest_document_task = task(
    name="ingest-document",
    cache_policy=NO_CACHE,
    task_run_name="ingest-document-{meeting_id}",
)(ingest_document)
