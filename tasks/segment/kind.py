"""Whether a document reads as minutes at all, and where its record ends.

Councils file more than minutes under a meeting: village calendars, letters, papers. Their day
numbers and numbered paragraphs look like headings, so the segmenter would invent items. Minutes
say what they are ("Niederschrift", "Protokoll") near the top, or at least speak the record's
language (Sitzung, Beschluss, einstimmig …); calendars and letters have forms of their own.
Attachments after the record ("Anlage 1" after the closing formula) may quote older minutes
("Zu Punkt 21: …"): their headings are not items of this meeting.
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
_ANNEX_RE = re.compile(r"^(?:Anlagen?|Anhang)\s*(?:\d{1,2}|[A-Z]|[IVX]{1,4})?\s*(?:[:–-]\s*\S.*)?$")


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


def record_end(lines: list[Line]) -> int:
    """Index of the first line after the record: an "Anlage"/"Anhang" line after a closing formula."""
    closed = False
    for ln in lines:
        if ln.blank:
            continue
        if CLOSING_RE.match(ln.text):
            closed = True
        elif closed and _ANNEX_RE.match(ln.text):
            return ln.index
    return len(lines)
