"""The extraction guards one by one, on PDFs written in code: refused before pdfium inflates or renders."""

import zlib

import pdfs
import pypdfium2 as pdfium
import pytest

from schemas.errors import DocumentTooLarge, NoTextFound
from schemas.extraction import ExtractionLimits, OcrPolicy
from tasks.extract import extract_pages
from tasks.extract.limits import fitted_render_dpi, largest_inflated_stream


def written(tmp_path, name: str, data: bytes):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "build", "error", "reason"), [
    ("pixel-bomb", pdfs.pixel_bomb, DocumentTooLarge, r"image of 50,000 × 50,000 px, more than the limit of 64,000,000 px"),
    ("giant-page", pdfs.giant_scan_page, DocumentTooLarge, r"14400 × 14400 pt .* even at 150 dpi that is 30,000 × 30,000 px"),
    ("flate-bomb", pdfs.flate_bomb, DocumentTooLarge, r"inflates to more than 256 MiB"),
    ("pages-2000", pdfs.many_pages, DocumentTooLarge, r"PDF has 2000 pages, more than the limit of 1000"),
    ("blank-giant-page", pdfs.blank_giant_page, NoTextFound, r"^no text on any of its 1 page$"),
])
def test_each_bad_pdf_is_refused_with_what_was_measured(tmp_path, name, build, error, reason):
    with pytest.raises(error, match=reason):
        extract_pages(written(tmp_path, name, build()), OcrPolicy())


def test_a_pdf_of_several_blank_pages_names_how_many(tmp_path):
    blank = written(tmp_path, "blank", pdfs.raw_pdf([pdfs.RawPage(), pdfs.RawPage(), pdfs.RawPage()]))
    with pytest.raises(NoTextFound, match="no text on any of its 3 pages"):
        extract_pages(blank, OcrPolicy())


def test_limits_are_settings_a_bigger_file_passes_when_raised(tmp_path):
    many = written(tmp_path, "many", pdfs.many_pages(20))
    with pytest.raises(DocumentTooLarge, match="20 pages, more than the limit of 10"):
        extract_pages(many, OcrPolicy(limits=ExtractionLimits(max_pages=10)))
    with pytest.raises(NoTextFound, match="20 pages"):  # past the cap it is read, and is blank
        extract_pages(many, OcrPolicy(limits=ExtractionLimits(max_pages=20)))


def test_a_big_real_page_is_rendered_coarser_rather_than_refused():
    a1 = pdfium.PdfDocument(pdfs.raw_pdf([pdfs.RawPage(size=(1684, 2384))]))  # A1: 23.4 × 33.1 in
    limits = ExtractionLimits()
    assert fitted_render_dpi(a1[0], 300, limits, 1) == 287  # 69.7 MP at 300 dpi, 64 MP at 287
    assert fitted_render_dpi(pdfium.PdfDocument(pdfs.raw_pdf([pdfs.RawPage()]))[0], 300, limits, 1) == 300


def test_the_inflate_count_stops_at_the_cap_and_measures_ordinary_streams_exactly(tmp_path):
    ordinary = written(tmp_path, "ordinary", pdfs.raw_pdf([pdfs.full_page_image(pdfs.A4, 100, 100,
                                                                                 zlib.compress(bytes(10_000)))]))
    assert largest_inflated_stream(ordinary, 1 << 20) == 10_000
    bomb = written(tmp_path, "bomb", pdfs.flate_bomb(64 << 20))
    assert (1 << 20) < largest_inflated_stream(bomb, 1 << 20) <= 3 << 20  # stopped just past 1 MiB, not at 64
    assert largest_inflated_stream(written(tmp_path, "empty", b""), 1 << 20) == 0
