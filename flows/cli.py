"""The `ratsflow` command line: the same stages and flows as the Prefect deployments."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from schemas.errors import RatsflowError

app = typer.Typer(help="ratsflow: council minutes into a searchable SQL store.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = Console()
err = Console(stderr=True)

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL (default: RATSFLOW_DATABASE_URL or sqlite:///data/ratsflow.db).")]


def fail(error: Exception, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {error}", highlight=False)
    raise typer.Exit(code)


def settings_for(database: str | None):
    from schemas.settings import Settings

    return Settings(**({"database_url": database} if database else {}))


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A PDF file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (pages with method and confidence, normalised text).")] = False,
) -> None:
    """Get trustworthy text out of every page of a PDF (text layer or OCR)."""
    from schemas.extraction import OcrPolicy
    from tasks.extract import extract_document

    try:
        doc = extract_document(file, OcrPolicy.from_settings(settings_for(None)))
    except RatsflowError as e:
        fail(e)
    if as_json:
        pages = [
            {"number": p.number, "method": p.method, "confidence": p.confidence, "low_confidence": p.low_confidence, "text": p.text}
            for p in doc.pages
        ]
        print(json.dumps({"pages": pages, "text": doc.text}, ensure_ascii=False, indent=2))
    else:
        for p in doc.pages:
            conf = "" if p.confidence is None else f" confidence {p.confidence:.2f}"
            err.print(f"[dim]page {p.number}: {p.method}{conf}[/]")
        print(doc.text)


@app.command()
def segment(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A minutes PDF or a text file (pages separated by form feeds).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    agenda: Annotated[
        Path | None,
        typer.Option("--agenda", exists=True, dir_okay=False, help="JSON list of agenda items (number, name, public) for guided mode."),
    ] = None,
) -> None:
    """Split a minutes document into its agenda items."""
    from schemas.extraction import OcrPolicy
    from schemas.pipeline import AgendaEntry
    from tasks.extract import extract_document
    from tasks.normalise import normalise_text
    from tasks.segment import segment_minutes

    try:
        if file.suffix.lower() == ".pdf":
            pages = [p.text for p in extract_document(file, OcrPolicy.from_settings(settings_for(None))).pages]
        else:
            pages = [normalise_text(p) for p in file.read_text(encoding="utf-8").split("\f")]
        entries = None
        if agenda:
            raw = json.loads(agenda.read_text(encoding="utf-8"))
            raw = raw.get("agendaItem", raw.get("items", raw)) if isinstance(raw, dict) else raw
            entries = [AgendaEntry.model_validate(e) for e in raw]
        result = segment_minutes(pages, agenda=entries)
    except (RatsflowError, ValueError) as e:
        fail(e)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    table = Table("number", "label", "title", "public", "pages", "result")
    for item in result.items:
        pages = f"{item.page_start}-{item.page_end}"
        table.add_row(item.number, item.label, item.title, "yes" if item.public else "no", pages, item.result or "")
    out.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}")


SourceKindOpt = Annotated[str | None, typer.Option("--kind", help="oparl, sessionnet, allris or archive (default: detected).")]


@contextmanager
def progress_bars():
    """A rich progress bar per thing the flows count (chunks, documents), fed by tasks.run.report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tasks.run.report import progress_listener

    bars: dict[str, object] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:

        def listener(what: str, done: int, total: int) -> None:
            if what not in bars:
                bars[what] = progress.add_task(what, total=total)
            progress.update(bars[what], completed=done, total=total)

        with progress_listener(listener):
            yield


def run_flow(flow_fn, params, database: str | None):
    """Run a flow in this process with progress bars; end with the summary table (and exit 2 on failure)."""
    try:
        with progress_bars():
            summary = flow_fn(params)
    except RatsflowError as e:
        fail(e)
    except RuntimeError as e:
        if "ephemeral Prefect API" not in str(e):
            raise
        fail(RatsflowError(
            "Prefect's temporary API server did not start in time. Start one with `make serve` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, or allow it longer with "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (now "
            f"{os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS')})."
        ))
    print_summary(summary, settings_for(database).resolved_database_url())
    return summary


def run_ingest(system_url: str, database: str | None, start_from: date | None = None, start_to: date | None = None,
               kind: str | None = None, stale_after_days: int | None = 120, incremental: bool = True):
    from flows.sync import sync
    from schemas.params import SyncParams

    params = SyncParams(system_url=system_url, database_url=database, start_from=start_from, start_to=start_to, kind=kind,
                        stale_after_days=stale_after_days, incremental=incremental)
    return run_flow(sync, params, database)


@app.command()
def ingest(
    system_url: Annotated[str, typer.Argument(help="URL of the OParl System object (or another source, see --kind).")],
    database: DatabaseOpt = None,
    kind: SourceKindOpt = None,
    full: Annotated[bool, typer.Option("--full", help="List every meeting, not only those changed since the last run.")] = False,
) -> None:
    """Incremental ingest (the `sync` flow): new and changed minutes only."""
    run_ingest(system_url, database, kind=kind, incremental=not full)


@app.command()
def backfill(
    system_url: Annotated[str, typer.Argument(help="URL of the OParl System object (or another source, see --kind).")],
    start_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First meeting day (YYYY-MM-DD).")],
    start_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last meeting day (YYYY-MM-DD).")],
    chunk: Annotated[str, typer.Option(help="month, quarter or year: one child flow run each.")] = "quarter",
    database: DatabaseOpt = None,
    kind: SourceKindOpt = None,
) -> None:
    """Ingest the meetings that start in a date range, chunk by chunk; a re-run skips what is done."""
    from flows.backfill import backfill as backfill_flow
    from schemas.params import BackfillParams

    if start_to < start_from:
        fail(ValueError("--to is before --from"))
    try:
        params = BackfillParams(system_url=system_url, start_from=start_from.date(), start_to=start_to.date(),
                                chunk=chunk, kind=kind, database_url=database)
    except ValueError as e:
        fail(e)
    run_flow(backfill_flow, params, database)


@app.command()
def reprocess(
    source: Annotated[str | None, typer.Option(help="Only documents of this source (entry URL as stored).")] = None,
    start_from: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="Only meetings on or after this day.")] = None,
    start_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Only meetings on or before this day.")] = None,
    document: Annotated[list[int] | None, typer.Option("--document", help="Only this document id (repeatable).")] = None,
    segmenter_older_than: Annotated[str | None, typer.Option(help="Only versions segmented by an older segmenter.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Extract, normalise and segment stored documents again; nothing is downloaded."""
    from flows.reprocess import reprocess as reprocess_flow
    from schemas.params import ReprocessParams

    params = ReprocessParams(
        source=source, start_from=start_from.date() if start_from else None, start_to=start_to.date() if start_to else None,
        document_ids=document or [], segmenter_older_than=segmenter_older_than, database_url=database,
    )
    run_flow(reprocess_flow, params, database)


@app.command("ingest-document")
def ingest_document(
    location: Annotated[str, typer.Argument(help="http(s) URL or local path of one minutes PDF.")],
    body: Annotated[str | None, typer.Option(help="Council or district.")] = None,
    committee: Annotated[str | None, typer.Option(help="Committee that met.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """One minutes file through the whole pipeline into the database."""
    from flows.ingest_document import ingest_document as document_flow
    from schemas.params import IngestDocumentParams

    params = IngestDocumentParams(location=location, body=body, committee=committee, database_url=database)
    run_flow(document_flow, params, database)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the sample council system on 127.0.0.1.")] = 8765,
    database: DatabaseOpt = None,
) -> None:
    """Start the bundled sample council system, ingest it, show a summary (what `make demo` runs)."""
    from demo.build import build_sample_corpus
    from demo.server import serve_in_thread
    from storage.engine import upgrade_database

    settings = settings_for(database)
    corpus_dir = Path(os.environ.get("RATSFLOW_DEMO_DIR", "demo/out"))
    err.print(f"Building the sample corpus in {corpus_dir} …")
    build_sample_corpus(corpus_dir)
    upgrade_database(settings.resolved_database_url())
    try:
        server = serve_in_thread(corpus_dir, port=port)
    except OSError as e:
        fail(RatsflowError(f"cannot start the sample council system on 127.0.0.1:{port} ({e}); try --port"))
    with server:
        err.print(f"Sample council system at {server.url}")
        # The sample minutes are years old on purpose; a staleness alarm would only confuse here.
        run_ingest(server.url, database, stale_after_days=None)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the database schema to this version of ratsflow."""
    from storage.engine import upgrade_database

    url = settings_for(database).resolved_database_url()
    try:
        upgrade_database(url)
    except RatsflowError as e:
        fail(e)
    err.print(f"database schema is up to date: {url}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find in agenda items (German stemming on PostgreSQL).")],
    body: Annotated[str | None, typer.Option(help="Only this body (e.g. Rhein-Sieg-Kreis).")] = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Only meetings on or after this day.")] = None,
    limit: Annotated[int, typer.Option(help="Most hits to show.")] = 20,
    database: DatabaseOpt = None,
) -> None:
    """Full-text search over agenda items; ranked hits with meeting, date, item number and snippet."""
    from storage.engine import check_schema, create_db_engine
    from storage.search import search_agenda_items

    try:
        engine = create_db_engine(settings_for(database).resolved_database_url())
        check_schema(engine)
        hits = search_agenda_items(engine, query, body=body, since=since.date() if since else None, limit=limit)
    except RatsflowError as e:
        fail(e)
    table = Table("date", "meeting", "item", "title", "snippet")
    for hit in hits:
        table.add_row(f"{hit.start:%Y-%m-%d}" if hit.start else "", hit.meeting_name or "", hit.item_number, hit.title, hit.snippet)
    out.print(table)
    err.print(f"{len(hits)} hits")


def print_summary(summary, database_url: str) -> None:
    """The table a run ends with: this run's changes beside what the database now holds."""
    from storage.engine import create_db_engine
    from storage.repository import summarise_database

    totals = summarise_database(create_db_engine(database_url))
    table = Table(title=f"ratsflow run {summary.run_id}: {summary.status}")
    table.add_column("")
    table.add_column("this run", justify="right")
    table.add_column("in database", justify="right")
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "0"  # noqa: E731
    table.add_row("meetings", fmt(summary.meetings), str(totals.meetings))
    table.add_row("documents", fmt(summary.documents), fmt(totals.documents_by_status))
    table.add_row("pages by method", fmt(summary.pages_by_method), fmt(totals.pages_by_method))
    table.add_row("pages without text", str(summary.pages_without_text), "")
    table.add_row("agenda items", str(summary.agenda_items), str(totals.agenda_items))
    out.print(table)
    for failure in summary.failures:
        err.print(f"[red]failed:[/] {failure.url}: {failure.error}", highlight=False)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)


def main() -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # The temporary Prefect server must not phone home: ratsflow talks only to the sources it is given.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Its first start creates and migrates its database: on a small machine that takes more than
    # Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    try:
        app()
    except RatsflowError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
