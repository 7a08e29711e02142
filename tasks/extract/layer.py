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

import ctypes
import re
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.extraction import OcrPolicy
from tasks.normalise import umlaut_damage
from tasks.wordlist import is_german_word

_CID_RE = re.compile(r"\(cid:\d+\)")
# Characters outside these ranges may be unmapped glyphs (controls, private use, U+FFFD); none inside are.
_MAYBE_UNMAPPED_RE = re.compile("[^\t\n\r\x20-\x7e\xa0-\u024f\u2000-\u206f\u20a0-\u20cf]")
# Quotes as English-model OCR reads German ones: `,Gemeinsam` for „Gemeinsam, `Honnef*` for Honnef“.
_BROKEN_QUOTE_RE = re.compile(r"(?:^|\s),[^\W\d_]|[^\W\d_]\*(?=\s|$)", re.MULTILINE)
# Lower-case words, the ones a damaged or garbled layer gets wrong: names and nouns are capitalised,
# and a short word before a full stop is an abbreviation (`stv.`, `insb.`, `gem.`), not a word.
_LOWER_WORD_RE = re.compile(r"(?<![\w.])([a-zäöüß][^\W\d_]+(?:-[^\W\d_]+)*)(\.)?")
_LINE_BREAK_HYPHEN_RE = re.compile(r"([a-zäöüß])-\n(?=[a-zäöüß])")
_MIN_LAYER_LETTERS = 100
_MIN_JUDGED_WORDS = 10
_SCAN_COVERAGE = 0.5
# A page-sized image under visible text is a background (letterhead) when its body holds at most
# a few glyph shapes (punch and fold marks; a scanned page: hundreds) and the layer has at least
# this many letters per glyph of the image (letterhead pages: 0.37–5; a scan under a stamp: 0.01).
_MAX_BACKGROUND_BODY_GLYPHS = 15
_MIN_BACKGROUND_LETTER_SHARE = 0.2
# A visible layer is unreadable only when even its lower-case words are mostly not German: a
# shifted font encoding (`ghu Dxvvfkxvv`) scores 0, clean seeds and generated minutes pages 0.97–1.0.
_MIN_VISIBLE_WORD_SHARE = 0.5
# A baseline this many font sizes away from the last character's is a new line.
_NEW_LINE_JUMP = 0.5
# Words, and the text after pdfium's end-of-line hyphen marks (see `clean_layer_text`): pdfium
# drops the line break after those, so the next line starts right behind one.
_WORD_START_RE = re.compile("[^\\s\ufffe\x02]+")
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
    cids = len(_CID_RE.findall(text))
    if not _MAYBE_UNMAPPED_RE.search(text):
        return cids  # Latin letters and punctuation only: nothing to look up per character
    return sum(_is_unmapped(ch) for ch in text) + cids


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


@dataclass(frozen=True)
class _Glyph:
    y: float  # baseline
    size: float
    angle: float  # radians, 0 for text running left to right


def _glyph(textpage: pdfium.PdfTextPage, index: int) -> _Glyph | None:
    """Where a drawn character sits; None for the spaces and breaks pdfium generates."""
    raw = textpage.raw
    if pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
        return None
    x, y = ctypes.c_double(), ctypes.c_double()
    if not pdfium_c.FPDFText_GetCharOrigin(raw, index, ctypes.byref(x), ctypes.byref(y)):
        return None
    return _Glyph(y.value, pdfium_c.FPDFText_GetFontSize(raw, index), pdfium_c.FPDFText_GetCharAngle(raw, index))


def _starts_new_line(glyph: _Glyph, previous: _Glyph) -> bool:
    if abs(glyph.angle - previous.angle) > 0.01:
        return True  # text turning (a margin note running upwards) is a line of its own
    if abs(glyph.angle) > 0.01:
        return False  # turned text has no common horizontal baseline to compare
    return abs(glyph.y - previous.y) > _NEW_LINE_JUMP * max(glyph.size, previous.size)


def text_split_at_baselines(textpage: pdfium.PdfTextPage, text: str) -> str:
    """pdfium's text with a line break wherever a new line starts and pdfium put none.

    pdfium joins a line to the one before when their boxes overlap (tight or "exactly" line
    spacing: `5. Anträge 5.1 Antrag der SPD-Fraktion`), which hides a heading from the
    segmenter. A baseline jump of half the font size, or text turning, starts a new line;
    superscripts (raised a third of it) stay where they are.

    Only the first character of each word is looked at: pdfium puts a space where it joins two
    lines (it sees the pen go back), or its hyphen mark where a line ended in one, so a line never
    starts inside a word. Same breaks as asking for every character on 191/191 test and bench pages
    (the soft-hyphen case needs the mark), in a quarter of the time.
    """
    if len(text) != textpage.count_chars():
        return text  # characters outside the BMP: indexes do not line up, keep pdfium's lines
    raw, origin = textpage.raw, pdfium_c.FPDFText_GetCharOrigin
    x, y = ctypes.c_double(), ctypes.c_double()
    px, py = ctypes.byref(x), ctypes.byref(y)
    breaks: list[int] = []  # indexes where a new line starts and pdfium put no break
    previous: _Glyph | None = None
    level_y: float | None = None  # the previous glyph's baseline when it runs left to right
    end = 0
    for word in _WORD_START_RE.finditer(text):
        index = word.start()
        gap = text[end:index]
        if "\n" in gap or "\r" in gap:
            previous = level_y = None
        end = word.end()
        if level_y is not None and origin(raw, index, px, py) and abs(y.value - level_y) < 1e-3:
            continue  # on the previous word's baseline: one call, not four (most words of a page)
        if (glyph := _glyph(textpage, index)) is not None:
            if previous is not None and _starts_new_line(glyph, previous):
                breaks.append(index)
            previous = glyph
            level_y = glyph.y if glyph.angle == 0.0 else None
    if not breaks:
        return text
    pieces, start = [], 0
    for index in breaks:
        pieces.append(text[start:index].rstrip(" ") + "\n")
        start = index
    pieces.append(text[start:])
    return "".join(pieces)


def _text_render_modes(page: pdfium.PdfPage) -> set[int]:
    """How the page's text objects are drawn (form XObjects included)."""
    return {pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=3)}


def _letters_by_visibility(textpage: pdfium.PdfTextPage, drawn: str) -> tuple[int, int]:
    """(visible letters, invisible letters), asking pdfium which text object drew each letter."""
    visible = invisible = 0
    for index, ch in enumerate(drawn):
        if not ch.isalpha():
            continue
        obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, index)
        if obj and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE_MODES:
            invisible += 1
        else:
            visible += 1
    return visible, invisible


def page_layer(page: pdfium.PdfPage) -> PageLayer:
    """The page's text layer, one drawn line a line, with its letters counted by how they are drawn."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        drawn = text[: textpage.count_chars()]
        modes = _text_render_modes(page)
        hidden = modes.intersection(_INVISIBLE_MODES)
        if not hidden or hidden == modes:
            # One kind of text on the page (nearly every page): no need to ask pdfium per letter.
            letters = sum(ch.isalpha() for ch in drawn)
            visible, invisible = (0, letters) if hidden else (letters, 0)
        else:
            visible, invisible = _letters_by_visibility(textpage, drawn)
        text = text_split_at_baselines(textpage, text)
    finally:
        textpage.close()
    return PageLayer(clean_layer_text(text), visible, invisible)


@dataclass(frozen=True)
class PageImages:
    coverage: float  # share of the page area covered by its largest image
    dpi: float | None  # effective resolution of that image as placed on the page
    # Glyph-like shapes in that image, counted only when visible text is drawn over it.
    glyphs: ImageGlyphs | None = None


@dataclass(frozen=True)
class ImageGlyphs:
    """Glyph-sized ink shapes in an image: all of them, and those in the middle of the page."""

    total: int
    body: int


def image_glyphs(image: pdfium.PdfImage) -> ImageGlyphs:
    """How much text an image holds, and how much of it in the page's body (40–85 % down).

    A scanned page holds ~1000 glyphs, most in its body; a letterhead ~200, all of them in the
    header, the address block and the footer, its body blank for the letter. Counted on a copy
    of about 150 dpi (enough to keep the letters of 8 pt text apart): connected dark shapes
    between 0.3 and 10 mm high, so specks, rules and a coat of arms do not count.
    """
    left, _, right, _ = image.get_bounds()
    gray = np.array(image.get_bitmap(render=False).to_pil().convert("L"))  # bitmap freed on return
    px_per_mm = gray.shape[1] / max(1e-6, (right - left) / 72.0 * 25.4)
    scale = min(1.0, 6.0 / px_per_mm)  # 6 px/mm ≈ 150 dpi
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        px_per_mm *= scale
    _, _, stats, _ = cv2.connectedComponentsWithStats((gray < 128).astype(np.uint8), connectivity=8)
    heights, tops = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_TOP]
    glyph = (heights >= 0.3 * px_per_mm) & (heights <= 10 * px_per_mm)
    middle = (tops >= 0.40 * gray.shape[0]) & (tops <= 0.85 * gray.shape[0])
    return ImageGlyphs(total=int(np.count_nonzero(glyph)), body=int(np.count_nonzero(glyph & middle)))


def page_images(page: pdfium.PdfPage) -> PageImages:
    """The page's largest image, and whether visible text is drawn over it (then its glyphs)."""
    width, height = page.get_size()
    best, best_area, best_dpi, text_over = None, 0.0, None, False
    for obj in page.get_objects(max_depth=3):  # in drawing order: what comes later is on top
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            text_over = text_over or (best is not None and
                                      pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) not in _INVISIBLE_MODES)
            continue
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        left, bottom, right, top = obj.get_bounds()
        area = max(0.0, right - left) * max(0.0, top - bottom)
        if area <= best_area:
            continue
        best, best_area, text_over = obj, area, False
        try:
            px_w, _ = obj.get_px_size()
            best_dpi = px_w / ((right - left) / 72.0) if right > left else None
        except pdfium.PdfiumError:
            best_dpi = None
    coverage = best_area / (width * height) if width * height else 0.0
    glyphs = None
    if best is not None and text_over and coverage >= _SCAN_COVERAGE:
        try:
            glyphs = image_glyphs(best)
        except pdfium.PdfiumError:
            glyphs = None  # an image pdfium cannot decode: judged as a scan
    return PageImages(coverage=coverage, dpi=best_dpi, glyphs=glyphs)


def is_printed_over_background(layer: PageLayer, images: PageImages) -> bool:
    """Visible text drawn over a page-sized image that holds no text of its own in the page's
    body and not much more elsewhere: the image is a letterhead, the layer is what the page says.

    A scan under a visible stamp ("Anlage 1", a Bates number) has its text in the body, and far
    more glyphs than letters on top; text drawn under the image (ABBYY's "text under the page
    image") is hidden, so `glyphs` is None. Both go to the damaged-layer test. A wrong "scan" costs
    an OCR; a wrong "background" would lose a scanned page, hence both conditions.
    """
    glyphs = images.glyphs
    return (glyphs is not None and not layer.invisible and glyphs.body <= _MAX_BACKGROUND_BODY_GLYPHS
            and layer.visible_letters >= _MIN_BACKGROUND_LETTER_SHARE * glyphs.total)


def choose_page_method(layer: PageLayer, images: PageImages, policy: OcrPolicy) -> tuple[str, LayerQuality]:
    """`text_layer`, `ocr` (nothing to read but an image) or `ocr_redo` (a layer we replace).

    The PDF's structure decides which test applies: visible text on a page without a page-sized
    image, or over one that holds less text than the layer (a letterhead), is judged only for
    unmapped glyphs; anything over a scan by the damaged-layer test.
    """
    scan = images.coverage >= _SCAN_COVERAGE and not is_printed_over_background(layer, images)
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
