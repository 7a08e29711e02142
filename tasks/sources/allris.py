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
from tasks.sources.calendars import CalendarEntry, calendar_entries, meeting_from_calendar, walk_calendars
from tasks.sources.html import HtmlPage, fetch_html_page, page_title_body
from tasks.sources.tables import agenda_entries, in_agenda_row, labelled_values, link_with_query, meeting_from_pages
from tasks.sources.vendors import Installation, probe_installation, read_installation

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
    """Every meeting with a date in [start_from, start_to], each once, with agenda and minutes files."""
    site = installation or probe_installation(base_url, client, "allris")
    folder = site.folder
    program = "si010" if site.generation == "allris4" else released_calendar(client, site, start_from)

    def meeting_url(url: str) -> str | None:
        m = MEETING_LINK.search(url.split("#")[0])
        if not m or "TOLFDNR=" in url:
            return None
        return link_with_query(folder, m.group("program"), {"SILFDNR": m.group("id")})

    yield from walk_calendars(
        client,
        source=base_url,
        vendor="ALLRIS",
        start_from=start_from,
        start_to=start_to,
        calendar_url=lambda year, month: link_with_query(folder, program, {"MM": month, "YY": year}),
        entries_of=lambda tree, url, year, month: calendar_entries(tree, url, base_url, year, month, meeting_url),
        read_meeting=lambda entry, body: read_meeting(client, entry, source=base_url, body=body),
        unreadable=unreadable_calendar,
    )


def released_calendar(client: HttpClient, site: Installation, month: date) -> str:
    """The calendar program the installation releases: the one its menu names, else the first not refused."""
    if site.calendar:
        return site.calendar
    menu = fetch_html_page(client, site.folder + "allris.net.asp", quiet=True)
    if menu is not None and (named := read_installation(menu)) and named.calendar:
        return named.calendar
    refused = []
    for program in CALENDAR_PROGRAMS:
        page = fetch_html_page(client, link_with_query(site.folder, program, {"MM": month.month, "YY": month.year}), quiet=True)
        if page is not None and not refused_program(page):
            return program
        refused.append(program)
    raise SourceInvalid(
        f"the ALLRIS installation at {site.folder} refuses every calendar program ({', '.join(refused)}: "
        f"'Zugriff verweigert' or gone); ask its operator which list is public"
    )


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
