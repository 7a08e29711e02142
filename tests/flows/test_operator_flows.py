"""sync, backfill, reprocess and ingest_document under the Prefect engine, on born-digital samples.

What an operator sees is read back from the Prefect API: run names, state names, child runs,
artifacts and events.
"""

import json
import time

import pytest
from sqlalchemy import create_engine, text

from flows.backfill import backfill
from flows.ingest_document import ingest_document
from flows.reprocess import reprocess
from flows.sync import sync
from schemas.params import BackfillParams, IngestDocumentParams, ReprocessParams, SyncParams
from tasks.run.report import source_slug
from tasks.segment import SEGMENTER_VERSION

pytestmark = pytest.mark.usefixtures("prefect_engine")

COUNTS = (
    "SELECT (SELECT COUNT(*) FROM meeting) m, (SELECT COUNT(*) FROM document) d, "
    "(SELECT COUNT(*) FROM document_version) v, (SELECT COUNT(*) FROM page) p, (SELECT COUNT(*) FROM agenda_item) a"
)


def rows(db_url: str, sql: str, **params) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        result = [dict(r._mapping) for r in c.execute(text(sql), params)]
    engine.dispose()
    return result


def prefect_client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def flow_run_by_id(run_id: str):
    from uuid import UUID

    with prefect_client() as client:
        return client.read_flow_run(UUID(run_id))


def artifacts_of(run_id: str) -> dict:
    from uuid import UUID

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with prefect_client() as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]))
        )
    return {a.key: json.loads(a.data) if a.type == "table" else a.data for a in found}


def last_run_row(db_url: str, flow_name: str) -> dict:
    return rows(db_url, "SELECT * FROM ingest_run WHERE flow_name = :f ORDER BY id DESC LIMIT 1", f=flow_name)[0]


def test_sync_reports_its_numbers_as_artifacts_and_warns_about_a_stale_source(server, store):
    state = sync(SyncParams(system_url=server.url, stale_after_days=365, **store), return_state=True)
    summary = state.result()
    db = store["database_url"]
    # The sample's newest meeting is from 2023: more than a year old, so the run warns, yet completes.
    assert state.is_completed() and state.name == "Completed with warnings"
    assert summary.warnings and "days old (2023-03-09)" in summary.warnings[0]
    assert summary.meetings == {"inserted": 4}
    assert summary.documents == {"inserted": 4}
    pages = rows(db, "SELECT COUNT(*) AS n FROM page")[0]["n"]
    assert summary.pages_by_method == {"text_layer": pages} and pages == 17
    assert summary.agenda_items == rows(db, "SELECT COUNT(*) AS n FROM agenda_item")[0]["n"] > 0

    run = last_run_row(db, "sync")
    flow_run = flow_run_by_id(run["flow_run_id"])
    assert flow_run.name == f"sync-rhein-sieg-kreis-{time.strftime('%Y-%m-%d')}"
    assert flow_run.state.name == "Completed with warnings"
    artifacts = artifacts_of(run["flow_run_id"])
    table = {(r["what"], r["detail"]): r["count"] for r in artifacts["sync-rhein-sieg-kreis-summary"]}
    assert table[("meetings", "inserted")] == 4
    assert table[("documents", "inserted")] == 4
    assert table[("pages", "text_layer")] == 17
    assert table[("pages", "without text")] == 0
    assert table[("agenda items", "segmented")] == summary.agenda_items
    assert "2023-03-09" in artifacts["sync-rhein-sieg-kreis-warnings"]

    from prefect.events.filters import EventFilter, EventNameFilter

    for _ in range(50):  # events reach the server asynchronously
        with prefect_client() as client:
            page = client.read_events(filter=EventFilter(event=EventNameFilter(name=["ratsflow.source.stale"])), limit=50)
        stale = [e for e in page.events if e.payload.get("source") == server.url]
        if stale:
            break
        time.sleep(0.2)
    assert stale and stale[0].resource.id == "ratsflow.source.rhein-sieg-kreis"


def test_a_failed_document_is_listed_with_its_reason_and_a_fresh_source_does_not_warn(server, store, born_digital_corpus):
    victim = server.corpus.meetings[1].id
    original = (born_digital_corpus / f"{victim}.pdf").read_bytes()
    server.replace_pdf(victim, b"%PDF-1.4 truncated")
    try:
        state = sync(SyncParams(system_url=server.url, stale_after_days=None, **store), return_state=True)
    finally:
        server.replace_pdf(victim, original)
    summary = state.result(raise_on_failure=False)
    # Not green: the run did its work, but not all of it, and says so in its state's name.
    assert state.name == "Completed with failures" and state.is_failed() and summary.warnings == []
    assert summary.documents == {"inserted": 3, "failed": 1}
    [failure] = summary.failures
    assert failure.error_kind == "document_rejected" and "truncated PDF" in failure.error
    run = last_run_row(store["database_url"], "sync")
    assert run["status"] == "completed_with_failures"
    report = artifacts_of(run["flow_run_id"])["sync-rhein-sieg-kreis-failures"]
    assert victim in report and "truncated PDF" in report and "document\\_rejected" in report
    assert f"{victim}.pdf" in report and "blobs/sha256" not in report  # the file's name, never the local blob

    # The failed document is a Failed task run named after its meeting and file; the others are Completed.
    from uuid import UUID

    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with prefect_client() as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(run["flow_run_id"])])))
    documents = {t.name: t.state for t in tasks if t.name.startswith("document-")}
    assert len(documents) == 4, sorted(t.name for t in tasks)
    [failed_task] = [name for name, state in documents.items() if state.is_failed()]
    assert failed_task.endswith(f"-{victim}.pdf") and "truncated PDF" in documents[failed_task].message
    assert not [t.name for t in tasks if t.name.startswith("discover-None")]
    assert [t.name for t in tasks if t.name.startswith("discover-")] == [f"discover-oparl-{source_slug(server.url)}"]
    assert f"fetch-{victim}.pdf" in {t.name for t in tasks}


def test_the_failures_artifact_escapes_what_a_reason_quotes():
    from schemas.params import DocumentOutcome, IngestSummary
    from tasks.run.report import failures_markdown

    reason = "not a PDF (starts with '<!DOCTYPE html><script>alert(1)</script>|x', /srv/data/blobs/sha256/ab/cd/" + "a" * 64 + ".pdf)"
    summary = IngestSummary(failures=[DocumentOutcome(meeting="m-1", url="https://rat.example.de/files/Nieder schrift.pdf",
                                                      status="failed", error=reason, error_kind="document_rejected")])
    table = failures_markdown(summary)
    row = table.splitlines()[-1]
    assert "<script>" not in table and "&lt;script&gt;" in row
    assert row.count(" | ") == 3  # the | inside the reason does not open a column
    assert "blobs/sha256" not in row and "Nieder schrift.pdf" in row
    assert "(<https://rat.example.de/files/Nieder schrift.pdf>)" in row


def test_backfill_runs_chunks_as_child_runs_and_a_second_backfill_skips_them(server, store):
    params = BackfillParams(system_url=server.url, label="Rhein-Sieg-Kreis", start_from="2016-01-01", start_to="2017-12-31",
                            chunk="year", **store)
    summary = backfill(params)
    db = store["database_url"]
    assert summary.documents == {"inserted": 3}  # 2016-06-20, 2016-06-27, 2017-09-14; 2023 is outside
    parent = last_run_row(db, "backfill")
    chunks = rows(db, "SELECT params, status, flow_run_id FROM ingest_run WHERE flow_name = 'sync' ORDER BY id")
    chunk_params = [json.loads(c["params"]) for c in chunks]
    assert [(p["start_from"], p["start_to"]) for p in chunk_params] == [
        ("2016-01-01", "2016-12-31"), ("2017-01-01", "2017-12-31")]

    from uuid import UUID

    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with prefect_client() as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(parent["flow_run_id"])])))
    assert sorted(c.name for c in children) == [
        "sync-rhein-sieg-kreis-2016-01-01-2016-12-31", "sync-rhein-sieg-kreis-2017-01-01-2017-12-31"]
    assert {str(c.id) for c in children} == {c["flow_run_id"] for c in chunks}
    artifacts = artifacts_of(parent["flow_run_id"])
    assert artifacts["backfill-rhein-sieg-kreis-progress"] == 100.0

    before = rows(db, COUNTS)
    pdfs_before = sum(1 for _, path, _ in server.requests if path.endswith(".pdf"))
    again = backfill(params)
    assert again.documents == {"skipped": 3}
    assert rows(db, COUNTS) == before
    assert sum(1 for _, path, _ in server.requests if path.endswith(".pdf")) == pdfs_before


def test_a_backfill_of_the_whole_range_then_an_incremental_sync_downloads_nothing_and_adds_nothing(server, store):
    backfill(BackfillParams(system_url=server.url, start_from="2016-01-01", start_to="2023-12-31", chunk="year", **store))
    db = store["database_url"]
    # Without a label, the run and its chunks are named after the body the source names, not its host.
    from uuid import UUID

    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    parent = last_run_row(db, "backfill")
    assert flow_run_by_id(parent["flow_run_id"]).name == "backfill-rhein-sieg-kreis-2016-01-01-2023-12-31"
    with prefect_client() as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(parent["flow_run_id"])])))
    assert len(children) == 8 and all(c.name.startswith("sync-rhein-sieg-kreis-") for c in children)
    assert "backfill-rhein-sieg-kreis-summary" in artifacts_of(parent["flow_run_id"])
    before = rows(db, COUNTS)
    assert before[0]["d"] == len(server.corpus.meetings)
    already = len(server.requests)
    first = sync(SyncParams(system_url=server.url, stale_after_days=None, **store))  # no watermark yet: lists in full
    second = sync(SyncParams(system_url=server.url, stale_after_days=None, **store))  # incremental
    assert rows(db, COUNTS) == before
    assert first.documents == {"unchanged": len(server.corpus.meetings)}
    # Incremental: only what changed within the overlap window (a day before the watermark) is listed again.
    assert set(second.documents) <= {"unchanged"} and sum(second.documents.values()) < len(server.corpus.meetings)
    answered = server.requests[already:]
    assert not [p for _, p, status in answered if p.endswith(".pdf") and status == 200]
    assert any("modified_since" in p for _, p, _ in answered)


def test_reprocess_works_from_stored_blobs_without_asking_the_source(server, store):
    db = store["database_url"]
    sync(SyncParams(system_url=server.url, stale_after_days=None, **store))
    before = rows(db, COUNTS)
    items_before = rows(db, "SELECT document_id, number, title, text FROM agenda_item ORDER BY id")
    requests_before = len(server.requests)
    # Pretend an older segmenter made two of the versions: only those are selected.
    engine = create_engine(db)
    with engine.begin() as c:
        c.execute(text("UPDATE document_version SET segmenter_version = '0.9' WHERE document_id IN (1, 2)"))
        c.execute(text("UPDATE agenda_item SET text = 'kaputt' WHERE document_id = 1"))
    engine.dispose()

    summary = reprocess(ReprocessParams(segmenter_older_than="1.0", **store))
    assert len(server.requests) == requests_before  # nothing downloaded, nothing even asked
    assert summary.documents == {"updated": 2}
    assert sum(summary.pages_by_method.values()) == 8
    assert rows(db, COUNTS) == before  # same versions, same pages and items: no duplicates
    assert rows(db, "SELECT document_id, number, title, text FROM agenda_item ORDER BY id") == items_before
    versions = rows(db, "SELECT DISTINCT segmenter_version AS v FROM document_version")
    assert [v["v"] for v in versions] == [SEGMENTER_VERSION]
    # Nothing older left: a second reprocess with the same filter finds nothing to do.
    assert reprocess(ReprocessParams(segmenter_older_than="1.0", **store)).documents == {}


def test_ingest_document_takes_a_local_file_and_a_url(server, store, born_digital_corpus):
    meeting = server.corpus.meetings[2]
    local = born_digital_corpus / meeting.pdf
    summary = ingest_document(IngestDocumentParams(location=str(local), body="Rhein-Sieg-Kreis", **store))
    assert summary.documents == {"inserted": 1} and summary.pages_by_method == {"text_layer": meeting.pages}
    db = store["database_url"]
    [stored] = rows(db, "SELECT m.body, m.start, d.url, d.status FROM meeting m JOIN document d ON d.meeting_id = m.id")
    # Midnight in Berlin (the day from the file name), stored in UTC.
    assert stored["body"] == "Rhein-Sieg-Kreis" and str(stored["start"]).startswith("2017-09-13 22:00")
    assert stored["url"] == local.resolve().as_uri() and stored["status"] == "ok"
    # The same file again is unchanged; the same content by URL is a second document with the same blob.
    assert ingest_document(IngestDocumentParams(location=str(local), **store)).documents == {"unchanged": 1}
    by_url = ingest_document(IngestDocumentParams(location=f"{server.base_url}/files/{meeting.pdf}", **store))
    assert by_url.documents == {"inserted": 1}, by_url.failures
    documents = rows(db, "SELECT url, sha256, status FROM document ORDER BY id")
    assert [d["status"] for d in documents] == ["ok", "ok"]
    assert documents[0]["sha256"] == documents[1]["sha256"] == meeting.sha256
    # A URL that is not there fails the document with its reason, the flow still completes.
    state = ingest_document(IngestDocumentParams(location=f"{server.base_url}/files/missing.pdf", **store), return_state=True)
    gone = state.result(raise_on_failure=False)
    assert state.name == "Completed with failures"
    assert gone.documents == {"failed": 1} and "404" in gone.failures[0].error


def test_a_pipeline_context_travels_to_another_process_as_its_settings(store):
    import pickle

    from tasks.run.context import open_pipeline

    ctx = open_pipeline(ReprocessParams(**store), "run-1", skip_current=True)
    copy = pickle.loads(pickle.dumps(ctx))
    assert copy.engine.url == ctx.engine.url and copy.blobs.root == ctx.blobs.root
    assert copy.provenance == ctx.provenance and copy.skip_current is True
    ctx.close()
    copy.close()


def test_reprocess_on_a_local_dask_cluster(server, store):
    from tasks.run.context import dask_task_runner

    db = store["database_url"]
    sync(SyncParams(system_url=server.url, stale_after_days=None, **store))
    before = rows(db, COUNTS)
    runner = dask_task_runner("local", processes=False)
    summary = reprocess.with_options(task_runner=runner)(ReprocessParams(document_ids=[3, 4], **store))
    assert summary.documents == {"unchanged": 2}
    assert rows(db, COUNTS) == before


def test_downloads_hold_a_slot_of_the_hosts_global_concurrency_limit_when_one_exists(server, store):
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.events.filters import EventFilter, EventNameFilter

    from tasks.run.politeness import existing_host_limits

    url = f"{server.base_url}/files/{server.corpus.meetings[0].pdf}"
    assert existing_host_limits([url]) == {}  # no limit yet: fetching goes on without one
    with prefect_client() as client:
        limit_id = client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="ratsflow-host-127.0.0.1", limit=1))
    try:
        assert set(existing_host_limits([url])) == {"ratsflow-host-127.0.0.1"}
        assert ingest_document(IngestDocumentParams(location=url, **store)).documents == {"inserted": 1}
        for _ in range(50):
            with prefect_client() as client:
                page = client.read_events(
                    filter=EventFilter(event=EventNameFilter(name=["prefect.concurrency-limit.acquired"])), limit=50)
            acquired = [e for e in page.events if e.resource.id == f"prefect.concurrency-limit.{limit_id}"]
            if acquired:
                break
            time.sleep(0.2)
        assert acquired
        with prefect_client() as client:
            assert client.read_global_concurrency_limit_by_name("ratsflow-host-127.0.0.1").active_slots == 0
    finally:
        with prefect_client() as client:
            client.delete_global_concurrency_limit_by_name("ratsflow-host-127.0.0.1")
