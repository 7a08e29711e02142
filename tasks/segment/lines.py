"""The minutes text as a list of lines that remember where they stand (offset, page, indent).

Segmentation reasons about lines, but must report character offsets into the joined document
text; keeping both on one object avoids re-deriving offsets later. Running headers and footers
are marked here once, so that no later step mistakes "- 3 -" or "Seite 2 von 7" for content.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from schemas.pipeline import PAGE_JOINER

_RUNNING_PATTERNS = [
    re.compile(r"^-\s*\d{1,3}\s*-$"),
    re.compile(r"^\d{1,3}\s*/\s*\d{1,3}$"),
    re.compile(r"^(?:-\s*)?Seite\s+\d{1,3}(?:\s*(?:von|/)\s*\d{1,3})?(?:\s*-)?$", re.I),
    re.compile(r"\bSeite\s+\d{1,3}\s+von\s+\d{1,3}\s*$", re.I),
    re.compile(r"^\d{1,3}$"),
    # "Niederschrift KA vom 12.04.2021" on top of page 2 only: too rare to repeat in a short document
    re.compile(r"^(?:Niederschrift|Protokoll|Ergebnisprotokoll|Sitzungsniederschrift)\b.{0,100}\d{1,2}\.\d{1,2}\.\d{2,4}$"),
]


@dataclass
class Line:
    """One physical line of the joined text; `start`/`end` exclude the newline."""

    index: int
    start: int
    end: int
    raw: str
    page: int
    text: str = ""  # stripped, letter-spacing collapsed, single-spaced
    indent: int = 0
    running: bool = False

    @property
    def blank(self) -> bool:
        return not self.text or self.running


def collapse_letter_spacing(text: str) -> str:
    """"T A G E S O R D N U N G" → "TAGESORDNUNG"; words of one letter each stay apart otherwise.

    Letter-spaced words are separated by two or more spaces, so runs of single characters
    (at least three) inside one such chunk are joined; "Ö 3 Bericht" is left alone.
    """
    chunks = re.split(r"\s{2,}", text.strip())
    out = []
    for chunk in chunks:
        tokens = chunk.split(" ")
        if len(tokens) >= 3 and all(len(t) == 1 for t in tokens):
            out.append("".join(tokens))
        else:
            out.append(chunk)
    return " ".join(out)


def page_starts(pages: list[str]) -> list[int]:
    """Offset of each page's first character in `PAGE_JOINER.join(pages)`."""
    starts, pos = [], 0
    for page in pages:
        starts.append(pos)
        pos += len(page) + len(PAGE_JOINER)
    return starts


def lines_of(pages: list[str]) -> list[Line]:
    """Every line of the joined text, with running headers/footers marked."""
    lines: list[Line] = []
    pos = 0
    for page_no, page in enumerate(pages, start=1):
        for raw in page.split("\n"):
            stripped = raw.strip()
            text = re.sub(r"\s+", " ", collapse_letter_spacing(stripped)) if stripped else ""
            indent = len(raw) - len(raw.lstrip()) if stripped else 0
            lines.append(Line(len(lines), pos, pos + len(raw), raw, page_no, text, indent))
            pos += len(raw) + 1
        pos += len(PAGE_JOINER) - 1  # the page's last line had no newline; the joiner adds two
        if page_no < len(pages):
            lines.append(Line(len(lines), pos - 1, pos - 1, "", page_no, ""))
    _mark_running(lines, len(pages))
    return lines


def _edge_lines(lines: list[Line], page: int) -> list[tuple[str, Line]]:
    """The first two and last two non-blank lines of a page: where running lines live."""
    mine = [ln for ln in lines if ln.page == page and ln.text]
    return [("top", ln) for ln in mine[:2]] + [("bottom", ln) for ln in mine[-2:]]


def _mark_running(lines: list[Line], page_count: int) -> None:
    """Marks page numbers and lines repeated (digits masked) at the edge of several pages."""
    edges = {p: _edge_lines(lines, p) for p in range(1, page_count + 1)}
    masked: Counter[tuple[str, str]] = Counter()
    for page_lines in edges.values():
        for key in {(edge, re.sub(r"\d+", "#", ln.text)) for edge, ln in page_lines}:
            masked[key] += 1
    for page_lines in edges.values():
        for edge, ln in page_lines:
            key = (edge, re.sub(r"\d+", "#", ln.text))
            # A repeated short line without digits ("Beschluss:") is content, not a running header.
            distinctive = "#" in key[1] or len(ln.text) >= 25
            repeated = masked[key] >= max(2, (page_count + 1) // 2) and distinctive and len(ln.text) < 120
            if repeated or any(p.search(ln.text) for p in _RUNNING_PATTERNS):
                ln.running = True


def typical_width(lines: list[Line]) -> int:
    """The length of a full body line (90th percentile): tells wrapped titles from short ones."""
    lengths = sorted(len(ln.raw.rstrip()) for ln in lines if not ln.blank)
    if not lengths:
        return 80
    return max(40, lengths[int(0.9 * (len(lengths) - 1))])


def page_of(offset: int, starts: list[int]) -> int:
    """1-based page holding `offset`."""
    page = 1
    for number, start in enumerate(starts, start=1):
        if offset >= start:
            page = number
    return page
