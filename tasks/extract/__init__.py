"""PDF → one `PageText` per page: the text layer where it can be trusted, Tesseract where not.

Read top to bottom: `open_pdf` (pdf.py: reject what is not a readable PDF) → per page
`choose_page_method` (layer.py: visible text on a page without a scan is its text; an invisible OCR
layer over a scan is checked for lost umlauts and garbage) → `page_scan_gray` (render.py: the stored scan or pdfium's rendering) →
`preprocess_page_image` (preprocess.py: deskew, denoise) → `ocr_page` (ocr.py: Tesseract, turned
scans read upright by orientation.py) → `extract_document` adds normalisation.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from schemas.errors import ExtractionFailed, NoTextFound
from schemas.extraction import OcrPolicy
from schemas.pipeline import ExtractedDocument, PageText
from tasks.extract.layer import choose_page_method, page_images, page_layer
from tasks.extract.limits import (
    fitted_render_dpi,
    require_images_within,
    require_page_count_within,
    require_streams_inflate_within,
)
from tasks.extract.ocr import ocr_page, ocr_pool, tesseract_model_version
from tasks.extract.pdf import PDFIUM_LOCK, PDFIUM_VERSION, open_pdf
from tasks.extract.render import page_scan_gray, render_dpi_for
from tasks.normalise import normalised_document

# pdfium keeps every page's parsed streams until its document is closed (≈ 1.2 MB a page of a
# 300-dpi scan: +240 MB over 200 pages), so a long document is opened afresh every so many pages.
_PAGES_PER_OPENING = 25

# 2: page method from render mode and images first; turned scans read upright.
# 3: text over a letterhead picture is the page's text; layer lines split at baseline jumps; narrow
#    column gutters widened before OCR; 3 px median for 1-bit scans; Tesseract in process (5.5.4)
#    on a ≥ 300 dpi page's stored scan as it is.
EXTRACTOR_VERSION = "3"

__all__ = ["EXTRACTOR_VERSION", "PDFIUM_VERSION", "extract_document", "extract_pages", "tesseract_model_version"]


def _read_page(doc: pdfium.PdfDocument, index: int, policy: OcrPolicy) -> PageText | tuple[np.ndarray, str, int]:
    """A finished `PageText` for a trusted layer, else (rendered image, method, dpi) to OCR."""
    number = index + 1
    with PDFIUM_LOCK:
        try:
            page = doc[index]
            try:
                layer = page_layer(page)
                images = page_images(page)
                method, _ = choose_page_method(layer, images, policy)
                if method == "text_layer":
                    return PageText(number=number, method="text_layer", engine="pdfium",
                                    engine_version=PDFIUM_VERSION, raw_text=layer.text)
                require_images_within(page, policy.limits, number)
                dpi = fitted_render_dpi(page, render_dpi_for(images, policy), policy.limits, number)
                return page_scan_gray(page, dpi), method, dpi
            finally:
                page.close()
        except pdfium.PdfiumError as err:
            raise ExtractionFailed(f"page {number}: pdfium could not read it: {err}") from err


def extract_pages(pdf: Path, policy: OcrPolicy, *, name: str | None = None) -> list[PageText]:
    """One `PageText` per page, in order; `text` is left empty for `normalise_pages`.

    `name` is how a rejection calls the file (its URL for a downloaded blob; default: its file name).

    `confidence` is Tesseract's 0–100 scale (the scale of `policy.min_page_confidence`), None for
    text-layer pages, whose text is exact by construction once `assess_text_layer` trusts it.

    Pages are read and rendered one by one (pdfium is single-threaded) while Tesseract runs in the
    process's `policy.workers` OCR threads, shared with every other document being extracted; at
    most two rendered pages per worker wait in memory, so a 200-page scan never holds its images.
    What a page may cost is checked before pdfium inflates or renders it (limits.py); a file whose
    pages yield no text at all is `NoTextFound`, not a success with nothing in it.
    """
    require_streams_inflate_within(Path(pdf), policy.limits)
    with PDFIUM_LOCK:
        doc = open_pdf(Path(pdf), name)
        page_count = len(doc)
    pages: list[PageText | Future] = []
    pending: deque[Future] = deque()
    pool = ocr_pool(policy.workers)
    try:
        require_page_count_within(page_count, policy.limits)
        for index in range(page_count):
            if index and index % _PAGES_PER_OPENING == 0:
                with PDFIUM_LOCK:
                    doc.close()
                    doc = open_pdf(Path(pdf), name)
            read = _read_page(doc, index, policy)
            if isinstance(read, PageText):
                pages.append(read)
                continue
            while len(pending) >= 2 * policy.workers:
                pending.popleft().result()  # also surfaces a failed page early
            gray, method, dpi = read
            future = pool.submit(ocr_page, gray, policy, index + 1, method, dpi)
            del read, gray  # the queue holds the only reference: freed once OCRed
            pending.append(future)
            pages.append(future)
        return with_some_text([p.result() if isinstance(p, Future) else p for p in pages])
    finally:
        # On a failed page, this document's queued pages are dropped instead of OCRed for nothing.
        for future in pending:
            future.cancel()
        with PDFIUM_LOCK:
            doc.close()


def with_some_text(pages: list[PageText]) -> list[PageText]:
    """The pages, unless not one of them has text: a blank or unreadable file is no minutes."""
    if not any(p.raw_text.strip() for p in pages):
        raise NoTextFound(f"no text on any of its {len(pages)} page{'s' if len(pages) != 1 else ''}")
    return pages


def extract_document(pdf: Path, policy: OcrPolicy) -> ExtractedDocument:
    """Pages of a PDF with their normalised text; the document text joins pages by a blank line."""
    return normalised_document(extract_pages(pdf, policy))
