"""`python -m bench.extract_classes` (what `make bench-extract` runs), as typed: output and exit code.

Only born-digital cases here (no OCR); the baseline is the extraction code before issue 13's
second round (`f5d218c`, extractor 2), which joined the tight agenda's lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.extract_classes", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_bench_reports_methods_cer_and_lines_before_and_after():
    done = bench("--case", "j_joined_lines", "--case", "i_letterhead", "--baseline", "f5d218c")

    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("| j_joined_lines |"))
    assert "| text_layer → text_layer |" in row and "| 0.00% → 0.00% |" in row and "| 1/7 → 7/7 |" in row
    letterhead = next(line for line in done.stdout.splitlines() if line.startswith("| i_letterhead |"))
    assert "ocr_redo ✗ → text_layer |" in letterhead  # extractor 2 OCRed the short page on letterhead
    assert "Born-digital pages OCRed: **1 → 0 of 2**" in done.stdout


def test_bench_rejects_an_unknown_case_and_an_unknown_baseline():
    unknown_case = bench("--case", "no_such_case")
    unknown_ref = bench("--case", "a_signature", "--baseline", "no-such-revision")

    assert unknown_case.returncode == 2 and "unknown case no_such_case" in unknown_case.stderr
    assert "a_signature" in unknown_case.stderr  # the cases there are, to pick from
    assert unknown_ref.returncode == 2
    assert "baseline 'no-such-revision' is not a git revision" in unknown_ref.stderr
    assert unknown_ref.stdout == ""
