"""What an agenda item decided: the resolution text, the result in one of seven words, the votes.

Minutes phrase results freely ("einstimmig bei 1 Enthaltung", "mehrheitlich abgelehnt",
"Der Ausschuss nimmt … zur Kenntnis"). Negations are the trap: "nicht empfohlen" contains
"empfohlen", "nicht einstimmig" contains "einstimmig", so negated phrases are checked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.pipeline import Votes

RESULTS = ("einstimmig", "mehrheitlich", "zur Kenntnis genommen", "vertagt", "abgesetzt", "abgelehnt", "beschlossen")

RESOLUTION_RE = re.compile(
    r"^(?:Geänderter\s+|Ergänzter\s+)?(?:Beschluss(?:vorschlag|empfehlung|fassung|entwurf|text)?|Empfehlung|"
    r"Beschlussvorschlag der Verwaltung)\s*:\s*(?P<rest>.*)$",
    re.I,
)
RESULT_LABEL_RE = re.compile(
    r"^(?:Abstimmungsergebnis|Beschlussergebnis|Ergebnis|Abstimmung|Beratungsergebnis)\s*:\s*", re.I)

_NUMBER_WORDS = {"kein": 0, "keine": 0, "keiner": 0, "ohne": 0, "eine": 1, "einer": 1, "ein": 1, "zwei": 2,
                 "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
                 "elf": 11, "zwölf": 12}
_COUNT = r"(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_YES = r"(?:Ja-Stimmen|Ja-Stimme|Jastimmen|Ja|Dafür|Zustimmungen|Zustimmung|Für)"
_NO = r"(?:Nein-Stimmen|Nein-Stimme|Neinstimmen|Nein|Dagegen|Gegenstimmen|Gegenstimme)"
_ABSTAIN = r"(?:Stimmenthaltungen|Stimmenthaltung|Enthaltungen|Enthaltung)"
# OCR reads a printed zero as the letter O: "Nein-Stimmen: O".
_LABELLED_COUNT = r"(\d{1,3}|[Oo](?!\w))"
_VOTE_LABELLED = {
    "yes": re.compile(rf"\b{_YES}\s*[:=]\s*{_LABELLED_COUNT}", re.I),
    "no": re.compile(rf"\b{_NO}\s*[:=]?\s*{_LABELLED_COUNT}(?!\d)", re.I),
    "abstain": re.compile(rf"\b{_ABSTAIN}\s*[:=]?\s*{_LABELLED_COUNT}(?!\d)", re.I),
}
# "12 Ja-Stimmen", but not the 13 of "Ja-Stimmen: 13 Nein-Stimmen: 0" (a labelled value).
_NOT_LABELLED = r"(?<![:=])(?<![:=]\s)"
_VOTE_COUNTED = {
    "yes": re.compile(rf"{_NOT_LABELLED}\b{_COUNT}\s+(?:{_YES}|Stimmen dafür)\b", re.I),
    "no": re.compile(rf"{_NOT_LABELLED}\b{_COUNT}\s+(?:{_NO}|Stimmen dagegen)\b", re.I),
    "abstain": re.compile(rf"{_NOT_LABELLED}\b{_COUNT}\s+{_ABSTAIN}\b", re.I),
}
_YES_BARE = re.compile(r"\bJa\s+(\d{1,3})\b", re.I)

_NEGATIVE = r"(?:abgelehnt|nicht\s+(?:empfohlen|zugestimmt|beschlossen|angenommen|befürwortet)|keine\s+Zustimmung)"


@dataclass
class Outcome:
    resolution: str | None
    result: str | None
    votes: Votes | None


def votes_in(text: str) -> Votes | None:
    """Ja/Nein/Enthaltung counts, labelled ("Ja-Stimmen: 8") or counted ("bei 1 Enthaltung")."""
    found: dict[str, int] = {}
    for field, pattern in _VOTE_LABELLED.items():
        m = pattern.search(text)
        if m:
            found[field] = int(m.group(1)) if m.group(1).isdigit() else 0
    for field, pattern in _VOTE_COUNTED.items():
        if field in found:
            continue
        m = pattern.search(text)
        if m:
            word = m.group(1).lower()
            found[field] = int(word) if word.isdigit() else _NUMBER_WORDS[word]
    if "yes" not in found:
        m = _YES_BARE.search(text)
        if m and ("no" in found or "abstain" in found):
            found["yes"] = int(m.group(1))
    if not found or ("yes" not in found and "no" not in found):
        return None
    return Votes(**found)


def result_in(text: str, votes: Votes | None = None) -> str | None:
    """One of RESULTS for a result phrase; falls back to what the votes imply."""
    t = re.sub(r"\s+", " ", text.casefold())
    if re.search(r"\bnicht einstimmig\b", t):
        return "abgelehnt" if re.search(_NEGATIVE, t) else "mehrheitlich"
    if re.search(r"\b(?:von der tagesordnung )?abgesetzt\b", t):
        return "abgesetzt"
    if re.search(r"\bvertagt\b|\bzurückgestellt\b|\bzurückgestellt\b", t):
        return "vertagt"
    if re.search(_NEGATIVE, t):
        return "abgelehnt"
    if re.search(r"\beinstimmig\b", t):
        return "einstimmig"
    if re.search(r"\bmehrheitlich\b|\bmit mehrheit\b|\bstimmenmehrheit\b", t):
        return "mehrheitlich"
    if re.search(r"\bzur kenntnis\b|\bkenntnisnahme\b|\bkenntnis genommen\b", t):
        return "zur Kenntnis genommen"
    if re.search(r"\b(?:beschlossen|angenommen|zugestimmt|empfohlen|befürwortet)\b", t):
        return "beschlossen"
    if votes is not None and votes.yes is not None:
        no = votes.no or 0
        if votes.yes <= no:
            return "abgelehnt"
        return "einstimmig" if no == 0 else "mehrheitlich"
    return None


def is_tally_line(text: str) -> bool:
    """A line that reports a vote ("Abstimmungsergebnis: …", "Ja: 12 Nein: 3"): it ends a paragraph
    and can never continue a title, whatever it ends with."""
    return bool(RESULT_LABEL_RE.match(text) or votes_in(text))


def is_result_line(text: str, first_of_resolution: bool, continuing: bool = False) -> bool:
    """A line that states the outcome rather than the decision itself.

    `continuing`: the line above is part of the same paragraph, so a short line here is the
    tail of a wrapped sentence ("Leitung des KI zur Kenntnis."), not a result of its own.
    """
    if RESULT_LABEL_RE.match(text):
        return True
    if continuing:
        return False
    if votes_in(text):
        return True
    if first_of_resolution or re.match(r"^(?:\d{1,2}[.)]|[a-z]\)|-|•)\s", text):
        return False
    return len(text.split()) <= 8 and result_in(text) is not None


def outcome_of(body_lines: list[str]) -> Outcome:
    """Resolution, result and votes of one item body (lines, blank lines as "")."""
    marker = None
    for i, line in enumerate(body_lines):
        if RESOLUTION_RE.match(line.strip()):
            marker = i
    start = 0 if marker is None else marker + 1
    resolution_lines: list[str] = []
    if marker is not None:
        rest = RESOLUTION_RE.match(body_lines[marker].strip()).group("rest").strip()
        if rest:
            resolution_lines.append(rest)
    result_lines: list[str] = []
    previous = ""  # the line above, "" when blank or a result line
    for line in body_lines[start:]:
        text = line.strip()
        if not text:
            previous = ""
            if resolution_lines and not result_lines:
                resolution_lines.append("")
            continue
        first = marker is not None and not any(r.strip() for r in resolution_lines)
        continuing = bool(previous) and not re.search(r"[.:!?]$", previous)
        previous = text
        if is_result_line(text, first, continuing):
            result_lines.append(text)
            previous = ""
        elif result_lines:
            break  # prose after the result belongs to nobody's outcome
        elif marker is not None:
            resolution_lines.append(text)
    resolution = "\n".join(resolution_lines).strip() or None
    tail = " ".join(result_lines)
    votes = votes_in(tail) if tail else None
    result = result_in(tail, votes) if tail else None
    if resolution:
        resolution = re.sub(r"\n{3,}", "\n\n", resolution)
    return Outcome(resolution, result, votes)
