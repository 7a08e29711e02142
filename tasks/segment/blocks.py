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
from tasks.segment.outcome import RESOLUTION_RE, is_result_line, is_tally_line

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
    r"stimmte|sagte|begründete|merkte|führte|fand|bittet|verlas|eröffnet|stellt|berichtet|"
    # the record's present tense: "Die Gemeindevertretung beauftragt …", "Die Beratung erfolgte …"
    r"erläutert|fragt|antwortet|erklärt|verweist|weist|dankt|betont|regt|schlägt|beantragt|kritisiert|"
    r"bemängelt|schildert|beauftragt|empfiehlt|genehmigt|lehnt|teilt|informiert|begrüßt|nennt|sagt|"
    r"erfolgt|erfolgte|erhielt|erhält|liegen|vorliegt|beschließen|"
    # "entfällt.", "Die Ortsbürgermeisterin erinnert …": short bodies and the record's reporting verbs
    r"entfällt|entfiel|erinnert|zieht|findet|verliest|ergänzt|bestätigt|stellt|schildert|beschreibt)\b")
_SPEAKER_START = re.compile(
    r"^(?:Herr|Frau|Der Vorsitzende|Die Vorsitzende|Bürgermeister(?:in)?|Die Verwaltung|Es)\b|"
    # "Die Ortsbürgermeisterin …", "Der Kämmerer …": a role opens the sentence (titles open without article)
    r"^(?:Der|Die)\s+[\w-]*(?:[Bb]ürgermeister(?:in)?|[Vv]orsitzende[r]?|[Kk]ämmer(?:er|in)|[Ll]andr(?:at|ätin)|"
    r"[Ff]raktion|[Bb]erichterstatter(?:in)?|[Ss]chriftführer(?:in)?|[Pp]rotokollführer(?:in)?)\b")
# "Einreicher: Bürgermeisterin", "Berichterstatter: Herr Ott": who brings the item, printed under its
# title like the paper reference; part of the heading, never of the title or the body.
_META_LINE = re.compile(
    r"^(?:Einreicher(?:in)?|Berichterstatter(?:in)?|Berichterstattung|Antragsteller(?:in)?|Federführung|"
    r"Federführend(?:es Amt)?|Referent(?:in)?|Vortrag)\s*:\s*\S")
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
        if ln.blank or is_structural(ln.text) or is_ref_line(ln.text) or _META_LINE.match(ln.text):
            break
        out.append(j)
        j += 1
    return out


def _next_content(lines: list[Line], j: int) -> int:
    while j < len(lines) and lines[j].running:
        j += 1
    return j


def _consume_refs(lines: list[Line], j: int, refs: list[str]) -> int:
    """Paper-reference and "Einreicher:" lines right under the title (one blank line may separate them)."""
    j = _next_content(lines, j)
    probe = j
    if probe < len(lines) and lines[probe].blank and not lines[probe].running:
        probe = _next_content(lines, probe + 1)
    if probe < len(lines) and not lines[probe].blank and _heading_detail(lines[probe].text):
        j = probe
    while j < len(lines) and not lines[j].blank and _heading_detail(lines[j].text):
        if is_ref_line(lines[j].text):
            refs.extend(r for r in paper_refs_in(lines[j].text) if r not in refs)
        j = _next_content(lines, j + 1)
    return j


def _heading_detail(text: str) -> bool:
    """A line under the title that still belongs to the heading: paper references, who brings the item."""
    return is_ref_line(text) or bool(_META_LINE.match(text))


def _dash_part(text: str) -> bool:
    """"- Abwägung der Stellungnahmen": one part of a title printed as a dash list."""
    return bool(_DASH_PART.match(text))


_DASH_PART = re.compile(r"^[-–]\s+\S")


def ends_something(text: str) -> bool:
    """A line after which a new cell can begin: a sentence end, a heading, a result or a tally."""
    return text.endswith((".", "!", "?", ":")) or is_structural(text) or is_result_line(text, False)


def _title_lines_before(lines: list[Line], i: int) -> list[int]:
    """Lines directly above a table number cell that belong to its title: not prose, not a result,
    and above them a blank line, the document start or the end of what came before."""
    out: list[int] = []
    j = i - 1
    while j >= 0 and len(out) < 2:
        ln = lines[j]
        if ln.running:
            j -= 1
            continue
        if ln.blank or ends_something(ln.text) or is_ref_line(ln.text) or reads_as_sentence(ln.text):
            break
        out.insert(0, j)
        j -= 1
    if not out:
        return []
    above = lines[j] if j >= 0 else None
    return out if above is None or above.blank or ends_something(above.text) else []


def _fit_expected(lines: list[Line], expected: str, head: list[str], following: list[int],
                  dash_list: bool) -> tuple[int, float]:
    """How many of the `following` lines continue a title that begins with `head`, given the title
    the agenda expects; and the similarity reached. The agenda's wording may be shorter than the
    printed title, so a line the title cannot end with ("… Einberufung und", "…;") and the rest of a
    dash list ("- Abwägung …" / "- Satzungsbeschluss") go on regardless."""
    # A sentence is never the title's next line, however many words it shares with the expected title
    # ("Schulentwicklungsplan 2026–2031" / "Frau Thiel vom Schulamt stellt die Fortschreibung vor. …").
    cut = next((k for k, x in enumerate(following) if _starts_body(lines[x].text)), len(following))
    following = following[:cut]
    best_k, best_sim = 0, -1.0
    for k in range(len(following) + 1):
        sim = title_similarity(expected, strip_refs(join_title_lines(head + [lines[x].text for x in following[:k]])))
        if sim > best_sim + 0.01:
            best_k, best_sim = k, sim
    while best_k < len(following):
        last = lines[following[best_k - 1]].text if best_k else (head[-1] if head else "")
        nxt = lines[following[best_k]].text
        lower_tail = nxt[:1].islower() and not reads_as_sentence(nxt)  # "der Beratungen", "hier: …"
        if not ((dash_list and _dash_part(nxt)) or (not dash_list and (_CONNECTOR_END.search(last) or lower_tail))):
            break
        best_k += 1
    return best_k, best_sim


def _starts_body(text: str) -> bool:
    """A line that opens the body: a speaker, or a finite verb in a line that ends a sentence."""
    if _TITLE_TAIL_START.match(text) or text[:1].islower():
        return False
    return bool(_SPEAKER_START.match(text)) or (bool(_FINITE_VERB.search(text)) and bool(re.search(r"[.!?](?:\s|$)", text)))


def _title_goes_on(prev: Line, nxt: Line, width: int) -> bool:
    """Without a blank line between title and text: the title's next line is a dash part, starts in
    lower case, or follows a line that cannot end a title or is as long as a wrapped one."""
    text = nxt.text
    if reads_as_sentence(text) and not _TITLE_TAIL_START.match(text):
        return False
    return _dash_part(text) or text[:1].islower() or _looks_wrapped(prev, width)


def table_block(lines: list[Line], i: int, heading: Heading, width: int, expected: str | None = None) -> Block:
    """The block of a number alone on its line (a Word table's number cell): the title stands in the
    lines right above it (when the cell is vertically centred) and right below it."""
    before = _title_lines_before(lines, i)
    after: list[int] = []
    for x in _continuations(lines, i + 1, MAX_TITLE_LINES - len(before)):
        parts = before + after
        if parts and not _title_goes_on(lines[parts[-1]], lines[x], width):
            break
        after.append(x)
    if expected is not None and after:
        k, _ = _fit_expected(lines, expected, [lines[x].text for x in before], after, dash_list=False)
        after = after[:k]
    parts = before + after
    raw_title = join_title_lines([lines[x].text for x in parts])
    refs = paper_refs_in(raw_title)
    end = _consume_refs(lines, (after[-1] + 1) if after else i + 1, refs)
    sim = title_similarity(expected, strip_refs(raw_title)) if expected is not None else 0.0
    return Block(before[0] if before else i, end, heading.label, strip_refs(raw_title), refs, sim)


def heading_block(lines: list[Line], i: int, heading: Heading | None, width: int,
                  expected: str | None = None, label: str | None = None, first_title: str | None = None) -> Block:
    """The heading block starting at line `i`.

    `heading` is the parsed heading line (None for a line whose label OCR destroyed: then
    `label` and `first_title` say how the line splits). `expected` is the known title, if any.
    """
    if heading is not None and heading.family == "table":
        return table_block(lines, i, heading, width, expected)
    label = heading.label if heading else (label or "")
    first = heading.title if heading else (first_title or "")
    parts_idx: list[int] = []
    refs: list[str] = []
    j = i + 1
    if not first:
        # "Punkt 3 der Tagesordnung" / "Ö 3": the title starts on the next line (maybe after a blank),
        # maybe below the paper reference ("Punkt 6 der Tagesordnung" / "V/0287/2026" / "- Bebauungsplan …").
        k = _next_content(lines, j)
        if k < len(lines) and lines[k].blank:
            k = _next_content(lines, k + 1)
        while k < len(lines) and not lines[k].blank and is_ref_line(lines[k].text):
            refs.extend(r for r in paper_refs_in(lines[k].text) if r not in refs)
            k = _next_content(lines, k + 1)
        if k < len(lines) and not lines[k].blank and not is_structural(lines[k].text) and not is_ref_line(lines[k].text):
            parts_idx.append(k)
            j = k + 1
    following = _continuations(lines, j, MAX_TITLE_LINES - 1)
    dash_list = _dash_part(lines[parts_idx[0]].text if parts_idx else first)
    if expected is not None:
        head = ([first] if first else []) + [lines[x].text for x in parts_idx]
        best_k, best_sim = _fit_expected(lines, expected, head, following, dash_list)
        parts_idx += following[:best_k]
    else:
        best_sim = 0.0
        last = lines[parts_idx[-1]] if parts_idx else lines[i]
        # Titles (often bold, indented) wrap narrower than body text: a continuation line about
        # as long as the title's first line shows that the title went on.
        title_width = len(first) if first else (len(lines[parts_idx[0]].text) if parts_idx else 0)
        for x in following:
            if dash_list:
                if not _dash_part(lines[x].text):
                    break
                parts_idx.append(x)
                continue
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
    refs += [r for r in paper_refs_in(raw_title) if r not in refs]
    end = (parts_idx[-1] + 1) if parts_idx else i + 1
    end = _consume_refs(lines, end, refs)
    return Block(i, end, label, strip_refs(raw_title), refs, best_sim)
