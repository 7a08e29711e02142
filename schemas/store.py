"""What the store hands back to flows and the CLI: read models, not tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DocumentState(BaseModel):
    """What the flow needs to decide whether a document needs work (conditional GET, reprocessing)."""

    document_id: int
    url: str
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: str
    error_kind: str | None = None
    attempts: int = 0
    current_version_id: int | None = None
    normaliser_version: str | None = Field(default=None, description="Of the current version.")
    segmenter_version: str | None = Field(default=None, description="Of the current version.")


class DatabaseSummary(BaseModel):
    """Counts for the CLI summary table; pages and agenda items count current versions only."""

    meetings: int = 0
    meetings_deleted: int = 0
    documents: int = 0
    documents_by_status: dict[str, int] = Field(default_factory=dict)
    versions: int = 0
    pages: int = 0
    pages_by_method: dict[str, int] = Field(default_factory=dict)
    pages_low_confidence: int = 0
    agenda_items: int = 0
    ingest_runs: int = 0


class SearchHit(BaseModel):
    """One agenda item matching a full-text query; `snippet` marks matches with [ and ]."""

    agenda_item_id: int
    meeting_id: int
    document_id: int
    meeting_name: str | None = None
    body: str | None = None
    organization: str | None = None
    start: datetime | None = None
    number: str
    title: str
    snippet: str
    rank: float = Field(description="Higher is better; comparable within one result list only.")
    document_url: str
