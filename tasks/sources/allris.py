"""ALLRIS (CC e-gov): classic `/bi/*.asp` and ALLRIS 4 `/public/*` installations.

Both show a month calendar (`si010`), one page per meeting with details, agenda and files
(`to010?SILFDNR=`), and serve files by id (`DOLFDNR`). Classic wraps file downloads in POST
forms; they are recorded as `do027.asp?DOLFDNR=N`, which classic servers also answer to a GET.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

from schemas.pipeline import SourceMeeting
from tasks.http import HttpClient
from tasks.sources.calendars import CalendarEntry, walk_calendars
from tasks.sources.html import fetch_optional_page, installation_folder, page_title_body
from tasks.sources.tables import agenda_entries, labelled_values, link_with_query, meeting_from_pages, minutes_refs

MEETING_ID = re.compile(r"[?&]SILFDNR=(\d+)", re.IGNORECASE)
ITEM_LINK = re.compile(r"to020(?:\.asp)?\?.*TOLFDNR=", re.IGNORECASE)
FILE_LINK = re.compile(r"do027\.asp|(?:^|/)doc\?.*DOLFDNR=|\.pdf(?:$|\?)", re.IGNORECASE)
VENDOR_PAGE = re.compile(r"^(?:[a-z]{2}\d{3}\w*(?:\.asp)?|allris\.net\.asp|doc|index\.asp)$", re.IGNORECASE)


def allris_folder(base_url: str) -> tuple[str, bool]:
    """The installation folder (ending in '/') and whether it is ALLRIS 4 (`/public/`, no `.asp`)."""
    folder = installation_folder(base_url, VENDOR_PAGE)
    modern = "/public/" in urlsplit(folder).path.lower() and ".asp" not in base_url.lower()
    return folder, modern


def discover_allris(
    base_url: str, client: HttpClient, *, start_from: date, start_to: date
) -> Iterator[SourceMeeting]:
    """Every meeting with a date in [start_from, start_to], each once, with agenda and minutes files."""
    folder, modern = allris_folder(base_url)
    calendar_page, meeting_page = ("si010", "to010") if modern else ("si010_e.asp", "to010.asp")

    def meeting_url(url: str) -> str | None:
        m = MEETING_ID.search(url)
        return link_with_query(folder, meeting_page, {"SILFDNR": m.group(1)}) if m else None

    yield from walk_calendars(
        client,
        source=base_url,
        vendor="ALLRIS",
        start_from=start_from,
        start_to=start_to,
        calendar_url=lambda year, month: link_with_query(folder, calendar_page, {"MM": month, "YY": year}),
        meeting_url=meeting_url,
        read_meeting=lambda entry, body: read_meeting(client, entry, source=base_url, body=body),
    )


def read_meeting(client: HttpClient, entry: CalendarEntry, *, source: str, body: str | None) -> SourceMeeting:
    """One `to010` page holds details, agenda and files; a missing page still yields the calendar facts."""
    tree = fetch_optional_page(client, entry.url)
    return meeting_from_pages(
        external_id=entry.url,
        source=source,
        body=body or (page_title_body(tree) if tree else None),
        entry=entry,
        details=labelled_values(tree) if tree else {},
        agenda=agenda_entries(tree, entry.url, source, ITEM_LINK) if tree else [],
        documents=minutes_refs(tree, entry.url, source, FILE_LINK, form_field="DOLFDNR") if tree else [],
    )
