"""A separate OS process for test_store_concurrency: stores the same meetings, documents and
versions as its twin at the same moment and prints what each upsert reported, as JSON lines.

usage: python concurrent_writer.py DATABASE_URL START_AT_EPOCH MEETINGS
"""

from __future__ import annotations

import json
import sys
import time

from storage_samples import document_ref, extracted, fetched_blob, provenance, seed, segmentation, source_meeting

from storage.engine import create_db_engine
from storage.repository import store_document_version, upsert_document, upsert_meeting


def main(url: str, start_at: float, meetings: int) -> None:
    engine = create_db_engine(url)
    pages = extracted([seed("002"), seed("004")])
    items = segmentation([("1", "KIM", seed("002")), ("2", "Integrationskonzept", seed("004"))])
    time.sleep(max(0.0, start_at - time.time()))  # both processes start writing together
    started = time.time()
    for n in range(meetings):
        meeting = upsert_meeting(engine, source_meeting(n))
        print(json.dumps(["meeting", n, meeting.action]), flush=True)
        document = upsert_document(engine, meeting.id, document_ref(n))
        print(json.dumps(["document", n, document.action]), flush=True)
        for content in (f"{n}-v1", f"{n}-v2"):
            version = store_document_version(
                engine, document.id, meeting.id, fetched_blob(content.encode()), pages, items, provenance()
            )
            print(json.dumps(["version", content, version.action]), flush=True)
    print(json.dumps(["span", started, time.time()]), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
