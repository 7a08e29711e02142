"""A failed document's stored reason names the file as the operator knows it (its name or URL), never the local blob path."""

import pytest
from sqlalchemy import create_engine, text

from demo.server import serve_in_thread
from flows.ingest import ingest
from schemas.params import IngestParams
from storage.engine import upgrade_database

pytestmark = pytest.mark.usefixtures("prefect_engine")


def stored_failures(db_url: str) -> dict[str, dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        found = c.execute(text("SELECT m.external_id, d.url, d.status, d.error, d.error_kind FROM document d "
                               "JOIN meeting m ON m.id = d.meeting_id WHERE d.status = 'failed'"))
        result = {r.external_id.rstrip("/").rsplit("/", 1)[-1]: dict(r._mapping) for r in found}
    engine.dispose()
    return result


def test_truncated_and_empty_downloads_are_stored_failed_with_the_url_and_no_blob_path(born_digital_corpus, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    with serve_in_thread(born_digital_corpus, page_size=3) as server:
        truncated, empty = server.corpus.meetings[0], server.corpus.meetings[1]
        whole = (born_digital_corpus / truncated.pdf).read_bytes()
        server.replace_pdf(truncated.id, whole[: len(whole) // 2])
        server.replace_pdf(empty.id, b"")
        state = ingest(IngestParams(system_url=server.url, database_url=db_url, data_dir=str(tmp_path / "data")),
                       return_state=True)

    summary = state.result(raise_on_failure=False)
    assert summary.documents == {"inserted": 2, "failed": 2}
    failures = stored_failures(db_url)
    assert set(failures) == {truncated.id, empty.id}
    cut = failures[truncated.id]
    assert cut["error"] == f"truncated PDF: {truncated.pdf} has no %%EOF trailer (download cut short?)"
    assert cut["url"].endswith(f"/{truncated.pdf}")
    assert failures[empty.id]["error"] == f"{failures[empty.id]['url']} is empty (0 bytes, Content-Type application/pdf): the server sent no file"
    for failure in failures.values():
        assert failure["error_kind"] == "document_rejected"
        assert "sha256" not in failure["error"] and str(tmp_path) not in failure["error"]
