"""Can a page's embedded text layer be trusted, or does the page need OCR?

The PDF's own structure answers first, word statistics second. Text drawn visibly on a page
without a scan image is what the page prints, whatever its words are: attendance lists (surnames
score 0.56–0.89 German words), signature pages of 16 words, budget figures. Only glyphs without a
Unicode mapping make such a layer unreadable. Invisible text (render mode 3, or 7: clip only)
over a page-sized image is somebody's OCR of the scan, and that is where the damage lives: an
English-model OCR that lost every umlaut (`fur`, `Ergdnzung`), or garbage.

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
from tasks.normalise import umlaut_damage
from tasks.wordlist import is_german_word

_CID_RE = re.compile(r"\(cid:\d+\)")
# Quotes as English-model OCR reads German ones: `,Gemeinsam` for „Gemeinsam, `Honnef*` for Honnef“.
_BROKEN_QUOTE_RE = re.compile(r"(?:^|\s),[^\W\d_]|[^\W\d_]\*(?=\s|$)", re.MULTILINE)
# Lower-case words, the ones a damaged or garbled layer gets wrong: names and nouns are capitalised,
# and a short word before a full stop is an abbreviation (`stv.`, `insb.`, `gem.`), not a word.
_LOWER_WORD_RE = re.compile(r"(?<![\w.])([a-zäöüß][^\W\d_]+(?:-[^\W\d_]+)*)(\.)?")
_LINE_BREAK_HYPHEN_RE = re.compile(r"([a-zäöüß])-\n(?=[a-zäöüß])")
_MIN_LAYER_LETTERS = 100
_MIN_JUDGED_WORDS = 10
_SCAN_COVERAGE = 0.5
# A visible layer is unreadable only when even its lower-case words are mostly not German: a
# shifted font encoding (`ghu Dxvvfkxvv`) scores 0, clean seeds and generated minutes pages 0.97–1.0.
_MIN_VISIBLE_WORD_SHARE = 0.5
_INVISIBLE_MODES = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)


@dataclass(frozen=True)
class PageLayer:
    """A page's embedded text and how it is drawn (letters in visible vs invisible text)."""

    text: str
    visible_letters: int = 0
    invisible_letters: int = 0

    @property
    def invisible(self) -> bool:
        """Mostly invisible text: an OCR layer laid over an image, not what the page prints."""
        return self.invisible_letters > self.visible_letters


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
    return ch in "\ufffd\uffff" or unicodedata.category(ch) in ("Co", "Cc", "Cs")


def _unmapped_count(text: str) -> int:
    return sum(_is_unmapped(ch) for ch in text) + len(_CID_RE.findall(text))


def lower_word_share(text: str) -> tuple[float, int]:
    """(share of the lower-case words that are German, how many were judged).

    Judging only lower-case words keeps names, nouns of places and abbreviations out of the
    statistic: an attendance page of surnames is as German as a report.
    """
    words = [m.group(1) for m in _LOWER_WORD_RE.finditer(_CID_RE.sub(" ", text))
             if not (m.group(2) and len(m.group(1)) <= 5)]
    if not words:
        return 1.0, 0
    return sum(is_german_word(w) for w in words) / len(words), len(words)


def assess_text_layer(
    text: str, min_word_share: float = 0.90, max_restorable_share: float = 0.02, *, visible: bool = False
) -> LayerQuality:
    """Is this text layer good enough to use instead of OCR?

    For an OCR layer (invisible text over a scan) three damages are looked for: glyphs without a
    Unicode mapping (`(cid:12)`, U+FFFD, private use), lower-case words that are mostly not German
    (wrong encoding, garbage), and the quiet one: an English-model OCR layer, readable but with
    umlauts lost. The last shows as words that are not German but become German once an umlaut
    is put back (`fur`, `Ergdnzung`), which clean text almost never has (names are left out:
    `Ole` is not a damaged `Öle`), and as German quotes read as `,Wort` / `Wort*`.

    Text drawn `visible` on a page without a scan is what the page prints: word statistics cannot
    judge it (names, figures and abbreviations are normal in minutes), only unmapped glyphs or an
    encoding so broken that even its lower-case words are not German can.
    """
    text = _LINE_BREAK_HYPHEN_RE.sub(r"\1", text)  # judge `gesetzlichen`, not `geset` + `zlichen`
    letters = sum(ch.isalpha() for ch in text)
    unmapped = _unmapped_count(text)
    share, judged = lower_word_share(text)
    words, damaged = (0, []) if visible else umlaut_damage(_CID_RE.sub(" ", text))
    restorable = len(damaged) / words if words else 0.0

    def verdict(trusted: bool, reason: str) -> LayerQuality:
        return LayerQuality(letters, words or judged, unmapped, share, restorable, trusted, reason)

    if letters == 0:
        return verdict(False, "no letters")
    if unmapped >= 2:
        return verdict(False, f"{unmapped} unmapped glyphs")
    if visible:
        if judged >= _MIN_JUDGED_WORDS and share < _MIN_VISIBLE_WORD_SHARE:
            return verdict(False, f"only {share:.0%} German words: broken font encoding")
        return verdict(True, "ok")
    if judged >= _MIN_JUDGED_WORDS and share < min_word_share:
        return verdict(False, f"only {share:.0%} German words")
    if restorable > max_restorable_share and len(damaged) >= 2:
        return verdict(False, f"{restorable:.1%} words lost their umlauts")
    broken_quotes = len(_BROKEN_QUOTE_RE.findall(text))
    if broken_quotes >= 2:
        return verdict(False, f"{broken_quotes} German quotes read as `,` or `*`")
    return verdict(True, "ok")


def clean_layer_text(text: str) -> str:
    """pdfium's text with its markers made plain.

    pdfium reports a soft hyphen, and a hyphen it finds at a line end, as U+FFFE and drops the
    line break after it (`Integrations\\ufffezentrum`); older builds used U+0002. Either is a
    hyphen at a line end to us, so dehyphenation decides (`Lageberichts`, `EU-Staaten`).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\ufffe\x02][ ]*\n?", "-\n", text)


def page_layer(page: pdfium.PdfPage) -> PageLayer:
    """The page's text layer, with its letters counted by how they are drawn."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        visible = invisible = 0
        for index, ch in enumerate(text[: textpage.count_chars()]):
            if not ch.isalpha():
                continue
            obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, index)
            if obj and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE_MODES:
                invisible += 1
            else:
                visible += 1
    finally:
        textpage.close()
    return PageLayer(clean_layer_text(text), visible, invisible)


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


def choose_page_method(layer: PageLayer, images: PageImages, policy: OcrPolicy) -> tuple[str, LayerQuality]:
    """`text_layer`, `ocr` (nothing to read but an image) or `ocr_redo` (a layer we replace).

    The PDF's structure decides which test applies: visible text on a page without a page-sized
    image is judged only for unmapped glyphs; anything over a scan by the damaged-layer test.
    """
    scan = images.coverage >= _SCAN_COVERAGE
    quality = assess_text_layer(layer.text, policy.text_layer_min_word_share, policy.text_layer_max_restorable_share,
                                visible=not scan and not layer.invisible)
    if quality.letters == 0:
        return ("ocr" if images.coverage > 0 else "text_layer"), quality
    # A scan whose layer is only a stamp or a page number: the layer is not the page's text.
    if scan and quality.letters < _MIN_LAYER_LETTERS:
        return "ocr_redo", quality
    if not quality.trusted and not policy.redo_damaged_layers:
        return "text_layer", quality  # kept on request; `normalise_pages` restores its umlauts
    return ("text_layer" if quality.trusted else "ocr_redo"), quality
