"""Text-layer verdicts on their own: structure first, word statistics second, names are normal."""

from __future__ import annotations

from extract_cases import attendance_page, figures_page, signature_page, two_column_attendance

from schemas.extraction import OcrPolicy
from tasks.extract.layer import (
    PageImages,
    PageLayer,
    assess_text_layer,
    choose_page_method,
    clean_layer_text,
    lower_word_share,
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
