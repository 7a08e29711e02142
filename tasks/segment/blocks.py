"""Heading blocks: a heading line plus the lines that still belong to it (wrapped title, paper refs).

Without a known title, a title continues onto the next line only if its line looks wrapped
(long, or ending in a hyphen or a word that cannot end a title); with a known title, the number
of continuation lines that reproduces the title best wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.segment.headings import (
    AGENDA_TITLE_RE,
    CLOSING_RE,
    Heading,
    is_ref_line,
    join_title_lines,
    paper_refs_in,
    parse_heading,
    section_public,
    strip_refs,
    title_similarity,
)
from tasks.segment.lines import Line
from tasks.segment.outcome import RESOLUTION_RE, is_tally_line

_CONNECTOR_END = re.compile(
    r"(?:[-–,;/&(]|\b(?:und|oder|der|die|das|des|dem|den|für|zur|zum|von|vom|mit|im|in|an|am|auf|über|"
    r"sowie|bzw\.|nach|bei|zu|aus|gem\.|gemäß|hier|hier:|einer|eines|eine|ein|unter|gegen|ohne|durch|um|bis|"
    r"wegen|zwischen|hinsichtlich|bezüglich|betreffend|sowie|als|vor))$",
    re.I,
)
MAX_TITLE_LINES = 4

# Titles are nominal ("Genehmigung der Niederschrift"); minutes narrate ("Die Niederschrift wurde
# genehmigt", "Herr Engel erläuterte"). With no blank line under a heading, a finite verb or a
# speaker is what tells the first body line from the title's second line.
_FINITE_VERB = re.compile(
    r"\b(?:wurden?|wird|werden|worden|ist|sind|war|waren|hat|haben|hatten?|seien|sei|habe|hätten|wäre|"
    r"kann|können|konnte|soll|sollen|sollte|muss|müsse|lagen?|liegt|liegen|gab|gibt|nahm|nimmt|"
    r"stellte|berichtete|erläuterte|eröffnete|begrüßte|teilte|informierte|fragte|antwortete|erklärte|"
    r"verwies|wies|bat|dankte|bedankte|betonte|hob|regte|schlug|beantragte|beschloss|beschließt|"
    r"stimmte|sagte|begründete|merkte|führte|fand|bittet|verlas|eröffnet|stellt|berichtet)\b")
_SPEAKER_START = re.compile(
    r"^(?:Herr|Frau|Der Vorsitzende|Die Vorsitzende|Bürgermeister(?:in)?|Die Verwaltung|Es)\b")
# "Bebauungsplan Nr. 47; | hier: Satzungsbeschluss": the second half of a title, never a sentence.
_TITLE_TAIL_START = re.compile(r"^(?:[-–]\s*)?hier\s*:", re.I)


@dataclass
class Block:
    """Lines [start, end) form the heading; `title` is unwrapped and free of paper references."""

    start: int
    end: int
    label: str
    title: str
    refs: list[str] = field(default_factory=list)
    similarity: float = 0.0


def is_structural(text: str) -> bool:
    """Lines that can never continue a title: headings, sections, resolutions, votes, closings."""
    return bool(
        parse_heading(text)
        or section_public(text) is not None
        or AGENDA_TITLE_RE.match(text)
        or RESOLUTION_RE.match(text)
        or CLOSING_RE.match(text)
        or is_tally_line(text)
    )


def _looks_wrapped(line: Line, width: int) -> bool:
    return len(line.raw.rstrip()) >= 0.72 * width or bool(_CONNECTOR_END.search(line.text))


def reads_as_sentence(text: str) -> bool:
    """Body prose rather than a title: a finite verb, or a speaker opening the line."""
    return bool(_FINITE_VERB.search(text) or _SPEAKER_START.match(text))


def _visual_indent(line: Line) -> int:
    raw = line.raw.expandtabs(8)
    return len(raw) - len(raw.lstrip())


def _continues_title(line: Line, head: Line) -> bool:
    """A line that shows by its form that the title goes on: "hier: …", or a hanging indent."""
    return bool(_TITLE_TAIL_START.match(line.text)) or _visual_indent(line) > _visual_indent(head)


def _continuations(lines: list[Line], first: int, limit: int) -> list[int]:
    """Indices of the non-blank, non-structural lines from `first` on (at most `limit`)."""
    out: list[int] = []
    j = first
    while j < len(lines) and len(out) < limit:
        ln = lines[j]
        if ln.running:
            j += 1
            continue
        if ln.blank or is_structural(ln.text) or is_ref_line(ln.text):
            break
        out.append(j)
        j += 1
    return out


def _next_content(lines: list[Line], j: int) -> int:
    while j < len(lines) and lines[j].running:
        j += 1
    return j


def _consume_refs(lines: list[Line], j: int, refs: list[str]) -> int:
    """Paper-reference lines right under the title (one blank line may separate them)."""
    j = _next_content(lines, j)
    probe = j
    if probe < len(lines) and lines[probe].blank and not lines[probe].running:
        probe = _next_content(lines, probe + 1)
    if probe < len(lines) and not lines[probe].blank and is_ref_line(lines[probe].text):
        j = probe
    while j < len(lines) and not lines[j].blank and is_ref_line(lines[j].text):
        refs.extend(r for r in paper_refs_in(lines[j].text) if r not in refs)
        j = _next_content(lines, j + 1)
    return j


def heading_block(lines: list[Line], i: int, heading: Heading | None, width: int,
                  expected: str | None = None, label: str | None = None, first_title: str | None = None) -> Block:
    """The heading block starting at line `i`.

    `heading` is the parsed heading line (None for a line whose label OCR destroyed: then
    `label` and `first_title` say how the line splits). `expected` is the known title, if any.
    """
    label = heading.label if heading else (label or "")
    first = heading.title if heading else (first_title or "")
    parts_idx: list[int] = []
    j = i + 1
    if not first:
        # "Punkt 3 der Tagesordnung" / "Ö 3": the title starts on the next line (maybe after a blank).
        k = _next_content(lines, j)
        if k < len(lines) and lines[k].blank:
            k = _next_content(lines, k + 1)
        if k < len(lines) and not lines[k].blank and not is_structural(lines[k].text) and not is_ref_line(lines[k].text):
            parts_idx.append(k)
            j = k + 1
    following = _continuations(lines, j, MAX_TITLE_LINES - 1)
    if expected is not None:
        best_k, best_sim = 0, -1.0
        for k in range(len(following) + 1):
            texts = ([first] if first else []) + [lines[x].text for x in parts_idx + following[:k]]
            sim = title_similarity(expected, strip_refs(join_title_lines(texts)))
            if sim > best_sim + 0.01:
                best_k, best_sim = k, sim
        parts_idx += following[:best_k]
    else:
        best_sim = 0.0
        last = lines[parts_idx[-1]] if parts_idx else lines[i]
        # Titles (often bold, indented) wrap narrower than body text: a continuation line about
        # as long as the title's first line shows that the title went on.
        title_width = len(first) if first else (len(lines[parts_idx[0]].text) if parts_idx else 0)
        for x in following:
            if reads_as_sentence(lines[x].text):
                break
            wrapped = _looks_wrapped(last, width) or _continues_title(lines[x], lines[i]) or (
                last.index != i and title_width and len(last.text) >= 0.85 * title_width)
            if not wrapped:
                break
            parts_idx.append(x)
            last = lines[x]
    texts = ([first] if first else []) + [lines[x].text for x in parts_idx]
    raw_title = join_title_lines(texts)
    refs = paper_refs_in(raw_title)
    end = (parts_idx[-1] + 1) if parts_idx else i + 1
    end = _consume_refs(lines, end, refs)
    return Block(i, end, label, strip_refs(raw_title), refs, best_sim)
