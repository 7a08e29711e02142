"""ALLRIS (CC e-gov): classic `*.asp` installations (also their responsive `_r` pages) and ALLRIS 4.

Both show a month calendar (`si010…`), one page per meeting with details, agenda and files
(`to010…?SILFDNR=`), and serve files by id (`DOLFDNR`). Which calendar program an installation
releases, where it lives and which generation it is, its own pages say (`vendors.py`); the
meeting pages are fetched by the link the calendar gives, never rebuilt. Classic file downloads
are POST forms; they are recorded as `do027.asp?DOLFDNR=N`, which classic servers also answer
to a GET. See `allris_pages.py` for what real installations do differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlsplit

from schemas.errors import SourceInvalid
from schemas.pipeline import DocumentRef, SourceMeeting
from tasks.http import HttpClient
from tasks.sources.allris_pages import (
    CALENDAR_PROGRAMS,
    form_refs,
    is_session_shell,
    link_refs,
    refused_program,
    row_pairs,
)
from tasks.sources.calendars import CalendarEntry, CalendarPage, calendar_entries, meeting_from_calendar, walk_calendars
from tasks.sources.html import HtmlPage, fetch_html_page, months_between, page_title_body
from tasks.sources.tables import agenda_entries, in_agenda_row, labelled_values, link_with_query, meeting_from_pages
from tasks.sources.vendors import Installation, committee_calendars, probe_installation, read_installation

MEETING_LINK = re.compile(r"(?:^|/)(?P<program>to010(?:_[a-z])?(?:\.asp)?)\?(?:[^#]*&)?SILFDNR=(?P<id>\d+)", re.IGNORECASE)
ITEM_LINK = re.compile(r"to020(?:_[a-z])?(?:\.asp)?\?.*TOLFDNR=", re.IGNORECASE)


def discover_allris(
    base_url: str,
    client: HttpClient,
    *,
    start_from: date,
    start_to: date,
    installation: Installation | None = None,
) -> Iterator[SourceMeeting]:
    """Every meeting with a date in [start_from, start_to], each once, with agenda and minutes files.

    Read from the month calendar the installation releases and the per-committee calendars
    (`si010_a.asp?PALFDNR=`) its entry page links; a meeting on both is read once.
    """
    site = installation or probe_installation(base_url, client, "allris")
    folder = site.folder
    program, councils, fetched = ("si010", (), []) if site.generation == "allris4" else offered_calendars(client, site, start_from)

    def meeting_url(url: str) -> str | None:
        m = MEETING_LINK.search(url.split("#")[0])
        if not m or "TOLFDNR=" in url:
            return None
        return link_with_query(folder, m.group("program"), {"SILFDNR": m.group("id")})

    def pages_of(year: int, month: int) -> list[CalendarPage]:
        month_page = [CalendarPage(link_with_query(folder, program, {"MM": month, "YY": year}), year, month)] if program else []
        return month_page + [
            CalendarPage(link_with_query(folder, "si010_a.asp", {"MM": month, "YY": year, "PALFDNR": council}), year, month,
                         optional=True)
            for council in councils
        ]  # fmt: skip

    yield from walk_calendars(
        client,
        source=base_url,
        vendor="ALLRIS",
        start_from=start_from,
        start_to=start_to,
        pages=[page for year, month in months_between(start_from, start_to) for page in pages_of(year, month)],
        entries_of=lambda tree, url, year, month: calendar_entries(tree, url, base_url, year, month, meeting_url),
        read_meeting=lambda entry, body: read_meeting(client, entry, source=base_url, body=body),
        unreadable=unreadable_calendar,
        fetched=fetched,
    )


def offered_calendars(client: HttpClient, site: Installation, month: date) -> tuple[str | None, tuple[str, ...], list[HtmlPage]]:
    """The month calendar program the installation releases (None: it refuses all), its councils' calendars,
    and the calendar page already fetched to find out (so that it is not asked for twice).

    Councils (`PALFDNR`) are those whose `si010_a.asp` calendar the entry page or menu links;
    an installation that refuses every month calendar lists them on `pa000.asp`. A program the
    menu names may still be refused ("Zugriff verweigert"): its first month is asked to make sure.
    """
    program, linked = site.calendar, site.committee_calendars
    if not program:
        menu = fetch_html_page(client, site.folder + "allris.net.asp", quiet=True)
        named = read_installation(menu) if menu is not None else None
        program, linked = (named.calendar, linked or named.committee_calendars) if named else (None, linked)
    candidates = ([program] if program else []) + [p for p in CALENDAR_PROGRAMS if p != program]
    first = next(((p, page) for p in candidates if (page := released_month(client, site.folder, p, month))), None)
    if first is None and not linked:
        councils = fetch_html_page(client, site.folder + "pa000.asp", quiet=True)
        linked = committee_calendars(councils, "allris") if councils is not None else ()
    if first is None and not linked:
        raise SourceInvalid(
            f"the ALLRIS installation at {site.folder} refuses every calendar program ({', '.join(candidates)}: "
            f"'Zugriff verweigert' or gone) and links no committee calendars (pa000.asp); ask its operator which list is public"
        )
    ids = (parse_qs(urlsplit(url).query, keep_blank_values=True) for url in linked)
    councils = tuple(dict.fromkeys(found["PALFDNR"][0] for found in ids if found.get("PALFDNR")))
    return (first[0], councils, [first[1]]) if first else (None, councils, [])


def released_month(client: HttpClient, folder: str, program: str, month: date) -> HtmlPage | None:
    """The program's calendar page for `month`; None when it is gone or answers 'Zugriff verweigert (Programm …)'."""
    page = fetch_html_page(client, link_with_query(folder, program, {"MM": month.month, "YY": month.year}), quiet=True)
    return None if page is None or refused_program(page) else page


def unreadable_calendar(page: HtmlPage) -> str | None:
    """Why a calendar page cannot be read: a refusal, or an ALLRIS 4 list that only a browser session fills in."""
    if program := refused_program(page):
        return f"{page.url}: the installation refuses the calendar program {program} ('Zugriff verweigert')"
    if is_session_shell(page):
        return (
            f"{page.url}: this ALLRIS 4 calendar is a Wicket form that only a browser session fills in; "
            f"it cannot be read without one (its OParl API, if enabled, can: give ratsflow its /oparl/system URL)"
        )
    return None


def read_meeting(client: HttpClient, entry: CalendarEntry, *, source: str, body: str | None) -> SourceMeeting:
    """One meeting page holds details, agenda and files; a missing or refused page still yields the calendar facts."""
    page = fetch_html_page(client, entry.page_url or entry.url)
    if page is None or refused_program(page):
        return meeting_from_calendar(entry, source=source, body=body)
    tree = page.tree
    documents: dict[str, DocumentRef] = {}
    for ref in form_refs(tree, page.url, source, in_agenda_row) + link_refs(tree, page.url, source, in_agenda_row):
        if ref.role != "auxiliary_file":
            documents.setdefault(ref.url, ref)
    return meeting_from_pages(
        external_id=entry.url,
        source=source,
        body=body or page_title_body(tree),
        entry=entry,
        details=labelled_values(tree, row_pairs(tree)),
        agenda=agenda_entries(tree, page.url, source, ITEM_LINK),
        documents=list(documents.values()),
    )
