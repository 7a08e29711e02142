"""Sample meetings, documents and versions for the storage tests, built from the real seed excerpts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from schemas.pipeline import (
    AgendaItemSpan,
    DocumentRef,
    ExtractedDocument,
    FetchedBlob,
    PageText,
    Provenance,
    SegmentationResult,
    SourceMeeting,
    Votes,
)

SEEDS = Path(__file__).resolve().parents[2] / "demo" / "seeds"
SOURCE = "https://ris.example.de/oparl/v1/system"
BERLIN = ZoneInfo("Europe/Berlin")


def seed(prefix: str) -> str:
    """The text of the seed excerpt whose file name starts with `prefix` (e.g. "002")."""
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def source_meeting(n: int = 1, **changes) -> SourceMeeting:
    values = dict(
        external_id=f"{SOURCE}/meeting/{n}",
        source=SOURCE,
        body="Rhein-Sieg-Kreis",
        organization="Ausschuss für Soziales, Gleichstellung und Integration",
        name=f"{n}. Sitzung des Ausschusses für Soziales",
        start=datetime(2017, 3, 1, 17, 0, tzinfo=BERLIN),
        end=datetime(2017, 3, 1, 19, 30, tzinfo=BERLIN),
        modified=datetime(2017, 3, 10, 9, 0, tzinfo=BERLIN),
    )
    values.update(changes)
    return SourceMeeting(**values)


def document_ref(n: int = 1, **changes) -> DocumentRef:
    values = dict(
        external_id=f"{SOURCE}/file/{n}",
        url=f"https://ris.example.de/files/{n}/niederschrift.pdf",
        name="Niederschrift",
        mime_type="application/pdf",
    )
    values.update(changes)
    return DocumentRef(**values)


def fetched_blob(content: bytes, **changes) -> FetchedBlob:
    sha256 = hashlib.sha256(content).hexdigest()
    values = dict(
        url="https://ris.example.de/files/1/niederschrift.pdf",
        sha256=sha256,
        size=len(content),
        path=f"/data/blobs/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}.pdf",
        content_type="application/pdf",
        etag=f'"{sha256[:8]}"',
        last_modified="Wed, 15 Mar 2017 08:00:00 GMT",
        fetched_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )
    values.update(changes)
    return FetchedBlob(**values)


def extracted(page_texts: list[str], *, method: str = "text_layer") -> ExtractedDocument:
    pages = [
        PageText(number=i + 1, method=method, confidence=None if method == "text_layer" else 91.5, raw_text=t, text=t)
        for i, t in enumerate(page_texts)
    ]
    return ExtractedDocument(pages=pages, text="\n\n".join(page_texts), normaliser_version="norm-1")


def segmentation(items: list[tuple[str, str, str]], *, segmenter_version: str = "seg-1") -> SegmentationResult:
    """Items from (number, title, text) triples."""
    spans = [
        AgendaItemSpan(
            number=number,
            label=f"Ö {number}",
            title=title,
            text=text,
            page_start=1,
            page_end=1,
            result="zur Kenntnis genommen",
            votes=Votes(yes=12, no=0, abstain=1),
            paper_refs=["A 123/2017"],
        )
        for number, title, text in items
    ]
    return SegmentationResult(items=spans, segmenter_version=segmenter_version)


def provenance(**changes) -> Provenance:
    values = dict(ratsflow_version="0.1.0", git_commit="abc1234", normaliser_version="norm-1", segmenter_version="seg-1")
    values.update(changes)
    return Provenance(**values)


def kim_minutes() -> tuple[ExtractedDocument, SegmentationResult]:
    """Minutes with two items: the KIM report (seed 002) and the Integrationskonzept paper (seed 004)."""
    kim, konzept = seed("002"), seed("004")
    return extracted([kim, konzept]), segmentation(
        [("1", "Kommunales Integrationsmanagement (KIM)", kim), ("2", "Integrationskonzept 2016", konzept)]
    )
