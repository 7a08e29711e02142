"""Split a minutes document into its agenda items, as a careful clerk would.

Guided when the official agenda is known (OParl `agendaItem[]`): each known item's heading is
looked up in the text. Heuristic otherwise: the agenda list the minutes print before the record
becomes the guide if there is one; failing that, heading-shaped lines are chained by their
number sequence. Either way every item reports where it stands (pages, character offsets into
`"\\n\\n".join(pages)`) and what was decided (resolution, result, votes).
"""

from __future__ import annotations

import re

from schemas.pipeline import PAGE_JOINER, AgendaEntry, AgendaItemSpan, SegmentationResult
from tasks.segment.blocks import Block, ends_something
from tasks.segment.guided import Match, match_entries, prepare_entries
from tasks.segment.headings import CLOSING_RE, GROUP_RE, PREFIXED, number_key, paper_refs_in, section_public
from tasks.segment.heuristic import Candidate, best_chain, chain_warnings, heading_candidates, printed_agenda
from tasks.segment.kind import not_minutes_reason, record_end
from tasks.segment.lines import Line, lines_of, page_of, page_starts, typical_width
from tasks.segment.outcome import outcome_of

SEGMENTER_VERSION = "1.3.0"

# A printed agenda that the record matches this poorly was probably misread: fall back to chaining.
_MIN_PRINTED_AGENDA_HITS = 0.5
# The printed agenda and the record print the same titles; OCR may garble either.
_PRINTED_AGENDA_MIN_TITLE = 0.6


class _Found:
    """A heading found in the text, whichever mode found it."""

    def __init__(self, block: Block, number: str, title: str, public: bool, source: AgendaEntry | None = None):
        self.block, self.number, self.title, self.public, self.source = block, number, title, public, source


def segment_minutes(pages: list[str], agenda: list[AgendaEntry] | None = None) -> SegmentationResult:
    """Agenda items of one minutes document; `pages` are the normalised page texts.

    Items the agenda lists but the minutes do not contain (usually non-public ones) go to
    `absent`, and in guided mode titles come from the agenda, not from the (maybe OCR-damaged)
    text. Running headers and footers are left out of item texts, but offsets still count them.
    """
    lines = lines_of(pages)
    width = typical_width(lines)
    end = record_end(lines)
    record = lines[:end]  # attachments after the record are no items of this meeting
    cands = heading_candidates(record, width)
    listed = printed_agenda(record, cands)
    record_start = listed.record_start if listed else 0
    warnings: list[str] = []
    absent: list[AgendaEntry] = []

    entries_source = agenda if agenda else (listed.entries if listed else None)
    mode = "guided" if agenda else "heuristic"
    found: list[_Found] | None = None
    if entries_source:
        entries = prepare_entries(entries_source)
        matches, warnings = match_entries(record, entries, record_start, width,
                                          min_title=0.0 if agenda else _PRINTED_AGENDA_MIN_TITLE)
        if agenda or len(matches) >= _MIN_PRINTED_AGENDA_HITS * len(entries):
            found = [_from_match(mt, use_agenda_title=bool(agenda)) for mt in matches]
            hit = {id(mt.entry.source) for mt in matches}
            absent = [e.source.model_copy(update={"public": e.public}) for e in entries if id(e.source) not in hit]
            warnings += [
                f"public agenda item {e.source.number or ''} {e.title!r} not found in the minutes".replace("  ", " ")
                for e in entries if id(e.source) not in hit and e.public
            ]
            unlisted = _unlisted_headings(cands, found, record_start)
            warnings += [f"heading {f.block.label!r} {f.title!r} is not in the "
                         f"{'agenda' if agenda else 'printed agenda'}; kept as an item" for f in unlisted]
            found = sorted(found + unlisted, key=lambda f: f.block.start)
            if not agenda:
                _apply_sections(lines[record_start:], found, only_closing=True)
            warnings += _order_warnings(found)
    if found is None:
        chain = list(best_chain([c for c in cands if c.line >= record_start]))
        warnings = chain_warnings(chain)
        found = []
        for c in chain:
            h = c.heading
            found.append(_Found(c.block, h.number, c.block.title, h.public if h.public is not None else True))
        _apply_sections(lines, found)
    if not found:
        warnings.append("no agenda item headings found")
    else:
        reason = not_minutes_reason(lines)
        if reason:
            absent = [e.model_copy() for e in agenda] if agenda else []
            return SegmentationResult(items=[], warnings=[f"document does not read as minutes ({reason}): no items"],
                                      absent=absent, mode=mode, segmenter_version=SEGMENTER_VERSION)
    items = _spans(pages, lines, found, end)
    return SegmentationResult(items=items, warnings=warnings, absent=absent, mode=mode,
                              segmenter_version=SEGMENTER_VERSION)


_STRONG = 2.5  # a prefixed heading ("Zu Punkt 4:", "TOP 4") at a paragraph start


def _unlisted_headings(cands: list[Candidate], found: list[_Found], record_start: int) -> list[_Found]:
    """Strong headings of the record that no agenda entry claimed, where the numbering has room for
    them ("Zu Punkt 4:" when the printed list lost its "4."): kept as items, never dropped silently."""
    if not found:
        return []
    families = {c.heading.family for c in cands for f in found if c.block.start == f.block.start}
    taken = {(not f.public, number_key(f.number)) for f in found if f.number}
    spans = [(f.block.start, f.block.end) for f in found]
    out = []
    for c in cands:
        h = c.heading
        if (c.line < record_start or c.strength < _STRONG or h.family not in PREFIXED or h.family not in families
                or any(a <= c.line < b or c.block.start <= a < c.block.end for a, b in spans)):
            continue
        before = [f for f in found if f.block.start < c.block.start]
        public = h.public if h.public is not None else (before[-1].public if before else True)
        key = number_key(h.number)
        if (not public, key) in taken or not _fits_between(found, c.block.start, key, public):
            continue
        out.append(_Found(c.block, h.number, c.block.title, public))
        taken.add((not public, key))
    return out


def _fits_between(found: list[_Found], at: int, key: tuple[int, ...], public: bool) -> bool:
    """The number lies between its neighbours' numbers (same series), as a missing entry would."""
    same = [f for f in found if f.public == public and f.number]
    before = [number_key(f.number) for f in same if f.block.start < at]
    after = [number_key(f.number) for f in same if f.block.start > at]
    return (not before or before[-1] < key) and (not after or key < after[0])


def _from_match(mt: Match, use_agenda_title: bool) -> _Found:
    number = mt.entry.number or (mt.heading.number if mt.heading else "")
    title = mt.entry.title if use_agenda_title or not mt.block.title else mt.block.title
    return _Found(mt.block, number, title, mt.entry.public, mt.entry.source)


def _apply_sections(lines: list[Line], found: list[_Found], only_closing: bool = False) -> None:
    """Without an agenda, "Nichtöffentlicher Teil" lines decide `public` for unprefixed headings.

    `only_closing`: items taken from the printed agenda keep its flags, except that a record section
    line saying "nichtöffentlich" closes what the list printed without a section of its own."""
    public = True
    k = 0
    for ln in lines:
        while k < len(found) and found[k].block.start <= ln.index:
            if not _has_series_flag(found[k]):
                found[k].public = (found[k].public and public) if only_closing else public
            k += 1
        flag = section_public(ln.text) if not ln.blank else None
        if flag is not None:
            public = flag


def _has_series_flag(f: _Found) -> bool:
    return bool(re.match(r"^(?:TOP\s*)?(?:Ö|N|NÖ)\b|^(?:TOP\s*)?(?:Ö|N)\s?\d", f.block.label))


def _order_warnings(found: list[_Found]) -> list[str]:
    warnings = []
    seen: set[str] = set()
    for f in found:
        if f.number in seen and f.public:
            warnings.append(f"duplicate item number {f.number}")
        seen.add(f.number)
    return warnings + [
        f"out-of-order item number {b.number} after {a.number}"
        for a, b in zip(found, found[1:])
        if a.public == b.public and a.number and b.number and number_key(b.number) < number_key(a.number)
    ]


def _boundary(lines: list[Line], start: int, stop: int) -> int:
    """Where an item's body ends: the next heading, a section line, the closing formula, or the group
    title ("II. Finanzen") that stands alone right above the next heading."""
    for j in range(start, stop):
        ln = lines[j]
        if ln.blank:
            continue
        if section_public(ln.text) is not None or CLOSING_RE.match(ln.text):
            return j
    content = [ln for ln in lines[start:stop] if not ln.blank]
    if content and GROUP_RE.match(content[-1].text):
        above = content[-1].index - 1
        while above >= start and lines[above].running:
            above -= 1
        if above < start or lines[above].blank or ends_something(lines[above].text):
            return content[-1].index
    return stop


def _spans(pages: list[str], lines: list[Line], found: list[_Found], record_end: int) -> list[AgendaItemSpan]:
    starts = page_starts(pages)
    joined = PAGE_JOINER.join(pages)
    found = sorted(found, key=lambda f: f.block.start)
    items = []
    for k, f in enumerate(found):
        stop = found[k + 1].block.start if k + 1 < len(found) else record_end
        end = _boundary(lines, f.block.end, stop)
        body = [ln for ln in lines[f.block.end:end] if not ln.running]
        content = [ln for ln in lines[f.block.start:end] if not ln.blank]
        head = lines[f.block.start]
        char_start = head.start + head.indent
        char_end = content[-1].end if content else head.end
        char_end = char_start + len(joined[char_start:char_end].rstrip())
        body_lines = [ln.raw.rstrip() if not ln.blank else "" for ln in body]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines)).strip("\n")
        outcome = outcome_of([ln.text if not ln.blank else "" for ln in body])
        refs = list(f.block.refs)
        for ref in paper_refs_in(text, labelled_only=True):
            if ref not in refs:
                refs.append(ref)
        items.append(AgendaItemSpan(
            number=f.number,
            label=f.block.label,
            title=f.title,
            public=f.public,
            text=text,
            page_start=page_of(char_start, starts),
            page_end=page_of(max(char_start, char_end - 1), starts),
            char_start=char_start,
            char_end=char_end,
            resolution=outcome.resolution,
            result=outcome.result,
            votes=outcome.votes,
            paper_refs=refs,
            source_item_id=f.source.external_id if f.source else None,
        ))
    return items
