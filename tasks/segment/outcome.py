"""What an agenda item decided: the resolution text, the result in one of eight words, the votes.

Minutes phrase results freely ("einstimmig bei 1 Enthaltung", "mehrheitlich abgelehnt",
"Der Ausschuss nimmt … zur Kenntnis"). Negations are the trap: "nicht empfohlen" contains
"empfohlen", "nicht einstimmig" contains "einstimmig", so negated phrases are checked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.pipeline import Votes

RESULTS = ("einstimmig", "mehrheitlich", "zur Kenntnis genommen", "vertagt", "abgesetzt", "abgelehnt", "beschlossen",
           "ohne Beschluss")

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
_NO = r"(?:Nein-Stimmen|Nein-Stimme|Neinstimmen|Nein|Dagegen|Gegenstimmen|Gegenstimme|Gegen)"
_ABSTAIN = r"(?:Stimmenthaltungen|Stimmenthaltung|Enthaltungen|Enthaltung|Enth\.)"
# OCR reads a printed zero as the letter O: "Nein-Stimmen: O".
_LABELLED_COUNT = r"(\d{1,3}|[Oo](?!\w))"
# "Ja 12 / Nein 3": the short labels take a bare count; "Für", "Gegen", "Dafür" only with a colon
# ("für 12 Monate", "gegen 3 Stimmen" are prose).
_VOTE_LABELLED = {
    "yes": re.compile(rf"\b(?:{_YES}\s*[:=]|(?:Ja|Ja-Stimmen|Jastimmen)\s)\s*{_LABELLED_COUNT}(?!\d)", re.I),
    "no": re.compile(rf"\b(?:{_NO}\s*[:=]|(?:Nein|Nein-Stimmen|Neinstimmen|Gegenstimmen)\s)\s*{_LABELLED_COUNT}(?!\d)", re.I),
    "abstain": re.compile(rf"(?<!\w)(?:{_ABSTAIN}\s*[:=]?)\s*{_LABELLED_COUNT}(?!\d)", re.I),
}
# "24 Ja, 5 Nein, 1 Enthaltung": the bare short labels after a count, capitalised as printed (never "ja" in prose)
_VOTE_COUNTED = {
    "yes": re.compile(rf"\b{_COUNT}\s+(?:Ja-Stimmen|Ja-Stimme|Jastimmen|(?:Stimmen\s+|Mitglieder\w*\s+)?dafür|Zustimmungen|"
                      r"(?-i:Ja)(?=\s*(?:[,;/|]|$|\d|und\b)))\b", re.I),
    "no": re.compile(rf"\b{_COUNT}\s+(?:Nein-Stimmen|Nein-Stimme|Neinstimmen|Gegenstimmen|Gegenstimme|(?:Stimmen\s+)?dagegen|"
                     r"(?-i:Nein)(?=\s*(?:[,;/|]|$|\d|und\b)))\b", re.I),
    "abstain": re.compile(rf"\b{_COUNT}\s+(?:Stimmenthaltungen|Stimmenthaltung|Enthaltungen|Enthaltung)\b", re.I),
}
# "mit 8 gegen 3 Stimmen", "mit 8 : 3 Stimmen"
_FOR_AGAINST = re.compile(rf"\bmit\s+{_COUNT}\s*(?:gegen|zu|:)\s*{_COUNT}\s+Stimmen\b", re.I)
# "Abstimmungsergebnis: 19 : 0 : 2" (yes : no : abstain); spaced colons, or right after a result label,
# so that "19:30 Uhr" stays a time.
_COLON_TALLY = re.compile(r"(?<![\d:.,])(\d{1,3})(\s*:\s*|\s+:\s+)(\d{1,3})(?:\s*:\s*(\d{1,3}))?(?![\d:.,])(?!\s*Uhr)")

_NEGATIVE = (r"(?:abgelehnt|nicht\s+(?:empfohlen|zugestimmt|beschlossen|angenommen|befürwortet)|keine\s+Zustimmung|"
             r"\bkeine\s+mehrheit\b|"
             r"\bempfiehlt\b[^.;]*\bnicht\b|mehrheit\b[^.;]*\bnicht erreicht)")
_NO_DECISION = (r"\bohne beschluss|\bkein(?:en)? beschluss|\bbeschluss wurde nicht gefasst|\bnicht beschlossen, sondern|"
                r"\bkeine beschlussfassung\b|\bbeschlussfassung erfolg(?:t|te) nicht\b")
_POSTPONED = r"\bvertagt\b|\bvertagung\b|\bzurückgestellt\b|\bverschoben\b"
# "Die Fraktion zieht den Antrag zurück" (not: "… nicht zurück", nor "zieht seine Wortmeldung zurück")
_WITHDRAWN = (r"\b(?:von der tagesordnung )?abgesetzt\b|\bzurückgezogen\b|"
              r"\bzieht\b[^.;]*\b(?:antrag|vorlage|anfrage|tagesordnungspunkt|punkt)\w*\b[^.;]*(?<!nicht )\bzurück\b")


@dataclass
class Outcome:
    resolution: str | None
    result: str | None
    votes: Votes | None


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 0)


def votes_in(text: str) -> Votes | None:
    """Ja/Nein/Enthaltung counts: labelled ("Ja-Stimmen: 8", "Ja 12 / Nein 3 / Enth. 1"), counted
    ("10 Ja-Stimmen", "bei 1 Enthaltung"), "mit 8 gegen 3 Stimmen" or a colon tally "19 : 0 : 2".

    Labelled values are read first and cut out, so that the 13 of "Ja-Stimmen: 13 Nein-Stimmen: 0"
    is never also read as "13 Nein-Stimmen".
    """
    found: dict[str, int] = {}
    rest = text
    for field, pattern in _VOTE_LABELLED.items():
        m = pattern.search(rest)
        if m:
            found[field] = int(m.group(1)) if m.group(1).isdigit() else 0
            rest = rest[: m.start()] + " ; " + rest[m.end():]
    for field, pattern in _VOTE_COUNTED.items():
        m = pattern.search(rest) if field not in found else None
        if m:
            found[field] = _count(m.group(1))
    if "yes" not in found and "no" not in found:
        m = _FOR_AGAINST.search(rest)
        if m:
            found["yes"], found["no"] = _count(m.group(1)), _count(m.group(2))
    if "yes" not in found and "no" not in found:
        tally = _colon_tally(rest)
        if tally:
            found.update(tally)
    if not found:
        return None
    return Votes(**found)


def _colon_tally(text: str) -> dict[str, int] | None:
    """"19 : 0" or "16 : 3 : 1" after a result label, or spaced like that anywhere."""
    label = RESULT_LABEL_RE.match(text.strip())
    for m in _COLON_TALLY.finditer(text):
        tight = not m.group(2).strip(":").strip() and " " not in m.group(2)
        if tight and not (label and m.start() <= len(label.group(0)) + 2):
            continue  # "14:1" only right after "Abstimmungsergebnis:"; elsewhere it is a time
        out = {"yes": int(m.group(1)), "no": int(m.group(3))}
        if m.group(4) is not None:
            out["abstain"] = int(m.group(4))
        return out
    return None


def result_in(text: str, votes: Votes | None = None) -> str | None:
    """One of RESULTS for a result phrase; counted votes decide over a bare "beschlossen"."""
    t = re.sub(r"\s+", " ", text.casefold())
    if re.search(r"\bnicht einstimmig\b", t):
        return "abgelehnt" if re.search(_NEGATIVE, t) else "mehrheitlich"
    if re.search(_WITHDRAWN, t):
        return "abgesetzt"
    if re.search(_POSTPONED, t):
        return "vertagt"
    if re.search(_NO_DECISION, t):
        return "ohne Beschluss"
    if re.search(_NEGATIVE, t):
        return "abgelehnt"
    if re.search(r"\beinstimmig\b", t):
        return "einstimmig"
    if re.search(r"\bmehrheitlich\b|\bmit (?:gro(?:ß|ss)er |knapper |deutlicher |breiter |einfacher )?mehrheit\b|"
                 r"\bstimmenmehrheit\b", t):
        return "mehrheitlich"
    if re.search(r"\bzur kenntnis\b|\bkenntnisnahme\b|\bkenntnis genommen\b", t):
        return "zur Kenntnis genommen"
    by_votes = _result_of_votes(votes)
    if by_votes:
        return by_votes
    if re.search(r"\b(?:beschlossen|angenommen|zugestimmt|empfohlen|befürwortet|empfiehlt|gefasst)\b", t):
        return "beschlossen"
    return None


def _result_of_votes(votes: Votes | None) -> str | None:
    if votes is None or (votes.yes is None and votes.no is None):
        return None
    yes, no = votes.yes, votes.no or 0
    if yes is None:
        return "mehrheitlich" if no else None
    if yes <= no:
        return "abgelehnt"
    return "einstimmig" if no == 0 else "mehrheitlich"


_DEFINITE = ("abgesetzt", "vertagt", "ohne Beschluss", "zur Kenntnis genommen", "abgelehnt", "einstimmig", "mehrheitlich")


def is_tally_line(text: str) -> bool:
    """A line that reports a vote ("Abstimmungsergebnis: …", "Ja: 12 Nein: 3"): it ends a paragraph
    and can never continue a title, whatever it ends with."""
    return bool(RESULT_LABEL_RE.match(text) or votes_in(text))


def is_result_line(text: str, first_of_resolution: bool, continuing: bool = False) -> bool:
    """A line that states the outcome rather than the decision itself.

    `continuing`: the line above is part of the same paragraph, so a short line here is the
    tail of a wrapped sentence ("Leitung des KI zur Kenntnis."), not a result of its own.
    """
    if RESULT_LABEL_RE.match(text) or votes_in(text):
        return True
    if continuing or first_of_resolution or re.match(r"^(?:\d{1,2}[.)]|[a-z]\)|-|•)\s", text):
        return False
    words = len(text.split())
    result = result_in(text)
    # "Der Tagesordnungspunkt wurde zu Beginn der Sitzung von der Tagesordnung abgesetzt.": a whole
    # sentence that says what happened may be longer than a bare result phrase.
    return result is not None and (words <= 8 or (words <= 14 and text.endswith(".") and result in _DEFINITE))


def _is_result_phrase(text: str) -> bool:
    """A few words that only name the result ("einstimmig beschlossen", "nicht empfohlen")."""
    return len(text.split()) <= 4 and result_in(text, votes_in(text)) is not None


_LABEL_IN_LINE = re.compile(r"(?:Abstimmungsergebnis|Beschlussergebnis|Abstimmung)\s*:\s*(?P<rest>\S.*)$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")


def _closing_result_sentence(body_lines: list[str]) -> str:
    """The result stated in running prose at the very end of the body: "… Die Tagesordnung / wird
    einstimmig festgestellt.", "… zuzustimmen. Abstimmungsergebnis: Einstimmig" ("" if none)."""
    last: list[str] = []
    for line in reversed(body_lines):
        if not line.strip():
            if last:
                break
            continue
        last.insert(0, line.strip())
    paragraph = " ".join(last)
    labelled = _LABEL_IN_LINE.search(paragraph)
    if labelled and _is_result_phrase(labelled.group("rest")):
        return labelled.group("rest")
    sentence = _SENTENCE_END.split(paragraph)[-1] if paragraph else ""
    if sentence.endswith(".") and len(sentence.split()) <= 14 and result_in(sentence) in _DEFINITE:
        return sentence
    return ""


def outcome_of(body_lines: list[str]) -> Outcome:
    """Resolution, result and votes of one item body (lines, blank lines as "")."""
    marker = None
    for i, line in enumerate(body_lines):
        if RESOLUTION_RE.match(line.strip()):
            marker = i
    start = 0 if marker is None else marker + 1
    resolution_lines: list[str] = []
    result_lines: list[str] = []
    if marker is not None:
        rest = RESOLUTION_RE.match(body_lines[marker].strip()).group("rest").strip()
        if rest and _is_result_phrase(rest):
            result_lines.append(rest)  # "Beschluss: einstimmig beschlossen"
        elif rest:
            resolution_lines.append(rest)
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
    tail = " ".join(result_lines) or _closing_result_sentence(body_lines)
    votes = votes_in(tail) if tail else None
    result = result_in(tail, votes) if tail else None
    if resolution:
        resolution = re.sub(r"\n{3,}", "\n\n", resolution)
    return Outcome(resolution, result, votes)
