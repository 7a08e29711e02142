"""Month calendars (SessionNet `si0040`, ALLRIS `si010`): which meetings exist, and walking them.

Both vendors list a month's meetings as table rows with day, time, committee and a link that
carries the meeting's number; the adapters only say how to build the URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.errors import DocumentRejected, SourceInvalid
from schemas.pipeline import SourceMeeting
from tasks.http import HttpClient
from tasks.sources.html import (
    berlin_datetime,
    fetch_page,
    has_letters,
    is_time_text,
    months_between,
    page_title_body,
    parse_german_date,
    parse_times,
    resolve_link,
    rows_of,
    text_of,
)

log = logging.getLogger("ratsflow.sources")

DAY_CELL = re.compile(r"^(?:(?:Mo|Di|Mi|Do|Fr|Sa|So)[a-z]*\.?,?\s*)?(\d{1,2})\.?$")
GENERIC_LINK_TEXT = re.compile(r"^(?:to|tagesordnung|details?|sitzung|mehr|anzeigen|\d+|)$", re.IGNORECASE)

MeetingUrl = Callable[[str], "str | None"]


@dataclass
class CalendarEntry:
    """One meeting as a calendar row shows it; `url` is the adapter's canonical meeting URL."""

    url: str
    committee: str | None
    start: datetime | None
    end: datetime | None


def _day_in_row(cells: list[LexborNode], year: int, month: int) -> date | None:
    """A calendar row's day: a full date anywhere, or a bare day number ('Do 04') in the first cells."""
    full = parse_german_date(" ".join(text_of(c) for c in cells))
    if full:
        return full
    for cell in cells[:2]:
        if m := DAY_CELL.match(text_of(cell)):
            try:
                return date(year, month, int(m.group(1)))
            except ValueError:
                return None
    return None


def _committee_in_row(cells: list[LexborNode], links: list[LexborNode]) -> str | None:
    for link in links:
        name = text_of(link)
        if has_letters(name) and not GENERIC_LINK_TEXT.match(name):
            return name
    for cell in cells:
        text = text_of(cell)
        if has_letters(text) and not DAY_CELL.match(text) and not parse_german_date(text) and not is_time_text(text):
            return text
    return None


def calendar_entries(
    tree: LexborHTMLParser, page_url: str, source: str, year: int, month: int, meeting_url: MeetingUrl
) -> list[CalendarEntry]:
    """Meetings in a month calendar; rows without their own day (several meetings a day) inherit it."""
    entries: dict[str, CalendarEntry] = {}
    current_day: date | None = None
    for row, cells in rows_of(tree):
        current_day = _day_in_row(cells, year, month) or current_day
        links, url = [], None
        for link in row.css("a[href]"):
            href = link.attributes.get("href") or ""
            # only meeting links are checked for their host: a footer link to the town's homepage is no news
            if not meeting_url(urljoin(page_url, href)) or not (resolved := resolve_link(href, page_url, source)):
                continue
            links.append(link)
            url = url or meeting_url(resolved)
        if not url or url in entries:
            continue
        start_time, end_time = parse_times(" ".join(t for c in cells if is_time_text(t := text_of(c))))
        entries[url] = CalendarEntry(
            url=url,
            committee=_committee_in_row(cells, links),
            start=berlin_datetime(current_day, start_time),
            end=berlin_datetime(current_day, end_time) if end_time else None,
        )
    return list(entries.values())


def walk_calendars(
    client: HttpClient,
    *,
    source: str,
    vendor: str,
    start_from: date,
    start_to: date,
    calendar_url: Callable[[int, int], str],
    meeting_url: MeetingUrl,
    read_meeting: Callable[[CalendarEntry, str | None], SourceMeeting],
) -> Iterator[SourceMeeting]:
    """Each meeting dated in [start_from, start_to] once, read by the vendor's `read_meeting(entry, body)`.

    A meeting shown in two months' pages is read once; a meeting whose calendar row has no
    date is read and kept if its own page dates it in range.
    """
    seen: set[str] = set()
    for year, month in months_between(start_from, start_to):
        url = calendar_url(year, month)
        try:
            calendar = fetch_page(client, url)
        except DocumentRejected as err:
            raise SourceInvalid(f"{err}: is {source} a {vendor} installation?") from err
        body = page_title_body(calendar)
        for entry in calendar_entries(calendar, url, source, year, month, meeting_url):
            if entry.url in seen or (entry.start and not start_from <= entry.start.date() <= start_to):
                continue
            seen.add(entry.url)
            meeting = read_meeting(entry, body)
            if meeting.start is None or start_from <= meeting.start.date() <= start_to:
                yield meeting
    if not seen:
        log.warning("no %s meetings found at %s between %s and %s", vendor, source, start_from, start_to)
