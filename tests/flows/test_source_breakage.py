"""A council system that breaks its own standard: what is stored, what is recorded as failed."""

import json

import pytest
from loopback import LoopbackServer, Reply
from sqlalchemy import create_engine, text

from flows.ingest import ingest
from schemas.params import IngestParams
from storage.engine import upgrade_database
from tasks.sources.oparl import NO_FILE_URL

pytestmark = pytest.mark.usefixtures("prefect_engine")


def j(obj, status: int = 200) -> Reply:
    return Reply(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})


def meeting(base: str, n: int, file: dict | None, **extra) -> dict:
    m = {
        "id": f"{base}/meeting/{n}",
        "type": "https://schema.oparl.org/1.1/Meeting",
        "name": f"{n}. Sitzung des Kreisausschusses",
        "start": f"2023-0{n}-09T17:00:00+01:00",
        "modified": f"2023-0{n}-20T10:00:00+01:00",
        "agendaItem": [],
        **extra,
    }
    if file is not None:
        m["resultsProtocol"] = {"id": f"{base}/file/{n}", "name": "Niederschrift", **file}
    return m


@pytest.fixture
def broken_system(born_digital_corpus):
    pdf = next(born_digital_corpus.glob("*.pdf")).read_bytes()
    with LoopbackServer() as server:
        base = server.base
        meetings = [
            meeting(base, 1, {"accessUrl": f"{base}/f/1.pdf", "mimeType": "application/pdf"}),
            meeting(base, 2, {"accessUrl": f"{base}/f/2.pdf"}),  # an HTML error page with 200
            meeting(base, 3, {"accessUrl": "", "downloadUrl": ""}),  # no URL at all
            meeting(base, 4, {"downloadUrl": f"{base}/f/4.pdf"}),  # 404
            {"id": f"{base}/meeting/5", "deleted": True},  # a deleted stub without type
            # Missing type, "N/A" start, mimeType "pdf", size 0, empty downloadUrl beside a good accessUrl:
            meeting(base, 6, {"accessUrl": f"{base}/f/6.pdf", "downloadUrl": "", "mimeType": "pdf", "size": 0},
                    start="N/A", type=None),
        ]
        server.route("/system", j({"id": f"{base}/system", "body": f"{base}/bodies"}))
        server.route("/bodies", j({"data": {"id": f"{base}/body/1", "name": "Rhein-Sieg-Kreis", "meeting": f"{base}/meetings"}}))
        # A 500 burst on the first list page, then the page; page 2 is reached by links.next.
        server.route("/meetings", Reply(500), Reply(502), j({"data": meetings[:3], "links": {"next": f"{base}/meetings?page=2"}}))
        server.route("/meetings?page=2", j({"data": meetings[3:], "links": {}}))
        server.route("/f/1.pdf", Reply(200, pdf, {"Content-Type": "application/pdf"}))
        server.route("/f/2.pdf", Reply(200, b"<!DOCTYPE html><html><body>Sitzung nicht gefunden</body></html>", {"Content-Type": "application/pdf"}))
        server.route("/f/6.pdf", Reply(200, pdf, {"Content-Type": "application/octet-stream"}))
        yield server


def test_every_breakage_is_stored_or_recorded_and_the_run_completes(broken_system, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    state = ingest(IngestParams(system_url=f"{broken_system.base}/system", database_url=db_url,
                                data_dir=str(tmp_path / "data"), stale_after_days=None), return_state=True)
    summary = state.result(raise_on_failure=False)
    assert state.name == "Completed with failures" and state.is_failed()
    assert summary.status == "completed_with_failures"
    assert summary.documents == {"inserted": 2, "failed": 3}

    engine = create_engine(db_url)
    with engine.connect() as c:
        meetings = {r.external_id.rsplit("/", 1)[-1]: r for r in c.execute(text("SELECT external_id, deleted, start FROM meeting"))}
        docs = {
            r.external_id.rsplit("/", 1)[-1]: r
            for r in c.execute(text("SELECT external_id, status, error, error_kind, attempts FROM document"))
        }
    engine.dispose()
    assert sorted(meetings) == ["1", "2", "3", "4", "5", "6"]
    assert meetings["5"].deleted and not meetings["1"].deleted
    assert meetings["6"].start is None  # "N/A" is no date, and no reason to lose the meeting
    assert docs["1"].status == docs["6"].status == "ok"
    assert docs["2"].status == "failed" and "not a PDF" in docs["2"].error and docs["2"].error_kind == "document_rejected"
    assert docs["3"].status == "failed" and docs["3"].error == NO_FILE_URL
    assert docs["4"].status == "failed" and "404" in docs["4"].error
    assert all(docs[k].attempts == 1 for k in ("2", "3", "4"))
    # The 404 and the HTML page were asked for once each: permanent errors are not retried.
    assert broken_system.hits["/f/4.pdf"] == 1 and broken_system.hits["/f/2.pdf"] == 1
    # The 500 burst on the list was retried (two failures, then the page), page 2 asked for once.
    list_requests = [path for _, path, _ in broken_system.log if path.startswith("/meetings")]
    assert list_requests == ["/meetings"] * 3 + ["/meetings?page=2"]
