"""SessionNet (Somacos): read meetings from the month calendar and each meeting's pages.

Page names are the same in every installation (`si0040` calendar, `si0057` meeting, `to0040`
agenda, `getfile` files); the suffix (`.asp` or `.php`) and the folder are what the
installation's own pages link (`vendors.probe_installation`), not what the address suggests.
Layout 6 templates (5.5) are read by `smc.py` where they leave tables behind.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from schemas.pipeline import SourceMeeting
from tasks.http import HttpClient
from tasks.sources.calendars import (
    CalendarEntry,
    CalendarPage,
    calendar_entries,
    meeting_from_calendar,
    month_pages,
    walk_calendars,
)
from tasks.sources.html import HtmlPage, fetch_html_page, months_between, page_title_body
from tasks.sources.smc import ERROR_PAGE, is_error_page, smc_calendar_entries, smc_detail_pairs
from tasks.sources.tables import agenda_entries, labelled_values, link_with_query, meeting_from_pages, minutes_refs
from tasks.sources.vendors import Installation, probe_installation

log = logging.getLogger("ratsflow.sources")

MEETING_ID = re.compile(r"[?&]__ksinr=(\d+)", re.IGNORECASE)
ITEM_LINK = re.compile(r"to0050\.(?:asp|php)\?.*__ktonr=", re.IGNORECASE)
FILE_LINK = re.compile(r"getfile\.(?:asp|php)\?", re.IGNORECASE)


def discover_sessionnet(
    base_url: str,
    client: HttpClient,
    *,
    start_from: date,
    start_to: date,
    installation: Installation | None = None,
) -> Iterator[SourceMeeting]:
    """Every meeting with a date in [start_from, start_to], each once, with agenda and minutes files."""
    site = installation or probe_installation(base_url, client, "sessionnet")
    folder, suffix = site.folder, site.suffix

    def meeting_url(url: str) -> str | None:
        m = MEETING_ID.search(url)
        return link_with_query(folder, f"si0057{suffix}", {"__ksinr": m.group(1)}) if m else None

    def entries_of(tree, url: str, year: int, month: int) -> list[CalendarEntry]:
        if tree.css_first("td.silink ul.smc-detail-list"):  # Layout 6: time and committee inside one cell
            return smc_calendar_entries(tree, url, base_url, year, month, meeting_url)
        return calendar_entries(tree, url, base_url, year, month, meeting_url)

    yield from walk_calendars(
        client,
        source=base_url,
        vendor="SessionNet",
        start_from=start_from,
        start_to=start_to,
        pages=month_pages(start_from, start_to, lambda year, month: link_with_query(folder, f"si0040{suffix}",
                                                                                    {"__cjahr": year, "__cmonat": month}))
        + [CalendarPage(committee_listing(url, start_from, start_to), start_from.year, start_from.month, optional=True)
           for url in site.committee_calendars],
        entries_of=entries_of,
        read_meeting=lambda entry, body: read_meeting(client, entry, folder=folder, suffix=suffix, source=base_url, body=body),
        unreadable=unreadable_calendar,
    )


def committee_listing(url: str, start_from: date, start_to: date) -> str:
    """A committee's meeting list as the entry page links it; `si0046` is asked for the months of the range.

    `si0041.asp?__ctopic=gr&__kgrnr=N` lists the committee's meetings with full dates and is
    read as given; `si0046.asp?…&__kgsgrnr=N` takes a first month and a number of months.
    """
    if "si0046" not in url.lower():
        return url
    months = len(list(months_between(start_from, start_to)))
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in {"__cjahr", "__cmonat", "__canz"}}
    query.update(__cjahr=str(start_from.year), __cmonat=str(start_from.month), __canz=str(months))
    return urlunsplit(parts._replace(query=urlencode(query)))


def unreadable_calendar(page: HtmlPage) -> str | None:
    """A calendar month that is SessionNet's error page (4.9 and later answer it with 200)."""
    return f"{page.url} led to SessionNet's error page ({page.final_url})" if ERROR_PAGE.search(page.text) else None


def read_meeting(
    client: HttpClient, entry: CalendarEntry, *, folder: str, suffix: str, source: str, body: str | None
) -> SourceMeeting:
    """The meeting page, and the agenda page only when the meeting page lists no agenda itself.

    A page that turns out to be SessionNet's error page (4.9 redirects unknown meetings to one
    that answers 200) is left out with a warning: the meeting keeps the calendar's facts.
    """
    ksinr = MEETING_ID.search(entry.url).group(1)
    pages = []
    # the canonical address: calendar links carry session state (`__cselect`) that ids must not
    for url in (entry.url, link_with_query(folder, f"to0040{suffix}", {"__ksinr": ksinr})):
        page = fetch_html_page(client, url)
        if page is not None and is_error_page(page):
            log.warning("%s led to SessionNet's error page (%s); the meeting keeps the calendar's facts", url, page.final_url)
            page = None
        if page is not None:
            pages.append((url, page.tree))
            if agenda_entries(page.tree, url, source, ITEM_LINK):
                break
    if not pages:
        return meeting_from_calendar(entry, source=source, body=body)
    details: dict[str, str] = {}
    agenda, documents = [], {}
    for url, tree in pages:
        details = {**labelled_values(tree, smc_detail_pairs(tree)), **details}
        agenda = agenda or agenda_entries(tree, url, source, ITEM_LINK)
        for ref in minutes_refs(tree, url, source, FILE_LINK):
            documents.setdefault(ref.url, ref)
    return meeting_from_pages(
        external_id=entry.url,
        source=source,
        body=body or page_title_body(pages[0][1]),
        entry=entry,
        details=details,
        agenda=agenda,
        documents=list(documents.values()),
    )
