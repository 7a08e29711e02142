"""The `sync` flow: one source, incrementally, into the database (scheduled in prefect.yaml).

Composition only: every step is a stage from `tasks/`. A document that fails is recorded
and reported; the run goes on and completes. A run whose source looks stale ends in the
state "Completed with warnings" and emits an event.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.runtime import flow_run

from schemas.params import IngestSummary, SyncParams
from tasks.run.context import document_task_runner, open_pipeline
from tasks.sources.oparl import OParlDiscovery
from tasks.discovery import discover_task
from tasks.run.freshness import check_freshness
from tasks.document import ingest_document_task
from tasks.run.politeness import existing_host_limits
from tasks.run.record import close_run, open_run, record_meeting_task
from tasks.sources.watermarks import save_watermarks, stored_since
from tasks.run.report import RunProgress, current_flow_run_id, final_state, publish_summary, rename_flow_run, run_name, source_slug

def sync_run_name() -> str:
    params = SyncParams.model_validate(flow_run.parameters["params"])
    return run_name("sync", source_slug(params.system_url, params.label), params.start_from, params.start_to)


@flow(name="sync", flow_run_name=sync_run_name, task_runner=document_task_runner())
def sync(params: SyncParams):
    """Discover the source's meetings and bring each one's minutes up to date in the database."""
    logger = get_run_logger()
    flow_run_id = current_flow_run_id()
    ctx = open_pipeline(params, flow_run_id, skip_current=params.skip_current)
    run_id = open_run(ctx.engine, flow_run_id=flow_run_id, flow_name="sync", source=params.system_url,
                      params=params.model_dump(mode="json"))
    meeting_actions, outcomes, meetings = [], [], []
    discovery, listed_in_full = OParlDiscovery(), True
    subject = source_slug(params.system_url, params.label)
    try:
        incremental = params.incremental and params.start_from is None and params.start_to is None
        since = stored_since(ctx.engine, params.system_url) if incremental else None
        discovery = discover_task(params.system_url, params.kind, ctx.client, params.start_from, params.start_to, since)
        meetings = discovery.meetings
        listed_in_full = not incremental or not any(since(list_url) for list_url in discovery.lists)
        bodies = {m.body for m in meetings if m.body}
        if not params.label and len(bodies) == 1:
            subject = source_slug(params.system_url, bodies.pop())
            rename_flow_run(run_name("sync", subject, params.start_from, params.start_to))
        logger.info("%d meetings to bring up to date", len(meetings))
        ctx.host_limits = existing_host_limits(ref.url for m in meetings for ref in m.documents)
        progress = RunProgress("documents", sum(len(m.documents) for m in meetings if not m.deleted))
        futures = []
        for meeting in meetings:
            recorded = record_meeting_task(ctx.engine, meeting)
            meeting_actions.append(recorded.action)
            if not meeting.deleted:
                futures += [ingest_document_task.submit(meeting, recorded.id, ref, ctx) for ref in meeting.documents]
        for future in as_completed(futures):
            outcomes.append(future.result())
            progress.advance()
        if incremental:
            save_watermarks(ctx.engine, params.system_url, discovery,
                            retry_meetings={o.meeting for o in outcomes if o.status == "failed"})
    except Exception as err:
        summary = IngestSummary.from_outcomes(meeting_actions, outcomes)
        summary.status, summary.run_id = "failed", run_id
        close_run(ctx.engine, run_id, summary, error=str(err))
        raise
    finally:
        ctx.close()
    summary = IngestSummary.from_outcomes(meeting_actions, outcomes)
    summary.run_id = run_id
    summary = check_freshness(ctx.engine, meetings, summary, params, flow_run_id=flow_run_id, subject=subject,
                              listed_in_full=listed_in_full)
    close_run(ctx.engine, run_id, summary)
    publish_summary(summary, f"sync-{subject}")
    return final_state(summary)
