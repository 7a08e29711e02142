"""Month calendars (SessionNet `si0040`, ALLRIS `si010`): which meetings exist, and walking them.

Both vendors list a month's meetings as table rows with day, time, committee and a link that
carries the meeting's number; the adapters say how to build the calendar URLs and which
reader fits the installation's template. A meeting listed without a link is not public: it is
kept with the calendar's facts (`public=False`), since it happened all the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.errors import SourceInvalid
from schemas.pipeline import SourceMeeting
from tasks.http import HttpClient
from tasks.sources.html import (
    HtmlPage,
    absolute_url,
    berlin_datetime,
    fetch_html_page,
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

DAY_CELL = re.compile(r"^(?:(?:Mo|Di|Mi|Do|Fr|Sa|So)[a-z]*\.?,?\s*)?(\d{1,2})\.?(?:\s+(?:Mo|Di|Mi|Do|Fr|Sa|So)[a-z]*\.?)?$")
GENERIC_LINK_TEXT = re.compile(r"^(?:to|tagesordnung|details?|sitzung|mehr|anzeigen|\d+|)$", re.IGNORECASE)
# SessionNet writes the committee into the meeting link's title: "Details anzeigen: Rat der Stadt 09.07.2026".
DETAILS_TITLE = re.compile(r"^\s*Details\s+anzeigen:\s*(?P<name>.+?)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4})\s*$", re.IGNORECASE)

MeetingUrl = Callable[[str], "str | None"]
EntriesReader = Callable[[LexborHTMLParser, str, int, int], "list[CalendarEntry]"]


@dataclass
class CalendarEntry:
    """One meeting as a calendar row shows it.

    `url` is the adapter's canonical meeting URL (the stable id); `page_url` the link exactly as
    the calendar gives it, which is what gets fetched. `title` is the link's text when it names
    the meeting rather than its committee ("5. Sitzung").
    """

    url: str
    committee: str | None
    start: datetime | None
    end: datetime | None
    page_url: str | None = None
    public: bool = True
    title: str | None = None

    @classmethod
    def not_public(cls, calendar_url: str, committee: str, start: datetime | None) -> CalendarEntry:
        """A meeting listed without a page: identified by the calendar's folder, its day and committee."""
        folder = calendar_url.split("?")[0].rsplit("/", 1)[0]
        day = start.date().isoformat() if start else "undated"
        return cls(url=f"{folder}/#nichtoeffentlich/{day}/{quote(committee)}", committee=committee, start=start,
                   end=None, public=False)  # fmt: skip


def committee_from_title(link: LexborNode) -> str | None:
    """'Details anzeigen: Rat der Stadt 09.07.2026' → 'Rat der Stadt'."""
    m = DETAILS_TITLE.match(link.attributes.get("title") or "")
    return m.group("name").strip() if m else None


def _day_in_row(row: LexborNode, cells: list[LexborNode], year: int, month: int) -> date | None:
    """A calendar row's day: a full date anywhere, or a bare day number ('Do 04', `span.dom`) in the first cells."""
    full = parse_german_date(" ".join(text_of(c) for c in cells))
    if full:
        return full
    marked = row.css_first("span.dom")
    candidates = ([text_of(marked)] if marked else []) + [text_of(c) for c in cells[:2]]
    for text in candidates:
        if m := DAY_CELL.match(text):
            try:
                return date(year, month, int(m.group(1)))
            except ValueError:
                return None
    return None


def _committee_in_row(cells: list[LexborNode], links: list[LexborNode]) -> str | None:
    for link in links:
        if name := committee_from_title(link):
            return name
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
    """Meetings in a month calendar of table rows; rows without their own day (several meetings a day) inherit it.

    A row with its own time and a committee but no meeting link is a meeting that is not public.
    """
    entries: dict[str, CalendarEntry] = {}
    current_day: date | None = None
    for row, cells in rows_of(tree):
        current_day = _day_in_row(row, cells, year, month) or current_day
        links, url, href, elsewhere = [], None, None, False
        for link in row.css("a[href]"):
            raw = link.attributes.get("href") or ""
            # only meeting links are checked for their host: a footer link to the town's homepage is no news
            if not (joined := absolute_url(raw, page_url)) or not meeting_url(joined):
                continue
            if not (resolved := resolve_link(raw, page_url, source)):
                elsewhere = True
                continue
            links.append(link)
            url, href = url or meeting_url(resolved), href or resolved
        times = [t for c in cells if is_time_text(t := text_of(c))]
        start_time, end_time = parse_times(" ".join(times))
        start = berlin_datetime(current_day, start_time)
        committee = _committee_in_row(cells, links)
        if not url:
            if not elsewhere and times and committee and current_day:
                entry = CalendarEntry.not_public(page_url, committee, start)
                entries.setdefault(entry.url, entry)
            continue
        if url in entries:
            continue
        title = next((t for link in links if has_letters(t := text_of(link)) and t != committee), None)
        entries[url] = CalendarEntry(
            url=url, committee=committee, start=start, end=berlin_datetime(current_day, end_time) if end_time else None,
            page_url=href, title=None if title and GENERIC_LINK_TEXT.match(title) else title,
        )  # fmt: skip
    return list(entries.values())


def meeting_from_calendar(entry: CalendarEntry, *, source: str, body: str | None) -> SourceMeeting:
    """A meeting known only from its calendar row (not public, or its page unreadable)."""
    return SourceMeeting(
        external_id=entry.url, source=source, body=body, organization=entry.committee,
        name=entry.title or entry.committee, start=entry.start, end=entry.end, public=entry.public,
    )  # fmt: skip


def moved_away(page: HtmlPage) -> str | None:
    """Why a calendar request that was redirected to another program (a login page, the start page) is no calendar."""
    asked, landed = (urlsplit(u).path.rsplit("/", 1)[-1].lower() for u in (page.url, page.final_url))
    if asked == landed:
        return None
    return f"{page.url} answered with {page.final_url} instead of the calendar (a login or error page?)"


@dataclass(frozen=True)
class CalendarPage:
    """One calendar page to read: a month of the installation's calendar, or a committee's listing.

    `year`/`month` say which month a bare day number in its rows belongs to. A committee's
    listing is `optional`: one that is gone or unreadable costs its meetings (warning), not the run.
    """

    url: str
    year: int
    month: int
    optional: bool = False


def month_pages(start_from: date, start_to: date, url_of: Callable[[int, int], str]) -> list[CalendarPage]:
    """One page per calendar month touched by the range."""
    return [CalendarPage(url_of(year, month), year, month) for year, month in months_between(start_from, start_to)]


def readable_calendar(client: HttpClient, page: CalendarPage, *, source: str, vendor: str,
                      unreadable: Callable[[HtmlPage], str | None], fetched: dict[str, HtmlPage]) -> HtmlPage | None:  # fmt: skip
    """The fetched calendar page; None for an optional one that cannot be read, `SourceInvalid` for any other."""
    fetched = fetched.pop(page.url, None) or fetch_html_page(client, page.url)
    problem = f"{page.url} is not there: is {source} a {vendor} installation?" if fetched is None else None
    problem = problem or unreadable(fetched) or moved_away(fetched)
    if problem and page.optional:
        log.warning("skipping a committee's calendar: %s", problem)
        return None
    if problem:
        raise SourceInvalid(problem)
    return fetched


def walk_calendars(
    client: HttpClient,
    *,
    source: str,
    vendor: str,
    start_from: date,
    start_to: date,
    pages: list[CalendarPage],
    entries_of: EntriesReader,
    read_meeting: Callable[[CalendarEntry, str | None], SourceMeeting],
    unreadable: Callable[[HtmlPage], str | None] = lambda _page: None,
    fetched: list[HtmlPage] = (),
) -> Iterator[SourceMeeting]:
    """Each meeting dated in [start_from, start_to] once, read by the vendor's `read_meeting(entry, body)`.

    A meeting shown on two pages (two months, the month calendar and a committee's) is read
    once; a meeting whose calendar row has no date is read and kept if its own page dates it in
    range. A calendar page that is gone, that `unreadable` says cannot be read (a refusal, a page
    only a browser session fills, an error page) or that redirects to another program (a login
    page) is `SourceInvalid`: an empty result would look like a quiet month. `fetched`: pages the
    adapter already asked for while finding its calendar, used instead of asking again.
    """
    seen: set[str] = set()
    read = 0
    known = {page.url: page for page in fetched}
    for calendar in pages:
        page = readable_calendar(client, calendar, source=source, vendor=vendor, unreadable=unreadable, fetched=known)
        if page is None:
            continue
        read += 1
        body = page_title_body(page.tree)
        for entry in entries_of(page.tree, calendar.url, calendar.year, calendar.month):
            if entry.url in seen or (entry.start and not start_from <= entry.start.date() <= start_to):
                continue
            seen.add(entry.url)
            meeting = read_meeting(entry, body) if entry.public else meeting_from_calendar(entry, source=source, body=body)
            if meeting.start is None or start_from <= meeting.start.date() <= start_to:
                yield meeting
    if pages and not read:
        raise SourceInvalid(f"none of the {len(pages)} calendar pages of {source} could be read (see the warnings)")
    if not seen:
        log.warning("no %s meetings found at %s between %s and %s", vendor, source, start_from, start_to)
