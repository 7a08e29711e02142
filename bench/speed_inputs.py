"""The files `bench.speed` measures on, generated from the seeds (nothing downloaded, nothing committed).

Scans are the `bench.ocr` document rendered by `demo.render` the way `bench.ocr` renders its 300-dpi
and 150-dpi conditions; long files are made by repeating those pages, which costs OCR the same per
page as new ones (nothing is cached by page content).
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from bench.ocr import CONDITIONS, benchmark_document, render
from demo.compose import MinutesDoc

SCAN_CONDITIONS = (CONDITIONS[1], CONDITIONS[3])  # 300 dpi light noise, 150 dpi speckle + blur + JPEG 60


def first_pages(pdf: Path, count: int, out: Path) -> Path:
    """`out`: the first `count` pages of `pdf`, or its pages repeated until there are `count`."""
    source = pdfium.PdfDocument(pdf)
    target = pdfium.PdfDocument.new()
    try:
        while len(target) < count:
            take = min(len(source), count - len(target))
            target.import_pages(source, list(range(take)))
        target.save(out)
    finally:
        target.close()
        source.close()
    return out


def scanned_inputs(folder: Path, pages_each: int) -> tuple[list[Path], list[list[str]]]:
    """The scans of the benchmark document (one PDF per condition) and the text each page prints."""
    doc = benchmark_document()
    pdfs, truths = [], []
    for n, condition in enumerate(SCAN_CONDITIONS):
        full = render(condition, doc, folder / f"scan{n}-full.pdf", seed=200 + n)
        pdfs.append(first_pages(full, pages_each, folder / f"scan{n}.pdf"))
        truths.append([doc.pages[i % len(doc.pages)] for i in range(pages_each)])
    return pdfs, truths


def embedded_page_images(pdf: Path, folder: Path) -> list[Path]:
    """Each page's scan as a lossless PNG at its own resolution: what raw Tesseract is given."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            image = next(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)))
            path = folder / f"{pdf.stem}-p{index + 1}.png"
            image.get_bitmap().to_pil().convert("L").save(path)
            out.append(path)
            page.close()
    finally:
        doc.close()
    return out


def born_digital_input(folder: Path, pages: int) -> Path:
    """A born-digital PDF of `pages` pages (the benchmark document's text layer, repeated)."""
    from demo.render import render_born_digital

    doc: MinutesDoc = benchmark_document()
    full = render_born_digital(doc, folder / "born-full.pdf")
    return first_pages(full, pages, folder / "born.pdf")


def long_scan_input(folder: Path, pages: int) -> Path:
    """A long scanned PDF (the 300-dpi condition's pages, repeated), for peak memory."""
    full = render(SCAN_CONDITIONS[0], benchmark_document(), folder / "long-full.pdf", seed=300)
    return first_pages(full, pages, folder / f"long{pages}.pdf")
