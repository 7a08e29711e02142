"""Where ratsflow's time per OCRed page goes: the stages of `tasks.extract` called one by one.

CPU time of this one thread (`time.thread_time`), so other work on the machine does not count;
Tesseract runs in this thread too (tesserocr), with one thread of its own (OMP_THREAD_LIMIT=1).
"""

from __future__ import annotations

import time
from pathlib import Path

from schemas.extraction import OcrPolicy
from schemas.pipeline import PageText
from tasks.extract.layer import choose_page_method, page_images, page_layer
from tasks.extract.ocr import ocr_page_image
from tasks.extract.pdf import open_pdf
from tasks.extract.preprocess import preprocess_page_image
from tasks.extract.render import page_scan_gray, render_dpi_for
from tasks.normalise import normalised_document

PHASES = ("open", "text-layer check", "render", "preprocess", "OCR (Tesseract)", "normalise")


def phase_seconds(pdfs: list[Path], policy: OcrPolicy | None = None) -> dict[str, float]:
    """CPU seconds per OCRed page for each phase, averaged over all pages of `pdfs`."""
    policy = policy or OcrPolicy()
    spent = dict.fromkeys(PHASES, 0.0)
    pages_done = 0

    def clock(phase: str, started: float) -> float:
        now = time.thread_time()
        spent[phase] += now - started
        return now

    for pdf in pdfs:
        t = time.thread_time()
        doc = open_pdf(pdf)
        t = clock("open", t)
        texts = []
        for index in range(len(doc)):
            page = doc[index]
            layer, images = page_layer(page), page_images(page)
            method, _ = choose_page_method(layer, images, policy)
            dpi = render_dpi_for(images, policy)
            t = clock("text-layer check", t)
            gray = page_scan_gray(page, dpi)  # the stored scan at >= 300 dpi, else pdfium's rendering
            page.close()
            t = clock("render", t)
            cleaned = preprocess_page_image(gray, policy.preprocess, dpi)
            t = clock("preprocess", t)
            result = ocr_page_image(cleaned, policy, index + 1, dpi)
            t = clock("OCR (Tesseract)", t)
            texts.append(PageText(number=index + 1, method=method, raw_text=result.text))
            pages_done += 1
        doc.close()
        normalised_document(texts)
        t = clock("normalise", t)
    return {phase: seconds / pages_done for phase, seconds in spent.items()}
