"""What an agenda-item heading looks like in German minutes, one line at a time.

Recognises the common layouts (SessionNet `Ö 3`/`N 1`, ALLRIS `TOP 3.1`, NRW `TOP A 3`/`TOP B 1`,
`3.`/`3.)`/`3.1`, `3 Title`, `Punkt 3 der Tagesordnung`, `Zu 3`, `§ 23`), section lines
("Nichtöffentlicher Teil"), group titles ("II. Finanzen"), the printed agenda's title line
("Tagesordnung") and paper references. Whether a heading-shaped line really
is a heading is decided later, from its neighbours and the number sequence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

# "3a", and "3 a)" / "TOP 3 a" as printed for sub-items (normalised to "3a" by parse_heading)
_NUM = r"(?P<num>\d{1,3}(?:\.\d{1,2}){0,3}(?:\s?[a-f](?![a-zäöüß]))?)"

# family, pattern, base strength. Order matters: the first match wins.
_PATTERNS: list[tuple[str, re.Pattern[str], float]] = [
    ("punkt", re.compile(rf"^Punkt\s+{_NUM}\.?\s+der\s+Tagesordnung\s*:?\s*(?P<title>.*)$", re.I), 2.5),
    # "TOP A 1" … "TOP B 2": NRW councils number the public (A) and non-public (B) part as series
    ("top", re.compile(rf"^(?:T[O0]P|Tagesordnungspunkt)\s*(?P<series>Ö|N|NÖ|[A-D](?=\s?\d))?\s*{_NUM}\.?\s*:?"
                       r"(?:\s+(?P<title>.*))?$"), 2.5),
    # Baden-Württemberg numbers items with the paragraph sign, counting on through the year ("§ 23")
    ("paragraph", re.compile(rf"^§\s*{_NUM}\.?\s*:?(?:\s+(?P<title>.*))?$"), 2.5),
    ("sessionnet", re.compile(rf"^(?P<series>Ö|N|NÖ|O)\s?{_NUM}\.?(?:\s+(?P<title>.*))?$"), 2.5),
    ("zu", re.compile(rf"^[Zz]u\s+(?:TOP\s*|Punkt\s*|Tagesordnungspunkt\s*)?{_NUM}\.?\s*:?(?:\s+(?P<title>.*))?$"), 2.0),
    # "Zu Punkt 5:" whose "Zu" OCR lost; the colon tells it from "Punkt 5 wurde …" in prose
    ("zu", re.compile(rf"^Punkt\s+{_NUM}\s*:(?:\s+(?P<title>.*))?$"), 2.0),
    ("dotted", re.compile(rf"^{_NUM}(?:\.\)|[.)])(?:\s+(?P<title>.*))?$"), 1.6),  # "3.", "3)", "3.)"
    ("dotted", re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,2}){1,3})\s+(?P<title>\S.*)$"), 1.6),
    ("bare", re.compile(r"^(?P<num>\d{1,3})\s+(?P<title>[A-ZÄÖÜ„\"].*)$"), 1.0),
    # the number cell of minutes written as a Word table, alone on its line; the title is in the
    # lines around it (see `segment_blocks.table_block`)
    ("table", re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,2}){0,2})\.?(?P<title>)$"), 1.4),
]

_SECTION_LETTERS = ("A", "B", "C", "D")

# Families whose label names itself a heading ("TOP", "Ö", "Punkt … der Tagesordnung", "Zu"), unlike
# "3." or "3 Title", which numbered lists share.
PREFIXED = ("top", "sessionnet", "punkt", "zu", "paragraph")

SECTION_RE = re.compile(
    r"^(?:(?:[A-D]|I{1,3}|IV)[.):]?\s+)?(?P<neg>nicht[\s-]?)?[öÖo]ffentlich(?:e[rns]?\s+"
    r"(?:Sitzung|Teil|Sitzungsteil)(?:\s+der\s+Sitzung)?|\s+zu\s+behandelnde\s+Tagesordnungspunkte)\s*:?$",
    re.I,
)
# "I. Bauangelegenheiten", "II. Finanzen": a group title above the items it gathers, never an item
GROUP_RE = re.compile(r"^(?:I{1,3}|IV|V|VI{1,3}|IX|X)\.\s+[A-ZÄÖÜ][\w-]*(?:\s+(?:und|&|,)?\s*[\w-]+){0,3}$")
AGENDA_TITLE_RE = re.compile(
    r"^(?:(?:Öffentliche|Festgestellte|Vorläufige|Geänderte)\s+)?Tagesordnung\s*:?$", re.I)
CLOSING_RE = re.compile(
    r"^(?:gez\.|Ende der (?:öffentlichen |nichtöffentlichen |nicht öffentlichen )?Sitzung|"
    r"Schluss der (?:öffentlichen )?Sitzung|Für die Richtigkeit|"
    r"(?:Der|Die) (?:nichtöffentliche|nicht öffentliche) Teil der Sitzung|"
    r"(?:Der|Die) (?:stv\. |stellvertretende )?Vorsitzende\w* schlo(?:ss|ß) die (?:öffentliche )?Sitzung|"
    r"Ende des (?:öffentlichen |nichtöffentlichen |nicht öffentlichen )?(?:Sitzungs)?[Tt]eils\b|"
    # "Bezirksbürgermeister Grube schloss die Sitzung um 21.05 Uhr.", "… schließt den öffentlichen Teil der Sitzung"
    # and with the verb second after an opening phrase: "Mit Dank für die Mitarbeit schließt der
    # Vorsitzende die öffentliche Sitzung", "Nachdem keine Wortmeldungen vorliegen, schließt der …"
    r"(?:[^.!?]{0,80}?\s)?(?:schlo(?:ss|ß)|schlie(?:ß|ss)t)\s+(?:(?:der|die)\s+(?:\S+\s+){1,3}?)?(?:die|den)\s+"
    r"(?:öffentlichen?\s+|nicht\s?öffentlichen?\s+)?(?:Teil\s+der\s+)?Sitzung\b|"
    r"Sitzungsende\b)",
    re.I,
)

_REF_SHAPES = [
    r"[A-Z]{1,4}/\d{2,4}/\d{1,5}(?:-\d{1,3})?",  # VO/2026/5607, V/0287/2026
    r"[A-Z]{1,4}\s[A-Z]{1,4}\s\d{1,4}/\d{2}-\d{2}",  # BV AH 80/21-26 (paper 80 of the term 2021–26)
    r"\d{4}/\d{3,5}",  # 2021/0134
    r"\d{2}-\d{4,6}(?:/\d{1,3})?",  # 26-29075
]
REF_RE = re.compile(r"(?<![\w/.-])(?:" + "|".join(_REF_SHAPES) + r")(?![\w/-])")
_REF_LABEL = (r"(?:(?:Beschluss|Informations|Mitteilungs)?[Vv]orlagen?(?:-?Nr\.?)?|Drucksachen?(?:-?Nr\.?)?|Drs\.|"
              r"DS-Nr\.|Antrag(?:-?Nr\.)?|Mitteilung)")
# "Beschlussvorlage - 23/2012", "Drucksache 10/123" (term/number), "DS-Nr.: 110-1/2026" (the first
# amendment of paper 110): short shapes that are references only behind their label
_LABELLED_ONLY_SHAPE = r"\d{1,4}(?:-\d{1,2})?/\d{1,5}"
_REF_SEP = r"\s*(?:Nr\.\s*)?(?:[:–-]\s*)?"
REF_LABEL_RE = re.compile(rf"{_REF_LABEL}{_REF_SEP}(?=[A-Z]{{0,4}}(?:\s[A-Z]{{1,4}})?[/\s]?\d)", re.I)
LABELLED_REF_RE = re.compile(
    rf"{_REF_LABEL}{_REF_SEP}(?P<ref>(?:{'|'.join(_REF_SHAPES + [_LABELLED_ONLY_SHAPE])}))(?![\w/-])", re.I)


@dataclass
class Heading:
    """A heading-shaped line: its number, the printed label and whatever title follows on the line."""

    family: str
    number: str
    series: str  # "N" for SessionNet/ALLRIS non-public numbering, "A"… for "TOP A 1" series, "" otherwise
    label: str
    title: str
    public: bool | None
    base: float

    @property
    def key(self) -> tuple[str, str]:
        return (self.series, self.number)


# OCR reads a printed "1" in a label as "l" or "|": "l. Feststellung der Tagesordnung".
_OCR_ONE_RE = re.compile(r"^((?:T[O0]P\s*|Ö\s?|N\s?|Zu\s+(?:TOP\s*)?)?)[l|](?=[.):]?\s+[A-ZÄÖÜ„])")


def parse_heading(text: str) -> Heading | None:
    """The heading this line would be, or None if no layout's pattern fits."""
    text = _OCR_ONE_RE.sub(r"\g<1>1", text)
    for family, pattern, base in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        number = re.sub(r"\s+", "", m.group("num"))
        if not _plausible_number(number):
            return None
        title = (m.group("title") or "").strip()
        label = text[: m.start("title")].strip() if m.group("title") else text.strip()
        series_text = (m.groupdict().get("series") or "").upper()
        lettered = series_text in _SECTION_LETTERS  # which letter is public says the section line, not the letter
        series = series_text if lettered else "N" if series_text in ("N", "NÖ") else ""
        public = None if not series_text or lettered else series != "N"
        if _looks_like_measure(title):
            return None
        return Heading(family, number, series, label.rstrip(":").strip(), title, public, base)
    return None


def _plausible_number(number: str) -> bool:
    """Rejects dates, times and amounts: "12.03.", "19.30", "1.000"."""
    parts = re.match(r"[\d.]+", number).group(0).split(".")
    if int(parts[0]) == 0 or int(parts[0]) > 150:
        return False
    return all(p == "" or (not (p.startswith("0") and len(p) > 1) and int(p) <= 30) for p in parts[1:])


_MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"


def _looks_like_measure(title: str) -> bool:
    """"19 Uhr", "1.000 Euro" — and dates: "1. Juli 2019" wrapped to a line start is no item 1."""
    return bool(re.match(rf"(?:Uhr|Euro|EUR|Prozent|Personen|Stimmen|Jahre|Mio|%|€|{_MONTHS})(?!\w)", title))


def number_key(number: str) -> tuple[int, ...]:
    """Sortable form: "3.1" → (3, 1); "3a" → (3, 1): letters are sub-items too."""
    out: list[int] = []
    for part in number.split("."):
        m = re.match(r"(\d+)([a-f]?)", part)
        if not m:
            continue
        out.append(int(m.group(1)))
        if m.group(2):
            out.append(ord(m.group(2)) - ord("a") + 1)
    return tuple(out)


def normalise_entry_number(raw: str | None) -> tuple[str, str] | None:
    """(series, number) of an agenda entry's free-text number ("Ö 3", "TOP 3.1", "3."), or None."""
    if not raw:
        return None
    text = re.sub(r"\s+", " ", raw.strip())
    heading = parse_heading(text + " x") or parse_heading(text)
    if heading:
        return heading.key
    m = re.search(r"\d{1,3}(?:\.\d{1,2}){0,3}(?:\s?[a-f](?![a-zäöüß]))?", text)
    return ("", re.sub(r"\s+", "", m.group(0))) if m else None


def section_public(text: str) -> bool | None:
    """True/False for a section line ("Öffentlicher Teil" / "Nichtöffentliche Sitzung"), else None."""
    m = SECTION_RE.match(text)
    if not m:
        return None
    return not m.group("neg")


def is_section_entry(number: str | None, name: str) -> bool:
    """OParl servers that emit section headers as agenda items ("A" "Öffentliche Sitzung")."""
    if section_public(name.strip()) is not None:
        return True
    return bool(number and re.fullmatch(r"\s*[A-D]\.?\s*", number) and re.search(r"öffentlich", name, re.I))


def paper_refs_in(text: str, labelled_only: bool = False) -> list[str]:
    """Paper references in `text`, in order; `labelled_only` wants "Vorlage: …" style ones."""
    found = [m.group("ref") for m in LABELLED_REF_RE.finditer(text)]
    if not labelled_only:
        found += [m.group(0) for m in REF_RE.finditer(text) if not _is_year_range(m.group(0))]
    seen: list[str] = []
    for ref in found:
        if ref not in seen:
            seen.append(ref)
    return seen


def _is_year_range(ref: str) -> bool:
    m = re.fullmatch(r"(\d{4})/(\d{4})", ref)
    return bool(m and int(m.group(2)) - int(m.group(1)) in (1, 2))


def is_ref_line(text: str) -> bool:
    """A line that holds nothing but paper references (with their labels)."""
    if not paper_refs_in(text):
        return False
    rest = REF_RE.sub("", REF_LABEL_RE.sub("", LABELLED_REF_RE.sub("", text)))
    return not re.sub(r"[\s,;:()/\-–]+", "", rest)


def strip_refs(title: str) -> str:
    """The title without paper references, their labels and leftover separators."""
    title = re.sub(rf"\(\s*{_REF_LABEL}?\s*(?:Nr\.\s*)?:?\s*(?:{'|'.join(_REF_SHAPES)})\s*\)", " ", title, flags=re.I)
    title = re.sub(rf"\(\s*{_REF_LABEL}{_REF_SEP}{_LABELLED_ONLY_SHAPE}\s*\)", " ", title, flags=re.I)
    title = LABELLED_REF_RE.sub(" ", title)
    title = REF_RE.sub(lambda m: m.group(0) if _is_year_range(m.group(0)) else " ", title)
    title = re.sub(r"\s+[;,]\s*(?=[;,]|$)", " ", title)
    title = re.sub(r"\s+", " ", title).strip()
    return title.strip(" ;,:–-").strip()


def join_title_lines(parts: list[str]) -> str:
    """Unwraps a title printed over several lines, undoing end-of-line hyphenation."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        dash = re.match(r"^[-–]\s+", part)
        if dash:  # "- Bebauungsplan …" / "- Satzungsbeschluss": a title printed as a dash list
            part = part[dash.end():]
            out = f"{out} {dash.group(0).strip()} {part}" if out else part
        elif not out:
            out = part
        elif out.endswith("-") and re.match(r"[a-zäöüß]", part) and not re.match(r"(?:und|oder|bzw)\b", part):
            out = out[:-1] + part
        else:
            out = f"{out} {part}"
    return out


@lru_cache(maxsize=4096)
def comparable(text: str) -> str:
    """Lower case, no accents or punctuation: OCR mangles exactly these."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def title_similarity(expected: str, printed: str) -> float:
    """0..1; tolerant of OCR errors, and of a printed title that only begins like the expected one."""
    a, b = comparable(expected), comparable(printed)
    if not a or not b:
        return 0.0
    full = SequenceMatcher(None, a, b, autojunk=False).ratio()
    if len(b) > len(a) + 5:
        prefix = SequenceMatcher(None, a, b[: len(a)], autojunk=False).ratio() * 0.95
        return max(full, prefix)
    return full
