"""Every flow closes its `ingest_run` row on every way out: a failure mid-run leaves no `running` row.

The failure is injected into a step the flow calls after it opened its row (the real step is
replaced for this one test), so what is checked is the flow's own bookkeeping under the real engine.
"""

import json

import pytest
from sqlalchemy import create_engine, text

import flows.backfill
import flows.ingest_document
import flows.reprocess
import flows.sync
from schemas.params import BackfillParams, IngestDocumentParams, IngestSummary, ReprocessParams, SyncParams
from storage.engine import create_db_engine
from tasks.run.record import recorded_run

INJECTED = "injected failure in the middle of the run"


def injected(*args, **kwargs):
    raise RuntimeError(INJECTED)


def run_rows(db_url: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        found = [dict(r._mapping) for r in c.execute(text("SELECT * FROM ingest_run ORDER BY id"))]
    engine.dispose()
    return found


def assert_closed_as_failed(db_url: str, flow_name: str) -> None:
    [row] = [r for r in run_rows(db_url) if r["flow_name"] == flow_name]
    assert row["status"] == "failed"
    assert row["finished_at"] is not None
    assert INJECTED in row["error"]


@pytest.mark.usefixtures("prefect_engine")
@pytest.mark.parametrize(
    ("flow_name", "module", "step", "call"),
    [
        ("sync", flows.sync, "record_meeting",
         lambda server, store: flows.sync.sync(SyncParams(system_url=server.url, **store))),
        ("backfill", flows.backfill, "chunk_params",
         lambda server, store: flows.backfill.backfill(
             BackfillParams(system_url=server.url, start_from="2016-01-01", start_to="2016-12-31", **store))),
        ("reprocess", flows.reprocess, "select_stored_documents",
         lambda server, store: flows.reprocess.reprocess(ReprocessParams(**store))),
        ("ingest-document", flows.ingest_document, "record_meeting",
         lambda server, store: flows.ingest_document.ingest_document(
             IngestDocumentParams(location=f"{server.base_url}/files/{server.corpus.meetings[0].pdf}", **store))),
    ],
    ids=["sync", "backfill", "reprocess", "ingest-document"],
)
def test_a_flow_that_raises_mid_run_closes_its_run_row_as_failed(monkeypatch, server, store, flow_name, module, step, call):
    monkeypatch.setattr(module, step, injected)
    with pytest.raises(RuntimeError, match=INJECTED):
        call(server, store)
    assert_closed_as_failed(store["database_url"], flow_name)


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_a_cancelled_run_is_closed_as_cancelled_or_failed_never_left_running(store, interruption):
    engine = create_db_engine(store["database_url"])
    try:
        with pytest.raises(interruption), recorded_run(
            engine, flow_run_id=None, flow_name="sync", source="x", params={}, artifact_key="sync-x"
        ) as run:
            run.meeting_actions.append("inserted")
            raise interruption()
    finally:
        engine.dispose()
    [row] = run_rows(store["database_url"])
    assert row["status"] == ("cancelled" if interruption is KeyboardInterrupt else "failed")
    assert row["finished_at"] is not None
    assert json.loads(row["counts"])["meetings"] == {"inserted": 1}


def test_a_normal_exit_closes_the_row_with_the_flows_summary(store):
    engine = create_db_engine(store["database_url"])
    try:
        with recorded_run(engine, flow_run_id=None, flow_name="reprocess", source=None, params={}, artifact_key="r") as run:
            run.summary = IngestSummary(status="completed_with_failures", warnings=["one chunk failed"])
    finally:
        engine.dispose()
    [row] = run_rows(store["database_url"])
    assert row["status"] == "completed_with_failures"
    assert row["error"] is None and row["finished_at"] is not None
    assert run.summary.run_id == row["id"]
