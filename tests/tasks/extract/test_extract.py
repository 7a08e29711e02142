"""Extraction on real PDFs with real Tesseract: three OCRed pages in the whole module."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from schemas.errors import DocumentRejected, ExtractionFailed
from schemas.extraction import OcrPolicy
from schemas.settings import Settings
from tasks.extract import extract_document, extract_pages
from tasks.extract.layer import assess_text_layer
from tasks.extract.ocr import confidence_of_words
from tasks.extract.preprocess import estimate_skew_deg, rotate_gray
from tasks.extract.render import render_page_gray

SEEDS = Path(__file__).resolve().parents[3] / "demo" / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def folded(text: str) -> str:
    return " ".join(text.split())


# ── Whole documents ────────────────────────────────────────────────────────────────────────────


def test_scanned_page_is_ocred_with_umlauts_intact(extraction_pdfs):
    doc = extract_document(extraction_pdfs["scan"], OcrPolicy())

    [page] = doc.pages
    assert page.method == "ocr"
    assert page.engine == "tesseract" and re.fullmatch(r"\d+\.\d+\.\d+ deu@[0-9a-f]{12}", page.engine_version)
    assert page.dpi == 300
    assert page.confidence is not None and page.confidence > 85
    assert not page.low_confidence
    for word in ("Flüchtlingskrise", "Ausländerbehörde", "Geschäftsführer", "Dinstühler", "wiederfänden", "für"):
        assert word in doc.text
    assert doc.normaliser_version


def test_born_digital_page_uses_its_text_layer_verbatim(extraction_pdfs, born_digital_text):
    doc = extract_document(extraction_pdfs["born_digital"], OcrPolicy())

    [page] = doc.pages
    assert page.method == "text_layer"
    assert page.engine == "pdfium" and page.confidence is None
    assert folded(doc.text) == born_digital_text


def test_damaged_layer_is_replaced_by_ocr_with_umlauts(extraction_pdfs):
    [page] = extract_pages(extraction_pdfs["damaged_layer"], OcrPolicy())

    assert page.method == "ocr_redo"
    assert "Flüchtlingskrise" in page.raw_text
    assert "Blndniskerngruppe" not in page.raw_text and "Foérderbaustein" not in page.raw_text


def test_page_timeout_fails_with_the_page_number(extraction_pdfs):
    with pytest.raises(ExtractionFailed, match=r"page 1: Tesseract took longer"):
        extract_pages(extraction_pdfs["scan"], OcrPolicy(page_timeout=0.05))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("html", r"not a PDF: page\.html starts with '<!DOCTYPE"),
        ("truncated", r"truncated PDF"),
        ("empty", r"^empty\.pdf is empty \(0 bytes\)$"),
        ("encrypted", r"encrypted PDF"),
    ],
)
def test_unusable_files_are_rejected_with_the_reason(extraction_pdfs, name, message):
    with pytest.raises(DocumentRejected, match=message):
        extract_pages(extraction_pdfs[name], OcrPolicy())


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(DocumentRejected, match="cannot read"):
        extract_pages(tmp_path / "nowhere.pdf", OcrPolicy())


# ── Text-layer quality ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_clean_seed_layers_are_trusted(prefix):
    quality = assess_text_layer(seed(prefix))
    assert quality.trusted, quality
    assert quality.german_share >= 0.95


def test_damaged_seed_layer_is_not_trusted():
    quality = assess_text_layer(seed("000"))
    assert not quality.trusted
    assert quality.restorable_share > 0.05
    assert "umlauts" in quality.reason or "German words" in quality.reason


@pytest.mark.parametrize("paragraph", [p for p in seed("000").split("\n\n") if len(p.split()) > 40])
def test_each_damaged_paragraph_alone_is_caught(paragraph):
    # A page may hold just one paragraph of the damaged text; it must be caught on its own.
    assert not assess_text_layer(paragraph).trusted


def test_unmapped_glyphs_and_empty_layers_are_not_trusted():
    clean = seed("002")[:600]
    assert not assess_text_layer(clean.replace("e", "(cid:71)")).trusted
    assert not assess_text_layer(clean.replace("ü", "\ufffd").replace("ä", "\ue001")).trusted
    assert not assess_text_layer("  \n 12 \n").trusted


# ── Pieces ─────────────────────────────────────────────────────────────────────────────────────


def test_skew_is_measured_from_text_lines(extraction_pdfs):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(extraction_pdfs["scan"])
    gray = render_page_gray(doc[0], 100)
    doc.close()
    tilted = rotate_gray(gray, 2.0)

    assert estimate_skew_deg(tilted) == pytest.approx(-2.0, abs=0.25)
    assert estimate_skew_deg(gray) == pytest.approx(0.0, abs=0.15)
    assert estimate_skew_deg(np.full((400, 300), 255, np.uint8)) == 0.0


def test_confidence_is_length_weighted_and_ignores_empty_words():
    words = [("Ausländerbehörde", 90), ("die", 30), (" ", -1), ("", 95)]
    assert confidence_of_words(words) == pytest.approx((90 * 16 + 30 * 3) / 19)
    assert confidence_of_words([]) is None


def test_policy_comes_from_settings():
    policy = OcrPolicy.from_settings(Settings(ocr_dpi=400, ocr_workers=3, ocr_page_timeout=12.5, ocr_lang="deu+eng"))
    assert (policy.dpi, policy.workers, policy.page_timeout, policy.lang) == (400, 3, 12.5, "deu+eng")


def test_each_page_gets_its_own_method(extraction_pdfs, tmp_path):
    from tests.tasks.conftest import joined_pdf

    mixed = joined_pdf([extraction_pdfs["born_digital"], extraction_pdfs["scan"]], tmp_path / "mixed.pdf")

    doc = extract_document(mixed, OcrPolicy())

    assert [(p.number, p.method) for p in doc.pages] == [(1, "text_layer"), (2, "ocr")]
    assert doc.text.startswith(doc.pages[0].text) and doc.text.endswith(doc.pages[1].text)
    assert doc.text == doc.pages[0].text + "\n\n" + doc.pages[1].text  # the segmenter's page offsets rely on this


def test_preprocessing_removes_speckle_and_straightens(extraction_pdfs):
    import pypdfium2 as pdfium

    from schemas.extraction import PreprocessSteps
    from tasks.extract.preprocess import preprocess_page_image

    doc = pdfium.PdfDocument(extraction_pdfs["scan"])
    clean = render_page_gray(doc[0], 150)
    doc.close()
    rng = np.random.default_rng(7)
    speckled = rotate_gray(clean, 1.5)
    dots = rng.random(speckled.shape) < 0.002
    speckled[dots] = 0

    cleaned = preprocess_page_image(speckled, PreprocessSteps(), dpi=150)

    margin = cleaned[:, : cleaned.shape[1] // 12]  # left margin: no text, only speckle
    assert (margin < 128).mean() < 0.0002 < (speckled[:, : cleaned.shape[1] // 12] < 128).mean()
    assert estimate_skew_deg(cleaned) == pytest.approx(0.0, abs=0.2)


def test_german_words_include_compounds_but_not_damage():
    from tasks.wordlist import is_german_word

    for word in ("Integrationszentrum", "Teilhabemanagement-Stellen", "Ausländerbehörde", "KIM", "für"):
        assert is_german_word(word), word
    for word in ("Blndniskerngruppe", "Ergdnzung", "fur", "Aktivitaten"):
        assert not is_german_word(word), word


def test_damaged_layer_kept_on_request_gets_its_umlauts_restored(extraction_pdfs):
    doc = extract_document(extraction_pdfs["damaged_layer"], OcrPolicy(redo_damaged_layers=False))

    [page] = doc.pages
    assert page.method == "text_layer"
    assert "Blndniskerngruppe" in page.raw_text
    assert "Bündniskerngruppe" in doc.text and "„Förderbaustein 6“" in doc.text


def test_light_text_on_a_dark_bar_is_read_and_a_plain_page_is_not_read_inverted(tmp_path, umlaut_paragraphs):
    from PIL import ImageDraw, ImageFont

    from tasks.extract.preprocess import may_hold_inverted_text
    from tests.tasks.conftest import FONT, scan_image, write_image_pdf

    plain = scan_image(umlaut_paragraphs, dpi=300)
    barred = plain.copy()
    draw = ImageDraw.Draw(barred)
    draw.rectangle((200, 60, 2280, 230), fill=0)  # over the top margin, above the body text
    draw.text((260, 95), "Niederschrift über die Sitzung", font=ImageFont.truetype(FONT, 70), fill=255)

    assert not may_hold_inverted_text(np.array(plain), 300)
    assert may_hold_inverted_text(np.array(barred), 300)
    [page] = extract_pages(write_image_pdf(barred, tmp_path / "barred.pdf", dpi=300), OcrPolicy())
    assert "Niederschrift über die Sitzung" in page.raw_text
    assert "Flüchtlingskrise" in page.raw_text and "Ausländerbehörde" in page.raw_text
