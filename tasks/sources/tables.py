"""What a council meeting page says: agenda rows, minutes files, detail fields.

SessionNet and ALLRIS lay their pages out differently but say the same things in table rows;
these readers look at cell contents, not at vendor CSS classes, so a redesigned template or
an extra column does not break them. Each adapter passes in the link patterns of its vendor.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.pipeline import AgendaEntry, DocumentRef, SourceMeeting
from tasks.sources.calendars import CalendarEntry
from tasks.sources.html import (
    berlin_datetime,
    has_letters,
    parse_german_date,
    parse_times,
    resolve_link,
    rows_of,
    text_of,
)
from tasks.sources.oparl import MINUTES_NAME

AGENDA_NUMBER = re.compile(r"^(?:(?P<flag>[ÖöNn])\s*|TOP\s*)?(?P<num>\d{1,3}[a-z]?(?:\.\d{1,3}[a-z]?)*)\.?$")
PAPER_REF = re.compile(r"^[A-ZÄÖÜa-z]{0,6}\s?[/-]?\s?\d[\w.]*(?:\s?[/-]\s?[\w.]+)+$")
NOT_PUBLIC = re.compile(r"nicht\s*-?\s*öffentlich", re.IGNORECASE)
PUBLIC_SECTION = re.compile(r"öffentliche[r]?\s+(?:teil|sitzung)", re.IGNORECASE)


def _agenda_number(cells: list[LexborNode]) -> tuple[int, re.Match] | None:
    for index, cell in enumerate(cells[:2]):
        if m := AGENDA_NUMBER.match(text_of(cell)):
            return index, m
    return None


def _agenda_title(cells: list[LexborNode], item_link: re.Pattern) -> tuple[str, LexborNode | None]:
    for cell in cells:
        for link in cell.css("a[href]"):
            if item_link.search(link.attributes.get("href") or "") and has_letters(text_of(link)):
                return text_of(link), link
    texts = [text_of(c) for c in cells]
    candidates = [t for t in texts if has_letters(t) and not PAPER_REF.match(t)]
    return (max(candidates, key=len) if candidates else ""), None


def agenda_entries(tree: LexborHTMLParser, page_url: str, source: str, item_link: re.Pattern) -> list[AgendaEntry]:
    """Agenda rows: number ('Ö 1', 'N 2', '3.1'), title, public; plain numbers take the section's publicity."""
    entries: list[AgendaEntry] = []
    public_section = True
    for _row, cells in rows_of(tree):
        found = _agenda_number(cells)
        if found is None:
            heading = " ".join(text_of(c) for c in cells)
            if len(heading) < 80 and NOT_PUBLIC.search(heading):
                public_section = False
            elif len(heading) < 80 and PUBLIC_SECTION.search(heading):
                public_section = True
            continue
        index, match = found
        title, link = _agenda_title(cells[index + 1 :], item_link)
        if not title:
            continue
        flag = (match.group("flag") or "").upper()
        entries.append(
            AgendaEntry(
                external_id=resolve_link(link.attributes.get("href"), page_url, source) if link else None,
                number=re.sub(r"\s+", " ", text_of(cells[index])).rstrip("."),
                name=title,
                public={"Ö": True, "N": False}.get(flag, public_section),
                order=len(entries) + 1,
            )
        )
    return entries


def _enclosing_row(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and parent.tag != "tr":
        parent = parent.parent
    return parent


def _in_agenda_row(node: LexborNode) -> bool:
    """Files on an agenda row belong to that item (often the *previous* meeting's minutes up for approval)."""
    row = _enclosing_row(node)
    return row is not None and _agenda_number([c for c in row.iter() if c.tag in {"td", "th"}]) is not None


def _document_ref(url: str, name: str) -> DocumentRef:
    name = name.strip().rstrip(":").strip()
    return DocumentRef(
        external_id=url,
        role="verbatim_protocol" if re.search(r"wortprotokoll", name, re.IGNORECASE) else "results_protocol",
        url=url,
        name=name or None,
        mime_type="application/pdf" if name.lower().endswith(".pdf") or url.lower().endswith(".pdf") else None,
    )


def minutes_refs(
    tree: LexborHTMLParser, page_url: str, source: str, file_link: re.Pattern, form_field: str | None = None
) -> list[DocumentRef]:
    """Files named 'Niederschrift'/'Protokoll': plain links, and (ALLRIS classic) POST forms with a file id.

    A form is recorded as its action URL with the id as a query (`do027.asp?DOLFDNR=5`), which the
    servers also answer to a GET.
    """
    refs: dict[str, DocumentRef] = {}
    for link in tree.css("a[href]"):
        href = link.attributes.get("href") or ""
        if not file_link.search(href) or _in_agenda_row(link):
            continue
        name = text_of(link) or (link.attributes.get("title") or "")
        if not MINUTES_NAME.search(name):
            continue
        if url := resolve_link(href, page_url, source):
            refs.setdefault(url, _document_ref(url, name))
    for form in tree.css("form") if form_field else []:
        action = form.attributes.get("action") or ""
        field = form.css_first(f'input[name="{form_field}"]')
        if not file_link.search(action) or field is None or not field.attributes.get("value") or _in_agenda_row(form):
            continue
        submit = form.css_first('input[type="submit"]')
        # the form's own text, its button, or the row's label ('Niederschrift öffentlich:') names the file
        names = [text_of(form), submit.attributes.get("value") or "" if submit else "", text_of(_enclosing_row(form))]
        name = next((n for n in names if MINUTES_NAME.search(n)), None)
        if name and (base := resolve_link(action.split("?")[0], page_url, source)):
            url = f"{base}?{urlencode({form_field: field.attributes['value']})}"
            refs.setdefault(url, _document_ref(url, name))
    return list(refs.values())


def labelled_values(tree: LexborHTMLParser) -> dict[str, str]:
    """'Datum: Donnerstag, 04.07.2019' style fields of a meeting page, keyed by lower-case label.

    A label is a cell ending in ':' (several per row in ALLRIS), a `th` beside a `td`, or a `dt`.
    """
    pairs: list[tuple[LexborNode, LexborNode]] = []
    for _row, cells in rows_of(tree):
        for label, value in zip(cells, cells[1:], strict=False):
            if text_of(label).endswith(":") or (label.tag == "th" and value.tag == "td"):
                pairs.append((label, value))
    pairs += list(zip(tree.css("dt"), tree.css("dd"), strict=False))
    values: dict[str, str] = {}
    for label_node, value_node in pairs:
        label = text_of(label_node).rstrip(":").strip().lower()
        value = text_of(value_node)
        if label and value and len(label) <= 30 and not value.endswith(":"):
            values.setdefault(label, value)
    return values


DATE_LABELS = ("datum", "sitzungsdatum", "termin", "sitzungstermin", "am")
TIME_LABELS = ("zeit", "uhrzeit", "beginn", "sitzungszeit")


def meeting_from_pages(
    *,
    external_id: str,
    source: str,
    body: str | None,
    entry: CalendarEntry,
    details: dict[str, str],
    agenda: list[AgendaEntry],
    documents: list[DocumentRef],
) -> SourceMeeting:
    """Combine calendar row and meeting page; the meeting page wins where both say something."""
    when = " ".join(details.get(label, "") for label in DATE_LABELS + TIME_LABELS)
    day = parse_german_date(when) or (entry.start.date() if entry.start else None)
    start_time, end_time = parse_times(" ".join(details.get(label, "") for label in TIME_LABELS + DATE_LABELS))
    if start_time is None and entry.start and entry.start.date() == day:
        start_time, end_time = entry.start.time(), entry.end.time() if entry.end else None
    organization = entry.committee or details.get("gremium")
    return SourceMeeting(
        external_id=external_id,
        source=source,
        body=body,
        organization=organization,
        name=details.get("bezeichnung") or details.get("sitzung") or organization,
        start=berlin_datetime(day, start_time),
        end=berlin_datetime(day, end_time) if end_time else None,
        agenda=agenda,
        documents=documents,
    )


def link_with_query(page_url: str, path: str, params: dict[str, str | int]) -> str:
    """A vendor page URL next to `page_url`, with parameters in a fixed order (stable ids)."""
    return urljoin(page_url, path) + "?" + urlencode(params)
