"""The whole path, for real: sample OParl server on loopback → Prefect flow → SQLite."""

import difflib
import json
import re

import pytest
from sqlalchemy import create_engine, text

from demo.server import serve_in_thread
from flows.ingest import ingest
from schemas.params import IngestParams
from storage.engine import upgrade_database

pytestmark = pytest.mark.usefixtures("prefect_engine")


def fold(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def rows(db_url: str, sql: str, **params) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        result = [dict(r._mapping) for r in c.execute(text(sql), params)]
    engine.dispose()
    return result


@pytest.fixture(scope="module")
def ingested(sample_corpus, tmp_path_factory):
    """One server and one database for the module: first run, then the tests read and re-run."""
    work = tmp_path_factory.mktemp("ingest")
    db_url = f"sqlite:///{work / 'ratsflow.db'}"
    upgrade_database(db_url)
    with serve_in_thread(sample_corpus, page_size=3) as server:
        params = IngestParams(system_url=server.url, database_url=db_url, data_dir=str(work / "data"))
        summary = ingest(params)
        yield {"server": server, "db": db_url, "params": params, "summary": summary, "corpus": sample_corpus}


def truth(corpus, meeting_id: str) -> dict:
    return json.loads((corpus / f"{meeting_id}.truth.json").read_text(encoding="utf-8"))


def test_every_sample_meeting_arrives_with_its_minutes_and_items(ingested):
    corpus = json.loads((ingested["corpus"] / "corpus.json").read_text(encoding="utf-8"))
    meetings = rows(ingested["db"], "SELECT id, external_id, name, body, organization FROM meeting")
    assert len(meetings) == len(corpus["meetings"]) >= 8
    assert all(m["body"] == "Rhein-Sieg-Kreis" and m["organization"] for m in meetings)
    documents = rows(ingested["db"], "SELECT status, error, page_count FROM document")
    assert [d["status"] for d in documents] == ["ok"] * len(corpus["meetings"]), documents
    # The paging of the sample system really happened (page size 3).
    assert any("page=" in path for _, path, _ in ingested["server"].requests)

    for meeting in meetings:
        meeting_key = meeting["external_id"].rstrip("/").rsplit("/", 1)[-1]
        expected = [i for i in truth(ingested["corpus"], meeting_key)["items"] if i["in_record"]]
        stored = rows(
            ingested["db"],
            "SELECT number, title, text FROM agenda_item WHERE meeting_id = :m ORDER BY position",
            m=meeting["id"],
        )
        assert [s["number"] for s in stored] == [e["number"] for e in expected], meeting_key
        for s, e in zip(stored, expected):
            assert fold(s["title"]) == fold(e["title"])
            similarity = difflib.SequenceMatcher(None, fold(s["text"]), fold(e["text"])).ratio()
            assert similarity > 0.97, (meeting_key, e["number"], similarity)


def test_all_three_kinds_of_pdf_took_their_own_path(ingested):
    methods = {r["method"]: r["n"] for r in rows(ingested["db"], "SELECT method, COUNT(*) AS n FROM page GROUP BY method")}
    assert set(methods) == {"text_layer", "ocr", "ocr_redo"}
    assert ingested["summary"].pages_by_method == methods


def test_a_scanned_page_is_ocred_with_german_umlauts_intact(ingested):
    corpus = json.loads((ingested["corpus"] / "corpus.json").read_text(encoding="utf-8"))
    scans = [m["id"] for m in corpus["meetings"] if m["kind"] != "born_digital"]
    assert scans
    for meeting_key in scans:
        expected = " ".join(truth(ingested["corpus"], meeting_key)["pages"])
        umlaut_words = set(re.findall(r"\w*[äöüÄÖÜß]\w*", expected))
        stored = " ".join(
            r["text"]
            for r in rows(
                ingested["db"],
                "SELECT p.text FROM page p JOIN document d ON d.id = p.document_id "
                "JOIN meeting m ON m.id = d.meeting_id WHERE m.external_id LIKE :k AND p.method != 'text_layer'",
                k=f"%/{meeting_key}",
            )
        )
        found = {w for w in umlaut_words if w in stored}
        assert len(found) / len(umlaut_words) >= 0.97, sorted(umlaut_words - found)


def test_second_run_downloads_nothing_and_adds_no_rows(ingested):
    counts = "SELECT (SELECT COUNT(*) FROM meeting) m, (SELECT COUNT(*) FROM document) d, (SELECT COUNT(*) FROM page) p, (SELECT COUNT(*) FROM agenda_item) a"
    before = rows(ingested["db"], counts)
    server = ingested["server"]
    already = len(server.requests)
    # Incremental: the meeting list is asked only for what changed since the watermark ...
    summary = ingest(ingested["params"])
    assert rows(ingested["db"], counts) == before
    assert summary.documents.get("inserted", 0) == summary.documents.get("updated", 0) == 0
    asked = server.requests[already:]
    assert any("modified_since" in path for _, path, _ in asked)
    assert not [path for _, path, status in asked if path.endswith(".pdf") and status == 200]
    # ... and a full listing asks for every PDF again, conditionally, and downloads none.
    already = len(server.requests)
    summary = ingest(ingested["params"].model_copy(update={"incremental": False}))
    assert rows(ingested["db"], counts) == before
    assert summary.documents == {"unchanged": before[0]["d"]}
    pdf_answers = [status for _, path, status in server.requests[already:] if path.endswith(".pdf")]
    assert len(pdf_answers) == before[0]["d"] and set(pdf_answers) == {304}
    runs = rows(ingested["db"], "SELECT status FROM ingest_run ORDER BY id")
    assert [r["status"] for r in runs] == ["completed"] * 3


def test_changed_pdf_becomes_a_new_version_and_the_old_one_stays(ingested):
    server, db = ingested["server"], ingested["db"]
    born = [m for m in server.corpus.meetings if m.kind == "born_digital"]
    changed, donor = born[1], born[2]
    server.replace_pdf(changed.id, (ingested["corpus"] / donor.pdf).read_bytes())
    summary = ingest(ingested["params"])
    assert summary.documents.get("inserted") == 1
    where = "JOIN meeting m ON m.id = d.meeting_id WHERE m.external_id LIKE :k"
    versions = rows(db, f"SELECT v.id, v.sha256 FROM document_version v JOIN document d ON d.id = v.document_id {where} ORDER BY v.id", k=f"%/{changed.id}")
    assert len(versions) == 2
    old, new = versions
    # The old version, its pages and its items are still there ...
    assert rows(db, "SELECT COUNT(*) AS n FROM page WHERE version_id = :v", v=old["id"])[0]["n"] > 0
    old_titles = [r["title"] for r in rows(db, "SELECT title FROM agenda_item WHERE version_id = :v ORDER BY position", v=old["id"])]
    assert old_titles
    # ... while the current views show only the new one.
    current = rows(db, "SELECT DISTINCT version_id FROM agenda_item_current a JOIN meeting m ON m.id = a.meeting_id WHERE m.external_id LIKE :k", k=f"%/{changed.id}")
    assert current == [{"version_id": new["id"]}]
    [doc] = rows(db, f"SELECT d.sha256 FROM document d {where}", k=f"%/{changed.id}")
    assert doc["sha256"] == new["sha256"] != old["sha256"]


def test_a_broken_pdf_is_recorded_as_failed_and_the_run_goes_on(ingested):
    server = ingested["server"]
    victim = server.corpus.meetings[0].id
    server.replace_pdf(victim, b"<!DOCTYPE html><html><body>Fehler 500</body></html>")
    state = ingest(ingested["params"], return_state=True)
    summary = state.result(raise_on_failure=False)
    assert state.name == "Completed with failures" and summary.status == "completed_with_failures"
    assert summary.documents.get("failed") == 1
    [failed] = rows(
        ingested["db"],
        "SELECT d.status, d.error, d.error_kind, d.attempts FROM document d JOIN meeting m ON m.id = d.meeting_id "
        "WHERE m.external_id LIKE :k",
        k=f"%/{victim}",
    )
    assert failed["status"] == "failed" and "not a PDF" in failed["error"]
    assert failed["error_kind"] == "document_rejected"
    others = rows(ingested["db"], "SELECT COUNT(*) AS n FROM document WHERE status = 'ok'")
    assert others[0]["n"] == len(server.corpus.meetings) - 1
    # What was stored before the breakage is still there.
    kept = rows(
        ingested["db"],
        "SELECT COUNT(*) AS n FROM agenda_item a JOIN meeting m ON m.id = a.meeting_id WHERE m.external_id LIKE :k",
        k=f"%/{victim}",
    )
    assert kept[0]["n"] > 0
