"""How well and how fast pages become text: `python -m bench.ocr [--quick] [--pages N]`.

A minutes document is composed from the seeds (`demo.compose`) and rendered the ways council
systems serve it (`demo.render`): born-digital, scans at 300/200/150 dpi with tilt, speckle, blur
and JPEG artefacts, and scans under a damaged English-model OCR layer. Each page is extracted by
ratsflow (`tasks.extract.extract_pages`) and, as the baseline in the same run, by plain Tesseract
(the embedded page image straight into `pytesseract.image_to_string(lang="deu")`).

Text is compared with the exact text the renderer printed on that page (`MinutesDoc.pages`) after
NFC and whitespace folding; CER/WER by jiwer over all pages of a condition. Pages run in two
processes (pdfium is not thread-safe); seconds per page are the median of single-page runs.
Results are printed and written to the "OCR" section of `docs/BENCHMARKS.md`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import jiwer
import pypdfium2 as pdfium
import pytesseract

from demo.compose import MinutesDoc, compose_minutes
from demo.itempool import ASGI, sample_minutes_spec, seed_item_integration_centre_2019, seed_item_kim
from demo.render import render_born_digital, render_damaged_layer, render_scan
from schemas.extraction import OcrPolicy
from tasks.extract import extract_pages
from tasks.extract.ocr import tesseract_version
from tasks.normalise import restore_umlauts

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "docs" / "BENCHMARKS.md"


@dataclass(frozen=True)
class Condition:
    name: str
    kind: str  # born_digital | scan | damaged
    dpi: int = 300
    skew_deg: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    jpeg_quality: int | None = None


CONDITIONS = [
    Condition("born-digital", "born_digital"),
    Condition("scan 300 dpi, 1° skew, light noise", "scan", 300, 1.0, 0.1, 0.0, 85),
    Condition("scan 200 dpi, 2° skew, noise, blur, JPEG 75", "scan", 200, -2.0, 0.3, 0.5, 75),
    Condition("scan 150 dpi, 3° skew, speckle, blur, JPEG 60", "scan", 150, 3.0, 0.5, 0.6, 60),
    Condition("scan + damaged layer, 300 dpi, 1.5° skew", "damaged", 300, -1.5, 0.2, 0.3, 80),
    Condition("scan + damaged layer, 150 dpi, 2.5° skew, noisy", "damaged", 150, 2.5, 0.4, 0.5, 65),
]


@dataclass
class Result:
    condition: Condition
    truths: list[str] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)
    ours_seconds: list[float] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    plain_seconds: list[float] = field(default_factory=list)
    layer: list[str] = field(default_factory=list)


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def error_rates(truths: list[str], hypotheses: list[str]) -> tuple[float, float]:
    refs, hyps = [folded(t) for t in truths], [folded(h) or "∅" for h in hypotheses]
    return jiwer.cer(refs, hyps), jiwer.wer(refs, hyps)


def dash_folded(text: str) -> str:
    """En/em dashes as hyphens: Tesseract `deu` reads most `–` as `-`, which search does not notice."""
    return re.sub(r"[–—‐‑]", "-", text)


def benchmark_document() -> MinutesDoc:
    """A long ASGI meeting with two seed items: dense German prose, headings, votes, footers."""
    spec = sample_minutes_spec(
        committee=ASGI, session_number=7, day=date(2019, 11, 27), previous_day=date(2019, 9, 18),
        layout="sessionnet", seed=11, size="long",
        featured=[seed_item_integration_centre_2019(ASGI.subject), seed_item_kim(ASGI.subject, "17/0815")],
    )
    return compose_minutes(spec)


def render(condition: Condition, doc: MinutesDoc, path: Path, seed: int) -> Path:
    if condition.kind == "born_digital":
        return render_born_digital(doc, path)
    options = dict(dpi=condition.dpi, skew_deg=condition.skew_deg, noise=condition.noise,
                   blur=condition.blur, jpeg_quality=condition.jpeg_quality, seed=seed)
    if condition.kind == "scan":
        return render_scan(doc, path, **options)
    return render_damaged_layer(doc, path, **options)


def single_page_pdfs(pdf: Path, pages: list[int], folder: Path) -> list[Path]:
    source = pdfium.PdfDocument(pdf)
    out = []
    for index in pages:
        single = pdfium.PdfDocument.new()
        single.import_pages(source, [index])
        path = folder / f"{pdf.stem}-p{index + 1}.pdf"
        single.save(path)
        single.close()
        out.append(path)
    source.close()
    return out


# ── Work done in the two worker processes ──────────────────────────────────────────────────────


def run_ours(path: Path) -> tuple[str, str, float]:
    started = time.perf_counter()
    [page] = extract_pages(path, OcrPolicy(workers=1))
    return page.raw_text, page.method, time.perf_counter() - started


def run_plain(path: Path) -> tuple[str, float]:
    """The naive way: the page's scan image, unchanged, into Tesseract."""
    started = time.perf_counter()
    doc = pdfium.PdfDocument(path)
    page = doc[0]
    image_obj = next(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)))
    image = image_obj.get_bitmap().to_pil()
    doc.close()
    text = pytesseract.image_to_string(image, lang="deu")
    return text, time.perf_counter() - started


def layer_of(path: Path) -> str:
    doc = pdfium.PdfDocument(path)
    textpage = doc[0].get_textpage()
    text = textpage.get_text_range()
    doc.close()
    return text


# ── Report ─────────────────────────────────────────────────────────────────────────────────────


def pct(value: float) -> str:
    return f"{value * 100:.2f} %"


def table(results: list[Result]) -> str:
    rows = [
        "| condition | pages | ratsflow CER | CER, dashes folded | ratsflow WER | s/page | plain Tesseract CER | plain WER | plain s/page | methods |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        cer, wer = error_rates(r.truths, r.ours)
        dash_cer, _ = error_rates([dash_folded(t) for t in r.truths], [dash_folded(t) for t in r.ours])
        if r.plain:
            p_cer, p_wer = error_rates(r.truths, r.plain)
            plain = f"{pct(p_cer)} | {pct(p_wer)} | {statistics.median(r.plain_seconds):.1f}"
        else:
            plain = "– | – | –"
        methods = ", ".join(f"{m} ×{r.methods.count(m)}" for m in sorted(set(r.methods)))
        rows.append(
            f"| {r.condition.name} | {len(r.truths)} | {pct(cer)} | {pct(dash_cer)} | {pct(wer)} | "
            f"{statistics.median(r.ours_seconds):.2f} | {plain} | {methods} |"
        )
    return "\n".join(rows)


def damaged_summary(results: list[Result]) -> str:
    lines = []
    for r in results:
        if r.condition.kind != "damaged":
            continue
        detected = sum(m == "ocr_redo" for m in r.methods)
        layer_cer, _ = error_rates(r.truths, r.layer)
        restored_cer, _ = error_rates(r.truths, [restore_umlauts(t) for t in r.layer])
        lines.append(
            f"- {r.condition.name}: damaged layer detected on {detected}/{len(r.methods)} pages "
            f"({detected / len(r.methods):.0%}); the layer itself has CER {pct(layer_cer)}, "
            f"{pct(restored_cer)} after dictionary umlaut restoration alone (the fallback in `normalise`)."
        )
    return "\n".join(lines)


def born_digital_summary(results: list[Result]) -> str:
    for r in results:
        if r.condition.kind == "born_digital":
            same = sum(folded(a) == folded(b) for a, b in zip(r.ours, r.truths))
            return f"- born-digital: {same}/{len(r.truths)} pages' extracted text equals the printed text exactly (whitespace-folded)."
    return ""


def targets_summary(results: list[Result]) -> str:
    """The goals set for extraction, each with the number measured against it."""
    by_name = {r.condition.name: r for r in results}
    noisiest = by_name[CONDITIONS[3].name]
    at_300 = by_name[CONDITIONS[1].name]
    damaged = [r for r in results if r.condition.kind == "damaged"]
    born = by_name[CONDITIONS[0].name]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    cer_150 = error_rates(noisiest.truths, noisiest.ours)[0]
    cer_300 = error_rates(at_300.truths, at_300.ours)[0]
    born_same = all(folded(a) == folded(b) for a, b in zip(born.ours, born.truths))
    detected = sum(m == "ocr_redo" for r in damaged for m in r.methods) / max(1, sum(len(r.methods) for r in damaged))
    redo_cer = max(error_rates(r.truths, r.ours)[0] for r in damaged) if damaged else 0.0
    return "\n".join([
        f"- CER ≤ 0.5 % on the noisiest 150-dpi scans: {pct(cer_150)} — {verdict(cer_150 <= 0.005)}",
        f"- CER ≤ 0.2 % at 300 dpi: {pct(cer_300)} — {verdict(cer_300 <= 0.002)}",
        f"- born-digital equal to its layer: {verdict(born_same)}",
        f"- ≥ 95 % of damaged-layer pages detected: {detected:.0%} — {verdict(detected >= 0.95)}; "
        f"then CER ≤ 0.3 %: worst {pct(redo_cer)} — {verdict(redo_cer <= 0.003)}",
    ])


def write_markdown(results: list[Result], pages: int, elapsed: float, quick: bool) -> None:
    today = datetime.now(UTC).date().isoformat()
    section = f"""## OCR

Measured {today} with `python -m bench.ocr{' --quick' if quick else ''}` ({elapsed:.0f} s on {os.cpu_count()} cores, `deu` model; Tesseract {tesseract_version()} in ratsflow (tesserocr), {pytesseract.get_tesseract_version()} for plain Tesseract).

{table(results)}

Targets:
{targets_summary(results)}

{born_digital_summary(results)}
{damaged_summary(results)}

How measured: one long minutes document composed from seeds 001 and 002 (`demo.compose`, ASGI,
SessionNet layout, running footers) is rendered per condition by `demo.render`; the first {pages}
pages are extracted one page per process (2 processes). *ratsflow* is `tasks.extract.extract_pages`
with the default `OcrPolicy` (render at 300 dpi or finer, median denoise, projection-profile
deskew, Tesseract `deu`, psm 3); *plain Tesseract* passes the embedded page image unchanged to
`pytesseract.image_to_string(lang="deu")`. Reference text is exactly what the renderer printed on
the page (headers and footers included); both sides are NFC-normalised and whitespace-folded, and
CER/WER are computed by jiwer over all pages of a condition. *s/page* is the median wall time of
one page (open, render, preprocess, OCR) with one Tesseract thread; the machine is shared, so
timings vary between runs by 2× and only compare within one run. Normalisation is not applied:
this measures what OCR reads, not what the normaliser removes.
"""
    BENCHMARKS_MD.parent.mkdir(parents=True, exist_ok=True)
    old = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## OCR\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    new = pattern.sub(lambda _: section, old) if pattern.search(old) else old.rstrip() + "\n\n" + section
    BENCHMARKS_MD.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 pages per condition, no baseline on born-digital")
    parser.add_argument("--pages", type=int, default=None, help="pages per condition (default 5, quick 2)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    pages = args.pages or (2 if args.quick else 5)

    started = time.perf_counter()
    doc = benchmark_document()
    page_indexes = list(range(min(pages, len(doc.pages))))
    results = []
    with tempfile.TemporaryDirectory(prefix="ratsflow-bench-") as tmp, ProcessPoolExecutor(2) as pool:
        folder = Path(tmp)
        for n, condition in enumerate(CONDITIONS):
            pdf = render(condition, doc, folder / f"condition{n}.pdf", seed=100 + n)
            singles = single_page_pdfs(pdf, page_indexes, folder)
            result = Result(condition, truths=[doc.pages[i] for i in page_indexes])
            for text, method, seconds in pool.map(run_ours, singles):
                result.ours.append(text)
                result.methods.append(method)
                result.ours_seconds.append(seconds)
            if condition.kind != "born_digital":
                for text, seconds in pool.map(run_plain, singles):
                    result.plain.append(text)
                    result.plain_seconds.append(seconds)
            if condition.kind == "damaged":
                result.layer = [layer_of(p) for p in singles]
            results.append(result)
            cer, _ = error_rates(result.truths, result.ours)
            print(f"  {condition.name}: CER {pct(cer)}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(table(results))
    print(targets_summary(results))
    print(born_digital_summary(results))
    print(damaged_summary(results))
    if not args.no_write:
        write_markdown(results, len(page_indexes), elapsed, args.quick)
        print(f"written to {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
