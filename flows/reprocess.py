"""The `reprocess` flow: extraction, normalisation and segmentation again on stored blobs.

For a new segmenter or normaliser: nothing is downloaded, and pages of unchanged content come
from the extraction cache instead of Tesseract unless `refresh_pages` asks for OCR again.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.runtime import flow_run

from schemas.params import ReprocessParams
from schemas.secrets import redacted_values
from storage.selection import select_stored_documents
from tasks.document import reprocess_document_task
from tasks.run.context import document_task_runner, open_pipeline
from tasks.run.record import recorded_run
from tasks.run.report import RunProgress, current_flow_run_id, final_state, run_name, source_slug

NOTHING_SELECTED = "the filter selects no stored documents: nothing was reprocessed (check source, dates, ids)"


def reprocess_run_name() -> str:
    params = ReprocessParams.model_validate(flow_run.parameters["params"])
    subject = source_slug(params.source) if params.source else "all"
    return run_name("reprocess", subject)


@flow(name="reprocess", flow_run_name=reprocess_run_name, task_runner=document_task_runner())
def reprocess(params: ReprocessParams):
    """Re-run the text and segmentation stages on the stored documents the filter selects."""
    logger = get_run_logger()
    flow_run_id = current_flow_run_id()
    ctx = open_pipeline(params, flow_run_id)
    try:
        with recorded_run(ctx.engine, flow_run_id=flow_run_id, flow_name="reprocess", source=params.source,
                          params=redacted_values(params.model_dump(mode="json")), artifact_key="reprocess") as run:
            documents = select_stored_documents(
                ctx.engine, source=params.source, start_from=params.start_from, start_to=params.start_to,
                document_ids=params.document_ids, segmenter_older_than=params.segmenter_older_than, limit=params.limit,
            )
            logger.info("%d stored documents to reprocess", len(documents))
            if not documents:
                logger.warning(NOTHING_SELECTED)
            progress = RunProgress("documents", len(documents), key="reprocess-progress")
            futures = [reprocess_document_task.submit(doc, ctx, refresh_pages=params.refresh_pages) for doc in documents]
            for future in as_completed(futures):
                run.outcomes.append(future.result(raise_on_failure=False))  # a failed document's state holds its outcome
                progress.advance()
            if not documents:
                run.summary = run.final_summary()
                run.summary.warnings.append(NOTHING_SELECTED)
    finally:
        ctx.close()
    return final_state(run.summary)
