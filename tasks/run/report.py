"""What operators see: run names, summary and failure artifacts, progress, the final state's name.

Prefect calls that need a run (artifacts, renaming) are only made inside one, so the same
code runs from a test or a notebook without a Prefect server.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import unquote, urlsplit
from uuid import UUID

from schemas.params import DocumentOutcome, IngestSummary

log = logging.getLogger("ratsflow.report")

ProgressListener = Callable[[str, int, int], None]
_listeners: list[ProgressListener] = []


def slug(text: str | None, fallback: str = "source") -> str:
    """'Rhein-Sieg-Kreis' → 'rhein-sieg-kreis', 'Städteregion Aachen' → 'staedteregion-aachen'."""
    if not text:
        return fallback
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or fallback


def source_slug(url: str, label: str | None = None) -> str:
    """The label if given, else the host (archive: the folder or file name)."""
    if label:
        return slug(label)
    parts = urlsplit(url)
    if parts.hostname and parts.scheme in ("http", "https"):
        return slug(parts.hostname)
    return slug(url.rstrip("/").rsplit("/", 1)[-1])


def run_name(flow: str, subject: str, *days: date | None) -> str:
    """`sync-rhein-sieg-kreis-2026-11-22`; a backfill chunk names its range instead of today."""
    shown = [d.isoformat() for d in days if d] or [date.today().isoformat()]
    return "-".join([flow, subject, *shown])


def current_flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def rename_flow_run(name: str) -> None:
    """Give the running flow run a better name once discovery told us the body's name."""
    run_id = current_flow_run_id()
    if not run_id:
        return
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(run_id), name=name)
    except Exception as err:
        log.info("could not rename flow run %s: %s", run_id, err)


def summary_rows(summary: IngestSummary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for action, n in sorted(summary.meetings.items()):
        rows.append({"what": "meetings", "detail": action, "count": n})
    for status, n in sorted(summary.documents.items()):
        rows.append({"what": "documents", "detail": status, "count": n})
    for method, n in sorted(summary.pages_by_method.items()):
        rows.append({"what": "pages", "detail": method, "count": n})
    rows.append({"what": "pages", "detail": "without text", "count": summary.pages_without_text})
    rows.append({"what": "agenda items", "detail": "segmented", "count": summary.agenda_items})
    return rows


BLOB_PATH = re.compile(r"\S*/blobs/sha256/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.pdf")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def file_name(url: str) -> str:
    """The name an operator knows a document by: the last part of its URL or path, decoded."""
    path = unquote(urlsplit(url).path).rstrip("/")
    return path.rsplit("/", 1)[-1] or url


def shown_reason(failure: DocumentOutcome) -> str:
    """A failure's reason as shown to people: the document's own name instead of a local blob path."""
    return BLOB_PATH.sub(file_name(failure.url), failure.error or "")


def markdown_text(text: str) -> str:
    """Text for a Markdown table cell that renders as itself: HTML escaped, Markdown syntax and lines neutralised."""
    text = html.escape(" ".join(text.split()), quote=False)
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def file_cell(outcome: DocumentOutcome) -> str:
    """The document's name, linked to its source when that is a web address."""
    name = markdown_text(file_name(outcome.url))
    return f"[{name}](<{outcome.url}>)" if urlsplit(outcome.url).scheme in ("http", "https") else f"{name} ({markdown_text(outcome.url)})"


def failures_markdown(summary: IngestSummary) -> str:
    """The failed documents as a Markdown table: meeting, file (linked to its source), kind, reason.

    Every cell is escaped: a reason may quote a server's HTML error page, and the UI renders
    Markdown artifacts, HTML included.
    """
    lines = [f"{len(summary.failures)} documents failed; the run went on without them.", "",
             "| meeting | file | kind | reason |", "|---|---|---|---|"]
    for f in summary.failures:
        lines.append(f"| {markdown_text(f.meeting)} | {file_cell(f)} | {markdown_text(f.error_kind or '')} | "
                     f"{markdown_text(shown_reason(f))} |")
    return "\n".join(lines)


def warnings_markdown(summary: IngestSummary) -> str:
    """Freshness alarms, then the segmentation warnings of the documents stored in this run (one row
    per warning): a document that does not read as minutes is stored without items, and says why here."""
    lines: list[str] = []
    if summary.warnings:
        lines += ["Alarms of this run:", ""] + [f"- {markdown_text(w)}" for w in summary.warnings]
    if summary.warned:
        lines += ([""] if lines else []) + [
            f"Segmentation warnings of {len(summary.warned)} documents (stored with their version, "
            "`document_current.segmentation_warnings`):", "", "| meeting | file | items | warning |", "|---|---|---:|---|"]
        lines += [f"| {markdown_text(o.meeting)} | {file_cell(o)} | {o.agenda_items} | {markdown_text(w)} |"
                  for o in summary.warned for w in o.warnings]
    return "\n".join(lines)


def publish_summary(summary: IngestSummary, key: str) -> None:
    """Table artifact `<key>-summary`, plus `<key>-failures` / `<key>-warnings` (alarms, segmentation
    warnings) when there are any."""
    if not current_flow_run_id():
        return
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_table_artifact(key=f"{key}-summary", table=summary_rows(summary), description="What this run did")
    if summary.failures:
        create_markdown_artifact(key=f"{key}-failures", markdown=failures_markdown(summary), description="Failed documents")
    if summary.warnings or summary.warned:
        create_markdown_artifact(key=f"{key}-warnings", markdown=warnings_markdown(summary),
                                 description="Freshness alarms and segmentation warnings")


COMPLETED_WITH_FAILURES = "Completed with failures"
COMPLETED_WITH_WARNINGS = "Completed with warnings"


def final_state(summary: IngestSummary):
    """The run's final state: its name is what the UI's run list shows and automations match on.

    - any document or chunk failed: FAILED named 'Completed with failures' (red in the UI: the
      run did its work, but not all of it; the summary is its result, the failures artifact
      lists what is missing);
    - an alarm went off: COMPLETED named 'Completed with warnings' (the data is good);
    - else plain 'Completed'.
    """
    from prefect.states import Completed, Failed

    counted = f"{sum(summary.documents.values())} documents, {len(summary.failures)} failed"
    if summary.failures or summary.failed_chunks:
        chunks = f", {len(summary.failed_chunks)} chunks failed" if summary.failed_chunks else ""
        return Failed(name=COMPLETED_WITH_FAILURES, message=counted + chunks, data=summary)
    if summary.warnings:
        return Completed(name=COMPLETED_WITH_WARNINGS, message="; ".join(summary.warnings)[:1000], data=summary)
    return Completed(message=counted, data=summary)


def did_its_work(state) -> bool:
    """True for a run that ended with a summary: completed, or completed with failures."""
    return state.is_completed() or state.name == COMPLETED_WITH_FAILURES


def document_state(fn: Callable[..., DocumentOutcome]) -> Callable:
    """`fn` (one document's tail) returning a Prefect state: a failed document is a Failed task run.

    The outcome is the state's data either way, so the flow reads it with
    `future.result(raise_on_failure=False)`; the message names the file and the reason.
    """

    @functools.wraps(fn)
    def as_state(*args, **kwargs):
        from prefect.states import Completed, Failed

        outcome = fn(*args, **kwargs)
        if outcome.status == "failed":
            return Failed(message=f"{file_name(outcome.url)}: {shown_reason(outcome)}"[:1000], data=outcome)
        return Completed(message=f"{file_name(outcome.url)}: {outcome.status}", data=outcome)

    return as_state


def document_task_name() -> str:
    """`document-<meeting>-<file>`: what a document task run is about, readable in the UI's run graph."""
    from prefect.runtime import task_run

    params = task_run.parameters
    if "doc" in params:  # reprocess
        doc = params["doc"]
        return f"reprocess-{doc.document_id}-{file_name(doc.url)}"[:120]
    meeting, ref = params["meeting"], params["ref"]
    label = meeting.name or meeting.organization or meeting.external_id.rstrip("/").rsplit("/", 1)[-1]
    day = f"{meeting.start:%Y-%m-%d}-" if meeting.start else ""
    return f"document-{day}{slug(label, 'meeting')}-{file_name(ref.url or ref.external_id)}"[:120]


@contextmanager
def progress_listener(listener: ProgressListener) -> Iterator[None]:
    """Let the command line draw a progress bar for the runs started inside this block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


class RunProgress:
    """A progress artifact that moves (in the UI) plus any local listeners (the CLI's bar)."""

    def __init__(self, what: str, total: int, key: str | None = None) -> None:
        self.what, self.total, self.done = what, total, 0
        self.artifact_id = None
        if key and current_flow_run_id():
            from prefect.artifacts import create_progress_artifact

            self.artifact_id = create_progress_artifact(progress=0.0, key=key, description=f"{what}: 0 of {total}")
        self._tell()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.artifact_id is not None:
            from prefect.artifacts import update_progress_artifact

            share = 100.0 * self.done / self.total if self.total else 100.0
            update_progress_artifact(self.artifact_id, progress=share, description=f"{self.what}: {self.done} of {self.total}")
        self._tell()

    def _tell(self) -> None:
        for listener in list(_listeners):
            listener(self.what, self.done, self.total)
