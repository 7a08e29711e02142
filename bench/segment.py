"""How well minutes split into agenda items: `python -m bench.segment [--quick] [--no-write]`.

Reports two sets: the golden set below (a regression floor: its rules were tuned on it) and the
held-out set (`bench/heldout/`, frozen before the rule changes of issue 13; scored by
`bench.heldout.score`: text and born-digital input, and the labelled result/vote lines). Both tables are written
into docs/BENCHMARKS.md.

Runs `tasks.segment.segment_minutes` over the golden set (`bench/golden/`: documents composed by
`python -m bench.golden.build` and documents typed by hand, `python -m bench.golden.handwritten`;
scores are reported per set and combined) in heuristic mode (no agenda) and guided mode (the OParl-like
agenda stored with each document), on three kinds of input text:

- text: the composed page texts as printed (running headers and footers still in them);
- text, no printed agenda (composed documents only): the same with the Tagesordnung list cut out, so that heuristic mode has
  to find headings by their shape and number sequence alone (no list to guide it);
- born-digital: text layer of the rendered PDF via `tasks.extract.extract_document` (normalised);
- scanned: a few image-only PDFs via the same function, i.e. Tesseract OCR (cached by PDF sha256).

An item counts as found (true positive) when a predicted item and a true item (only items the
record prints, `in_record`) agree on all three of:
- number (normalised, e.g. "3.1") and public flag (SessionNet numbers "Ö 1" and "N 1" both as "1");
- title: SequenceMatcher ratio ≥ 0.90 of both titles casefolded, accents and punctuation removed,
  whitespace folded (1.0 on clean text; the slack absorbs OCR errors in heuristic mode); in guided
  mode the name of the item's agenda entry counts too (guided titles come from the agenda);
- text span: SequenceMatcher ratio ≥ 0.95 of the word sequences (whitespace-split, NFC) of the
  predicted and true item body (without heading). Ratio = 2·matched words / (words in both), so a
  body that swallowed a neighbour's text or lost a paragraph fails. An empty true body needs an
  empty prediction.
Precision = TP / predicted items, recall = TP / true items, F1 their harmonic mean, pooled over
documents. Field accuracy is over true positives: result and votes exactly, resolution by the same
word ratio ≥ 0.95, paper references as a list, page_start/page_end exactly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from bench.golden.build import GOLDEN_DIR, OUT_DIR, render_pdfs
from schemas.pipeline import AgendaEntry, AgendaItemSpan
from tasks.segment import SEGMENTER_VERSION, segment_minutes

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "docs" / "BENCHMARKS.md"
CACHE_DIR = ROOT / "bench" / "out" / "segment-text"
# Scanned documents take OCR time: a few short documents (2 pages each), one per heading family.
SCANNED = ("06_ka_sessionnet_short", "07_ka_allris_short", "09_ka_punkt_short",
           "20_hand_sessionnet_tabs", "21_hand_dotted_list_traps")
# Composed by bench/golden/build.py ("old") or typed by hand, bench/golden/handwritten.py ("new").
SETS = {"composed": lambda t: "spec" in t, "hand-written": lambda t: "spec" not in t, "all": lambda t: True}
TITLE_MIN, TEXT_MIN = 0.90, 0.95


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _words(text: str | None) -> list[str]:
    return unicodedata.normalize("NFC", text or "").split()


def word_ratio(a: str | None, b: str | None) -> float:
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def title_ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, _comparable(a), _comparable(b), autojunk=False).ratio()


@dataclass
class Score:
    tp: int = 0
    predicted: int = 0
    truth: int = 0
    fields: dict[str, list[bool]] = field(default_factory=dict)
    timings: list[float] = field(default_factory=list)
    docs: int = 0
    misses: list[str] = field(default_factory=list)

    def add_field(self, name: str, ok: bool) -> None:
        self.fields.setdefault(name, []).append(ok)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _without_ref_suffix(name: str) -> str:
    """An OParl name without a trailing paper reference ("… Vorlage: 2019/118"): references are
    scored as `paper_refs`, not as part of the title."""
    return re.sub(r"\s*[-–,;]?\s*(?:Vorlage|Drucksache|DS|Drs\.)\s*(?:Nr\.)?\s*:?\s*\S+\s*$", "", name)


def is_match(pred: AgendaItemSpan, true: dict, agenda_name: str | None = None) -> bool:
    """`agenda_name`: in guided mode titles come from the agenda by design, so the official name
    of the item's agenda entry counts as a right title too (it may differ from the printed one)."""
    if pred.number != true["number"] or pred.public != true["public"]:
        return False
    titles = [true["title"]] + ([agenda_name, _without_ref_suffix(agenda_name)] if agenda_name else [])
    if max(title_ratio(pred.title, t) for t in titles) < TITLE_MIN:
        return False
    if not _words(true["text"]):
        return not _words(pred.text)
    return word_ratio(pred.text, true["text"]) >= TEXT_MIN


def score_document(score: Score, name: str, items: list[AgendaItemSpan], truth: dict, guided: bool = False) -> None:
    wanted = [t for t in truth["items"] if t["in_record"]]
    names = {e["external_id"]: e["name"] for e in truth["agenda"]} if guided else {}
    score.predicted += len(items)
    score.truth += len(wanted)
    used: set[int] = set()
    for true in wanted:
        agenda_name = names.get(true.get("agenda_id") or "")
        hit = next((k for k, p in enumerate(items) if k not in used and is_match(p, true, agenda_name)), None)
        if hit is None:
            score.misses.append(f"{name}: {true['number']} {true['title'][:50]!r}")
            continue
        used.add(hit)
        score.tp += 1
        pred = items[hit]
        score.add_field("result", pred.result == true["result"])
        votes = pred.votes.model_dump() if pred.votes else None
        score.add_field("votes", votes == true["votes"])
        score.add_field("resolution", (not true["resolution"] and not pred.resolution)
                        or (bool(pred.resolution) and word_ratio(pred.resolution, true["resolution"]) >= TEXT_MIN))
        score.add_field("paper_refs", pred.paper_refs == true["paper_refs"])
        score.add_field("pages", (pred.page_start, pred.page_end) == (true["page_start"], true["page_end"]))
    for k, p in enumerate(items):
        if k not in used:
            score.misses.append(f"{name}: extra {p.number} {p.title[:50]!r}")


def golden_names() -> list[str]:
    return sorted(p.stem for p in GOLDEN_DIR.glob("*.json"))


@cache
def _truth(name: str) -> dict:
    return json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))


def extracted_pages(pdf: Path) -> list[str]:
    """Normalised page texts of a PDF via the extraction stage, cached by the PDF's sha256."""
    from schemas.extraction import OcrPolicy
    from tasks.extract import extract_document

    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    cache = CACHE_DIR / f"{digest}.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    doc = extract_document(pdf, OcrPolicy(workers=2))
    pages = [p.text for p in doc.pages]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    return pages


def without_printed_agenda(joined: str) -> str:
    """The document with its Tagesordnung list cut out (lines from the list's title up to the
    record's first section line), so heuristic mode must chain headings by their numbers alone."""
    title = re.search(r"^(?:Tagesordnung|T A G E S O R D N U N G)$", joined, re.M)
    sections = [m for m in re.finditer(r"^Öffentlicher Teil$", joined, re.M) if title and m.start() > title.start()]
    if not title or len(sections) < 2:
        return joined
    return joined[: title.start()] + joined[sections[1].start():]


def inputs(kind: str, names: list[str]) -> dict[str, list[str]]:
    if kind == "text":
        return {n: (GOLDEN_DIR / f"{n}.txt").read_text(encoding="utf-8").split("\f") for n in names}
    if kind == "text, no printed agenda":  # the cut relies on the composer's section lines
        return {n: without_printed_agenda((GOLDEN_DIR / f"{n}.txt").read_text(encoding="utf-8")).split("\f")
                for n in names if "spec" in _truth(n)}
    if kind == "born-digital":
        render_pdfs(names)
        return {n: extracted_pages(OUT_DIR / f"{n}.pdf") for n in names}
    scanned = [n for n in names if n in SCANNED]
    render_pdfs(scanned, scanned=tuple(scanned))
    return {n: extracted_pages(OUT_DIR / f"{n}.scan.pdf") for n in scanned}


def run(kinds: list[str]) -> dict[tuple[str, str, str], Score]:
    """Scores by (input kind, mode, document set)."""
    names = golden_names()
    results: dict[tuple[str, str, str], Score] = {}
    for kind in kinds:
        texts = inputs(kind, names)
        for mode in ("heuristic", "guided"):
            scores = {doc_set: Score() for doc_set in SETS}
            for name, pages in texts.items():
                truth = _truth(name)
                agenda = [AgendaEntry(**e) for e in truth["agenda"]] if mode == "guided" else None
                started = time.perf_counter()
                result = segment_minutes(pages, agenda)
                seconds = time.perf_counter() - started
                for doc_set, belongs in SETS.items():
                    if belongs(truth):
                        score = scores[doc_set]
                        score.timings.append(seconds)
                        score.docs += 1
                        score_document(score, name, result.items, truth, guided=mode == "guided")
            for doc_set, score in scores.items():
                if score.docs:
                    results[(kind, mode, doc_set)] = score
    return results


def _pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.1f}" if values else "–"


def table(results: dict[tuple[str, str], Score]) -> str:
    rows = ["| input | mode | set | docs | true items | predicted | TP | precision | recall | F1 | result | votes | "
            "resolution | paper refs | pages | median ms/doc |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (kind, mode, doc_set), s in results.items():
        f = s.fields
        rows.append(
            f"| {kind} | {mode} | {doc_set} | {s.docs} | {s.truth} | {s.predicted} | {s.tp} | {s.precision:.3f} | "
            f"{s.recall:.3f} | **{s.f1:.3f}** | {_pct(f.get('result', []))} | {_pct(f.get('votes', []))} | "
            f"{_pct(f.get('resolution', []))} | {_pct(f.get('paper_refs', []))} | {_pct(f.get('pages', []))} | "
            f"{1000 * statistics.median(s.timings):.0f} |")
    return "\n".join(rows)


TABLE_START, TABLE_END = "<!-- bench.segment table -->", "<!-- /bench.segment table -->"
HELDOUT_START, HELDOUT_END = "<!-- bench.heldout table -->", "<!-- /bench.heldout table -->"
PROBE3_START, PROBE3_END = "<!-- bench.probe3 table -->", "<!-- /bench.probe3 table -->"


def write_table(markers: tuple[str, str], generated: str) -> None:
    """Replaces one generated table in the Segmentation section; the prose around it is written by
    hand (it records before/after numbers that one run cannot know)."""
    start, end = markers
    old = BENCHMARKS_MD.read_text(encoding="utf-8")
    if start not in old:
        raise SystemExit(f"{BENCHMARKS_MD} has no {start} marker in its Segmentation section")
    head, rest = old.split(start, 1)
    tail = rest.split(end, 1)[1]
    BENCHMARKS_MD.write_text(head + start + f"\n{generated}\n" + end + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Segmentation precision/recall/F1 on the golden set.")
    parser.add_argument("--quick", action="store_true", help="text and born-digital only (no OCR)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/BENCHMARKS.md alone")
    parser.add_argument("--misses", action="store_true", help="list every missed or extra item")
    args = parser.parse_args(argv)
    from bench.heldout.build import HELDOUT_DIR, PROBE3_DIR, PROBE_DIR
    from bench.heldout.score import report as heldout_report  # it imports this module's scoring

    kinds = ["text", "text, no printed agenda", "born-digital"] + ([] if args.quick else ["scanned"])
    results = run(kinds)
    golden = f"Segmenter {SEGMENTER_VERSION}, `python -m bench.segment`, golden set:\n\n{table(results)}"
    heldout = "\n\n".join(heldout_report(args.misses, d) for d in (HELDOUT_DIR, PROBE_DIR))
    probe3 = heldout_report(args.misses, PROBE3_DIR)
    print(golden + "\n\n" + heldout + "\n\n" + probe3)
    if args.misses:
        for (kind, mode, doc_set), s in results.items():
            for miss in s.misses if doc_set == "all" else []:
                print(f"{kind}/{mode}: {miss}")
    if not args.no_write:
        write_table((TABLE_START, TABLE_END), golden)
        write_table((HELDOUT_START, HELDOUT_END), heldout_report() + "\n\n" + heldout_report(directory=PROBE_DIR))
        write_table((PROBE3_START, PROBE3_END), heldout_report(directory=PROBE3_DIR))
        print(f"written to {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
