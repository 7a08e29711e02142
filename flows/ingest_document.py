"""The `ingest_document` flow: one minutes file, by URL or local path, through the whole pipeline."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from schemas.params import IngestDocumentParams, IngestSummary
from tasks.run.context import open_pipeline
from tasks.document import ingest_document_task
from tasks.sources.one_file import meeting_for_file
from tasks.run.politeness import existing_host_limits
from tasks.run.record import close_run, open_run, record_meeting_task
from tasks.run.report import current_flow_run_id, final_state, publish_summary, run_name, slug


def document_run_name() -> str:
    params = IngestDocumentParams.model_validate(flow_run.parameters["params"])
    return run_name("ingest-document", slug(params.location.rstrip("/").rsplit("/", 1)[-1], "document"))


@flow(name="ingest-document", flow_run_name=document_run_name)
def ingest_document(params: IngestDocumentParams):
    """Fetch (or read), extract, segment and store one file; a failure is reported, not raised."""
    flow_run_id = current_flow_run_id()
    ctx = open_pipeline(params, flow_run_id)
    meeting = meeting_for_file(params.location, body=params.body, committee=params.committee,
                               meeting_date=params.meeting_date)
    run_id = open_run(ctx.engine, flow_run_id=flow_run_id, flow_name="ingest-document", source=meeting.source,
                      params=params.model_dump(mode="json"))
    try:
        ctx.host_limits = existing_host_limits([params.location])
        recorded = record_meeting_task(ctx.engine, meeting)
        outcome = ingest_document_task(meeting, recorded.id, meeting.documents[0], ctx)
    finally:
        ctx.close()
    summary = IngestSummary.from_outcomes([recorded.action], [outcome])
    summary.run_id = run_id
    close_run(ctx.engine, run_id, summary)
    publish_summary(summary, "ingest-document")
    return final_state(summary)
