"""The database write of one document version: pages and agenda items in one batch per table, against row by row.

    python -m bench.speed_store [--rounds 5] [--versions 20] [--pages 60] [--items 20] [--no-postgres]

`store_document_version` of a 60-page, 20-item document (page and item texts from demo/seeds),
into a fresh SQLite file and a fresh PostgreSQL database (127.0.0.1:5432, created and dropped
here), two ways in alternating rounds in this process: as it is (`upsert_rows`: one
`INSERT … ON CONFLICT DO UPDATE … RETURNING` executemany for the pages, one for the items) and
with the row-by-row writers it replaced, kept only here as the baseline (`upsert_row` per page
and per item: two statements for a new row, three for an unchanged one). Two paths per round:
`--versions` new versions (a first ingest), then the last one stored again as many times (a
re-processing that finds nothing changed). Reported: median milliseconds per store over the
rounds, and after ÷ before.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from sqlalchemy import delete

from bench.scratch_postgres import scratch_database
from schemas import pipeline
from storage import repository
from storage.engine import create_db_engine, upgrade_database
from storage.repository import store_document_version, upsert_document, upsert_meeting
from storage.upsert import upsert_row

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get("RATSFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
SOURCE = "https://ris.example.de/oparl/v1/system"


# ── The baseline: the row-by-row writers of main before the batch ──────────────────────────────


def row_by_row_pages(connection, document_id: int, version_id: int, pages: list[pipeline.PageText]) -> bool:
    changed = False
    for page in pages:
        values = {"document_id": document_id, "version_id": version_id, **page.model_dump(include=repository.PAGE_COLUMNS)}
        outcome = upsert_row(connection, repository.page_table, values, key=("version_id", "number"),
                             compare=repository.PAGE_COMPARED)
        changed |= outcome.action != "unchanged"
    table = repository.page_table
    gone = delete(table).where(table.c.version_id == version_id, table.c.number.not_in([page.number for page in pages]))
    return connection.execute(gone).rowcount > 0 or changed


def row_by_row_items(connection, meeting_id: int, document_id: int, version_id: int, segmentation: pipeline.SegmentationResult) -> bool:
    changed = False
    for position, span in enumerate(segmentation.items):
        values = {"meeting_id": meeting_id, "document_id": document_id, "version_id": version_id, "position": position,
                  "segmenter_version": segmentation.segmenter_version, **repository._item_columns(span)}
        compare = tuple(name for name in values if name not in ("version_id", "position"))
        outcome = upsert_row(connection, repository.item_table, values, key=("version_id", "position"), compare=compare)
        changed |= outcome.action != "unchanged"
    table = repository.item_table
    beyond = delete(table).where(table.c.version_id == version_id, table.c.position >= len(segmentation.items))
    return connection.execute(beyond).rowcount > 0 or changed


@contextmanager
def row_by_row() -> Iterator[None]:
    with mock.patch.object(repository, "_store_pages", row_by_row_pages), \
            mock.patch.object(repository, "_store_items", row_by_row_items):
        yield


@contextmanager
def batched() -> Iterator[None]:
    yield


WAYS: dict[str, Callable] = {"row by row (before)": row_by_row, "batched (after)": batched}


# ── The document ───────────────────────────────────────────────────────────────────────────────


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((ROOT / "demo" / "seeds").glob("*.txt"))]


def document(pages: int, items: int) -> tuple[pipeline.ExtractedDocument, pipeline.SegmentationResult]:
    """A `pages`-page, `items`-item document: every page ~2,000 characters, every item its own pages' text."""
    texts = seed_texts()
    page_texts = [(texts[n % len(texts)] * 3)[n * 7: n * 7 + 2000] for n in range(pages)]
    extracted = pipeline.ExtractedDocument(
        pages=[pipeline.PageText(number=n + 1, method="ocr" if n % 10 == 9 else "text_layer", confidence=91.5 if n % 10 == 9 else None,
                        engine="tesseract" if n % 10 == 9 else None, raw_text=t, text=t) for n, t in enumerate(page_texts)],
        normaliser_version="norm-1",
    )
    per_item = max(pages // max(items, 1), 1)
    spans = [pipeline.AgendaItemSpan(number=str(n + 1), label=f"Ö {n + 1}", title=page_texts[n * per_item % pages][:80],
                            text="\n".join(page_texts[n * per_item: (n + 1) * per_item]), page_start=n * per_item + 1,
                            page_end=(n + 1) * per_item, result="einstimmig beschlossen", paper_refs=[f"A {n}/2024"])
             for n in range(items)]
    return extracted, pipeline.SegmentationResult(items=spans, segmenter_version="seg-1")


def blob(content: str) -> pipeline.FetchedBlob:
    sha256 = hashlib.sha256(content.encode()).hexdigest()
    return pipeline.FetchedBlob(url="https://ris.example.de/files/1.pdf", sha256=sha256, size=len(content), path=f"/blobs/{sha256}",
                       etag=f'"{sha256[:8]}"', fetched_at=datetime(2026, 12, 1, tzinfo=UTC))


# ── The measurement ────────────────────────────────────────────────────────────────────────────


def one_round(engine, way: str, round_: int, versions: int, doc) -> dict[str, float]:
    """Milliseconds per store: `versions` new versions of a new document, then the last one again as often."""
    extracted, segmentation = doc
    meeting = upsert_meeting(engine, pipeline.SourceMeeting(source=SOURCE, external_id=f"{SOURCE}/meeting/{way}/{round_}",
                                                   name="Sitzung", start=datetime(2026, 12, 1, tzinfo=UTC)))
    document_id = upsert_document(engine, meeting.id, pipeline.DocumentRef(external_id=f"file/{way}/{round_}",
                                                                   url="https://ris.example.de/files/1.pdf")).id
    provenance = pipeline.Provenance(ratsflow_version="bench", normaliser_version="norm-1", segmenter_version="seg-1")
    timings = {}
    with WAYS[way]():
        for path, contents in (("new version", [f"{way}/{round_}/{n}" for n in range(versions)]),
                               ("unchanged, again", [f"{way}/{round_}/{versions - 1}"] * versions)):
            started = time.perf_counter()
            for content in contents:
                outcome = store_document_version(engine, document_id, meeting.id, blob(content), extracted, segmentation,
                                                 provenance)
                assert outcome.action == ("inserted" if path == "new version" else "unchanged"), outcome
            timings[path] = (time.perf_counter() - started) / versions * 1000
    return timings


def measure(url: str, rounds: int, versions: int, doc) -> dict[tuple[str, str], list[float]]:
    upgrade_database(url)
    engine = create_db_engine(url)
    results: dict[tuple[str, str], list[float]] = {}
    try:
        one_round(engine, "batched (after)", -1, 2, doc)  # warm-up: connections, compiled statements
        one_round(engine, "row by row (before)", -1, 2, doc)
        for round_ in range(rounds):
            order = list(WAYS) if round_ % 2 == 0 else list(reversed(WAYS))
            for way in order:
                for path, ms in one_round(engine, way, round_, versions, doc).items():
                    results.setdefault((way, path), []).append(ms)
    finally:
        engine.dispose()
    return results


def table(dialect: str, results: dict[tuple[str, str], list[float]]) -> list[str]:
    lines = []
    for path in ("new version", "unchanged, again"):
        before = statistics.median(results[("row by row (before)", path)])
        after = statistics.median(results[("batched (after)", path)])
        lines.append(f"| {dialect} | {path} | {before:.1f} | {after:.1f} | {after / before:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    doc = document(args.pages, args.items)
    print(f"{args.pages} pages, {args.items} items, {args.versions} stores per path and round, {args.rounds} rounds, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    lines = ["| database | path | row by row ms/store (median) | batched ms/store (median) | batched ÷ row by row |",
             "|---|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="ratsflow-store-") as tmp:
        lines += table("SQLite", measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args.rounds, args.versions, doc))
    if not args.no_postgres:
        with scratch_database(POSTGRES_ADMIN_URL, "ratsflow_bench_store") as url:
            lines += table("PostgreSQL", measure(url, args.rounds, args.versions, doc))
    print("\n".join(lines))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
