"""Heuristic mode: which heading-shaped lines are the record's headings.

Every heading-shaped line gets a strength from its surroundings (a blank line before it: good;
in the middle of a paragraph, inside a resolution, starting lower case: bad). The headings are
then the chain of candidates that maximises strength minus penalties for breaking the number
sequence (duplicates, going backwards, gaps, a change of layout) — longest-path dynamic
programming, so one stray "2." in a resolution cannot derail the items that follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.pipeline import AgendaEntry
from tasks.segment.blocks import Block, heading_block, is_structural, reads_as_sentence
from tasks.segment.headings import (
    AGENDA_TITLE_RE,
    PREFIXED,
    Heading,
    is_ref_line,
    number_key,
    parse_heading,
    section_public,
)
from tasks.segment.lines import Line
from tasks.segment.outcome import RESOLUTION_RE, is_result_line, is_tally_line


@dataclass
class Candidate:
    line: int
    heading: Heading
    strength: float
    block: Block


def _previous(lines: list[Line], i: int) -> Line | None:
    """The nearest line above that is not a running header (blank lines count)."""
    j = i - 1
    while j >= 0 and lines[j].running:
        j -= 1
    return lines[j] if j >= 0 else None


def _mid_paragraph(prev: Line, width: int) -> bool:
    """The line above is an unfinished sentence: a heading cannot follow it."""
    text = prev.text
    if parse_heading(text) or is_ref_line(text) or section_public(text) is not None or is_tally_line(text):
        return False
    return bool(re.search(r"[\wäöüß,]$", text)) and len(prev.raw.rstrip()) >= 0.6 * width


# "Der Tagesordnungspunkt" / "5.3 Schwarz-Rot-Gold …", "begründet die Dringlichkeit zu" / "6.2 …",
# "wie unter" / "TOP 2 berichtet": a line that ends like this announces a reference, not a heading.
_REFERENCE_INTRO = re.compile(
    r"(?:\b(?:Tagesordnungspunkte?|TOP|Punkte?|zu|unter|siehe|gemäß|vgl\.|mit|und|sowie|der|die|das|des|dem|den))$")


def _sentence_goes_on(lines: list[Line], i: int, block: Block) -> bool:
    """The heading-shaped line is the start of a sentence that continues on the next line, in lower
    case with its finite verb: "1. Eine Spielplatzerweiterung für den Kindergarten" / "wurde bestellt"."""
    j = block.end if block.end > i + 1 else i + 1
    while j < len(lines) and lines[j].running:
        j += 1
    if j >= len(lines) or lines[j].blank or is_structural(lines[j].text):
        return False
    nxt = lines[j].text
    return nxt[:1].islower() and reads_as_sentence(nxt) and not nxt.startswith("hier")


def _strength(lines: list[Line], i: int, heading: Heading, block: Block, width: int, in_resolution: bool) -> float:
    s = heading.base
    prev = _previous(lines, block.start)
    if prev is None or prev.blank:
        s += 0.5
    elif _mid_paragraph(prev, width):
        s -= 1.5
    elif _REFERENCE_INTRO.search(prev.text):
        s -= 1.5
    if heading.family != "table" and _sentence_goes_on(lines, i, block):
        s -= 2.5
    title = block.title
    words = title.split()
    if not title:
        s -= 0.5
    elif title[0].islower():
        s -= 1.5
    if title.endswith((".", ";")) and len(words) > 10:
        s -= 1.0
    if heading.family in ("dotted", "bare") and reads_as_sentence(title):
        s -= 1.0  # "3. Die Planung ist … vorzulegen": a list entry, titles have no finite verb
    if len(words) > 30:
        s -= 1.0
    if in_resolution:
        s -= 1.5
    return s


def heading_candidates(lines: list[Line], width: int) -> list[Candidate]:
    """Every heading-shaped line with its strength, in text order."""
    out: list[Candidate] = []
    in_resolution = False
    for i, ln in enumerate(lines):
        if ln.blank:
            continue
        text = ln.text
        heading = parse_heading(text)
        if heading:
            block = heading_block(lines, i, heading, width)
            if heading.family == "table" and not block.title:
                continue  # a number alone with no title around it: a figure, not a heading
            strength = _strength(lines, i, heading, block, width, in_resolution)
            out.append(Candidate(i, heading, strength, block))
            if heading.base >= 2.0 and strength >= 2.0:
                in_resolution = False
            continue
        if RESOLUTION_RE.match(text):
            in_resolution = True
        elif in_resolution and is_result_line(text, False):
            in_resolution = False
        elif section_public(text) is not None:
            in_resolution = False
    return out


def _successors(key: tuple[int, ...]) -> set[tuple[int, ...]]:
    out = {key + (1,)}
    for depth in range(len(key)):
        out.add(key[:depth] + (key[depth] + 1,))
    return out


def transition_penalty(a: Heading, b: Heading) -> float:
    """How much going from heading `a` to heading `b` breaks a clerk's numbering."""
    ka, kb = number_key(a.number), number_key(b.number)
    penalty = 0.0 if a.family == b.family else 1.0
    if a.series != b.series:
        # a new series starts at 1: "N 1" after "Ö 5", "TOP B 1" after "TOP A 6"
        opens = b.series and kb == (1,) and (not a.series or b.series > a.series)
        return penalty + (0.0 if opens else 1.5)
    if kb in _successors(ka):
        return penalty
    if kb > ka:
        missing = max(1, kb[0] - ka[0] - 1) if kb[0] != ka[0] else 1
        return penalty + min(0.7 * missing, 3.0)
    if b.family in PREFIXED and a.family == b.family:
        # "TOP 4" after "TOP 5" is a clerk's slip to report, not a numbered list to skip
        return penalty + 1.5
    if kb == ka:
        return penalty + 2.5
    # Back to "1." after "4.": a numbered list in the text, the further back the likelier.
    return penalty + 3.0 + 1.5 * max(0, ka[0] - kb[0] - 1)


def _start_penalty(h: Heading) -> float:
    key = number_key(h.number)
    return min(0.4 * (key[0] - 1), 3.0) + (0.3 if len(key) > 1 else 0.0)


def best_chain(cands: list[Candidate]) -> list[Candidate]:
    """The candidates that form the most plausible sequence of headings."""
    pool = [c for c in cands if c.strength > 0]
    if not pool:
        return []
    best = [c.strength - _start_penalty(c.heading) for c in pool]
    back: list[int | None] = [None] * len(pool)
    for j, cj in enumerate(pool):
        for i in range(j):
            if pool[i].block.end > cj.block.start:
                continue  # inside the previous heading's own block
            score = best[i] - transition_penalty(pool[i].heading, cj.heading) + cj.strength
            if score > best[j]:
                best[j], back[j] = score, i
    j: int | None = max(range(len(pool)), key=lambda k: best[k])
    chain = []
    while j is not None:
        chain.append(pool[j])
        j = back[j]
    return chain[::-1]


def chain_warnings(chain: list[Candidate]) -> list[str]:
    """Duplicate, out-of-order and missing numbers, as an operator would want to read them."""
    warnings: list[str] = []
    for a, b in zip(chain, chain[1:]):
        ha, hb = a.heading, b.heading
        if ha.series != hb.series:
            continue
        ka, kb = number_key(ha.number), number_key(hb.number)
        if ka == kb:
            warnings.append(f"duplicate item number {hb.number} (lines {a.line + 1} and {b.line + 1})")
        elif kb < ka:
            warnings.append(f"out-of-order item number {hb.number} after {ha.number} (line {b.line + 1})")
        elif kb not in _successors(ka):
            warnings.append(f"missing item number(s) between {ha.number} and {hb.number}")
    return warnings


@dataclass
class PrintedAgenda:
    """The agenda list printed before the record; `record_start` is the record's first line."""

    start: int
    record_start: int
    entries: list[AgendaEntry]


def printed_agenda(lines: list[Line], cands: list[Candidate]) -> PrintedAgenda | None:
    """The Tagesordnung list, recognised by its numbers repeating when the record begins."""
    marker = next((ln.index for ln in lines if not ln.blank and AGENDA_TITLE_RE.match(ln.text)), None)
    start = marker + 1 if marker is not None else 0
    run: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    record_start = None
    for c in cands:
        if c.line < start or (run and c.line < run[-1].block.end):
            continue
        if c.heading.key in seen:
            record_start = c.line
            break
        if c.strength <= 0 and not run:
            continue
        run.append(c)
        seen.add(c.heading.key)
    if record_start is None or len(run) < (1 if marker is not None else 2):
        return None
    gaps = [_content_lines(lines, a.block.end, b.line) for a, b in zip(run, run[1:])]
    gaps.append(_content_lines(lines, run[-1].block.end, record_start))
    # Numbering restarts, but the first run has bodies: not a list. Without the word
    # "Tagesordnung" above it, a list must be bare titles, one after the other.
    median, largest = sorted(gaps)[len(gaps) // 2], max(gaps[:-1], default=0)
    if (marker is not None and (median > 1 or largest > 4)) or (marker is None and (median > 0 or largest > 1)):
        return None
    entries = []
    public = True
    section_at = {ln.index: section_public(ln.text) for ln in lines[start:record_start] if not ln.blank}
    for c in run:
        for idx, flag in section_at.items():
            if flag is not None and idx < c.line:
                public = flag
        section_at = {k: v for k, v in section_at.items() if k > c.line}
        h = c.heading
        entries.append(AgendaEntry(
            number=("N " if h.series == "N" else "") + h.number,
            name=c.block.title,
            public=h.public if h.public is not None else public,
            order=len(entries) + 1,
        ))
    return PrintedAgenda(marker if marker is not None else run[0].line, record_start, entries)


def _content_lines(lines: list[Line], a: int, b: int) -> int:
    """Non-blank lines in [a, b) that are neither sections nor paper references."""
    return sum(
        1 for ln in lines[a:b]
        if not ln.blank and section_public(ln.text) is None and not is_ref_line(ln.text)
    )
