"""Extraction per failure class (issue 13): `python -m bench.extract_classes [--out FILE.md]`.

Builds the PDFs of `tests/tasks/extract/extract_cases.py` (one small case per class of page that
real minutes broke extraction with), extracts each with `tasks.extract.extract_document` and
reports per page: the method chosen, the method the page needs, and CER of the normalised page
text against the text the page prints (NFC, whitespace folded, dashes as hyphens, as in
`bench.ocr`). The summary counts born-digital pages that were OCRed (target: 0).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import jiwer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tasks" / "extract"))

from extract_cases import build_cases  # noqa: E402

from schemas.extraction import OcrPolicy  # noqa: E402


def _extract_document():
    """`extract_document` from wherever the extraction stage lives (module or package)."""
    from tasks.extract import extract_document

    return extract_document


def folded(text: str) -> str:
    text = re.sub(r"[–—‐‑]", "-", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def cer(truth: str, text: str) -> float:
    return jiwer.cer(folded(truth), folded(text) or "∅")


def run(names: list[str] | None = None) -> list[dict]:
    extract_document = _extract_document()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ratsflow-bench-extract-") as tmp:
        for case in build_cases(Path(tmp), names).values():
            started = time.perf_counter()
            doc = extract_document(case.path, OcrPolicy())
            seconds = time.perf_counter() - started
            for page, truth, expected, source in zip(doc.pages, case.truths, case.expected_methods, case.pages):
                rows.append(dict(case=case.name, cls=case.failure_class, page=page.number, kind=source.kind,
                                 method=page.method, expected=expected, cer=cer(truth, page.text),
                                 seconds=seconds / len(doc.pages), text=page.text))
    return rows


def table(rows: list[dict]) -> str:
    out = ["| case | class | page | drawn as | method (needed) | CER | s/page |", "|---|---|---|---|---|---:|---:|"]
    for r in rows:
        mark = "" if r["method"] == r["expected"] else " ✗"
        out.append(f"| {r['case']} | {r['cls']} | {r['page']} | {r['kind']} | {r['method']} ({r['expected']}){mark} "
                   f"| {r['cer']:.2%} | {r['seconds']:.2f} |")
    born = [r for r in rows if r["kind"] == "born"]
    ocred = sum(r["method"] != "text_layer" for r in born)
    out.append("")
    out.append(f"Born-digital pages OCRed: **{ocred} of {len(born)}**. "
               f"Pages with the wrong method: {sum(r['method'] != r['expected'] for r in rows)} of {len(rows)}.")
    by_class: dict[str, list[float]] = {}
    for r in rows:
        by_class.setdefault(r["cls"], []).append(r["cer"])
    out.append("")
    out.append("| class | mean CER |")
    out.append("|---|---|")
    out.extend(f"| {cls} | {sum(v) / len(v):.2%} |" for cls, v in by_class.items())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--show", action="store_true", help="print each page's text")
    args = parser.parse_args(argv)
    rows = run(args.case)
    if args.show:
        for r in rows:
            print(f"--- {r['case']} p{r['page']} {r['method']} CER {r['cer']:.2%}\n{r['text']}\n")
    text = table(rows)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
