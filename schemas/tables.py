"""The database tables: the public interface downstream apps read.

These SQLModel classes are the single source of the schema; Alembic migrations in
`storage/migrations` are written against them. Columns are only ever added, never renamed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_meeting_source_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, description="The source system's entry URL (or archive folder).")
    external_id: str = Field(index=True, description="The meeting's id at the source (OParl: its URL).")
    body: str | None = None
    organization: str | None = Field(default=None, description="The committee's name.")
    organization_url: str | None = Field(default=None, description="OParl: the committee's Organization URL.")
    name: str | None = None
    start: datetime | None = Field(default=None, index=True)
    end: datetime | None = None
    public: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()},
                         description="False: listed by the source without a page (not public).")
    deleted: bool = False
    deleted_at: datetime | None = None
    modified: datetime | None = Field(default=None, description="`modified` as the source reported it.")
    first_seen_at: datetime | None = None
    updated_at: datetime | None = None


class Document(SQLModel, table=True):
    """A minutes file of a meeting. Its content may change over time: see DocumentVersion."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("meeting_id", "external_id", name="uq_document_meeting_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    external_id: str
    role: str = "results_protocol"
    name: str | None = None
    url: str
    sha256: str | None = Field(default=None, index=True, description="Content hash of the current version.")
    mime_type: str | None = None
    status: str = Field(default="pending", description="ok, failed or pending.")
    error: str | None = Field(default=None, description="Why the last attempt failed (operator-readable).")
    error_kind: str | None = None
    attempts: int = 0
    last_attempt_at: datetime | None = None
    page_count: int | None = None
    fetched_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    current_version_id: int | None = None
    deleted: bool = False
    deleted_at: datetime | None = None


class DocumentVersion(SQLModel, table=True):
    """One distinct content (sha256) of a document; old versions, their pages and items stay."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "sha256", name="uq_document_version_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    sha256: str
    url: str
    size: int | None = None
    blob_path: str | None = None
    etag: str | None = None
    fetched_at: datetime | None = None
    page_count: int | None = None
    normaliser_version: str | None = None
    segmenter_version: str | None = None
    ratsflow_version: str | None = None
    git_commit: str | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None
    created_at: datetime | None = None
    segmentation_warnings: list[str] | None = Field(
        default=None, sa_column=Column(JSON),
        description="What the segmenter warned of for this content; NULL: stored before migration 0005.")


class Page(SQLModel, table=True):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("version_id", "number", name="uq_page_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version_id: int = Field(foreign_key="document_version.id", index=True)
    number: int
    method: str = Field(description="text_layer, ocr, ocr_redo or html (minutes published as a web page).")
    confidence: float | None = None
    low_confidence: bool = False
    engine: str | None = None
    engine_version: str | None = None
    dpi: int | None = None
    raw_text: str = ""
    text: str = Field(default="", description="Normalised text of the page.")


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("version_id", "position", name="uq_agenda_item_version_position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version_id: int = Field(foreign_key="document_version.id", index=True)
    position: int = Field(description="0-based order of the item within its document version.")
    number: str
    label: str
    title: str
    public: bool = True
    text: str = ""
    page_start: int | None = None
    page_end: int | None = None
    char_start: int | None = None
    char_end: int | None = None
    resolution: str | None = None
    result: str | None = None
    votes_yes: int | None = None
    votes_no: int | None = None
    votes_abstain: int | None = None
    paper_refs: list[str] | None = Field(default=None, sa_column=Column(JSON))
    source_item_id: str | None = None
    segmenter_version: str | None = None


class IngestRun(SQLModel, table=True):
    __tablename__ = "ingest_run"

    id: int | None = Field(default=None, primary_key=True)
    flow_run_id: str | None = Field(default=None, index=True)
    flow_name: str | None = None
    source: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(
        default="running", description="running, completed, completed_with_failures, failed, cancelled, abandoned."
    )
    params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    counts: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = None
    owner_pid: int | None = Field(default=None, description="Process id of the run (migration 0006).")
    owner_host: str | None = Field(default=None, description="Host name of that process (migration 0006).")


class SourceWatermark(SQLModel, table=True):
    """How far incremental sync got in one list of a source: the newest `modified` seen there."""

    __tablename__ = "source_watermark"
    __table_args__ = (UniqueConstraint("source", "list_url", name="uq_source_watermark_source_list_url"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(description="The source system's entry URL, as in meeting.source.")
    list_url: str = Field(description="The list walked (OParl: a body's meeting list URL).")
    watermark: datetime | None = Field(
        default=None, description="Newest `modified` seen in the list; never moves back."
    )
    last_run_at: datetime | None = None
    placeholder_detected: bool = Field(
        default=False,
        description="The last walk saw placeholder `modified` values: the next one reads the list in full.",
    )
