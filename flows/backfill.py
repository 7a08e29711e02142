"""The `backfill` flow: a date range of one source, chunk by chunk, each chunk a child `sync` run.

Resumable and idempotent: chunks run with `skip_current`, so documents already stored by this
pipeline version are not even asked for again, and everything is an upsert. A document that
fails is reported and skipped; a chunk that fails (source down) is reported and the range
goes on; a re-run picks up both.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.sync import sync
from schemas.errors import ExitCode, RatsflowError
from schemas.params import BackfillParams, ChunkFailure, IngestSummary, SyncParams
from schemas.secrets import redacted_url, redacted_values
from tasks.run.chunks import date_chunks
from tasks.run.context import open_pipeline
from tasks.run.record import recorded_run
from tasks.run.report import (
    RunProgress,
    current_flow_run_id,
    did_its_work,
    final_state,
    rename_flow_run,
    run_name,
    source_slug,
)


def backfill_run_name() -> str:
    params = BackfillParams.model_validate(flow_run.parameters["params"])
    return run_name("backfill", source_slug(params.system_url, params.label), params.start_from, params.start_to)


def chunk_params(params: BackfillParams, start_from, start_to) -> SyncParams:
    """A chunk is a sync of part of the range; no staleness alarm, since old ranges are old by design."""
    return SyncParams(
        system_url=params.system_url, kind=params.kind, label=params.label, database_url=params.database_url,
        data_dir=params.data_dir, start_from=start_from, start_to=start_to, skip_current=True, stale_after_days=None,
    )


@flow(name="backfill", flow_run_name=backfill_run_name)
def backfill(params: BackfillParams):
    """Ingest the meetings that start in a date range, one child run per chunk."""
    logger = get_run_logger()
    flow_run_id = current_flow_run_id()
    subject = source_slug(params.system_url, params.label)
    ctx = open_pipeline(params, flow_run_id)
    ctx.close()  # only the engine is needed here; the chunks open their own
    with recorded_run(ctx.engine, flow_run_id=flow_run_id, flow_name="backfill", source=redacted_url(params.system_url),
                      params=redacted_values(params.model_dump(mode="json")), artifact_key=f"backfill-{subject}") as run:
        chunks = date_chunks(params.start_from, params.start_to, params.chunk)
        progress = RunProgress("chunks", len(chunks), key=f"backfill-{subject}-progress")
        parts: list[IngestSummary] = []
        failed_chunks: list[ChunkFailure] = []
        for chunk in chunks:
            child = sync.with_options(flow_run_name=run_name("sync", subject, chunk.start_from, chunk.start_to))
            state = child(chunk_params(params, chunk.start_from, chunk.start_to), return_state=True)
            if did_its_work(state):
                parts.append(state.result(raise_on_failure=False))
                if not params.label and parts[-1].body and subject == source_slug(params.system_url):
                    # The source named its body: later chunks and this run are named after it.
                    subject = source_slug(params.system_url, parts[-1].body)
                    rename_flow_run(run_name("backfill", subject, params.start_from, params.start_to))
                    run.artifact_key = f"backfill-{subject}"
            else:
                logger.warning("chunk %s did not complete (%s): %s", chunk.label, state.name, state.message)
                failed_chunks.append(chunk_failure(chunk.label, state))
            progress.advance()
        summary = IngestSummary.combined(parts)
        summary.failed_chunks = failed_chunks
        if failed_chunks:
            summary.status = "completed_with_failures"
        run.summary = summary
    return final_state(run.summary)


def chunk_failure(label: str, state) -> ChunkFailure:
    """Why a chunk did not run, with the exit code of its error (a source that is down, most often)."""
    error = state.result(raise_on_failure=False)
    if isinstance(error, RatsflowError):
        return ChunkFailure(label=label, error=str(error), exit_code=error.exit_code)
    return ChunkFailure(label=label, error=f"{state.name}: {state.message}", exit_code=ExitCode.internal_error)
