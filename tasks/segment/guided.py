"""Guided mode: find each known agenda item's heading in the minutes, in agenda order.

Each (agenda entry, line) pair gets a score — number agrees, title similar (fuzzy, so OCR
errors and wrapped titles still match) — and a weighted alignment picks the best monotone
assignment. Entries left unassigned are absent (usually the non-public part), never invented.
An entry whose heading stands out of agenda order is picked up afterwards, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from schemas.pipeline import AgendaEntry
from tasks.segment.blocks import Block, heading_block, is_structural
from tasks.segment.headings import (
    Heading,
    comparable,
    is_section_entry,
    normalise_entry_number,
    parse_heading,
    strip_refs,
)
from tasks.segment.lines import Line

_TITLE_ONLY = 0.85  # similarity that identifies a heading whose number OCR destroyed
_WITH_NUMBER = 0.5


@dataclass
class Entry:
    """An agenda entry prepared for matching: series/number normalised, public settled by sections."""

    source: AgendaEntry
    series: str
    number: str | None
    title: str
    public: bool


@dataclass
class Match:
    entry: Entry
    block: Block
    heading: Heading | None
    score: float


def prepare_entries(agenda: list[AgendaEntry]) -> list[Entry]:
    """Drops section headers delivered as items; they set `public` for the items after them."""
    out: list[Entry] = []
    section: bool | None = None
    for entry in sorted(agenda, key=lambda e: (e.order is None, e.order or 0)) if _has_order(agenda) else agenda:
        if is_section_entry(entry.number, entry.name):
            section = not re.search(r"nicht", entry.name, re.I)
            continue
        public = entry.public if section is None else (section and entry.public)
        key = normalise_entry_number(entry.number)
        series, number = key if key else ("", None)
        if not public and series == "" and key:
            series = "N" if re.match(r"\s*N", entry.number or "") else ""
        out.append(Entry(entry, series, number, strip_refs(re.sub(r"\s+", " ", entry.name)), public))
    return out


def _has_order(agenda: list[AgendaEntry]) -> bool:
    return all(e.order is not None for e in agenda)


@dataclass
class _LineView:
    index: int
    heading: Heading | None
    label: str
    first_title: str
    good: bool  # starts a paragraph: a blank line (or page start) above


def _line_views(lines: list[Line], start: int, end: int) -> list[_LineView]:
    views = []
    prev_blank = True
    for ln in lines[start:end]:
        if ln.running:
            continue
        if ln.blank:
            prev_blank = True
            continue
        heading = parse_heading(ln.text)
        if heading or prev_blank:
            if heading:
                label, first = heading.label, heading.title
            else:
                # A label OCR has mangled ("0 3", "T0P3"): keep everything from the first word on.
                m = re.match(r"^([^A-Za-zÄÖÜäöüß„\"]*(?:\S{0,4}?\s?\d{1,3}(?:\.\d{1,2})*\.?\s+)?)", ln.text)
                label = m.group(1).strip() if m else ""
                first = ln.text[m.end():] if m else ln.text
            views.append(_LineView(ln.index, heading, label, first, prev_blank))
        prev_blank = False
    return views


def _number_matches(entry: Entry, heading: Heading | None) -> bool:
    if heading is None or entry.number is None or heading.number != entry.number:
        return False
    if entry.series == "N":
        return heading.series == "N"  # "N 1" is never the "1." of a resolution list
    return heading.public is None or heading.series == entry.series


def _damaged_label_number(view: _LineView) -> str | None:
    """The number left in a label OCR has mangled ("|OP4" → "4"), if any."""
    if view.heading is not None:
        return None
    m = re.search(r"\d{1,3}(?:\.\d{1,2})*", view.label)
    return m.group(0) if m else None


def _score(lines: list[Line], view: _LineView, entry: Entry, width: int, min_title: float) -> tuple[float, Block | None]:
    numbered = _number_matches(entry, view.heading)
    if not numbered:
        # cheap upper bound before the expensive fuzzy match
        # The first printed line must already look like the start of the title (wrapped titles
        # continue below it), so compare it with the title's beginning of the same length.
        a, b = comparable(entry.title), comparable(view.first_title)
        if not a or not b:
            return 0.0, None
        ta, tb = _trigrams(a[:30]), _trigrams(b[:30])
        if len(ta & tb) < 0.25 * min(len(ta), len(tb)):
            return 0.0, None  # cheap gate first: OCR keeps at least a quarter of the trigrams
        if SequenceMatcher(None, a[:30], b[:30], autojunk=False).ratio() < 0.6:
            return 0.0, None
    block = heading_block(lines, view.index, view.heading, width, expected=entry.title,
                          label=view.label, first_title=view.first_title)
    sim = block.similarity
    has_body = _has_body(lines, block.end)
    bonus = (0.3 if has_body else 0.0) + (0.2 if view.good else 0.0)
    if sim < min_title:
        return 0.0, None
    if numbered and sim >= _WITH_NUMBER:
        return 2.0 + sim + bonus, block
    if numbered and view.good and view.heading.family != "bare" and sim >= 0.3:
        return 1.0 + sim + bonus, block
    if entry.number and _damaged_label_number(view) == entry.number and sim >= 0.6:
        return 1.5 + sim + bonus, block
    if sim >= _TITLE_ONLY:
        return sim + bonus, block
    return 0.0, None


@lru_cache(maxsize=4096)
def _trigrams(text: str) -> frozenset[str]:
    return frozenset(text[k : k + 3] for k in range(max(1, len(text) - 2)))


def _has_body(lines: list[Line], j: int) -> bool:
    while j < len(lines) and lines[j].blank:
        j += 1
    return j < len(lines) and not is_structural(lines[j].text)


def match_entries(lines: list[Line], entries: list[Entry], start: int, width: int,
                  min_title: float = 0.0) -> tuple[list[Match], list[str]]:
    """Best monotone assignment of entries to heading lines at or after line `start`.

    `min_title` is the title similarity every match needs: the agenda printed in the same
    document repeats the record's titles, so a number alone must not do there.
    """
    views = _line_views(lines, start, len(lines))
    n, m = len(entries), len(views)
    scores: dict[tuple[int, int], tuple[float, Block]] = {}
    for i, entry in enumerate(entries):
        for j, view in enumerate(views):
            s, block = _score(lines, view, entry, width, min_title)
            if s > 0:
                scores[(i, j)] = (s, block)
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best = max(dp[i - 1][j], dp[i][j - 1])
            hit = scores.get((i - 1, j - 1))
            if hit:
                best = max(best, dp[i - 1][j - 1] + hit[0])
            dp[i][j] = best
    matched: dict[int, int] = {}
    i, j = n, m
    while i > 0 and j > 0:
        hit = scores.get((i - 1, j - 1))
        if hit and abs(dp[i][j] - (dp[i - 1][j - 1] + hit[0])) < 1e-9:
            matched[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif dp[i][j] == dp[i - 1][j]:
            i -= 1
        else:
            j -= 1
    matches = [Match(entries[i], scores[(i, j)][1], views[j].heading, scores[(i, j)][0]) for i, j in matched.items()]
    warnings = _recover_out_of_order(entries, matched, scores, views, matches)
    return _drop_overlaps(sorted(matches, key=lambda mt: mt.block.start)), warnings


def _recover_out_of_order(entries, matched, scores, views, matches) -> list[str]:
    """Entries the monotone pass skipped but whose numbered heading clearly stands elsewhere."""
    warnings = []
    taken = set(matched.values())
    for i, entry in enumerate(entries):
        if i in matched:
            continue
        options = [(s_b[0], j) for (ei, j), s_b in scores.items() if ei == i and j not in taken and s_b[0] >= 2.5]
        if not options:
            continue
        score, j = max(options)
        taken.add(j)
        matches.append(Match(entry, scores[(i, j)][1], views[j].heading, score))
        warnings.append(f"agenda item {entry.source.number or entry.title!r} stands out of agenda order in the minutes")
    return warnings


def _drop_overlaps(matches: list[Match]) -> list[Match]:
    out: list[Match] = []
    for mt in matches:
        if out and mt.block.start < out[-1].block.end:
            if mt.score > out[-1].score:
                out[-1] = mt
            continue
        out.append(mt)
    return out
