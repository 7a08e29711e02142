"""The stored scan used as it is, the rendered page otherwise; one OCR pool for all documents.

Real PDFs built here (Pillow and fpdf2), real pdfium, real Tesseract (tesserocr).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image

from schemas.errors import ExtractionFailed
from schemas.extraction import OcrPolicy
from tasks.extract import extract_pages
from tasks.extract.layer import page_images
from tasks.extract.ocr import ocr_pool, tesseract_model_version
from tasks.extract.render import page_scan_gray, render_dpi_for, render_page_gray, stored_scan_gray
from tests.tasks.conftest import A4_MM, FONT, joined_pdf, scan_image, write_image_pdf


@pytest.fixture(scope="module")
def scan_300(umlaut_paragraphs) -> Image.Image:
    return scan_image(umlaut_paragraphs, dpi=300)


def first_page(path: Path):
    doc = pdfium.PdfDocument(path)
    return doc, doc[0]


def test_a_page_that_is_only_a_300_dpi_scan_is_read_from_its_own_pixels(tmp_path, scan_300):
    doc, page = first_page(write_image_pdf(scan_300, tmp_path / "scan300.pdf", dpi=300))
    dpi = render_dpi_for(page_images(page), OcrPolicy())

    stored = stored_scan_gray(page, dpi)
    rendered = render_page_gray(page, dpi)
    doc.close()

    assert dpi == 300
    assert stored is not None and stored.shape == (scan_300.height, scan_300.width)
    # the scan's own pixels (as Pillow's JPEG stored them), not a resampled copy
    assert np.abs(stored.astype(int) - np.asarray(scan_300)).mean() < 2
    assert abs(rendered.shape[0] - stored.shape[0]) <= 1 and abs(rendered.shape[1] - stored.shape[1]) <= 1
    h, w = min(stored.shape[0], rendered.shape[0]), min(stored.shape[1], rendered.shape[1])
    assert np.abs(stored[:h, :w].astype(int) - rendered[:h, :w]).mean() < 3


def test_a_coarser_scan_is_rendered_up_to_the_ocr_resolution(tmp_path, umlaut_paragraphs):
    doc, page = first_page(write_image_pdf(scan_image(umlaut_paragraphs, dpi=200), tmp_path / "scan200.pdf", dpi=200))
    dpi = render_dpi_for(page_images(page), OcrPolicy())

    assert dpi == 300
    assert stored_scan_gray(page, dpi) is None
    doc.close()


def test_a_finer_scan_keeps_its_resolution_up_to_max_dpi(tmp_path, scan_300):
    doc, page = first_page(write_image_pdf(scan_300, tmp_path / "scan300.pdf", dpi=300))
    images = page_images(page)
    doc.close()

    assert render_dpi_for(images, OcrPolicy(dpi=200)) == 300
    assert render_dpi_for(images, OcrPolicy(dpi=200, max_dpi=250)) == 250


def test_visible_text_over_the_scan_or_a_turned_page_is_rendered(tmp_path, scan_300):
    stamped = FPDF(format="A4")
    stamped.add_font("DejaVu", fname=FONT)
    stamped.set_font("DejaVu", size=14)
    stamped.add_page()
    stamped.image(scan_300, x=0, y=0, w=A4_MM[0], h=A4_MM[1])
    stamped.text(150, 20, "EINGEGANGEN 3. MÄRZ")  # a stamp drawn as text: only rendering shows it
    stamped.output(str(tmp_path / "stamped.pdf"))
    doc, page = first_page(tmp_path / "stamped.pdf")
    assert stored_scan_gray(page, 300) is None
    doc.close()

    doc, page = first_page(write_image_pdf(scan_300, tmp_path / "turned.pdf", dpi=300))
    page.set_rotation(90)
    assert stored_scan_gray(page, 300) is None
    turned = render_page_gray(page, 300)
    assert turned.shape[0] < turned.shape[1]  # shown as /Rotate turns it: landscape
    doc.close()


def test_an_inverted_scan_is_read_as_the_page_shows_it(tmp_path, scan_300):
    # An image whose /Decode inverts it: whichever way the page is read, OCR must get what it shows.
    path = write_image_pdf(scan_300, tmp_path / "scan300.pdf", dpi=300)
    data = path.read_bytes()
    marker = b"/Subtype /Image"
    assert marker in data
    (tmp_path / "inverted.pdf").write_bytes(data.replace(marker, marker + b" /Decode [1 0]", 1))
    doc, page = first_page(tmp_path / "inverted.pdf")

    rendered = render_page_gray(page, 300)
    read = page_scan_gray(page, 300)
    doc.close()

    assert rendered.mean() < 128  # rendering honours /Decode: a dark page
    assert abs(float(read.mean()) - float(rendered.mean())) < 2


def test_documents_extracted_at_once_share_one_pool_and_get_their_own_text(extraction_pdfs, tmp_path):
    policy = OcrPolicy(workers=2)
    pool = ocr_pool(2)
    one_scan = joined_pdf([extraction_pdfs["scan"]], tmp_path / "one_scan.pdf")  # same page, another file
    seen: set[str] = set()
    original_submit = pool.submit

    def record(fn, *args, **kwargs):
        seen.add(threading.current_thread().name)
        return original_submit(fn, *args, **kwargs)

    pool.submit = record
    try:
        with ThreadPoolExecutor(2) as documents:
            first, second = documents.map(lambda p: extract_pages(p, policy),
                                          [extraction_pdfs["damaged_layer"], one_scan])
    finally:
        del pool.submit

    assert ocr_pool(2) is pool
    assert len(seen) == 2  # both documents queued their pages on the same pool
    assert len(pool._threads) <= 2  # and it never ran more Tesseracts than workers
    assert first[0].method == "ocr_redo" and second[0].method == "ocr"
    assert "Flüchtlingskrise" in first[0].raw_text and "Flüchtlingskrise" in second[0].raw_text
    assert first[0].engine_version == second[0].engine_version == tesseract_model_version("deu")


def test_a_model_that_is_not_installed_fails_the_page_with_what_to_install(extraction_pdfs):
    with pytest.raises(ExtractionFailed, match=r"cannot load the model 'xyz'.*tesseract-ocr-xyz"):
        extract_pages(extraction_pdfs["scan"], OcrPolicy(lang="xyz"))


def test_a_long_document_opened_afresh_between_pages_keeps_every_page_in_order(extraction_pdfs, tmp_path, monkeypatch):
    import tasks.extract

    monkeypatch.setattr(tasks.extract, "_PAGES_PER_OPENING", 2)  # 25 in production: same code path, fewer pages
    names = ("born_digital", "scan", "born_digital", "damaged_layer", "born_digital")
    five = joined_pdf([extraction_pdfs[name] for name in names], tmp_path / "five.pdf")

    pages = extract_pages(five, OcrPolicy())

    assert [(p.number, p.method) for p in pages] == [
        (1, "text_layer"), (2, "ocr"), (3, "text_layer"), (4, "ocr_redo"), (5, "text_layer")]
    assert pages[0].raw_text == pages[2].raw_text == pages[4].raw_text
    assert "Flüchtlingskrise" in pages[1].raw_text and "Flüchtlingskrise" in pages[3].raw_text
