"""The hand-overs between stages: source → blob → pages → text → agenda items → rows.

Each stage takes and returns these models, so a stage can be called from a test or a
notebook without Prefect or a database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.secrets import redacted_text

MAX_WARNINGS = 1_000  # kept per discovery; the rest only in the log
# A document's text is its pages' texts joined by one blank line: segment offsets and page numbers rely on it.
PAGE_JOINER = "\n\n"

PageMethod = Literal["text_layer", "ocr", "ocr_redo", "html"]  # html: minutes published as a web page
DocumentRole = Literal["results_protocol", "verbatim_protocol", "auxiliary_file", "agenda_item_file", "archive"]


class AgendaEntry(BaseModel):
    """One agenda item as the source lists it (OParl `agendaItem`), before any minutes are read."""

    external_id: str | None = None
    number: str | None = None
    name: str = ""
    public: bool = True
    order: int | None = None


class DocumentRef(BaseModel):
    """A file the source says belongs to a meeting; nothing is downloaded yet."""

    external_id: str
    role: DocumentRole = "results_protocol"
    url: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    modified: datetime | None = None


class SourceMeeting(BaseModel):
    """A meeting as discovered at the source, with its agenda and its minutes files."""

    external_id: str
    source: str
    body: str | None = None
    organization: str | None = Field(default=None, description="The committee's name (what apps filter by).")
    organization_url: str | None = Field(default=None, description="OParl: the committee's Organization URL.")
    name: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    public: bool = Field(default=True, description="False for a meeting the source lists without any page.")
    deleted: bool = False
    modified: datetime | None = None
    agenda: list[AgendaEntry] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    documents_complete: bool = Field(
        default=False,
        description="True only when the source's full list of this meeting's files was read: then a "
        "stored file missing from `documents` was withdrawn at the source.",
    )


@dataclass
class Discovery:
    """What one discovery found: the meetings, and what incremental sync needs to remember.

    `lists` maps each external meeting list walked to the newest `modified` that is safe to
    store as its watermark (None: read it in full next time, e.g. the list broke off halfway).
    """

    meetings: list[SourceMeeting] = field(default_factory=list)
    lists: dict[str, datetime | None] = field(default_factory=dict)
    placeholder: bool = False
    placeholder_lists: set[str] = field(default_factory=set)
    filter_ignored: bool = False
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        message = redacted_text(message)  # a warning names lists and objects, never a source's credentials
        logging.getLogger("ratsflow.discover").warning("%s", message)
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("… more warnings in the log")



class FetchedBlob(BaseModel):
    """A downloaded file, stored content-addressed; `path` is where the blob store put it."""

    url: str
    sha256: str
    size: int
    path: str
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime


class PageText(BaseModel):
    """The text of one page and how it was obtained (provenance travels with the text)."""

    number: int
    method: PageMethod
    confidence: float | None = None
    engine: str | None = None
    engine_version: str | None = None
    dpi: int | None = None
    low_confidence: bool = False
    raw_text: str
    text: str = ""


class ExtractedDocument(BaseModel):
    """All pages of one PDF, raw and normalised; `text` is the normalised full text."""

    pages: list[PageText]
    text: str = ""
    normaliser_version: str | None = None


class Votes(BaseModel):
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None


class AgendaItemSpan(BaseModel):
    """One agenda item found in the minutes text, with where it stands in the document."""

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
    votes: Votes | None = None
    paper_refs: list[str] = Field(default_factory=list)
    source_item_id: str | None = None


class SegmentationResult(BaseModel):
    items: list[AgendaItemSpan] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    absent: list[AgendaEntry] = Field(default_factory=list)
    mode: Literal["guided", "heuristic"] = "heuristic"
    segmenter_version: str | None = None


class Provenance(BaseModel):
    """Which code produced a stored version: lets `reprocess` find what is out of date."""

    ratsflow_version: str
    git_commit: str | None = None
    normaliser_version: str | None = None
    segmenter_version: str | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None


class UpsertOutcome(BaseModel):
    """What an upsert did: downstream counts (inserted / updated / unchanged) come from here."""

    id: int
    action: Literal["inserted", "updated", "unchanged"]
