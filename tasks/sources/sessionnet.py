"""SessionNet (Somacos): read meetings from the month calendar and each meeting's pages.

Page names are the same in every installation (`si0040` calendar, `si0057` meeting, `to0040`
agenda, `getfile` files); only the suffix (`.asp` or `.php`) and the folder differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from schemas.pipeline import SourceMeeting
from tasks.http import HttpClient
from tasks.sources.calendars import CalendarEntry, walk_calendars
from tasks.sources.html import fetch_optional_page, installation_folder, page_title_body
from tasks.sources.tables import agenda_entries, labelled_values, link_with_query, meeting_from_pages, minutes_refs

MEETING_ID = re.compile(r"[?&]__ksinr=(\d+)", re.IGNORECASE)
ITEM_LINK = re.compile(r"to0050\.(?:asp|php)\?.*__ktonr=", re.IGNORECASE)
FILE_LINK = re.compile(r"getfile\.(?:asp|php)\?", re.IGNORECASE)
VENDOR_PAGE = re.compile(r"^[a-z]{2}\d{3,4}\w*\.(?:asp|php)$|^(?:index|info)\.(?:asp|php)$", re.IGNORECASE)


def sessionnet_folder(base_url: str) -> tuple[str, str]:
    """The installation folder (ending in '/') and its page suffix, from any URL inside it."""
    suffix = ".php" if ".php" in base_url.lower() else ".asp"
    return installation_folder(base_url, VENDOR_PAGE), suffix


def discover_sessionnet(
    base_url: str, client: HttpClient, *, start_from: date, start_to: date
) -> Iterator[SourceMeeting]:
    """Every meeting with a date in [start_from, start_to], each once, with agenda and minutes files."""
    folder, suffix = sessionnet_folder(base_url)

    def meeting_url(url: str) -> str | None:
        m = MEETING_ID.search(url)
        return link_with_query(folder, f"si0057{suffix}", {"__ksinr": m.group(1)}) if m else None

    def read(entry: CalendarEntry, body: str | None) -> SourceMeeting:
        return read_meeting(client, entry, folder=folder, suffix=suffix, source=base_url, body=body)

    yield from walk_calendars(
        client,
        source=base_url,
        vendor="SessionNet",
        start_from=start_from,
        start_to=start_to,
        calendar_url=lambda year, month: link_with_query(
            folder, f"si0040{suffix}", {"__cjahr": year, "__cmonat": month}
        ),
        meeting_url=meeting_url,
        read_meeting=read,
    )


def read_meeting(
    client: HttpClient, entry: CalendarEntry, *, folder: str, suffix: str, source: str, body: str | None
) -> SourceMeeting:
    """The meeting page, and the agenda page only when the meeting page lists no agenda itself."""
    ksinr = MEETING_ID.search(entry.url).group(1)
    pages = []
    for url in (entry.url, link_with_query(folder, f"to0040{suffix}", {"__ksinr": ksinr})):
        tree = fetch_optional_page(client, url)
        if tree is not None:
            pages.append((url, tree))
            if agenda_entries(tree, url, source, ITEM_LINK):
                break
    details: dict[str, str] = {}
    agenda, documents = [], {}
    for url, tree in pages:
        details = {**labelled_values(tree), **details}
        agenda = agenda or agenda_entries(tree, url, source, ITEM_LINK)
        for ref in minutes_refs(tree, url, source, FILE_LINK):
            documents.setdefault(ref.url, ref)
    return meeting_from_pages(
        external_id=entry.url,
        source=source,
        body=body or (page_title_body(pages[0][1]) if pages else None),
        entry=entry,
        details=details,
        agenda=agenda,
        documents=list(documents.values()),
    )
