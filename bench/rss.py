"""Peak RSS of one command's process, as the benchmarks report it.

From `/usr/bin/time -f %M`, not from the benchmark's own `wait4`: a child forked from the benchmark
counts the benchmark's pages until it execs (`/bin/true` from a 400 MiB parent read 412 MiB).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def run_with_peak_rss(cmd: list[str], **run_options) -> tuple[subprocess.CompletedProcess, float]:
    """(the finished command, its peak RSS in MiB); `run_options` go to `subprocess.run`."""
    with tempfile.NamedTemporaryFile(prefix="ratsflow-rss-", suffix=".txt") as peak:
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *cmd], **run_options)
        # %M is in KiB; for a failed command `time` writes a status line first.
        return done, int(Path(peak.name).read_text().split()[-1]) / 1024
