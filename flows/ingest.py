"""The `ingest` flow: one OParl system, incrementally, into the database.

Composition only: every step is a stage from `tasks/`. A document that fails is recorded
and reported; the run goes on and completes.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlparse

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from schemas.extraction import OcrPolicy
from schemas.params import IngestParams, IngestSummary
from schemas.settings import Settings
from storage.blobs import BlobStore
from storage.engine import check_schema, create_db_engine
from tasks.discover import discover_meetings_task
from tasks.http import HttpClient
from tasks.ingest_document import PipelineContext, ingest_document_task, provenance_for_run
from tasks.record import close_run, open_run, record_meeting_task


def ingest_run_name() -> str:
    params = flow_run.parameters.get("params") or {}
    url = params.get("system_url") if isinstance(params, dict) else getattr(params, "system_url", "")
    host = (urlparse(url or "").hostname or "source").replace(".", "-")
    return f"ingest-{host}-{date.today().isoformat()}"


def in_range(start: datetime | None, params: IngestParams) -> bool:
    if params.start_from is None and params.start_to is None:
        return True
    if start is None:
        return False
    day = start.date()
    return (params.start_from is None or day >= params.start_from) and (params.start_to is None or day <= params.start_to)


@flow(name="ingest", flow_run_name=ingest_run_name, log_prints=True)
def ingest(params: IngestParams) -> IngestSummary:
    """Discover the system's meetings and bring each one's minutes up to date in the database."""
    logger = get_run_logger()
    overrides = {k: v for k, v in {"database_url": params.database_url, "data_dir": params.data_dir}.items() if v}
    settings = Settings(**overrides)
    engine = create_db_engine(settings.resolved_database_url())
    check_schema(engine)
    run_id = open_run(
        engine,
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        flow_name="ingest",
        source=params.system_url,
        params=params.model_dump(mode="json"),
    )
    ctx = PipelineContext(
        engine=engine,
        client=HttpClient(settings),
        blobs=BlobStore(settings.data_dir / "blobs"),
        policy=OcrPolicy.from_settings(settings),
        provenance=provenance_for_run(str(flow_run.id) if flow_run.id else None),
    )
    meeting_actions, outcomes = [], []
    try:
        meetings = [m for m in discover_meetings_task(params.system_url, ctx.client) if in_range(m.start, params)]
        logger.info("%d meetings to bring up to date", len(meetings))
        for meeting in meetings:
            recorded = record_meeting_task(engine, meeting)
            meeting_actions.append(recorded.action)
            if meeting.deleted:
                continue
            for ref in meeting.documents:
                outcomes.append(ingest_document_task(meeting, recorded.id, ref, ctx))
    except Exception as err:
        summary = IngestSummary.from_outcomes(meeting_actions, outcomes)
        summary.status = "failed"
        summary.run_id = run_id
        close_run(engine, run_id, summary, error=str(err))
        raise
    finally:
        ctx.client.close()
    summary = IngestSummary.from_outcomes(meeting_actions, outcomes)
    summary.run_id = run_id
    close_run(engine, run_id, summary)
    publish_artifacts(summary)
    return summary


def summary_rows(summary: IngestSummary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for action, n in sorted(summary.meetings.items()):
        rows.append({"what": "meetings", "detail": action, "count": n})
    for status, n in sorted(summary.documents.items()):
        rows.append({"what": "documents", "detail": status, "count": n})
    for method, n in sorted(summary.pages_by_method.items()):
        rows.append({"what": "pages", "detail": method, "count": n})
    rows.append({"what": "agenda items", "detail": "segmented", "count": summary.agenda_items})
    return rows


def publish_artifacts(summary: IngestSummary) -> None:
    """What operators see in the UI: the run's numbers, and every failure with its reason."""
    create_table_artifact(key="ingest-summary", table=summary_rows(summary), description="What this run did")
    if summary.failures:
        lines = ["| document | kind | reason |", "|---|---|---|"]
        lines += [f"| [{f.url}]({f.url}) | {f.error_kind} | {f.error} |" for f in summary.failures]
        create_markdown_artifact(key="ingest-failures", markdown="\n".join(lines), description="Failed documents")

