"""The `ingest_document` flow: one minutes file, by URL or local path, through the whole pipeline."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from schemas.params import IngestDocumentParams
from schemas.secrets import redacted_values
from tasks.document import ingest_document_task
from tasks.run.context import open_pipeline
from tasks.run.politeness import existing_host_limits
from tasks.run.record import record_meeting, recorded_run
from tasks.run.report import current_flow_run_id, final_state, run_name, slug
from tasks.sources.one_file import meeting_for_file


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
    try:
        with recorded_run(ctx.engine, flow_run_id=flow_run_id, flow_name="ingest-document", source=meeting.source,
                          params=redacted_values(params.model_dump(mode="json")), artifact_key="ingest-document") as run:
            ctx.host_limits = existing_host_limits([params.location])
            recorded = record_meeting(ctx.engine, meeting)
            run.meeting_actions.append(recorded.action)
            state = ingest_document_task(meeting, recorded.id, meeting.documents[0], ctx, return_state=True)
            run.outcomes.append(state.result(raise_on_failure=False))
    finally:
        ctx.close()
    return final_state(run.summary)
