"""The example queries in docs/DATABASE.md run, on the database they are written for, and find something."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from storage_samples import document_ref, fetched_blob, kim_minutes, provenance, source_meeting

from storage.repository import record_document_failure, store_document_version, upsert_document, upsert_meeting

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATABASE.md"
COMMITTEE_URL = "https://ris.example.de/oparl/v1/organization/7"
SQL_BLOCK = re.compile(r"```sql\n-- (both|sqlite|postgresql)\n(.*?)```", re.S)


def test_every_example_query_returns_rows(engine):
    meeting = upsert_meeting(engine, source_meeting(organization_url=COMMITTEE_URL))
    document = upsert_document(engine, meeting.id, document_ref())
    pages, items = kim_minutes()
    items.warnings = ["missing item number(s) between 2 and 4"]
    pages.pages[1] = pages.pages[1].model_copy(update={"method": "ocr", "confidence": 41.0, "low_confidence": True})
    store_document_version(engine, document.id, meeting.id, fetched_blob(b"v1"), pages, items, provenance())
    broken = upsert_document(engine, meeting.id, document_ref(2))
    record_document_failure(engine, broken.id, "https://ris.example.de/files/2 is not a PDF", "document_rejected")
    params = {"meeting_id": meeting.id, "document_id": document.id, "organization": source_meeting().organization,
              "organization_url": COMMITTEE_URL}

    blocks = SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    mine = [sql for dialect, sql in blocks if dialect in ("both", engine.dialect.name)]
    assert len(blocks) >= 9 and len(mine) >= 8
    with engine.connect() as connection:
        for sql in mine:
            statement = text(sql.strip().rstrip(";"))
            used = {name: value for name, value in params.items() if f":{name}" in sql}
            result = connection.execute(statement, used).all()
            assert result, f"no rows from:\n{sql}"
            if "Integrationskonzept" in sql:
                assert result[0].title == "Integrationskonzept 2016"
