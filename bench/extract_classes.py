"""Extraction per failure class (issue 13): `python -m bench.extract_classes [--baseline REF] [--write]`.

Builds the PDFs of `tests/tasks/extract/extract_cases.py` (one small case per class of page that
real minutes broke extraction with), extracts each with `tasks.extract.extract_document` and
reports per page: the method chosen, the method the page needs, CER of the normalised page text
against the text the page prints (NFC, whitespace folded, dashes as hyphens, as in `bench.ocr`),
and how many of the printed lines came out as lines of their own (CER folds line breaks away,
and a heading joined to the next line is lost to the segmenter).

`--baseline REF` runs the same cases, in the same run, through the extraction code of git
revision REF (its `tasks/` and `schemas/`, with today's cases) for the before → after columns.
The summary counts born-digital pages that were OCRed (target: 0).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import jiwer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tasks" / "extract"))

from extract_cases import all_cases, build_cases  # noqa: E402

from schemas.extraction import OcrPolicy  # noqa: E402

BENCHMARKS_MD = ROOT / "docs" / "BENCHMARKS.md"
BORN_DIGITAL = ("born", "letterhead")  # page kinds whose text layer is the page


def folded(text: str) -> str:
    text = re.sub(r"[–—‐‑]", "-", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def cer(truth: str, text: str) -> float:
    return jiwer.cer(folded(truth), folded(text) or "∅")


def lines_kept(source, truth: str, text: str) -> tuple[int, int] | None:
    """(printed lines found as a line of their own, printed lines); None where the truth is
    flowed paragraphs rather than the page's drawn lines."""
    wanted = [folded(line) for line in truth.splitlines() if line.strip()]
    if wanted != [folded(line.text) for line in source.lines if line.text.strip()]:
        return None
    found = {folded(line) for line in text.splitlines()}
    return sum(line in found for line in wanted), len(wanted)


def run(names: list[str] | None = None) -> list[dict]:
    from tasks.extract import extract_document

    rows = []
    with tempfile.TemporaryDirectory(prefix="ratsflow-bench-extract-") as tmp:
        for case in build_cases(Path(tmp), names).values():
            started = time.perf_counter()
            doc = extract_document(case.path, OcrPolicy())
            seconds = time.perf_counter() - started
            for page, truth, expected, source in zip(doc.pages, case.truths, case.expected_methods, case.pages):
                kept, printed = lines_kept(source, truth, page.text) or (None, None)
                rows.append(dict(case=case.name, cls=case.failure_class, page=page.number, kind=source.kind,
                                 method=page.method, expected=expected, cer=cer(truth, page.text), lines=kept,
                                 printed_lines=printed, seconds=seconds / len(doc.pages), text=page.text))
    return rows


class BenchInputError(Exception):
    """The baseline revision named cannot give numbers: not a revision, or its code fails."""


def baseline_rows(ref: str, names: list[str] | None) -> list[dict]:
    """`run` with the extraction code (`tasks/`, `schemas/`) of git revision `ref`, in a subprocess."""
    listed = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "tasks", "schemas"],
                            capture_output=True)
    if listed.returncode != 0:
        raise BenchInputError(f"cannot take the extraction code (tasks/, schemas/) of {ref!r}: "
                              f"{listed.stderr.decode(errors='replace').strip()[:200]}")
    archive = listed.stdout
    with tempfile.TemporaryDirectory(prefix="ratsflow-baseline-") as old:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        # cwd first on sys.path: the old `tasks`/`schemas` win; `bench`, `demo` and the cases come from ROOT.
        cmd = [sys.executable, "-m", "bench.extract_classes", "--json"] + [a for n in names or [] for a in ("--case", n)]
        done = subprocess.run(cmd, cwd=old, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchInputError(f"the extraction code of {ref!r} failed on the cases: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout)


def table(rows: list[dict], before: list[dict] | None = None) -> str:
    """Per page and per class; with `before`, each number as before → after."""
    old = {(r["case"], r["page"]): r for r in before or []}

    def pair(r: dict, fmt) -> str:
        b = old.get((r["case"], r["page"]))
        return f"{fmt(b)} → {fmt(r)}" if b else fmt(r)

    def pct(r: dict) -> str:
        return f"{r['cer']:.2%}"

    def method(r: dict) -> str:
        return r["method"] + ("" if r["method"] == r["expected"] else " ✗")

    def lines(r: dict) -> str:
        return "–" if r["printed_lines"] is None else f"{r['lines']}/{r['printed_lines']}"

    out = ["| case | class | page | drawn as | needs | method | CER | lines kept | s/page |",
           "|---|---|---|---|---|---|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['case']} | {r['cls']} | {r['page']} | {r['kind']} | {r['expected']} | {pair(r, method)} "
                   f"| {pair(r, pct)} | {pair(r, lines)} | {r['seconds']:.2f} |")

    def summary(rs: list[dict]) -> tuple[int, int, int]:
        born = [r for r in rs if r["kind"] in BORN_DIGITAL]
        return sum(r["method"] != "text_layer" for r in born), len(born), sum(r["method"] != r["expected"] for r in rs)

    ocred, born, wrong = summary(rows)
    line = f"Born-digital pages OCRed: **{ocred} of {born}**. Pages with the wrong method: {wrong} of {len(rows)}."
    if before:
        b_ocred, b_born, b_wrong = summary([old[(r["case"], r["page"])] for r in rows if (r["case"], r["page"]) in old])
        line = (f"Born-digital pages OCRed: **{b_ocred} → {ocred} of {born}**. "
                f"Pages with the wrong method: {b_wrong} → {wrong} of {len(rows)}.")
    scans = [r for r in rows if r["kind"] not in BORN_DIGITAL]
    worst = max(scans, key=lambda r: r["cer"]) if scans else None
    out += ["", line]
    if worst:
        out.append(f"Worst scan page: {worst['case']} at CER {worst['cer']:.2%} (target ≤ 1 %).")
    out += ["", "| class | mean CER | lines kept |", "|---|---:|---:|"]
    classes: dict[str, list[dict]] = {}
    for r in rows:
        classes.setdefault(r["cls"], []).append(r)

    def mean(group: list[dict]) -> str:
        return f"{sum(r['cer'] for r in group) / len(group):.2%}"

    def kept(group: list[dict]) -> str:
        counted = [r for r in group if r["printed_lines"] is not None]
        return f"{sum(r['lines'] for r in counted)}/{sum(r['printed_lines'] for r in counted)}" if counted else "–"

    for cls, rs in classes.items():
        bs = [old[(r["case"], r["page"])] for r in rs if (r["case"], r["page"]) in old]
        if len(bs) == len(rs):
            out.append(f"| {cls} | {mean(bs)} → {mean(rs)} | {kept(bs)} → {kept(rs)} |")
        else:
            out.append(f"| {cls} | {mean(rs)} | {kept(rs)} |")
    return "\n".join(out)


def write_markdown(text: str, baseline: str | None, elapsed: float) -> None:
    """Replaces the table between the `bench.extract_classes` markers in docs/BENCHMARKS.md."""
    today = datetime.now(UTC).date().isoformat()
    against = f", before = extraction code of `{baseline}`" if baseline else ""
    block = (f"<!-- bench.extract_classes table -->\nMeasured {today} with `make bench-extract` ({elapsed:.0f} s on "
             f"{os.cpu_count()} cores{against}).\n\n{text}\n<!-- /bench.extract_classes table -->")
    old = BENCHMARKS_MD.read_text(encoding="utf-8")
    pattern = re.compile(r"<!-- bench.extract_classes table -->.*?<!-- /bench.extract_classes table -->", re.DOTALL)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else old.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS_MD.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--baseline", help="git revision whose extraction code gives the `before` numbers")
    parser.add_argument("--write", action="store_true", help="write the table into docs/BENCHMARKS.md")
    parser.add_argument("--show", action="store_true", help="print each page's text")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # rows for a baseline run
    args = parser.parse_args(argv)
    unknown = sorted(set(args.case or []) - {case.name for case in all_cases()})
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; cases are: {', '.join(c.name for c in all_cases())}")
    if args.baseline and subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
                                         f"{args.baseline}^{{commit}}"], capture_output=True).returncode != 0:
        print(f"error: baseline {args.baseline!r} is not a git revision of {ROOT}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = run(args.case)
    if args.json:
        print(json.dumps(rows))
        return 0
    try:
        before = baseline_rows(args.baseline, args.case) if args.baseline else None
    except BenchInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.show:
        for r in rows:
            print(f"--- {r['case']} p{r['page']} {r['method']} CER {r['cer']:.2%}\n{r['text']}\n")
    text = table(rows, before)
    print(text)
    if args.write:
        write_markdown(text, args.baseline, time.perf_counter() - started)
        print(f"written to {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
