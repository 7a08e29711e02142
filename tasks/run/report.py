"""What operators see: run names, summary and failure artifacts, progress, the final state's name.

Prefect calls that need a run (artifacts, renaming) are only made inside one, so the same
code runs from a test or a notebook without a Prefect server.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlsplit
from uuid import UUID

from schemas.params import IngestSummary

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


def failures_markdown(summary: IngestSummary) -> str:
    lines = [f"{len(summary.failures)} documents failed; the run went on without them.", "",
             "| meeting | document | kind | reason |", "|---|---|---|---|"]
    for f in summary.failures:
        reason = (f.error or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {f.meeting} | [{f.url}]({f.url}) | {f.error_kind} | {reason} |")
    return "\n".join(lines)


def warnings_markdown(summary: IngestSummary) -> str:
    return "\n".join(["Freshness alarms of this run:", ""] + [f"- {w}" for w in summary.warnings])


def publish_summary(summary: IngestSummary, key: str) -> None:
    """Table artifact `<key>-summary`, plus `<key>-failures` / `<key>-warnings` when there are any."""
    if not current_flow_run_id():
        return
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_table_artifact(key=f"{key}-summary", table=summary_rows(summary), description="What this run did")
    if summary.failures:
        create_markdown_artifact(key=f"{key}-failures", markdown=failures_markdown(summary), description="Failed documents")
    if summary.warnings:
        create_markdown_artifact(key=f"{key}-warnings", markdown=warnings_markdown(summary), description="Freshness alarms")


def final_state(summary: IngestSummary):
    """`Completed`, or `Completed` named 'Completed with warnings' when an alarm went off.

    Still a completed state (the data is good, downstream runs may go on), but the name shows
    in the UI's run list and automations can match on it.
    """
    from prefect.states import Completed

    if summary.warnings:
        return Completed(name="Completed with warnings", message="; ".join(summary.warnings)[:1000], data=summary)
    return Completed(message=f"{sum(summary.documents.values())} documents, {len(summary.failures)} failed", data=summary)


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
