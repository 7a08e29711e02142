"""Can a page's embedded text layer be trusted, or does the page need OCR?

Damaged layers are replaced by OCR (`ocr_redo`), never merged: merging two texts of the same page
cannot tell which of two readings is right, and one bad layer word is worse than one OCR miss.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.extraction import OcrPolicy
from tasks.wordlist import german_word_share, restored_word, words_of

_CID_RE = re.compile(r"\(cid:\d+\)")
# Quotes as English-model OCR reads German ones: `,Gemeinsam` for „Gemeinsam, `Honnef*` for Honnef“.
_BROKEN_QUOTE_RE = re.compile(r"(?:^|\s),[^\W\d_]|[^\W\d_]\*(?=\s|$)", re.MULTILINE)
_MIN_LAYER_LETTERS = 100
_SCAN_COVERAGE = 0.5


@dataclass(frozen=True)
class LayerQuality:
    """Why a text layer was trusted or not; kept so the benchmark and logs can show it."""

    letters: int
    words: int
    unmapped: int
    german_share: float
    restorable_share: float
    trusted: bool
    reason: str


def _is_unmapped(ch: str) -> bool:
    if ch in "\n\r\t" or "\uf020" <= ch <= "\uf0ff":
        return False  # U+F020–F0FF: Symbol/Wingdings bullets from Word, mapped on purpose
    return ch in "\ufffd\ufffe\uffff" or unicodedata.category(ch) in ("Co", "Cc", "Cs")


def assess_text_layer(
    text: str, min_word_share: float = 0.90, max_restorable_share: float = 0.02
) -> LayerQuality:
    """Is this embedded text good enough to use instead of OCR?

    Three damages are looked for: glyphs without a Unicode mapping (`(cid:12)`, U+FFFD, private
    use), text that is mostly not German words (wrong encoding, garbage), and the quiet one: an
    English-model OCR layer, readable but with umlauts lost. The last shows as words that are not
    German but become German once an umlaut is put back (`fur`, `Ergdnzung`), which clean text
    almost never has, and as German quotes read as `,Wort` / `Wort*`.
    """
    letters = sum(ch.isalpha() for ch in text)
    unmapped = sum(_is_unmapped(ch) for ch in text) + len(_CID_RE.findall(text))
    words = words_of(_CID_RE.sub(" ", text))
    share = german_word_share(" ".join(words)) if words else 0.0
    restorable = sum(1 for w in words if restored_word(w)) / len(words) if words else 0.0

    def verdict(trusted: bool, reason: str) -> LayerQuality:
        return LayerQuality(letters, len(words), unmapped, share, restorable, trusted, reason)

    if letters == 0:
        return verdict(False, "no letters")
    if unmapped >= 2:
        return verdict(False, f"{unmapped} unmapped glyphs")
    if len(words) >= 20 and share < min_word_share:
        return verdict(False, f"only {share:.0%} German words")
    if restorable > max_restorable_share and sum(1 for w in words if restored_word(w)) >= 2:
        return verdict(False, f"{restorable:.1%} words lost their umlauts")
    broken_quotes = len(_BROKEN_QUOTE_RE.findall(text))
    if broken_quotes >= 2:
        return verdict(False, f"{broken_quotes} German quotes read as `,` or `*`")
    return verdict(True, "ok")


def layer_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    # pdfium marks a hyphen it found at a line end as U+0002; it is an ordinary hyphen to us.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-")


@dataclass(frozen=True)
class PageImages:
    coverage: float  # share of the page area covered by its largest image
    dpi: float | None  # effective resolution of that image as placed on the page


def page_images(page: pdfium.PdfPage) -> PageImages:
    width, height = page.get_size()
    best_area, best_dpi = 0.0, None
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        area = max(0.0, right - left) * max(0.0, top - bottom)
        if area <= best_area:
            continue
        best_area = area
        try:
            px_w, _ = obj.get_px_size()
            best_dpi = px_w / ((right - left) / 72.0) if right > left else None
        except pdfium.PdfiumError:
            best_dpi = None
    return PageImages(coverage=best_area / (width * height) if width * height else 0.0, dpi=best_dpi)


def choose_page_method(layer: str, images: PageImages, policy: OcrPolicy) -> tuple[str, LayerQuality]:
    """`text_layer`, `ocr` (nothing to read but an image) or `ocr_redo` (a layer we replace)."""
    quality = assess_text_layer(layer, policy.text_layer_min_word_share, policy.text_layer_max_restorable_share)
    if quality.letters == 0:
        return ("ocr" if images.coverage > 0 else "text_layer"), quality
    # A scan whose layer is only a stamp or a page number: the layer is not the page's text.
    if images.coverage >= _SCAN_COVERAGE and quality.letters < _MIN_LAYER_LETTERS:
        return "ocr_redo", quality
    if not quality.trusted and not policy.redo_damaged_layers:
        return "text_layer", quality  # kept on request; `normalise_pages` restores its umlauts
    return ("text_layer" if quality.trusted else "ocr_redo"), quality
