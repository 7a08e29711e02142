"""record: the run's own bookkeeping rows (meetings seen, the ingest_run row) as Prefect tasks."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from schemas.params import IngestSummary
from schemas.pipeline import SourceMeeting, UpsertOutcome
from storage.repository import finish_ingest_run, mark_documents_withdrawn, start_ingest_run, upsert_meeting


def record_meeting(engine: Engine, meeting: SourceMeeting) -> UpsertOutcome:
    """The meeting row, and the withdrawal of files the source no longer lists for it."""
    recorded = upsert_meeting(engine, meeting)
    if meeting.documents_complete:
        mark_documents_withdrawn(engine, recorded.id, [ref.external_id for ref in meeting.documents])
    return recorded


def open_run(engine: Engine, *, flow_run_id: str | None, flow_name: str, source: str, params: dict) -> int:
    return start_ingest_run(engine, flow_run_id=flow_run_id, flow_name=flow_name, source=source, params=params)


def close_run(engine: Engine, run_id: int, summary: IngestSummary, error: str | None = None) -> None:
    counts = summary.model_dump(mode="json", exclude={"run_id", "status", "failures"})
    counts["failed_documents"] = [f.model_dump(mode="json") for f in summary.failures]
    finish_ingest_run(engine, run_id, status=summary.status, counts=counts, error=error)


record_meeting_task = task(name="record-meeting", cache_policy=NO_CACHE)(record_meeting)
