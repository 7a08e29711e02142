"""Flow parameters and run summaries: typed, so the Prefect UI shows forms with descriptions."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class IngestParams(BaseModel):
    system_url: str = Field(description="Entry URL of the council system (OParl: the System object).")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default RATSFLOW_DATABASE_URL or sqlite:///data/ratsflow.db")
    data_dir: str | None = Field(default=None, description="Where blobs are stored; default RATSFLOW_DATA_DIR or data/")
    start_from: date | None = Field(default=None, description="Only meetings starting on or after this day (backfill).")
    start_to: date | None = Field(default=None, description="Only meetings starting on or before this day (backfill).")


DocumentStatus = Literal["inserted", "updated", "unchanged", "failed"]


class DocumentOutcome(BaseModel):
    """What happened to one document in a run: the rows of the summary and failure report."""

    meeting: str
    url: str
    status: DocumentStatus
    error: str | None = None
    error_kind: str | None = None
    pages_by_method: dict[str, int] = Field(default_factory=dict)
    agenda_items: int = 0


class IngestSummary(BaseModel):
    run_id: int | None = None
    status: str = "completed"
    meetings: dict[str, int] = Field(default_factory=dict)
    documents: dict[str, int] = Field(default_factory=dict)
    pages_by_method: dict[str, int] = Field(default_factory=dict)
    agenda_items: int = 0
    failures: list[DocumentOutcome] = Field(default_factory=list)

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
            agenda_items=sum(o.agenda_items for o in outcomes),
            failures=failures,
        )
