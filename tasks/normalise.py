"""Raw page text → the text downstream search and segmentation rely on. Deterministic.

Order matters: characters first (NFC, ligatures, soft hyphens), so that header comparison and
dehyphenation see one spelling; running headers/footers next, so that a page's last content line
is known before words broken across the page break are joined; umlauts restored only on text
from damaged layers. Line structure is kept (the segmenter finds agenda headings at line starts);
paragraph breaks stay as one blank line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from difflib import SequenceMatcher

from schemas.pipeline import PAGE_JOINER, ExtractedDocument, PageText
from tasks.wordlist import WORD_RE, restored_word, words_of

NORMALISER_VERSION = "1"

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\f\v"), None)
_HYPHENS = "-\u2010\u2011\u00ac"  # hyphen, Unicode hyphen, non-breaking hyphen, `¬` of old OCR
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# A line ending in a word broken by a hyphen: `Lage-`, `EU-`, `27-`.
_BROKEN_RE = re.compile(rf"(\w)[{_HYPHENS}]$")
# After a hyphen, these words show an elided compound (`Bau- und Planungsausschuss`), not a break.
_ELISION_WORDS = {"und", "oder", "bzw", "bzw.", "sowie", "bis", "u.", "als", "wie", "noch", "statt", "/", "&"}

_PAGE_NUMBER_ONLY_RE = re.compile(
    r"^(?:seite|page|s\.)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:von|of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_PAGE_NUMBER_IN_RE = re.compile(r"(?:seite|page)\s*\d{1,4}|\b\d{1,4}\s*(?:von|/)\s*\d{1,4}\b|[-–—]\s*\d{1,4}\s*[-–—]", re.IGNORECASE)
_EDGE_LINES = 3


# ── Characters ─────────────────────────────────────────────────────────────────────────────────


def clean_characters(text: str) -> str:
    """NFC, ligatures spelt out, odd spaces made plain, soft hyphens resolved.

    A soft hyphen at a line end is where the typesetter broke a word, so it becomes a hyphen that
    dehyphenation will join; anywhere else it is invisible and goes.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    text = text.translate(_SPACES).translate(_INVISIBLE)
    text = re.sub(r"\u00ad[ ]*\n", "-\n", text).replace("\u00ad", "")
    return _CONTROL_RE.sub("", text)


def _tidy_lines(lines: list[str]) -> list[str]:
    """Spaces collapsed, no trailing blanks, at most one blank line in a row, none at the ends."""
    out: list[str] = []
    for line in lines:
        line = re.sub(r" {2,}", " ", line).strip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


# ── Running headers and footers ────────────────────────────────────────────────────────────────


def _mask(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip().lower()))


def _edge_indexes(lines: list[str]) -> list[tuple[str, int]]:
    """(edge, index) of the first and last few filled lines; a short page's lines are on both."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return [("top", i) for i in filled[:_EDGE_LINES]] + [("bottom", i) for i in filled[-_EDGE_LINES:]]


def _looks_like_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER_ONLY_RE.match(line.strip()) or _PAGE_NUMBER_IN_RE.search(line))


def remove_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop header/footer lines that recur at the same edge (top or bottom) of many pages.

    Lines are compared with digits masked (`Seite 2 von 7` ≈ `Seite 3 von 7`) and a little fuzz
    for OCR slips. A line carrying a page number must recur on half the pages; any other line on
    all pages but one (the title page often has none), so a `Beschluss:` or `TOP 4` that happens
    to open two pages of a long record is never mistaken for a header.
    """
    if len(pages) < 2:
        return pages
    keys: list[tuple[str, str]] = []  # (edge, masked line) cluster representatives
    pages_of: dict[tuple[str, str], set[int]] = {}
    exact_of: dict[tuple[str, str], set[str]] = {}
    line_keys: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for p, lines in enumerate(pages):
        for edge, i in _edge_indexes(lines):
            masked = _mask(lines[i])
            key = next(
                (
                    k
                    for k in keys
                    if k[0] == edge
                    and (k[1] == masked or (len(masked) >= 12 and SequenceMatcher(None, k[1], masked).ratio() >= 0.9))
                ),
                None,
            )
            if key is None:
                key = (edge, masked)
                keys.append(key)
            pages_of.setdefault(key, set()).add(p)
            exact_of.setdefault(key, set()).add(lines[i].strip())
            line_keys.setdefault((p, i), []).append(key)

    def is_running(key: tuple[str, str]) -> bool:
        count = len(pages_of[key])
        if any(_looks_like_page_number(x) for x in exact_of[key]):
            return count >= max(2, math.ceil(len(pages) / 2))
        return len(exact_of[key]) == 1 and count >= max(2, len(pages) - 1)

    running = {key for key in pages_of if is_running(key)}
    return [
        [line for i, line in enumerate(lines) if not any(k in running for k in line_keys.get((p, i), []))]
        for p, lines in enumerate(pages)
    ]


# ── Dehyphenation ──────────────────────────────────────────────────────────────────────────────


def _joined(line: str, following: str, across_gap: bool) -> tuple[str, str] | None:
    """(line with the completed word, what remains of the following line), or None to keep both.

    `Lage-` + `berichts` → `Lageberichts`; `EU-` + `Staaten` → `EU-Staaten` (a capital after the
    hyphen means a hyphenated compound); `27-` + `jährigen` → `27-jährigen`; `Bau-` + `und`
    stays apart. Across a blank line (a page break in flattened text) only a lower-case
    continuation is joined: a capital there starts a new paragraph.
    """
    match = _BROKEN_RE.search(line)
    if not match or not following:
        return None
    head = line[: match.end() - 1]
    fragment = head.split()[-1] if head.split() else ""
    first, _, rest = following.partition(" ")
    if not first or not first[0].isalpha() or first.lower() in _ELISION_WORDS:
        return None
    if len(fragment) < 2 and not fragment.isdigit():
        return None  # `-` alone or a dash after one letter: a list or a range, not a broken word
    if first[0].isupper():
        if across_gap:
            return None
        return head + "-" + first, rest.strip()
    keep_hyphen = any(ch.isdigit() for ch in fragment) or (len(fragment) >= 2 and fragment.isupper())
    return head + ("-" if keep_hyphen else "") + first, rest.strip()


def dehyphenate_lines(lines: list[str]) -> list[str]:
    """Join words broken at line ends inside one text, keeping the remaining line structure."""
    lines = list(lines)
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[i].strip():
            result = _joined(lines[i].rstrip(), lines[j].strip(), across_gap=j > i + 1)
            if result:
                lines[i], remainder = result
                # The continuation belongs to this paragraph: the blank lines between were a page gap.
                lines[i + 1 : j + 1] = [remainder] if remainder else []
                continue  # the completed line may itself end broken again
        i += 1
    return lines


def dehyphenate_across_pages(pages: list[list[str]]) -> list[list[str]]:
    """Move the second half of a word broken over a page break to the page where it started.

    Seed 002 (`vor-` | `gegangen worden`): the word is searched for as `vorgegangen`, and it is
    the start page that must carry it.
    """
    pages = [list(p) for p in pages]
    for p in range(len(pages) - 1):
        here = [i for i, line in enumerate(pages[p]) if line.strip()]
        there = [i for i, line in enumerate(pages[p + 1]) if line.strip()]
        if not here or not there:
            continue
        last, first = here[-1], there[0]
        result = _joined(pages[p][last].rstrip(), pages[p + 1][first].strip(), across_gap=False)
        if result and pages[p + 1][first].strip()[0].islower():
            pages[p][last], remainder = result
            if remainder:
                pages[p + 1][first] = remainder
            else:
                del pages[p + 1][first]
    return pages


# ── Damaged layers ─────────────────────────────────────────────────────────────────────────────


def restorable_share(text: str) -> float:
    """Share of words that only become German once an umlaut is restored (`fur`, `Ergdnzung`)."""
    words = words_of(text)
    return sum(1 for w in words if restored_word(w)) / len(words) if words else 0.0


def restore_umlauts(text: str) -> str:
    """Put back umlauts and `ß` an English-model OCR layer lost, word by word, by dictionary.

    Only words that are not German words are touched, and only when a restored spelling is one,
    so a valid word (even a wrong one: `wahrend` is a listed old form) is never changed. Its
    quotes are repaired too: `,Gemeinsam` → `„Gemeinsam`, `Bad Honnef*` → `Bad Honnef“`.
    """

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return restored_word(word) or word

    text = WORD_RE.sub(fix, text)
    text = re.sub(r"(^|[\s(])[,‚](?=\w)", r"\1„", text, flags=re.MULTILINE)
    return re.sub(r"(?<=[\w.!?’'])\*(?=[\s),.;:]|$)", "“", text, flags=re.MULTILINE)


# ── Entry points ───────────────────────────────────────────────────────────────────────────────


def normalise_pages(pages: list[PageText], restore: bool | None = None) -> list[str]:
    """The normalised text of each page, in order, decided at document level.

    `restore=None` restores umlauts only on text-layer pages that look damaged (more than 2 % of
    words restorable); OCR text from the German model is left as Tesseract read it.
    """
    texts = [clean_characters(p.raw_text) for p in pages]
    if restore is not False:
        texts = [
            restore_umlauts(t)
            if restore or (page.method == "text_layer" and restorable_share(t) > 0.02)
            else t
            for page, t in zip(pages, texts)
        ]
    lines = [[line.rstrip() for line in t.split("\n")] for t in texts]
    lines = remove_running_lines(lines)
    lines = dehyphenate_across_pages(lines)
    return ["\n".join(_tidy_lines(dehyphenate_lines(page_lines))) for page_lines in lines]


def normalise_text(text: str, restore: bool | None = None) -> str:
    """Normalise a plain text file (`ratsflow segment FILE.txt`); form feeds separate pages."""
    chunks = text.split("\f")
    pages = [PageText(number=i + 1, method="text_layer", raw_text=chunk) for i, chunk in enumerate(chunks)]
    return PAGE_JOINER.join(t for t in normalise_pages(pages, restore=restore) if t)


def normalised_document(pages: list[PageText]) -> ExtractedDocument:
    """The pages with their normalised text, and the document text the segmenter's offsets refer to
    (pages joined by a blank line)."""
    pages = [page.model_copy() for page in pages]
    for page, text in zip(pages, normalise_pages(pages)):
        page.text = text
    return ExtractedDocument(pages=pages, text=PAGE_JOINER.join(p.text for p in pages), normaliser_version=NORMALISER_VERSION)
