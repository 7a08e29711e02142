"""What a file's name says it is: the minutes of the meeting, or something beside them.

Council systems name files freely: "Niederschrift öffentlich", "NIE öffentl.", "Protokoll 2
(Öffnet PDF-Datei in neuem Fenster)", "Wortprotokoll". Beside them stand attachments that also
say "Niederschrift" or "Protokoll" ("Anlage 3 zur Niederschrift", "Anlage zum Protokoll",
"Beilage zur Niederschrift"); on one real meeting page nine of ten such files were
attachments, so a name only counts as minutes when it is not one of those. An excerpt
("Protokollauszug TOP 2") is the minutes of one item, and counts.
"""

from __future__ import annotations

import re

from schemas.pipeline import DocumentRole

# "NIE" and "Prot." are ALLRIS button abbreviations ("NIE öffentl.", "Prot. nö").
MINUTES_WORD = re.compile(r"niederschrift|protokoll|\bnie\b|\bprot\b\.?|sitzungsbericht", re.IGNORECASE)
ATTACHMENT_WORD = re.compile(
    r"\banlage|\banhang|\bbeilage|\bnachtrag zu|\bzur\s+niederschrift|\bzum\s+protokoll|"
    r"\beinladung|\bbekanntmachung|\btagesordnung",
    re.IGNORECASE,
)
VERBATIM_WORD = re.compile(r"wortprotokoll|wörtlich", re.IGNORECASE)
# Link titles and button hints add how the file opens: "(Öffnet PDF-Datei in neuem Fenster)".
OPENS_HINT = re.compile(r"\s*\((?:öffnet|oeffnet|opens)\b[^)]*\)?\s*$", re.IGNORECASE)


def clean_file_name(name: str | None) -> str:
    """The name without the '(Öffnet … in neuem Fenster)' hint, the trailing colon and extra spaces."""
    text = re.sub(r"\s+", " ", (name or "").replace("\xa0", " ")).strip()
    return OPENS_HINT.sub("", text).rstrip(":").strip()


def minutes_role(name: str | None) -> DocumentRole | None:
    """'verbatim_protocol' or 'results_protocol' for the minutes themselves, None for anything else."""
    text = clean_file_name(name)
    if not MINUTES_WORD.search(text) or ATTACHMENT_WORD.search(text):
        return None
    return "verbatim_protocol" if VERBATIM_WORD.search(text) else "results_protocol"
