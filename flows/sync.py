"""The `sync` flow: one source, incrementally, into the database (scheduled in prefect.yaml).

Composition only: every step is a stage from `tasks/`. A document that fails is recorded
and reported (a Failed task run); the run goes on and ends "Completed with failures". A run
whose source looks stale ends in the state "Completed with warnings" and emits an event.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.runtime import flow_run

from schemas.params import SyncParams
from schemas.secrets import redacted_url, redacted_values
from tasks.document import ingest_document_task
from tasks.run.context import document_task_runner, open_pipeline
from tasks.run.freshness import check_freshness
from tasks.run.politeness import existing_host_limits
from tasks.run.record import record_meeting, recorded_run
from tasks.run.report import RunProgress, current_flow_run_id, final_state, rename_flow_run, run_name, source_slug
from tasks.run.steps import discover_task
from tasks.sources.watermarks import save_watermarks, stored_since


def sync_run_name() -> str:
    params = SyncParams.model_validate(flow_run.parameters["params"])
    return run_name("sync", source_slug(params.system_url, params.label), params.start_from, params.start_to)


@flow(name="sync", flow_run_name=sync_run_name, task_runner=document_task_runner())
def sync(params: SyncParams):
    """Discover the source's meetings and bring each one's minutes up to date in the database."""
    logger = get_run_logger()
    flow_run_id = current_flow_run_id()
    ctx = open_pipeline(params, flow_run_id, skip_current=params.skip_current)
    subject = source_slug(params.system_url, params.label)
    source = redacted_url(params.system_url)  # what is stored and shown; the request alone gets the credentials
    try:
        with recorded_run(ctx.engine, flow_run_id=flow_run_id, flow_name="sync", source=source,
                          params=redacted_values(params.model_dump(mode="json")), artifact_key=f"sync-{subject}") as run:
            incremental = params.incremental and params.start_from is None and params.start_to is None
            since = stored_since(ctx.engine, source) if incremental else None
            discovery = discover_task(params.system_url, params.kind, ctx.client, params.start_from, params.start_to, since)
            meetings = discovery.meetings
            listed_in_full = not incremental or not any(since(list_url) for list_url in discovery.lists)
            bodies = {m.body for m in meetings if m.body}
            body = next(iter(bodies)) if len(bodies) == 1 else None
            if not params.label and body:
                subject = source_slug(params.system_url, body)
                rename_flow_run(run_name("sync", subject, params.start_from, params.start_to))
                run.artifact_key = f"sync-{subject}"
            logger.info("%d meetings to bring up to date", len(meetings))
            ctx.host_limits = existing_host_limits(ref.url for m in meetings for ref in m.documents)
            progress = RunProgress("documents", sum(len(m.documents) for m in meetings if not m.deleted))
            futures = []
            for meeting in meetings:
                recorded = record_meeting(ctx.engine, meeting)
                run.meeting_actions.append(recorded.action)
                if not meeting.deleted:
                    futures += [ingest_document_task.submit(meeting, recorded.id, ref, ctx) for ref in meeting.documents]
            for future in as_completed(futures):
                run.outcomes.append(future.result(raise_on_failure=False))  # a failed document's state holds its outcome
                progress.advance()
            if incremental:
                save_watermarks(ctx.engine, source, discovery,
                                retry_meetings={o.meeting for o in run.outcomes if o.status == "failed"})
            shown_params = params.model_copy(update={"system_url": source})
            run.summary = check_freshness(ctx.engine, meetings, run.final_summary(), shown_params, flow_run_id=flow_run_id,
                                          subject=subject, listed_in_full=listed_in_full)
            run.summary.body = body
    finally:
        ctx.close()
    return final_state(run.summary)
