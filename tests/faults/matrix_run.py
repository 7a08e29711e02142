"""One backfill of the whole fault council as an operator types it, with its peak memory measured.

`python -m flows.cli backfill …` runs under a small wrapper process whose only child it is, so
`getrusage(RUSAGE_CHILDREN).ru_maxrss` is the peak resident memory of the backfill (or of the
temporary Prefect server it starts, whichever is larger), nothing else of the test session's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PEAK_MARK = "PEAK_RSS_KIB="
WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    f"print('{PEAK_MARK}%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)
# Tight but real limits, so the matrix takes seconds: every one is an ordinary setting.
MATRIX_SETTINGS = {
    "RATSFLOW_DOWNLOAD_DEADLINE": "4",
    "RATSFLOW_HTTP_TIMEOUT": "5",
    "RATSFLOW_HTTP_BACKOFF": "0.2",
    "RATSFLOW_HTTP_MIN_INTERVAL": "0",
    "RATSFLOW_MAX_DOWNLOAD_BYTES": str(50 * 1024 * 1024),
    "RATSFLOW_OPARL_MAX_PAGES": "25",
}


@dataclass
class MatrixRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_bytes: int


def backfill_in_a_process(system_url: str, database_url: str, tmp_path: Path, *extra: str,
                          env: dict[str, str] | None = None, timeout: float = 540) -> MatrixRun:
    """`ratsflow --verbose backfill SYSTEM --from 2024-01-01 --to 2024-12-31 --chunk quarter` in a fresh process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RATSFLOW_"))}
    environment.update(PREFECT_HOME=str(tmp_path / "prefect-home"), RATSFLOW_DATA_DIR=str(tmp_path / "data"),
                       COLUMNS="200", OMP_THREAD_LIMIT="1", **MATRIX_SETTINGS, **(env or {}))
    command = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "flows.cli", "--verbose", "backfill", system_url,
               "--from", "2024-01-01", "--to", "2024-12-31", "--chunk", "quarter", "--database", database_url, *extra]
    done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    peak = re.search(rf"{PEAK_MARK}(\d+)", done.stderr)
    return MatrixRun(done.returncode, done.stdout, done.stderr, int(peak.group(1)) * 1024 if peak else -1)
