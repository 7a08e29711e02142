"""Finding the gutter between two text columns, and the median filter chosen by the image.

Pages are drawn by `extract_cases`, rasterised by pdfium as `extract_pages` renders them; no OCR
here (the OCR of these pages is in test_extract_classes.py).
"""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from extract_cases import Case, Line, Page, flow, prose, two_column_attendance, upright_scan_text, write_case

from schemas.extraction import PreprocessSteps
from tasks.extract.columns import find_gutters, with_gutters_widened
from tasks.extract.preprocess import is_bilevel, median_kernel_for, preprocess_page_image
from tasks.extract.render import render_page_gray

DPI = 300
MM = DPI / 25.4


def rendered(tmp_path, lines_truth, **options) -> np.ndarray:
    """The page as `extract_pages` hands it to preprocessing: written to a PDF, rendered by pdfium."""
    lines, truth = lines_truth
    case = write_case(Case("page", "test", [Page(lines=lines, truth=truth, **options)]), tmp_path)
    doc = pdfium.PdfDocument(case.path)
    try:
        return render_page_gray(doc[0], DPI)
    finally:
        doc.close()


def agenda_with_number_column() -> tuple[list[Line], str]:
    """Item numbers in a column of their own before the titles: one row, not two columns."""
    items = [("TOP 1", "Eröffnung und Feststellung der Beschlussfähigkeit"), ("TOP 2", "Genehmigung der Niederschrift"),
             ("TOP 3", "Bericht des Integrationszentrums"), ("TOP 4", "Haushaltsplan 2020, Produktgruppe 05.01"),
             ("TOP 5", "Anträge der Fraktionen"), ("TOP 5.1", "Antrag der SPD-Fraktion: Schulwegsicherung"),
             ("TOP 6", "Mitteilungen und Anfragen")]
    lines = [Line(text, x, 25 + 6 * i, 10) for i, (number, title) in enumerate(items) for text, x in ((number, 15), (title, 38))]
    return lines, "\n".join(f"{n} {t}" for n, t in items)


def test_a_narrow_gutter_between_two_columns_is_found_below_the_heading(tmp_path):
    gray = rendered(tmp_path, two_column_attendance(seed=4, right_x=69), kind="scan")
    [gutter] = find_gutters(gray, DPI)

    assert 1.5 * MM <= gutter.right - gutter.left < 6 * MM  # the narrow case: 3 mm at its tightest row
    assert 62 * MM < gutter.left and abs(gutter.right - 69 * MM) < MM  # ends where the right column starts
    assert gutter.top > 20 * MM  # the heading (baseline 16 mm) runs across the strip and is not part of it


def test_widening_makes_the_gutter_12_mm_and_moves_only_the_right_column(tmp_path):
    gray = rendered(tmp_path, two_column_attendance(seed=4, right_x=69), kind="scan")
    [gutter] = find_gutters(gray, DPI)
    wide = with_gutters_widened(gray, DPI)
    [after] = find_gutters(wide, DPI)

    assert after.right - after.left == pytest.approx(12 * MM, abs=2)
    assert np.array_equal(wide[: gutter.top, : gray.shape[1]], gray[: gutter.top])  # heading untouched
    assert np.array_equal(wide[:, : gutter.left], gray[:, : gutter.left])  # left column untouched


@pytest.mark.parametrize("page", ["prose", "agenda", "small_print"])
def test_single_column_pages_have_no_gutter_and_are_left_as_they_are(tmp_path, page):
    lines_truth = {
        "prose": upright_scan_text(),
        "agenda": agenda_with_number_column(),
        "small_print": flow(prose("001", 3), width_chars=78, x=14, top=20, size=8, pitch=4.3),
    }[page]
    gray = rendered(tmp_path, lines_truth, kind="scan")

    assert find_gutters(gray, DPI) == []
    assert with_gutters_widened(gray, DPI) is gray


def test_a_1_bit_scan_gets_the_3_px_median_and_gray_scans_keep_5_px(tmp_path):
    small = flow(prose("002", 2), width_chars=78, x=14, top=20, size=8, pitch=4.3)
    g4 = rendered(tmp_path, small, kind="scan", g4=True, dpi=200)
    gray = rendered(tmp_path, small, kind="scan", dpi=200)

    assert is_bilevel(g4) and not is_bilevel(gray)
    assert (median_kernel_for(g4, DPI), median_kernel_for(gray, DPI)) == (3, 5)
    assert median_kernel_for(gray, 600) == 7


def test_the_3_px_median_keeps_small_1_bit_strokes_that_5_px_cuts(tmp_path):
    small = flow(prose("002", 2), width_chars=78, x=14, top=20, size=8, pitch=4.3)
    g4 = rendered(tmp_path, small, kind="scan", g4=True, dpi=200)
    ink = np.count_nonzero(g4 < 128)
    kept = np.count_nonzero(preprocess_page_image(g4, PreprocessSteps(deskew=False, columns=False), DPI) < 128)

    # The chosen filter keeps nearly all ink; the old 5 px one removed a good part of each stroke.
    import cv2

    cut = np.count_nonzero(cv2.medianBlur(g4, 5) < 128)
    assert kept > 0.95 * ink > cut
