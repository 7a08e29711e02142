"""Flow parameters and run summaries: typed, so the Prefect UI shows forms with descriptions.

Every flow takes exactly one of these models as its only parameter, so a deployment's
parameter schema is the model's JSON schema and `enforce_parameter_schema` can check it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.errors import ExitCode

# The same names as `tasks.sources.SourceKind`; repeated here because schemas never import tasks.
SourceKind = Literal["oparl", "sessionnet", "allris", "archive"]
ChunkSize = Literal["month", "quarter", "year"]
VERSION = re.compile(r"^\d+(\.\d+)*$")


def flat_optional_fields(schema: dict) -> None:
    """Optional fields (default None) as plain inputs in the Prefect UI's form.

    Pydantic writes `date | None` as `anyOf: [date, null]`, which the UI shows as a type switch
    whose null branch reads "Property is type None". Written flat and without the default, the
    form shows a plain date (text, choice) input, and Prefect's server-side validation still
    accepts null for such a field (it adds the null branch back for fields that are neither
    required nor defaulted).
    """
    for prop in schema.get("properties", {}).values():
        options = prop.get("anyOf")
        if not options or len(options) != 2 or {"type": "null"} not in options or prop.get("default", ...) is not None:
            continue
        [kept] = [option for option in options if option != {"type": "null"}]
        del prop["anyOf"], prop["default"]
        prop.update(kept)
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], None]


class FlowParams(BaseModel):
    """Base of every flow parameter model: flat optional fields in the UI's form."""

    model_config = ConfigDict(json_schema_extra=flat_optional_fields)


def range_in_order(start_from, start_to) -> None:
    if start_from and start_to and start_to < start_from:
        raise ValueError(f"the range ends (start_to {start_to}) before it starts (start_from {start_from})")


class StoreParams(FlowParams):
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


class SourceParams(FlowParams):
    system_url: str = Field(description="Entry URL of the council system (OParl: the System object), or an archive folder / list.")
    kind: SourceKind | None = Field(default=None, description="Kind of source; empty: detected from the address.")
    label: str | None = Field(
        default=None, description="Short name for run names and alarms (e.g. Rhein-Sieg-Kreis); default: the body or host."
    )


class RangeParams(FlowParams):
    start_from: date | None = Field(default=None, description="Only meetings starting on or after this day.")
    start_to: date | None = Field(default=None, description="Only meetings starting on or before this day.")

    @model_validator(mode="after")
    def _range_in_order(self):
        range_in_order(self.start_from, self.start_to)
        return self


class FreshnessParams(FlowParams):
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


class BackfillRange(FlowParams):
    start_from: date = Field(description="First meeting day of the range.")
    start_to: date = Field(description="Last meeting day of the range.")
    chunk: ChunkSize = Field(default="quarter", description="Size of the pieces the range is split into (one child flow run each).")

    @model_validator(mode="after")
    def _range_in_order(self):
        range_in_order(self.start_from, self.start_to)
        return self


class BackfillParams(StoreParams, BackfillRange, SourceParams):
    """`backfill`: a date range in chunks, each a child `sync` run; a re-run skips what is done."""


class ReprocessFilter(FlowParams):

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

    @field_validator("segmenter_older_than")
    @classmethod
    def _a_version(cls, value: str | None) -> str | None:
        if value is not None and not VERSION.match(value.strip()):
            raise ValueError("is not a version: give numbers with dots, like 1.1 or 2")
        return value.strip() if value else value

    @model_validator(mode="after")
    def _range_in_order(self):
        range_in_order(self.start_from, self.start_to)
        return self


class ReprocessParams(StoreParams, ReprocessFilter):
    """`reprocess`: extraction, normalisation and segmentation again on stored blobs; nothing is downloaded.

    The filters combine (AND); with none given every stored document is reprocessed.
    """


class OneFile(FlowParams):

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
    warnings: list[str] = Field(
        default_factory=list,
        description="The segmenter's warnings for the stored version (not minutes, heading not in the agenda, …).")


# Documents with segmentation warnings a summary lists (all are stored on their versions anyway).
MAX_WARNED_DOCUMENTS = 500


class ChunkFailure(BaseModel):
    """A backfill chunk that could not run (source down, answering nonsense): the range goes on without it."""

    label: str
    error: str
    exit_code: int = ExitCode.source_unavailable


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
    warned: list[DocumentOutcome] = Field(
        default_factory=list,
        description=f"Documents stored with segmentation warnings (the first {MAX_WARNED_DOCUMENTS}); "
        "they do not change the run's state: the data is stored, the warnings say what to check.")
    newest_meeting: date | None = None
    failed_chunks: list[ChunkFailure] = Field(default_factory=list)
    body: str | None = Field(default=None, description="The body the source named, when it named exactly one.")

    @property
    def exit_code(self) -> ExitCode:
        """`ratsflow`'s exit status for this run: a chunk's error first, then failed documents."""
        if self.failed_chunks:
            return ExitCode(self.failed_chunks[0].exit_code)
        return ExitCode.documents_failed if self.failures else ExitCode.ok

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
            warned=[o for o in outcomes if o.warnings and o.status != "failed"][:MAX_WARNED_DOCUMENTS],
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
            warned=[o for part in parts for o in part.warned][:MAX_WARNED_DOCUMENTS],
            newest_meeting=max(newest) if newest else None,
            body=next((p.body for p in parts if p.body), None),
        )
