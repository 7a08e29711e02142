"""How fast pages become text, side by side with OCRmyPDF and raw Tesseract: `python -m bench.speed`.

Every contender runs as the command a user types, on the same generated scans, in alternating
rounds (the order rotates each round), so load from other work on the machine hits all of them:
*ratsflow* is `ratsflow extract FILE --json`; *OCRmyPDF* is `ocrmypdf -l deu --skip-text -j 2
--sidecar` from `.venv-bench` (`bench/make-venv.sh`; never a ratsflow dependency); *raw Tesseract*
is `tesseract PAGE.png - -l deu`, two at a time, on each page's scan at its own resolution (the
floor: no rendering, no cleaning). `--before DIR` adds ratsflow from another checkout (e.g. main).

*Raw Tesseract in process* is the same Tesseract ratsflow links (tesserocr), two threads, default
settings, model loads included, on the same PNGs: the floor of ratsflow's own engine.

Reported: medians over rounds of wall time and CPU time (all child processes), ratios to OCRmyPDF
and raw Tesseract, CER of each after ratsflow's normaliser (applied to the truth too), ratsflow's
CPU per page split by phase, born-digital pages per second (one process, text-layer check
included) and peak RSS on a long scan. Written between the markers in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import jiwer

from bench.rss import run_with_peak_rss
from bench.speed_inputs import born_digital_input, embedded_page_images, long_scan_input, scanned_inputs
from bench.speed_inputs import first_pages as first_pages_of
from bench.speed_phases import phase_seconds
from schemas.pipeline import PageText
from tasks.normalise import normalised_document

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "docs" / "BENCHMARKS.md"
OCRMYPDF = ROOT / ".venv-bench" / "bin" / "ocrmypdf"
ENGINE_FLOOR = "raw Tesseract in process"
MARKERS = ("<!-- bench.speed table -->", "<!-- /bench.speed table -->")
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}

# Born-digital throughput, run inside the checkout measured (works on main and on this branch).
BORN_DIGITAL_SCRIPT = """
import statistics, sys, time
from pathlib import Path
from schemas.extraction import OcrPolicy
from tasks.extract import extract_pages
pdf, rounds = Path(sys.argv[1]), int(sys.argv[2])
extract_pages(pdf, OcrPolicy())  # word list and fonts loaded once, as in a long-running worker
rates, cpu_rates = [], []
for _ in range(rounds):
    started, cpu = time.perf_counter(), time.process_time()
    pages = extract_pages(pdf, OcrPolicy())
    rates.append(len(pages) / (time.perf_counter() - started))
    cpu_rates.append(len(pages) / (time.process_time() - cpu))
assert all(p.method == "text_layer" for p in pages)
print(statistics.median(rates), statistics.median(cpu_rates))
"""


@dataclass
class Run:
    wall: float
    cpu: float
    pages: list[list[str]]  # per file, per page: the text it gave


@dataclass
class Contender:
    name: str
    run: Callable[[list[Path], Path], Run]
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], list[list[str]]]) -> Run:
    cpu, started = children_cpu(), time.perf_counter()
    pages = work()
    return Run(time.perf_counter() - started, children_cpu() - cpu, pages)


def checked(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done


def ratsflow_command(checkout: Path | None) -> list[str]:
    """The `ratsflow` command of this checkout, or of another one run with this checkout's venv."""
    if checkout is None:
        return [str(ROOT / ".venv" / "bin" / "ratsflow")]
    return [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); from flows.cli import main; main()"]


def ratsflow_contender(checkout: Path | None) -> Callable[[list[Path], Path], Run]:
    def run(pdfs: list[Path], _work: Path) -> Run:
        def work() -> list[list[str]]:
            out = []
            for pdf in pdfs:
                done = checked([*ratsflow_command(checkout), "extract", str(pdf), "--json"], cwd=checkout or ROOT)
                out.append([p["text"] for p in json.loads(done.stdout)["pages"]])
            return out
        return timed(work)
    return run


def ocrmypdf_run(pdfs: list[Path], work_dir: Path) -> Run:
    def work() -> list[list[str]]:
        out = []
        for pdf in pdfs:
            sidecar, output = work_dir / f"{pdf.stem}.txt", work_dir / f"{pdf.stem}.ocr.pdf"
            checked([str(OCRMYPDF), "-q", "-l", "deu", "--skip-text", "-j", "2", "--sidecar", str(sidecar), str(pdf), str(output)])
            out.append(sidecar.read_text(encoding="utf-8").split("\f")[: len(raw_pngs[pdf])])
        return out
    return timed(work)


raw_pngs: dict[Path, list[Path]] = {}


def tesseract_run(pdfs: list[Path], _work: Path) -> Run:
    def one(png: Path) -> str:
        return checked(["tesseract", str(png), "-", "-l", "deu", "--psm", "3"]).stdout

    def work() -> list[list[str]]:
        with ThreadPoolExecutor(2) as pool:
            return [list(pool.map(one, raw_pngs[pdf])) for pdf in pdfs]
    return timed(work)


# Tesseract as ratsflow links it (tesserocr's 5.5), on the same PNGs, two threads, default settings:
# the floor of ratsflow's own engine, next to the system's `tesseract` command (often an older release).
ENGINE_FLOOR_SCRIPT = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import threading
import tesserocr
from tasks.extract.ocr import tessdata_dir
local = threading.local()
def one(png):
    if not hasattr(local, "api"):
        local.api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="deu", psm=3)
    local.api.SetImageFile(png)
    return local.api.GetUTF8Text()
groups = json.loads(sys.argv[1])
with ThreadPoolExecutor(2) as pool:
    print(json.dumps([list(pool.map(one, group)) for group in groups]))
"""


def engine_floor_run(pdfs: list[Path], _work: Path) -> Run:
    def work() -> list[list[str]]:
        groups = json.dumps([[str(png) for png in raw_pngs[pdf]] for pdf in pdfs])
        python = [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); exec(sys.argv.pop(1))", ENGINE_FLOOR_SCRIPT]
        return json.loads(checked([*python, groups], cwd=ROOT).stdout)
    return timed(work)


def startup_seconds(pdf: Path, rounds: int = 3) -> float:
    """Median wall time of `ratsflow extract` on a one-page born-digital PDF: what every call pays."""
    walls = []
    for _ in range(rounds):
        started = time.perf_counter()
        checked([*ratsflow_command(None), "extract", str(pdf), "--json"], cwd=ROOT)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def normalised_pages(texts: list[str]) -> list[str]:
    pages = [PageText(number=n, method="ocr", raw_text=t) for n, t in enumerate(texts, 1)]
    return [p.text for p in normalised_document(pages).pages]


def cer(truths: list[list[str]], got: list[list[str]], already_normalised: bool) -> float:
    refs, hyps = [], []
    for truth, pages in zip(truths, got):
        refs += [" ".join(t.split()) for t in normalised_pages(truth)]
        texts = pages if already_normalised else normalised_pages(pages)
        texts = texts + [""] * (len(truth) - len(texts))
        hyps += [" ".join(t.split()) or "∅" for t in texts]
    return jiwer.cer(refs, hyps)


def peak_rss_mib(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(peak RSS in MiB of the command's process, wall seconds)."""
    started = time.perf_counter()
    done, peak = run_with_peak_rss(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed: {done.stderr[-500:]}")
    return peak, time.perf_counter() - started


def born_digital_rate(checkout: Path | None, pdf: Path, rounds: int) -> tuple[float, float]:
    """(pages per second of wall time, pages per second of CPU time): the second is what load cannot bend."""
    python = [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); exec(sys.argv.pop(1))", BORN_DIGITAL_SCRIPT]
    wall, cpu = checked([*python, str(pdf), str(rounds)], cwd=checkout or ROOT).stdout.split()
    return float(wall), float(cpu)


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 pages per scan, 1 round, 20-page long scan")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 3, quick 1)")
    parser.add_argument("--pages", type=int, default=None, help="pages per scan (default 6, quick 2)")
    parser.add_argument("--long-pages", type=int, default=None, help="pages of the peak-memory scan (default 200; 0: skip)")
    parser.add_argument("--before", type=Path, default=None, help="another ratsflow checkout to measure too")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    pages_each = args.pages or (2 if args.quick else 6)
    long_pages = args.long_pages if args.long_pages is not None else (20 if args.quick else 200)
    if not OCRMYPDF.exists():
        raise SystemExit("OCRmyPDF is missing: run bench/make-venv.sh (make bench-speed does)")

    started = time.perf_counter()
    loads = [load_average()]
    with tempfile.TemporaryDirectory(prefix="ratsflow-speed-") as tmp:
        folder = Path(tmp)
        pdfs, truths = scanned_inputs(folder, pages_each)
        for pdf in pdfs:
            raw_pngs[pdf] = embedded_page_images(pdf, folder)
        contenders = [Contender("ratsflow", ratsflow_contender(None)), Contender("OCRmyPDF", ocrmypdf_run),
                      Contender("raw Tesseract", tesseract_run), Contender(ENGINE_FLOOR, engine_floor_run)]
        if args.before:
            contenders.insert(1, Contender("ratsflow before", ratsflow_contender(args.before.resolve())))
        for n in range(rounds):
            for k in range(len(contenders)):
                contender = contenders[(n + k) % len(contenders)]
                contender.runs.append(contender.run(pdfs, folder))
                print(f"  round {n + 1}: {contender.name} {contender.runs[-1].wall:.1f} s", file=sys.stderr, flush=True)
        loads.append(load_average())
        phases = phase_seconds(pdfs)
        born = born_digital_input(folder, 60)
        startup = startup_seconds(first_pages_of(born, 1, folder / "born1.pdf"))
        rates = {"ratsflow": born_digital_rate(None, born, 3)}
        if args.before:
            rates["ratsflow before"] = born_digital_rate(args.before.resolve(), born, 3)
        rss = {}
        if long_pages:
            long_pdf = long_scan_input(folder, long_pages)
            rss["ratsflow"] = peak_rss_mib([*ratsflow_command(None), "extract", str(long_pdf)], ROOT)
        if long_pages and args.before:
            rss["ratsflow before"] = peak_rss_mib([*ratsflow_command(args.before), "extract", str(long_pdf)],
                                                  args.before.resolve())
        loads.append(load_average())
    report = render_report(contenders, truths, phases, startup, rates, rss, pages_each, long_pages, rounds, loads,
                           time.perf_counter() - started, args.quick)
    print(report)
    if not args.no_write:
        write_markdown(report)
        print(f"written to {BENCHMARKS_MD}")
    return 0


def render_report(contenders: list[Contender], truths, phases: dict[str, float], startup: float,
                  rates: dict[str, tuple[float, float]],
                  rss: dict[str, tuple[float, float]], pages_each: int, long_pages: int, rounds: int,
                  loads: list[str], elapsed: float, quick: bool) -> str:
    by_name = {c.name: c for c in contenders}
    ocrmypdf, raw, ours = by_name["OCRmyPDF"], by_name["raw Tesseract"], by_name["ratsflow"]
    engine = by_name[ENGINE_FLOOR]
    pages = sum(len(t) for t in truths)
    rows = ["| contender | wall s (median) | CPU s (median) | wall ÷ OCRmyPDF | wall ÷ raw Tesseract | CPU ÷ raw Tesseract | CER |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for c in contenders:
        error = cer(truths, c.runs[-1].pages, already_normalised=c.name.startswith("ratsflow"))
        rows.append(f"| {c.name} | {c.median('wall'):.1f} | {c.median('cpu'):.1f} | {c.median('wall') / ocrmypdf.median('wall'):.2f} | "
                    f"{c.median('wall') / raw.median('wall'):.2f} | {c.median('cpu') / raw.median('cpu'):.2f} | {error * 100:.2f} % |")
    total = sum(phases.values())
    raw_per_page = raw.median("cpu") / pages
    phase_rows = ["| phase | CPU ms/page | share |", "|---|---:|---:|"]
    phase_rows += [f"| {name} | {seconds * 1000:.0f} | {seconds / total:.0%} |" for name, seconds in phases.items()]
    phase_rows.append(f"| raw Tesseract on the scan as it is (the floor) | {raw_per_page * 1000:.0f} | – |")
    phase_rows.append(f"| {ENGINE_FLOOR} (tesserocr, model loads included) | {engine.median('cpu') / pages * 1000:.0f} | – |")
    overhead = ours.median("wall") / raw.median("wall") - 1
    cpu_overhead = ours.median("cpu") / raw.median("cpu") - 1
    engine_overhead = ours.median("wall") / engine.median("wall") - 1
    engine_cpu_overhead = ours.median("cpu") / engine.median("cpu") - 1
    born = ", ".join(f"{name} {wall:.0f} pages/s ({cpu:.0f} per CPU second)" for name, (wall, cpu) in rates.items())
    memory = ", ".join(f"{name} {mib:.0f} MiB ({seconds:.0f} s)" for name, (mib, seconds) in rss.items()) or "not measured"
    ratio = ours.median("wall") / ocrmypdf.median("wall")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    return f"""`python -m bench.speed{' --quick' if quick else ''}`, {datetime.now(UTC).date().isoformat()}: {len(truths)} scans × {pages_each} pages
(300 dpi light noise; 150 dpi speckle, blur, JPEG 60), {rounds} alternating round(s), {os.cpu_count()} cores,
load average (1/5/15 min) {loads[0]} at the start, {loads[1]} after the rounds, {loads[2]} at the end; {elapsed:.0f} s in all.

{chr(10).join(rows)}

ratsflow CPU per OCRed page by phase (one thread, in-process, `bench/speed_phases.py`):

{chr(10).join(phase_rows)}

Start-up per `ratsflow extract` call (wall, median of 3, a one-page born-digital file: imports, word list): {startup:.2f} s.

- Scanned text ≤ 0.5× OCRmyPDF's wall time: {ratio:.2f}× — {verdict(ratio <= 0.5)}
- Overhead ≤ 15 % above raw Tesseract (wall, 2 at a time): {overhead:+.0%} — {verdict(overhead <= 0.15)} (CPU: {cpu_overhead:+.0%}); above Tesseract as linked, in process: {engine_overhead:+.0%} — {verdict(engine_overhead <= 0.15)} (CPU: {engine_cpu_overhead:+.0%})
- Born-digital ≥ 100 pages/s (60 pages, one process, median of 3): {born} — {verdict(rates['ratsflow'][0] >= 100)}
- Peak RSS ≤ 400 MB on a {long_pages}-page scan (`ratsflow extract`, the process itself): {memory} — {verdict(bool(rss) and rss['ratsflow'][0] * 1.048576 <= 400)}"""


def write_markdown(report: str) -> None:
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    start, end = MARKERS
    block = f"{start}\n{report}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + f"\n\n## Speed\n\n{block}\n"
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
