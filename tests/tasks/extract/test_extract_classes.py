"""Each failure class of issue 13 on real generated PDFs with real Tesseract (12 small pages OCRed).

The cases are built by `extract_cases.py` from the seeds; `Case.truths` is what each page prints.
"""

from __future__ import annotations

import re
import unicodedata

import jiwer
import pypdfium2 as pdfium
import pytest
from extract_cases import build_cases

from schemas.extraction import OcrPolicy
from tasks.extract import extract_document, extract_pages

# Pages that are OCRed below; every other case is read from its text layer only.
_OCR_CASES = ["c_rotate270", "c_turned180", "c_turned270", "c_rotate270_upright_image", "d_g4_200", "d_g4_200_small",
              "e_mixed", "e_mixed_rotated", "f_two_column_scan", "f_two_column_scan_narrow", "h_damaged_layer"]
_LAYER_CASES = ["a_attendance", "a_signature", "a_figures", "b_soft_hyphens", "f_two_column_born", "g_footer_seite",
                "g_footer_dash", "g_footer_combined", "i_letterhead", "i_letterhead_names", "i_letterhead_prose",
                "j_joined_lines", "h_clean_invisible_layer"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return build_cases(tmp_path_factory.mktemp("extract-cases"), _OCR_CASES + _LAYER_CASES)


def folded(text: str) -> str:
    return " ".join(re.sub(r"[–—‐‑]", "-", unicodedata.normalize("NFC", text)).split())


def cer(truth: str, text: str) -> float:
    return jiwer.cer(folded(truth), folded(text) or "∅")


# ── Born-digital pages are never OCRed ─────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", [n for n in _LAYER_CASES if n != "h_clean_invisible_layer"])
def test_born_digital_pages_keep_their_text_layer_exactly(cases, name):
    # Names, parties, `KDir'in`, figures, 16-word signature pages, soft hyphens, two columns,
    # one-page footers: all are read from the layer, and the normalised text is what is printed.
    case = cases[name]
    doc = extract_document(case.path, OcrPolicy())

    assert [p.method for p in doc.pages] == ["text_layer"] * len(case.pages)
    assert [folded(p.text) for p in doc.pages] == [folded(t) for t in case.truths]


def test_soft_hyphens_are_dehyphenated_not_unmapped_and_ole_stays_ole(cases):
    [page] = extract_pages(cases["b_soft_hyphens"].path, OcrPolicy())
    doc = extract_document(cases["b_soft_hyphens"].path, OcrPolicy())

    assert page.method == "text_layer"
    assert "\ufffe" not in page.raw_text and "-\n" in page.raw_text  # pdfium's marker is a line-end hyphen
    assert "Ole Wirtz" in doc.text and "Öle" not in doc.text
    assert "gesetzlichen" in doc.text and "geset" not in doc.text.replace("gesetz", "")


def test_a_short_signature_page_keeps_the_first_name_ole(cases):
    doc = extract_document(cases["a_signature"].path, OcrPolicy())
    assert "gez. Ole Kläsgen" in doc.text


@pytest.mark.parametrize(("name", "footer"), [("g_footer_seite", "Seite 1 von 1"), ("g_footer_dash", "- 1 -"), ("g_footer_combined", "Seite 1 von 1")])
def test_the_footer_of_a_one_page_document_is_removed_by_its_form(cases, name, footer):
    [page] = extract_pages(cases[name].path, OcrPolicy())
    doc = extract_document(cases[name].path, OcrPolicy())

    assert footer in page.raw_text
    assert footer not in doc.text and doc.text.startswith("Auszug aus der Niederschrift")


# ── Scans ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["c_rotate270", "c_turned180", "c_turned270", "c_rotate270_upright_image"])
def test_turned_scans_are_read_upright(cases, name):
    # /Rotate with a sideways image (pdfium renders it upright), content upside down, content turned
    # 270°, and an upright image under a wrong /Rotate: plain Tesseract reads the last three at CER 91 %.
    case = cases[name]
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert page.method == "ocr"
    assert cer(case.truths[0], page.text) < 0.01
    assert not page.low_confidence


@pytest.mark.parametrize("name", ["d_g4_200", "d_g4_200_small"])
def test_ccitt_g4_scans_are_read_small_text_included(cases, name):
    # 8 pt text at 200 dpi read at CER 1.64 % while the 5 px median filter cut its 1-bit strokes.
    case = cases[name]
    assert b"/CCITTFaxDecode" in case.path.read_bytes()  # really a 1-bit Group 4 image
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert page.method == "ocr" and page.dpi == 300
    assert cer(case.truths[0], page.text) < 0.01


def test_mixed_document_reads_layers_and_ocrs_only_the_scanned_annex(cases):
    case = cases["e_mixed"]
    doc = extract_document(case.path, OcrPolicy())

    # The annex carries a visible "Anlage 1" stamp: a layer that is not the page's text.
    assert [p.method for p in doc.pages] == ["text_layer", "text_layer", "text_layer", "ocr_redo"]
    assert [folded(p.text) for p in doc.pages[:3]] == [folded(t) for t in case.truths[:3]]
    assert cer(case.truths[3], doc.pages[3].text) < 0.02


def test_mixed_document_with_rotate_270_pages_reads_each_page_its_way(cases):
    # A born-digital page and a scanned annex, both under /Rotate 270 (the annex image sideways).
    case = cases["e_mixed_rotated"]
    doc = extract_document(case.path, OcrPolicy())

    assert [p.method for p in doc.pages] == ["text_layer", "text_layer", "ocr"]
    assert [folded(p.text) for p in doc.pages[:2]] == [folded(t) for t in case.truths[:2]]
    assert cer(case.truths[2], doc.pages[2].text) < 0.01


@pytest.mark.parametrize("name", ["f_two_column_scan", "f_two_column_scan_narrow"])
def test_two_column_attendance_scan_is_read_column_by_column(cases, name):
    # With about 3 mm between the columns Tesseract read each row across both (CER 68.7 %).
    case = cases[name]
    printed = case.truths[0].splitlines()
    last_member = printed[printed.index("Von der Verwaltung:") - 1]
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert cer(case.truths[0], page.text) < 0.01
    assert page.text.index("Von der Verwaltung:") > page.text.index(last_member)  # the left column first
    assert printed[0] in page.text.splitlines()  # the heading over both columns stays one line


# ── Born-digital text over a letterhead picture; lines pdfium joins ─────────────────────────────


def test_short_page_over_a_letterhead_picture_is_its_text_not_a_scan(cases):
    # Four lines, 58 letters, over a full-page image: before, "a scan whose layer is only a stamp".
    case = cases["i_letterhead"]
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert page.method == "text_layer" and page.engine == "pdfium"
    assert page.text.splitlines() == case.truths[0].splitlines()  # the letterhead's own text is not in it


def test_lines_pdfium_joins_come_out_one_drawn_line_a_line(cases):
    case = cases["j_joined_lines"]
    doc = pdfium.PdfDocument(case.path)
    joined = doc[0].get_textpage().get_text_range()
    doc.close()
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert "5. Anträge 5.1 Antrag" in joined  # the case really makes pdfium join them
    assert page.text.splitlines() == case.truths[0].splitlines()


# ── Invisible layers over scans: the damaged-layer test still applies ───────────────────────────


def test_damaged_invisible_layer_is_still_replaced_by_ocr(cases):
    case = cases["h_damaged_layer"]
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert page.method == "ocr_redo"
    assert cer(case.truths[0], page.text) < 0.01


def test_clean_invisible_layer_over_a_scan_is_trusted(cases):
    case = cases["h_clean_invisible_layer"]
    [page] = extract_document(case.path, OcrPolicy()).pages

    assert page.method == "text_layer"
    assert folded(page.text) == folded(case.truths[0])


def test_render_mode_is_what_tells_an_ocr_layer_from_printed_text(cases):
    from tasks.extract.layer import page_layer

    for name, invisible in (("h_damaged_layer", True), ("h_clean_invisible_layer", True), ("a_attendance", False)):
        doc = pdfium.PdfDocument(cases[name].path)
        layer = page_layer(doc[0])
        doc.close()
        assert layer.invisible is invisible, name
        assert (layer.invisible_letters if invisible else layer.visible_letters) > 300
