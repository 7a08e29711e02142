"""Scores the segmenter on the held-out set: `python -m bench.heldout.score [--misses]`.

Same item scoring as `bench/segment.py` (number + public flag, title ratio ≥ 0.90, body word ratio
≥ 0.95; pooled precision/recall/F1), on the text input, heuristic (no agenda) and guided (the
OParl-like agenda stored with each document), on the text as written and on the text layer of a
born-digital rendering (`bench/golden/textpdf.py`, then `tasks.extract.extract_document`, cached by
sha256 like the golden set's). Two more measures:

- non-minutes: documents whose truth says they are not minutes (`reads_as_minutes: false`) count as
  recognised when the segmenter returns no items and at least one warning; their predicted items
  count against precision like any other extra item;
- results/votes: `bench/heldout/results.json` holds result lines (one or more lines each) with the
  expected `result` word and `votes`, in the representation `outcome_of` returns; each is fed to
  `outcome_of` as an item body.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path

from bench.heldout.build import HELDOUT_DIR, PROBE3_DIR, PROBE_DIR, RESULTS_JSON
from bench.segment import Score, score_document
from schemas.pipeline import AgendaEntry
from tasks.segment import SEGMENTER_VERSION, segment_minutes
from tasks.segment.outcome import outcome_of

OUT_DIR = HELDOUT_DIR.parent / "out"


def heldout_names(directory: Path = HELDOUT_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("[hpq][0-9]*.json"))


@cache
def _truth(name: str, directory: Path = HELDOUT_DIR) -> dict:
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))


KINDS = ("text", "born-digital")


def _pages(name: str, kind: str, directory: Path = HELDOUT_DIR) -> list[str]:
    pages = (directory / f"{name}.txt").read_text(encoding="utf-8").split("\f")
    if kind == "text":
        return pages
    from bench.golden.textpdf import render_text_pdfs
    from bench.segment import extracted_pages

    pdf = OUT_DIR / directory.name / f"{name}.pdf"
    if not pdf.exists():
        pdf.parent.mkdir(parents=True, exist_ok=True)
        render_text_pdfs(pages, pdf)
    return extracted_pages(pdf)


def score_items(mode: str, kind: str = "text", directory: Path = HELDOUT_DIR) -> tuple[Score, list[str], list[str]]:
    """(item score, recognised non-minutes documents, missed non-minutes documents)."""
    score = Score()
    recognised, missed = [], []
    for name in heldout_names(directory):
        truth = _truth(name, directory)
        pages = _pages(name, kind, directory)
        agenda = [AgendaEntry(**e) for e in truth["agenda"]] if mode == "guided" else None
        result = segment_minutes(pages, agenda)
        score.docs += 1
        score_document(score, name, result.items, truth, guided=mode == "guided")
        if not truth.get("reads_as_minutes", True):
            ok = not result.items and bool(result.warnings)
            (recognised if ok else missed).append(f"{name}: {len(result.items)} items, warnings {result.warnings[:2]}")
    return score, recognised, missed


def score_results(results_json: Path = RESULTS_JSON) -> tuple[int, int, int, int, list[str]]:
    """(lines, right result, right votes, both right, wrong ones described)."""
    cases = json.loads(results_json.read_text(encoding="utf-8"))
    right_result = right_votes = both = 0
    wrong = []
    for case in cases:
        outcome = outcome_of(case["lines"])
        votes = outcome.votes.model_dump() if outcome.votes else None
        r_ok, v_ok = outcome.result == case["result"], votes == case["votes"]
        right_result += r_ok
        right_votes += v_ok
        both += r_ok and v_ok
        if not (r_ok and v_ok):
            wrong.append(f"{' / '.join(case['lines'])!r}: got {outcome.result!r} {votes}, "
                         f"want {case['result']!r} {case['votes']}")
    return len(cases), right_result, right_votes, both, wrong


def _pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.1f}" if values else "–"


def report(show_misses: bool = False, directory: Path = HELDOUT_DIR) -> str:
    rows = [f"Segmenter {SEGMENTER_VERSION}, `python -m bench.heldout.score`, {directory.name} set "
            f"({len(heldout_names(directory))} documents):", "",
            "| input | mode | true items | predicted | TP | precision | recall | F1 | result | votes | paper refs | "
            "non-minutes recognised |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    misses = []
    for kind in KINDS:
        for mode in ("heuristic", "guided"):
            s, recognised, missed = score_items(mode, kind, directory)
            f = s.fields
            rows.append(f"| {kind} | {mode} | {s.truth} | {s.predicted} | {s.tp} | {s.precision:.3f} | {s.recall:.3f} | "
                        f"**{s.f1:.3f}** | {_pct(f.get('result', []))} | {_pct(f.get('votes', []))} | "
                        f"{_pct(f.get('paper_refs', []))} | {len(recognised)}/{len(recognised) + len(missed)} |")
            misses += [f"{kind}/{mode}: {m}" for m in s.misses]
            misses += [f"{kind}/{mode}: not recognised as non-minutes: {m}" for m in missed]
    results_json = directory / "results.json"
    if not results_json.exists():
        return "\n".join(rows + (["", *misses] if show_misses else []))
    n, r_ok, v_ok, both, wrong = score_results(results_json)
    shown = results_json.relative_to(HELDOUT_DIR.parents[1])
    rows += ["", f"Result/vote lines (`{shown}`, {n} lines): result {100 * r_ok / n:.1f} %, "
             f"votes {100 * v_ok / n:.1f} %, both {100 * both / n:.1f} %"]
    if show_misses:
        rows += ["", *misses, "", *wrong]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Segmentation scores on the held-out set.")
    parser.add_argument("--misses", action="store_true", help="list every missed or extra item and wrong line")
    parser.add_argument("--probe", action="store_true", help="the second probe (bench/heldout/probe/) instead")
    parser.add_argument("--probe3", action="store_true", help="the third probe (bench/probe3/) instead")
    args = parser.parse_args(argv)
    print(report(args.misses, PROBE3_DIR if args.probe3 else PROBE_DIR if args.probe else HELDOUT_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
