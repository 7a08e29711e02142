"""Whether a document reads as minutes at all, and where its record ends.

Councils file more than minutes under a meeting: village calendars, letters, papers. Their day
numbers and numbered paragraphs look like headings, so the segmenter would invent items. Minutes
say what they are ("Niederschrift", "Protokoll") near the top, or at least speak the record's
language (Sitzung, Beschluss, einstimmig …); calendars and letters have forms of their own.
Attachments after the record ("Anlage 1" after the closing formula, or right after the signatures)
may quote older minutes ("Zu Punkt 21: …", "TOP 7: …"): their headings are not items of this
meeting; and signatures ("Hartmann / Ratsvorsitzender") end the last item's text when no closing
formula does.
"""

from __future__ import annotations

import re

from tasks.segment.headings import CLOSING_RE
from tasks.segment.lines import Line

# The title word opens its line ("Niederschrift", "Öffentliche Niederschrift über …", "PROTOKOLL
# vom …"); a letter that mentions "die Niederschrift der letzten Sitzung" is not titled by it.
_TITLE_RE = re.compile(
    r"^(?:[\w.-]+\s+){0,2}(?:Niederschrift|Protokoll|Ergebnisprotokoll|Sitzungsprotokoll|Beschlussprotokoll|"
    r"Sitzungsniederschrift|Wortprotokoll|Verhandlungsniederschrift)\b", re.I)
_HEAD_LINES = 40
_RECORD_WORDS = [re.compile(p, re.I) for p in (
    r"\bSitzung\b", r"\bBeschlu(?:ss|ß)\w*", r"\beinstimmig\b", r"\bmehrheitlich\b", r"\bAbstimmung\w*",
    r"\bzur Kenntnis\b", r"\bTagesordnung\w*", r"\ber(?:ö|oe)ffne(?:t|te)\b", r"\bAnwesend\w*", r"\bVorsitz\w*",
    r"\bTOP\s*\d", r"\bEnthaltung\w*")]
_MIN_RECORD_WORDS = 3
_LETTER_OPENING = re.compile(r"^Sehr geehrte[rn]?\b")
_LETTER_CLOSING = re.compile(r"^Mit freundliche[nm] Gr(?:ü|u)(?:ß|ss)(?:en)?\b")
_CALENDAR_DAY = re.compile(r"^\d{1,2}\.?\s+(?:Mo|Di|Mi|Do|Fr|Sa|So)\.?\s")
_MIN_CALENDAR_DAYS = 4
# "Anlage 1", "Anlage 2: Präsentation", "Anlage 1 zum Protokoll vom 05.03.2026"
_ANNEX_RE = re.compile(
    r"^(?:Anlagen?|Anhang)\s*(?:\d{1,2}|[A-Z]|[IVX]{1,4})?\s*(?:[:–-]\s*\S.*|\s(?:zum|zur|der|des)\s+\S.*)?$")


def not_minutes_reason(lines: list[Line]) -> str | None:
    """Why the document is not minutes ("a letter", "a calendar", …), or None if it reads as minutes."""
    content = [ln.text for ln in lines if not ln.blank]
    if any(_TITLE_RE.match(t) for t in content[:_HEAD_LINES]):
        return None
    if any(_LETTER_OPENING.match(t) for t in content) and any(_LETTER_CLOSING.match(t) for t in content):
        return "a letter: salutation and closing greeting, no minutes title"
    if sum(1 for t in content if _CALENDAR_DAY.match(t)) >= _MIN_CALENDAR_DAYS:
        return "a calendar: lines of days and weekdays, no minutes title"
    text = "\n".join(content)
    hits = sum(1 for p in _RECORD_WORDS if p.search(text))
    if hits < _MIN_RECORD_WORDS:
        return f"no minutes title and only {hits} of the record's words (Sitzung, Beschluss, einstimmig …)"
    return None


_ROLE = (r"(?:(?:stv\.|stellv\.|Erster?)\s+)?(?:(?:Bezirks|Orts)?[Bb]ürgermeister(?:in)?|Ortsvorsteher(?:in)?|"
         r"(?:Rats|Ausschuss|Bezirks)?[Vv]orsitzende[rn]?|Schriftführer(?:in)?|Protokollführer(?:in)?|"
         r"Kreistagspräsident(?:in)?|Landrat|Landrätin|[Ff]ür das Protokoll)")
_NAME = r"(?:gez\.\s*)?(?:Dr\.\s+)?(?:[A-ZÄÖÜ]\.\s*)?[A-ZÄÖÜ][\w'’-]+(?:\s+[A-ZÄÖÜ][\w'’-]+){0,3}"
_SIGNATURE_CHUNK = re.compile(rf"(?:{_ROLE}|{_NAME})")
_ROLE_RE = re.compile(rf"\b{_ROLE}\b")


def _signature_line(raw: str) -> bool:
    """"Hartmann    Brandes", "Ratsvorsitzender    Protokollführerin", "Kramer, Ortsvorsteher"."""
    chunks = [c for c in re.split(r"\s{2,}|\t|,\s*", raw.strip()) if c]
    return bool(chunks) and len(chunks) <= 3 and all(_SIGNATURE_CHUNK.fullmatch(c) for c in chunks)


def _signature_start(lines: list[Line]) -> int | None:
    """Where the names and roles that sign the minutes begin, when they close the document."""
    block: list[Line] = []
    for ln in reversed(lines):
        if ln.blank:
            continue
        if not _signature_line(ln.raw):
            break
        lone_word = not _ROLE_RE.search(ln.text) and len(re.split(r"\s{2,}|\t|,\s*", ln.raw.strip())) == 1
        if lone_word and not (block and _ROLE_RE.search(block[0].text)):
            break  # "Vergabeangelegenheit" is a title; "Sander" above "für das Protokoll" signs
        block.insert(0, ln)
    if block and any(_ROLE_RE.search(ln.text) for ln in block) and len(block) <= 4:
        return block[0].index
    return None


def record_end(lines: list[Line]) -> int:
    """Index of the first line after the record: an "Anlage"/"Anhang" line after a closing formula, the
    signatures above an annex that follows them without one, or the signatures that end the document."""
    closed = False
    for ln in lines:
        if ln.blank:
            continue
        if CLOSING_RE.match(ln.text):
            closed = True
        elif _ANNEX_RE.match(ln.text):
            if closed:
                return ln.index
            signed = _signature_start(lines[: ln.index])
            if signed is not None:
                return signed
    signed = _signature_start(lines)
    return signed if signed is not None else len(lines)
