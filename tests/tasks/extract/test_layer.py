"""Text-layer verdicts on their own: structure first, word statistics second, names are normal."""

from __future__ import annotations

import io

import extract_cases
import pypdfium2 as pdfium
import pytest
from extract_cases import (
    Page,
    attendance_page,
    build_cases,
    figures_page,
    signature_page,
    tight_agenda_page,
    two_column_attendance,
)

from schemas.extraction import OcrPolicy
from tasks.extract.layer import (
    ImageGlyphs,
    PageImages,
    PageLayer,
    assess_text_layer,
    choose_page_method,
    clean_layer_text,
    is_printed_over_background,
    lower_word_share,
    page_images,
    page_layer,
)

NO_IMAGE = PageImages(coverage=0.0, dpi=None)
SCAN = PageImages(coverage=1.0, dpi=300.0)


def visible(text: str) -> PageLayer:
    return PageLayer(text, visible_letters=sum(ch.isalpha() for ch in text))


def invisible(text: str) -> PageLayer:
    return PageLayer(text, invisible_letters=sum(ch.isalpha() for ch in text))


def test_names_abbreviations_and_figures_do_not_make_a_layer_look_damaged():
    for _, text in (attendance_page(), figures_page(), signature_page(), two_column_attendance()):
        assert assess_text_layer(text, visible=True).trusted, text[:60]
        # Even as an invisible OCR layer the same words are not damage.
        assert assess_text_layer(text).trusted, text[:60]


def test_lower_case_words_are_judged_and_abbreviations_before_a_full_stop_are_not():
    share, judged = lower_word_share("Ole Kläsgen (SPD) stv. Mitglied, sachkundige Bürgerin insb. und ggf. beratend")
    assert (share, judged) == (1.0, 3)  # sachkundige, und, beratend


def test_a_broken_font_encoding_is_caught_even_when_drawn_visibly():
    clear = "der Ausschuss nimmt den Bericht der Verwaltung zur Kenntnis und dankt für die gute Arbeit im letzten Jahr"
    shifted = "".join(chr(ord(c) + 3) if c.isalpha() and c.isascii() else c for c in clear)  # `ghu Dxvvfkxvv`
    assert assess_text_layer(clear, visible=True).trusted
    quality = assess_text_layer(shifted, visible=True)
    assert not quality.trusted and "encoding" in quality.reason


def test_pdfium_soft_hyphen_marker_is_a_line_end_hyphen_not_an_unmapped_glyph():
    raw = "Integrations\ufffezentrum und Bürger\ufffemeister Ole Wirtz\r\nberichtet."
    text = clean_layer_text(raw)

    assert text == "Integrations-\nzentrum und Bürger-\nmeister Ole Wirtz\nberichtet."
    assert assess_text_layer(text, visible=True).unmapped == 0
    assert choose_page_method(visible(text), NO_IMAGE, OcrPolicy())[0] == "text_layer"


def test_visible_text_without_a_scan_is_the_page_text_unless_glyphs_are_unmapped():
    _, names = attendance_page()
    assert choose_page_method(visible(names), NO_IMAGE, OcrPolicy())[0] == "text_layer"
    broken = names.replace("e", "(cid:71)")
    assert choose_page_method(visible(broken), NO_IMAGE, OcrPolicy())[0] == "ocr_redo"


def test_invisible_damaged_layer_over_a_scan_is_redone_and_a_stamp_is_not_the_page():
    damaged = ("Die Blndniskerngruppe hat fur den Foérderbaustein eine Ergdnzung gewlnscht, die im "
               "nachsten Jahr umgesetzt werden soll; grundsatzlich ist das Konzept beschlossen.") * 2
    assert choose_page_method(invisible(damaged), SCAN, OcrPolicy())[0] == "ocr_redo"
    assert choose_page_method(visible("Anlage 1"), SCAN, OcrPolicy())[0] == "ocr_redo"
    assert choose_page_method(visible(""), SCAN, OcrPolicy())[0] == "ocr"


def test_ole_is_a_name_not_a_damaged_oele():
    text = "Herr Ole Wirtz fragt nach. Anwesend: Ole Kläsgen (SPD), Uwe Pütz (CDU)."
    quality = assess_text_layer(text * 3)
    assert quality.trusted and quality.restorable_share == 0.0


# ── Visible text over a page-sized image: letterhead or scan ────────────────────────────────────

LETTERHEAD = PageImages(coverage=1.0, dpi=200.0, glyphs=ImageGlyphs(total=161, body=0))
SCAN_UNDER_STAMP = PageImages(coverage=1.0, dpi=300.0, glyphs=ImageGlyphs(total=976, body=429))


def test_visible_text_over_a_letterhead_is_the_page_text_however_short():
    short = "Rheinbach, 14.02.2023\nMit freundlichen Grüßen\ngez. Ludger Banken\nBürgermeister"
    _, names = attendance_page()
    assert choose_page_method(visible(short), LETTERHEAD, OcrPolicy())[0] == "text_layer"
    assert choose_page_method(visible(names), LETTERHEAD, OcrPolicy())[0] == "text_layer"
    # Still judged for unmapped glyphs, as any visible layer.
    assert choose_page_method(visible(names.replace("e", "(cid:71)")), LETTERHEAD, OcrPolicy())[0] == "ocr_redo"


def test_an_image_with_text_in_its_body_or_much_more_text_than_the_layer_is_a_scan():
    assert choose_page_method(visible("Anlage 1"), SCAN_UNDER_STAMP, OcrPolicy())[0] == "ocr_redo"
    # A sparse scan (text only at the top, body blank) under a stamp: too few letters for its glyphs.
    sparse = PageImages(coverage=1.0, dpi=300.0, glyphs=ImageGlyphs(total=300, body=0))
    assert choose_page_method(visible("Anlage 3 zu TOP 5"), sparse, OcrPolicy())[0] == "ocr_redo"
    # Text drawn under the image (glyphs not counted) is an OCR layer, whatever its render mode:
    # the damaged-layer test applies to it, not over a letterhead.
    damaged = ("Die Blndniskerngruppe hat fur den Foérderbaustein eine Ergdnzung gewlnscht, die im "
               "nachsten Jahr umgesetzt werden soll; grundsatzlich ist das Konzept beschlossen.") * 2
    under = PageImages(coverage=1.0, dpi=300.0, glyphs=None)
    assert choose_page_method(visible(damaged), under, OcrPolicy())[0] == "ocr_redo"
    assert choose_page_method(visible(damaged), LETTERHEAD, OcrPolicy())[0] == "text_layer"


def _pdf_images(tmp_path, case_name: str) -> list[PageImages]:
    case = build_cases(tmp_path, [case_name])[case_name]
    doc = pdfium.PdfDocument(case.path)
    try:
        return [page_images(doc[i]) for i in range(len(doc))]
    finally:
        doc.close()


def test_glyphs_are_counted_in_the_image_under_visible_text_only(tmp_path):
    [letterhead] = _pdf_images(tmp_path, "i_letterhead")
    *_, annex = _pdf_images(tmp_path, "e_mixed")
    [bare_scan] = _pdf_images(tmp_path, "c_turned90")

    assert letterhead.glyphs.body == 0 and 100 < letterhead.glyphs.total < 250  # header, address, bank details
    assert annex.glyphs.body > 300 and annex.glyphs.total > 800  # a scanned page under an "Anlage 1" stamp
    assert bare_scan.glyphs is None and bare_scan.coverage == 1.0  # nothing drawn over it: not counted


def test_text_drawn_before_the_image_is_covered_and_counts_as_no_text_over_it(tmp_path):
    # ABBYY's "text under the page image": visible render mode, but painted over by the scan.
    lines, truth = attendance_page()
    pdf = extract_cases._pdf(extract_cases.A5)
    pdf.add_page()
    extract_cases._draw(pdf, lines)
    scan = extract_cases.scan_image(Page(lines=lines, truth=truth, kind="scan"))
    buffer = io.BytesIO()
    scan.save(buffer, "JPEG", quality=85)
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=extract_cases.A5[0], h=extract_cases.A5[1])
    doc = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        images, layer = page_images(doc[0]), page_layer(doc[0])
    finally:
        doc.close()

    assert layer.visible_letters > 300 and not layer.invisible
    assert images.coverage == pytest.approx(1.0) and images.glyphs is None
    assert not is_printed_over_background(layer, images)


# ── Lines as drawn ──────────────────────────────────────────────────────────────────────────────


def _layer_of(draw) -> PageLayer:
    pdf = extract_cases._pdf(extract_cases.A5)
    pdf.add_page()
    draw(pdf)
    doc = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        return page_layer(doc[0])
    finally:
        doc.close()


def test_a_baseline_jump_inside_a_pdfium_line_starts_a_new_line():
    lines, truth = tight_agenda_page()
    layer = _layer_of(lambda pdf: extract_cases._draw(pdf, lines))
    assert layer.text.splitlines() == truth.splitlines()


def test_superscripts_and_rotated_text_are_not_split_into_lines():
    def draw(pdf):
        pdf.set_font("DejaVu", "", 10)
        pdf.text(15, 30, "Beschluss gemäß § 41 GO NRW")
        pdf.set_font("DejaVu", "", 6)
        pdf.text(66.2, 28.8, "2")  # a footnote mark raised a third of the font size
        pdf.set_font("DejaVu", "", 10)
        with pdf.rotation(90, x=20, y=150):
            pdf.text(20, 150, "Niederschrift ASGI")  # a margin note running upwards

    text = _layer_of(draw).text
    assert "Niederschrift ASGI" in text.splitlines()
    assert "Beschluss gemäß § 41 GO NRW2" in text.splitlines() or "Beschluss gemäß § 41 GO NRW 2" in text.splitlines()
