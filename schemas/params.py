"""Flow parameters and run summaries: typed, so the Prefect UI shows forms with descriptions.

Every flow takes exactly one of these models as its only parameter, so a deployment's
parameter schema is the model's JSON schema and `enforce_parameter_schema` can check it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

# The same names as `tasks.sources.SourceKind`; repeated here because schemas never import tasks.
SourceKind = Literal["oparl", "sessionnet", "allris", "archive"]
ChunkSize = Literal["month", "quarter", "year"]


class StoreParams(BaseModel):
    """Where ratsflow keeps what it found; empty means the worker's RATSFLOW_* environment."""

    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default RATSFLOW_DATABASE_URL or sqlite:///data/ratsflow.db")
    data_dir: str | None = Field(
        default=None,
        description="Where blobs are stored: a path, a file:// URL or an fsspec URL such as s3://bucket/prefix "
        "(needs ratsflow[s3]; shared storage for several workers); "
        "default RATSFLOW_DATA_DIR or data/",
    )


# The flow parameter models are assembled from these parts; pydantic lists inherited fields
# from the last base to the first, so the bases are in reverse order of the form the UI shows.


class SourceParams(BaseModel):
    system_url: str = Field(description="Entry URL of the council system (OParl: the System object), or an archive folder / list.")
    kind: SourceKind | None = Field(default=None, description="Kind of source; empty: detected from the address.")
    label: str | None = Field(
        default=None, description="Short name for run names and alarms (e.g. Rhein-Sieg-Kreis); default: the body or host."
    )


class RangeParams(BaseModel):
    start_from: date | None = Field(default=None, description="Only meetings starting on or after this day.")
    start_to: date | None = Field(default=None, description="Only meetings starting on or before this day.")

    @model_validator(mode="after")
    def _range_in_order(self):
        if self.start_from and self.start_to and self.start_to < self.start_from:
            raise ValueError(f"start_to {self.start_to} is before start_from {self.start_from}")
        return self


class FreshnessParams(BaseModel):
    """When a finished run counts as suspicious (ends 'Completed with warnings' and emits an event)."""

    stale_after_days: int | None = Field(
        default=120, ge=1, description="Warn when the source's newest meeting is older than this many days; empty: never."
    )
    empty_page_jump: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Warn when the share of pages without text in this run exceeds the source's usual share by this much.",
    )


class IngestParams(FreshnessParams, StoreParams, RangeParams, SourceParams):
    """`sync`: one source, incrementally (conditional GETs; unchanged files are not processed again)."""

    incremental: bool = Field(
        default=True,
        description="Ask OParl lists only for what changed since the last run (watermark minus a day); "
        "off: list everything (changed files are still found by ETag and sha256).",
    )
    skip_current: bool = Field(
        default=False,
        description="Do not even ask the source about documents already stored by this pipeline version "
        "(what a resumed backfill wants; a sync wants to see corrected files, so off).",
    )


SyncParams = IngestParams


class BackfillRange(BaseModel):
    start_from: date = Field(description="First meeting day of the range.")
    start_to: date = Field(description="Last meeting day of the range.")
    chunk: ChunkSize = Field(default="quarter", description="Size of the pieces the range is split into (one child flow run each).")

    @model_validator(mode="after")
    def _range_in_order(self):
        if self.start_to < self.start_from:
            raise ValueError(f"start_to {self.start_to} is before start_from {self.start_from}")
        return self


class BackfillParams(StoreParams, BackfillRange, SourceParams):
    """`backfill`: a date range in chunks, each a child `sync` run; a re-run skips what is done."""


class ReprocessFilter(BaseModel):

    source: str | None = Field(default=None, description="Only documents of this source (its entry URL as stored).")
    start_from: date | None = Field(default=None, description="Only meetings starting on or after this day.")
    start_to: date | None = Field(default=None, description="Only meetings starting on or before this day.")
    document_ids: list[int] = Field(default_factory=list, description="Only these document ids.")
    segmenter_older_than: str | None = Field(
        default=None, description="Only documents whose current version was segmented by a segmenter version older than this (e.g. '3')."
    )
    limit: int | None = Field(default=None, ge=1, description="At most this many documents (oldest meetings first).")
    refresh_pages: bool = Field(
        default=False,
        description="OCR again even where the extraction cache holds this content's pages (after a Tesseract "
        "or language data update the versions do not capture).",
    )


class ReprocessParams(StoreParams, ReprocessFilter):
    """`reprocess`: extraction, normalisation and segmentation again on stored blobs; nothing is downloaded.

    The filters combine (AND); with none given every stored document is reprocessed.
    """


class OneFile(BaseModel):

    location: str = Field(description="http(s) URL or local path (or file:// URL) of one PDF.")
    body: str | None = Field(default=None, description="Council or district the minutes belong to.")
    committee: str | None = Field(default=None, description="Committee that met.")
    meeting_date: date | None = Field(default=None, description="Day of the meeting (else read from the file name).")


class IngestDocumentParams(StoreParams, OneFile):
    """`ingest_document`: one minutes file, by URL or local path, outside any council system."""


DocumentStatus = Literal["inserted", "updated", "unchanged", "skipped", "failed"]


class DocumentOutcome(BaseModel):
    """What happened to one document in a run: the rows of the summary and failure report."""

    meeting: str
    url: str
    status: DocumentStatus
    error: str | None = None
    error_kind: str | None = None
    pages_by_method: dict[str, int] = Field(default_factory=dict)
    pages_without_text: int = 0
    agenda_items: int = 0
    document_id: int | None = None


class IngestSummary(BaseModel):
    run_id: int | None = None
    status: str = "completed"
    meetings: dict[str, int] = Field(default_factory=dict)
    documents: dict[str, int] = Field(default_factory=dict)
    pages_by_method: dict[str, int] = Field(default_factory=dict)
    pages_without_text: int = 0
    agenda_items: int = 0
    failures: list[DocumentOutcome] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Freshness alarms raised by this run.")
    newest_meeting: date | None = None

    @classmethod
    def from_outcomes(cls, meeting_actions: list[str], outcomes: list[DocumentOutcome]) -> IngestSummary:
        pages: Counter[str] = Counter()
        for outcome in outcomes:
            pages.update(outcome.pages_by_method)
        failures = [o for o in outcomes if o.status == "failed"]
        return cls(
            status="completed_with_failures" if failures else "completed",
            meetings=dict(Counter(meeting_actions)),
            documents=dict(Counter(o.status for o in outcomes)),
            pages_by_method=dict(pages),
            pages_without_text=sum(o.pages_without_text for o in outcomes),
            agenda_items=sum(o.agenda_items for o in outcomes),
            failures=failures,
        )

    @classmethod
    def combined(cls, parts: list[IngestSummary]) -> IngestSummary:
        """One summary for several runs (a backfill's chunks): counts added, failures and warnings joined."""
        meetings: Counter[str] = Counter()
        documents: Counter[str] = Counter()
        pages: Counter[str] = Counter()
        for part in parts:
            meetings.update(part.meetings)
            documents.update(part.documents)
            pages.update(part.pages_by_method)
        failures = [f for part in parts for f in part.failures]
        newest = [p.newest_meeting for p in parts if p.newest_meeting]
        return cls(
            status="completed_with_failures" if failures else "completed",
            meetings=dict(meetings),
            documents=dict(documents),
            pages_by_method=dict(pages),
            pages_without_text=sum(p.pages_without_text for p in parts),
            agenda_items=sum(p.agenda_items for p in parts),
            failures=failures,
            warnings=[w for part in parts for w in part.warnings],
            newest_meeting=max(newest) if newest else None,
        )
