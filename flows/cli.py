"""The `ratsflow` command line: the same stages and flows as the Prefect deployments.

Every failure ends in one line on stderr, `error: what happened; what to do`, and an exit code of
schemas.errors.ExitCode (listed in docs/OPERATING.md); `--verbose` adds Prefect's log lines and the
traceback. Arguments are checked at the door (flows/door.py) before any work and before the
temporary Prefect server starts.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from flows.door import agenda_from_file, checked_params, iso_day
from flows.terminal import err, out
from schemas.errors import ConfigurationError, DatabaseUnavailable, ExitCode, RatsflowError
from schemas.secrets import kept_secret

VERBOSE = {"on": False}


class OneLineErrors(TyperGroup):
    """Usage errors, typed errors and bugs each end in one `error:` line and their exit code."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Exit as e:
            code = e.exit_code
        except typer.TyperException as e:  # typer's (vendored click's) usage errors
            if type(e).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
                say_error(" ".join(e.format_message().split()), e)
            code = ExitCode.bad_input
        except (typer.Abort, KeyboardInterrupt):
            err.print("interrupted", highlight=False)
            code = ExitCode.interrupted
        except RatsflowError as e:
            say_error(str(e), e)
            code = e.exit_code
        except Exception as e:  # a bug: one line that says so, the traceback with --verbose
            hint = "" if VERBOSE["on"] else " (run again with --verbose for the traceback)"
            say_error(f"internal error: {e.__class__.__name__}: {e}{hint}", e)
            code = ExitCode.internal_error
        if not standalone_mode:
            return code
        sys.exit(int(code or 0))


def say_error(message: str, error: BaseException | None = None) -> None:
    if VERBOSE["on"] and error is not None:
        err.print("".join(traceback.format_exception(error)), highlight=False, markup=False, soft_wrap=True)
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def say_warning(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


app = typer.Typer(help="ratsflow: council minutes into a searchable SQL store.", no_args_is_help=True,
                  add_completion=False, cls=OneLineErrors, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's log lines and tracebacks.")] = False,
) -> None:
    VERBOSE["on"] = verbose


DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL (default: RATSFLOW_DATABASE_URL or sqlite:///data/ratsflow.db).")
]
DAY = "YYYY-MM-DD"
DayOpt = Annotated[date | None, typer.Option(parser=iso_day, metavar=DAY)]


def settings_for(database: str | None):
    from schemas.settings import Settings

    return Settings(**({"database_url": database} if database else {}))


def database_url_for(database: str | None) -> str:
    """The URL a command works on; an explicit SQLite file must be in a folder that exists (no silent mkdir)."""
    from sqlalchemy.engine import make_url

    url = settings_for(database).resolved_database_url()
    if database and database.startswith("sqlite"):
        file = make_url(database).database
        if file and file != ":memory:" and not file.startswith("file:"):
            folder = Path(file).expanduser().parent
            if not folder.is_dir():
                raise ConfigurationError(f"folder {folder} does not exist: create it (mkdir -p {folder}) or choose another --database")
    return url


def open_database(database: str | None):
    """The engine of the run's database, its schema created when empty: errors here come before any work."""
    from storage.engine import create_db_engine, ensure_schema

    engine = create_db_engine(database_url_for(database))
    ensure_schema(engine)
    return engine


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A PDF file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (pages with method and confidence, normalised text).")] = False,
) -> None:
    """Get trustworthy text out of every page of a PDF (text layer or OCR)."""
    from schemas.extraction import OcrPolicy
    from tasks.extract import extract_document

    doc = extract_document(file, OcrPolicy.from_settings(settings_for(None)))
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
    from tasks.extract import extract_document
    from tasks.normalise import normalise_text
    from tasks.segment import segment_minutes

    entries = agenda_from_file(agenda) if agenda else None
    if file.suffix.lower() == ".pdf":
        pages = [p.text for p in extract_document(file, OcrPolicy.from_settings(settings_for(None))).pages]
    else:
        pages = [normalise_text(p) for p in file.read_text(encoding="utf-8").split("\f")]
    result = segment_minutes(pages, agenda=entries)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    table = Table("number", "label", "title", "public", "pages", "result")
    for item in result.items:
        pages = f"{item.page_start}-{item.page_end}"
        table.add_row(item.number, item.label, item.title, "yes" if item.public else "no", pages, item.result or "")
    out.print(table)
    for warning in result.warnings:
        say_warning(warning)


SourceKindOpt = Annotated[str | None, typer.Option("--kind", help="oparl, sessionnet, allris or archive (default: detected).")]


def run_flow(flow_fn, params, database: str | None):
    """Run a flow in this process under one progress bar; end with the summary and the run's exit code."""
    from flows.temporary_server import watch_temporary_server
    from flows.terminal import progress_bar, quiet_prefect_processes, route_prefect_logging

    watch_temporary_server()  # a kill -9 of this process must not leave Prefect's temporary server running
    quiet_prefect_processes(VERBOSE["on"])
    route_prefect_logging(VERBOSE["on"])
    try:
        with progress_bar():
            state = flow_fn(params, return_state=True)
    except RuntimeError as e:
        if "ephemeral Prefect API" not in str(e):
            raise
        raise RatsflowError(
            "Prefect's temporary API server did not start in time. Start one with `make serve` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, or allow it longer with "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (now "
            f"{os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS')})."
        ) from e
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):
        raise summary
    print_summary(summary, settings_for(database).resolved_database_url())
    if summary.exit_code != ExitCode.ok:
        raise typer.Exit(summary.exit_code)
    return summary


def check_source(url: str, database: str | None) -> None:
    """A source that refuses connections, has no DNS name or does not answer says so now, in seconds."""
    from tasks.run.preflight import check_source_answers

    check_source_answers(url, settings_for(database))


def run_ingest(system_url: str, database: str | None, *, kind: str | None = None, stale_after_days: int | None = 120,
               incremental: bool = True):
    from flows.sync import sync
    from schemas.params import SyncParams

    params = checked_params(SyncParams, system_url=kept_secret(system_url), database_url=database, kind=kind,
                            stale_after_days=stale_after_days, incremental=incremental)
    open_database(database).dispose()
    check_source(system_url, database)
    return run_flow(sync, params, database)


@app.command()
def ingest(
    system_url: Annotated[str, typer.Argument(metavar="SOURCE", help="URL of the OParl System object (or another source, see --kind).")],
    database: DatabaseOpt = None,
    kind: SourceKindOpt = None,
    full: Annotated[bool, typer.Option("--full", help="List every meeting, not only those changed since the last run.")] = False,
) -> None:
    """Incremental ingest (the `sync` flow): new and changed minutes only."""
    run_ingest(system_url, database, kind=kind, incremental=not full)


@app.command()
def backfill(
    system_url: Annotated[str, typer.Argument(metavar="SOURCE", help="URL of the OParl System object (or another source, see --kind).")],
    start_from: Annotated[date, typer.Option("--from", parser=iso_day, metavar=DAY, help="First meeting day.")],
    start_to: Annotated[date, typer.Option("--to", parser=iso_day, metavar=DAY, help="Last meeting day.")],
    chunk: Annotated[str, typer.Option(help="month, quarter or year: one child flow run each.")] = "quarter",
    database: DatabaseOpt = None,
    kind: SourceKindOpt = None,
) -> None:
    """Ingest the meetings that start in a date range, chunk by chunk; a re-run skips what is done."""
    from flows.backfill import backfill as backfill_flow
    from schemas.params import BackfillParams

    params = checked_params(BackfillParams, system_url=kept_secret(system_url), start_from=start_from, start_to=start_to,
                            chunk=chunk, kind=kind, database_url=database)
    open_database(database).dispose()
    check_source(system_url, database)
    run_flow(backfill_flow, params, database)


@app.command()
def reprocess(
    source: Annotated[str | None, typer.Option(help="Only documents of this source (entry URL as stored).")] = None,
    start_from: Annotated[date | None, typer.Option("--from", parser=iso_day, metavar=DAY, help="Only meetings from this day on.")] = None,
    start_to: Annotated[date | None, typer.Option("--to", parser=iso_day, metavar=DAY, help="Only meetings on or before this day.")] = None,
    document: Annotated[list[int] | None, typer.Option("--document", help="Only this document id (repeatable).")] = None,
    segmenter_older_than: Annotated[
        str | None, typer.Option(help="Only versions segmented by an older segmenter (a version like 1.1).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Extract, normalise and segment stored documents again; nothing is downloaded."""
    from flows.reprocess import reprocess as reprocess_flow
    from schemas.params import ReprocessParams
    from storage.selection import select_stored_documents

    params = checked_params(ReprocessParams, source=source, start_from=start_from, start_to=start_to,
                            document_ids=document or [], segmenter_older_than=segmenter_older_than, database_url=database)
    engine = open_database(database)
    try:
        if params.document_ids:
            found = {d.document_id for d in select_stored_documents(engine, document_ids=params.document_ids)}
            missing = [str(i) for i in params.document_ids if i not in found]
            if missing:
                raise ConfigurationError(
                    f"--document {', '.join(missing)}: no stored document with a version to reprocess has this id "
                    f"(see the document table, column id)"
                )
    finally:
        engine.dispose()
    run_flow(reprocess_flow, params, database)


@app.command("ingest-document")
def ingest_document(
    location: Annotated[str, typer.Argument(metavar="URL|FILE.pdf", help="http(s) URL or local path of one minutes PDF.")],
    body: Annotated[str | None, typer.Option(help="Council or district.")] = None,
    committee: Annotated[str | None, typer.Option(help="Committee that met.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """One minutes file through the whole pipeline into the database."""
    from flows.ingest_document import ingest_document as document_flow
    from schemas.params import IngestDocumentParams

    is_url = location.lower().startswith(("http://", "https://"))
    if not is_url and not Path(location.removeprefix("file://")).expanduser().is_file():
        raise ConfigurationError(f"{location}: no such file")
    params = checked_params(IngestDocumentParams, location=location, body=body, committee=committee, database_url=database)
    open_database(database).dispose()
    run_flow(document_flow, params, database)


def demo_next_steps(database_url: str, data_dir: Path | str) -> str:
    """What `make demo` ends with: where the data is and what to try next."""
    return "\n".join([
        "",
        f"The sample council's minutes are in {database_url} (blobs under {data_dir}/blobs).",
        "Try next:",
        '  ratsflow search "Haushalt"              full-text search over the agenda items',
        "  ratsflow search Schule --since 2019-01-01",
        "  make serve                              the Prefect UI with every deployment and a worker",
        "  docs/DATABASE.md                        tables, views and example queries for your own app",
    ])


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the sample council system on 127.0.0.1.")] = 8765,
    database: DatabaseOpt = None,
) -> None:
    """Start the bundled sample council system, ingest it, show a summary (what `make demo` runs)."""
    from demo.build import build_sample_corpus
    from demo.server import serve_in_thread

    settings = settings_for(database)
    corpus_dir = Path(os.environ.get("RATSFLOW_DEMO_DIR", "demo/out"))
    err.print(f"Building the sample corpus in {corpus_dir} …")
    build_sample_corpus(corpus_dir)
    open_database(database).dispose()
    try:
        server = serve_in_thread(corpus_dir, port=port)
    except OSError as e:
        raise ConfigurationError(f"cannot start the sample council system on 127.0.0.1:{port} ({e}); try --port") from e
    with server:
        err.print(f"Sample council system at {server.url}")
        # The sample minutes are years old on purpose; a staleness alarm would only confuse here.
        try:
            run_ingest(server.url, database, stale_after_days=None)
        finally:
            err.print(demo_next_steps(settings.resolved_database_url(), settings.data_dir), highlight=False, soft_wrap=True)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the database schema to this version of ratsflow."""
    from storage.engine import upgrade_database

    url = database_url_for(database)
    revision = upgrade_database(url)
    err.print(f"database schema is up to date ({revision}): {url}", highlight=False, soft_wrap=True)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find in agenda items (German stemming on PostgreSQL).")],
    body: Annotated[str | None, typer.Option(help="Only this body (e.g. Rhein-Sieg-Kreis).")] = None,
    since: DayOpt = None,
    limit: Annotated[int, typer.Option(help="Most hits to show.")] = 20,
    database: DatabaseOpt = None,
) -> None:
    """Full-text search over agenda items; ranked hits with meeting, date, item number and snippet."""
    from sqlalchemy.engine import make_url

    from storage.search import search_agenda_items

    url = database_url_for(database)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).expanduser().exists():
        raise DatabaseUnavailable(f"there is no database at {url} yet: fill one first (`ratsflow demo`, `ratsflow ingest SOURCE`)")
    engine = open_database(database)
    try:
        hits = search_agenda_items(engine, query, body=body, since=since, limit=limit)
    finally:
        engine.dispose()
    table = Table("date", "meeting", "item", "title", "snippet")
    for hit in hits:
        table.add_row(f"{hit.start:%Y-%m-%d}" if hit.start else "", hit.meeting_name or hit.body or "", hit.number,
                      hit.title, hit.snippet)
    out.print(table)
    err.print(f"{len(hits)} hits", highlight=False)


def print_summary(summary, database_url: str) -> None:
    """The table a run ends with: this run's changes beside what the database now holds."""
    from storage.engine import create_db_engine
    from storage.repository import summarise_database
    from tasks.run.report import file_name, shown_reason

    engine = create_db_engine(database_url)
    try:
        totals = summarise_database(engine)
    finally:
        engine.dispose()
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
        err.print(f"[red]failed:[/] {escape(failure.url)}: {escape(shown_reason(failure))}", highlight=False, soft_wrap=True)
    for chunk in summary.failed_chunks:
        err.print(f"[red]failed:[/] chunk {chunk.label}: {escape(chunk.error)}", highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        say_warning(warning)
    for warned in summary.warned:
        say_warning(f"segmentation of {file_name(warned.url)}: {'; '.join(warned.warnings)}")


def main() -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # The temporary Prefect server must not phone home: ratsflow talks only to the sources it is given.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Its first start creates and migrates its database: on a small machine that takes more than
    # Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    app()


if __name__ == "__main__":
    main()
