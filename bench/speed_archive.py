"""End to end: `ratsflow backfill` of a generated archive on the sample server, then the same again.

    python -m bench.speed_archive [--documents 300] [--scanned-every 10]

The archive is the sample corpus's nine meeting plans repeated on new days (each minutes file is
its own content: new day, new seed), every `--scanned-every`-th one a short 300-dpi scan, the rest
born-digital. `ratsflow backfill` runs as a user types it (SQLite), first on an empty database,
then once more on the unchanged archive. Reported per run: wall time, documents per minute, peak
RSS of the command's process (`/usr/bin/time`), PDF downloads (from the server's request log) and
documents extracted (OCR calls happen only there; the run's own counts say how many).

Prefect's share is counted in the rows a run added to the server's flow_run, task_run,
flow_run_state and task_run_state tables (`PREFECT_HOME/prefect.db`). The server records task
runs from the events the command sends, asynchronously; a temporary server stopped with the
command drops what it had not yet written (4 of 50 task runs of a 12-document run were left
Pending or Running, one never appeared). So the counted runs go to one `prefect server start`
on loopback (what `make serve` runs for operators), and are read once it has settled. The
command's own temporary server is timed on its own: the same command over a year without
meetings, against the running server and as typed. Last, the re-run's work without Prefect in
this process: the same stage functions (discover per chunk, record each meeting, the skip check
per document) on the same database; the command's wall time minus this one is what the command
around the stages (process start, imports, Prefect's flow and task runs) costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from bench.rss import run_with_peak_rss
from demo import build
from demo.server import serve_in_thread
from deploy import serve
from schemas.params import SyncParams
from tasks.document import ingest_document
from tasks.run.chunks import date_chunks
from tasks.run.context import open_pipeline
from tasks.run.record import record_meeting
from tasks.sources import discover

ROOT = Path(__file__).resolve().parents[1]


def build_archive(out: Path, documents: int, scanned_every: int) -> build.SampleCorpus:
    """`documents` meetings in the sample corpus's format, in `out` (deterministic)."""
    out.mkdir(parents=True, exist_ok=True)
    meetings = []
    for n in range(documents):
        plan = build.PLANS[n % len(build.PLANS)]
        scanned = scanned_every and n % scanned_every == scanned_every - 1
        plan = dataclasses.replace(
            plan, day=build.PLANS[0].day + timedelta(days=7 * n), previous=build.PLANS[0].day + timedelta(days=7 * n - 35),
            session=n + 1, seed=1000 + n, size="short" if scanned else plan.size,
            kind="scan" if scanned else "born_digital", scan=build._SCAN_B if scanned else {},
        )
        doc = build.compose_planned(plan)
        pdf = build._pdf_bytes(plan, doc, 300)
        pdf_name, truth_name = f"{plan.meeting_id}.pdf", f"{plan.meeting_id}.truth.json"
        build.write_if_changed(out / pdf_name, pdf)
        build.write_if_changed(out / truth_name, build._json_bytes(build._truth(plan, doc, pdf_name, 300)))
        meetings.append(build._meeting(plan, doc, pdf, pdf_name, truth_name))
    corpus = build.SampleCorpus(organizations=build._organizations(), meetings=meetings, out_dir=out)
    build.write_if_changed(out / "corpus.json", build._json_bytes(corpus.model_dump(mode="json")))
    return corpus


def backfill(url: str, span: tuple[str, str], db: Path, data_dir: Path, prefect_env: dict[str, str], log: Path
             ) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of the `ratsflow` process, exit code)."""
    env = {**prefect_env, "OMP_THREAD_LIMIT": "1", "RATSFLOW_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    cmd = [str(ROOT / ".venv" / "bin" / "ratsflow"), "backfill", url,
           "--from", span[0], "--to", span[1], "--chunk", "year", "--database", f"sqlite:///{db}"]
    started = time.perf_counter()
    with log.open("wb") as out:
        done, peak = run_with_peak_rss(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - started, peak, done.returncode


def temporary_server_env(prefect_home: Path) -> dict[str, str]:
    """The command as typed: no PREFECT_API_URL, so it starts (and stops) its own temporary Prefect server."""
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return env


@contextmanager
def prefect_server(prefect_home: Path, log: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on a free loopback port for the counted runs; its environment for the commands.

    Not the command's own temporary server: that one is stopped with the command and drops the task runs it
    had not yet recorded, so its counts come out short by a few at random.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = serve.prefect_env(prefect_home, port)
    server = serve.start_server(env, log=log)
    try:
        serve.wait_until_healthy(env, server)
        yield env
    finally:
        serve.stop(server)


def run_counts(db: Path) -> dict:
    with sqlite3.connect(db) as c:
        [(counts,)] = c.execute("SELECT counts FROM ingest_run WHERE flow_name = 'backfill' ORDER BY id DESC LIMIT 1")
        ocr_pages = c.execute("SELECT COUNT(*) FROM page WHERE method != 'text_layer'").fetchone()[0]
    return {**json.loads(counts), "ocr_pages_stored": ocr_pages}


PREFECT_TABLES = ("flow_run", "task_run", "flow_run_state", "task_run_state")


def prefect_rows(prefect_home: Path) -> dict[str, int]:
    """Rows per table in the Prefect server's database, and task runs per task (name up to its first `-`)."""
    database = prefect_home / "prefect.db"
    if not database.exists():
        return {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        rows = {table: c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in PREFECT_TABLES}
        rows["unfinished task runs"] = c.execute(
            "SELECT COUNT(*) FROM task_run WHERE state_type IS NULL OR state_type IN ('PENDING', 'RUNNING', 'SCHEDULED')"
        ).fetchone()[0]
        for task, count in c.execute("SELECT substr(name, 1, instr(name || '-', '-') - 1), COUNT(*) FROM task_run GROUP BY 1"):
            rows[f"task {task}"] = count
    return rows


def settled_prefect_rows(prefect_home: Path, timeout: float = 120.0) -> dict[str, int]:
    """`prefect_rows` once the server has recorded every task run it was told of (none unfinished, two equal reads)."""
    deadline = time.monotonic() + timeout
    last = prefect_rows(prefect_home)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        rows = prefect_rows(prefect_home)
        if rows == last and not rows.get("unfinished task runs"):
            return rows
        last = rows
    return last


def prefect_cost(before: dict[str, int], after: dict[str, int], documents: int) -> str:
    """What one run added to Prefect's database, in all and per document."""
    added = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    states = added["flow_run_state"] + added["task_run_state"]
    tasks = ", ".join(f"{name[5:]} {count}" for name, count in sorted(added.items()) if name.startswith("task ") and count)
    lag = f"; {after['unfinished task runs']} task runs not finished: counts lag" if after["unfinished task runs"] else ""
    return (f"flow runs {added['flow_run']}, task runs {added['task_run']} ({tasks}), state writes {states} "
            f"(flow {added['flow_run_state']}, task {added['task_run_state']}); per document: "
            f"{added['task_run'] / documents:.2f} task runs, {added['flow_run'] / documents:.3f} flow runs, "
            f"{states / documents:.2f} state writes{lag}")


def plain_rerun(url: str, span: tuple[str, str], db: Path, data_dir: Path) -> tuple[float, int]:
    """The unchanged re-run's stages called directly, no Prefect: (wall seconds, documents skipped)."""
    started = time.perf_counter()
    params = SyncParams(system_url=url, database_url=f"sqlite:///{db}", data_dir=str(data_dir), skip_current=True)
    ctx = open_pipeline(params, None, skip_current=True)
    skipped = 0
    try:
        for chunk in date_chunks(date.fromisoformat(span[0]), date.fromisoformat(span[1]), "year"):
            for meeting in discover(url, None, ctx.client, chunk.start_from, chunk.start_to).meetings:
                recorded = record_meeting(ctx.engine, meeting)
                for ref in meeting.documents:
                    skipped += ingest_document(meeting, recorded.id, ref, ctx).status == "skipped"
    finally:
        ctx.close()
        ctx.engine.dispose()
    return time.perf_counter() - started, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--scanned-every", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ratsflow-archive-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        corpus = build_archive(folder / "archive", args.documents, args.scanned_every)
        documents = len(corpus.meetings)
        pages = sum(m.pages for m in corpus.meetings)
        scanned = sum(m.kind == "scan" for m in corpus.meetings)
        print(f"archive: {documents} documents ({scanned} scanned), {pages} pages, built in "
              f"{time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
        first_day = min(m.start for m in corpus.meetings).date()
        span = (first_day.isoformat(), max(m.start for m in corpus.meetings).date().isoformat())
        no_meetings = (date(first_day.year - 1, 1, 1).isoformat(), date(first_day.year - 1, 12, 31).isoformat())
        home = folder / "prefect"
        with serve_in_thread(folder / "archive", page_size=100) as server:
            with prefect_server(home, folder / "prefect-server.log") as env:
                runs = (("first run", span), ("re-run, unchanged", span), ("a year without meetings", no_meetings))
                walls = {label: timed_run(label, server, dates, folder, env, documents) for label, dates in runs}
            if None in walls.values():
                return 1
            typed = timed_run("a year without meetings, as typed", server, no_meetings, folder,
                              temporary_server_env(home), documents)
            plain, skipped = plain_rerun(server.url, span, folder / "ratsflow.db", folder / "data")
        rerun, fixed = walls["re-run, unchanged"], walls["a year without meetings"]
        print(f"re-run without Prefect (the same stage calls, one thread, this process): {plain:.1f} s, {skipped} skipped; "
              f"the command's share: {(rerun - plain) / documents * 1000:.0f} ms per document ({(rerun - plain) / rerun:.0%} "
              f"of its wall time), {(rerun - fixed - plain) / documents * 1000:.0f} ms beyond the start-up of a command "
              f"that finds nothing ({fixed:.1f} s; as typed, with its temporary Prefect server, {typed or 0:.1f} s)",
              flush=True)
    return 0


def timed_run(label: str, server, dates: tuple[str, str], folder: Path, env: dict[str, str], documents: int
              ) -> float | None:
    """One `ratsflow backfill` with what it cost: printed; returns its wall seconds, None if it failed."""
    home = Path(env["PREFECT_HOME"])
    # Only a running server records what is still on its way; after a temporary one, one read is all there is.
    counted = settled_prefect_rows if "PREFECT_API_URL" in env else prefect_rows
    before = len(server.requests)
    prefect_before = counted(home)
    log = folder / f"{label.replace(' ', '-').replace(',', '')}.log"
    wall, rss, code = backfill(server.url, dates, folder / "ratsflow.db", folder / "data", env, log)
    if code not in (0, 3):
        print(log.read_text()[-3000:], file=sys.stderr)
        return None
    downloads = sum(1 for method, path, status in server.requests[before:]
                    if method == "GET" and path.split("?")[0].endswith(".pdf") and status == 200)
    counts = run_counts(folder / "ratsflow.db")
    print(f"{label}: {wall:.1f} s, {documents / wall * 60:.0f} documents/min, peak RSS {rss:.0f} MiB, "
          f"PDF downloads {downloads}, exit {code}, documents {counts.get('documents')}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"  Prefect: {prefect_cost(prefect_before, counted(home), documents)}", flush=True)
    return wall


if __name__ == "__main__":
    raise SystemExit(main())
