"""End to end: `ratsflow backfill` of a generated archive on the sample server, then the same again.

    python -m bench.speed_archive [--documents 300] [--scanned-every 10]

The archive is the sample corpus's nine meeting plans repeated on new days (each minutes file is
its own content: new day, new seed), every `--scanned-every`-th one a short 300-dpi scan, the rest
born-digital. `ratsflow backfill` runs as typed (its own temporary Prefect server, SQLite), first on
an empty database, then once more on the unchanged archive. Reported per run: wall time,
documents per minute, peak RSS of the command's process, PDF downloads (from the server's request
log) and documents extracted (OCR calls happen only there; the run's own counts say how many).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from demo import build
from demo.server import serve_in_thread

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


def backfill(url: str, span: tuple[str, str], db: Path, data_dir: Path, prefect_home: Path, log: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of the `ratsflow` process, exit code)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "RATSFLOW_DATA_DIR": str(data_dir), "PREFECT_HOME": str(prefect_home),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "COLUMNS": "200"}
    env.pop("PREFECT_API_URL", None)
    cmd = [str(ROOT / ".venv" / "bin" / "ratsflow"), "backfill", url, "--from", span[0], "--to", span[1],
           "--chunk", "year", "--database", f"sqlite:///{db}"]
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def run_counts(db: Path) -> dict:
    with sqlite3.connect(db) as c:
        [(counts,)] = c.execute("SELECT counts FROM ingest_run WHERE flow_name = 'backfill' ORDER BY id DESC LIMIT 1")
        ocr_pages = c.execute("SELECT COUNT(*) FROM page WHERE method != 'text_layer'").fetchone()[0]
    return {**json.loads(counts), "ocr_pages_stored": ocr_pages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--scanned-every", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ratsflow-archive-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        corpus = build_archive(folder / "archive", args.documents, args.scanned_every)
        pages = sum(m.pages for m in corpus.meetings)
        scanned = sum(m.kind == "scan" for m in corpus.meetings)
        print(f"archive: {len(corpus.meetings)} documents ({scanned} scanned), {pages} pages, built in "
              f"{time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
        with serve_in_thread(folder / "archive", page_size=100) as server:
            for label in ("first run", "re-run, unchanged"):
                before = len(server.requests)
                span = (min(m.start for m in corpus.meetings).date().isoformat(),
                        max(m.start for m in corpus.meetings).date().isoformat())
                wall, rss, code = backfill(server.url, span, folder / "ratsflow.db", folder / "data", folder / "prefect",
                                           folder / f"{label[:5]}.log")
                if code not in (0, 3):
                    print((folder / f"{label[:5]}.log").read_text()[-3000:], file=sys.stderr)
                    return 1
                downloads = sum(1 for method, path, status in server.requests[before:]
                                if method == "GET" and path.split("?")[0].endswith(".pdf") and status == 200)
                counts = run_counts(folder / "ratsflow.db")
                print(f"{label}: {wall:.1f} s, {len(corpus.meetings) / wall * 60:.0f} documents/min, "
                      f"peak RSS {rss:.0f} MiB, PDF downloads {downloads}, exit {code}, "
                      f"documents {counts.get('documents')}, load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
