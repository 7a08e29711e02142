"""SessionNet's SMC templates (5.x, Layouts 4 to 6): the parts they do not write as plain tables.

- Calendar (Layout 6): one cell `td.silink` holds the committee (`div.smc-el-h`, often absent),
  the meeting link (whose `title` reads "Details anzeigen: <Gremium> <dd.mm.yyyy>") and
  `ul.smc-detail-list` with the time ("17:30 Uhr", "18:00-20:15 Uhr") and the room; the day is
  `span.weekday` in a cell of its own. Meetings that are not public are listed without a link.
- Details (Layout 6): `div.smc-table-row > div.smc-table-cell` label/value pairs, labels
  without a colon ("Gremium", "Datum", "Zeit").
- 4.9 and later: an unknown or withdrawn meeting redirects to an error page that answers 200.
"""

from __future__ import annotations

import re
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tasks.sources.calendars import DETAILS_TITLE, CalendarEntry, MeetingUrl, committee_from_title
from tasks.sources.html import HtmlPage, berlin_datetime, is_time_text, parse_german_date, parse_times, resolve_link, text_of

ERROR_PAGE = re.compile(r"""class=["'][^"']*smc_?fehler|<title>[^<]*\bFehler\b""", re.IGNORECASE)
MEETING_PAGES = re.compile(r"/(?:si0050|si0056|si0057|to0040)\.(?:asp|php)$", re.IGNORECASE)


def _day_of(row: LexborNode, year: int, month: int) -> date | None:
    for node in row.css("span.weekday, td.siday, td.smc_fct_day"):
        if (digits := text_of(node)).isdigit():
            try:
                return date(year, month, int(digits))
            except ValueError:
                return None
    return parse_german_date(text_of(row))


def smc_calendar_entries(
    tree: LexborHTMLParser, page_url: str, source: str, year: int, month: int, meeting_url: MeetingUrl
) -> list[CalendarEntry]:
    """Meetings of a Layout 6 calendar month: one per `td.silink` cell, linked or not (not public)."""
    entries: dict[str, CalendarEntry] = {}
    day: date | None = None
    for cell in tree.css("td.silink"):
        row = cell.parent
        day = _day_of(row, year, month) or day
        heading = cell.css_first("div.smc-el-h")
        links = [a for a in cell.css("a[href]") if meeting_url(resolve_link(a.attributes.get("href"), page_url, source) or "")]
        link = links[0] if links else None
        committee = (text_of(heading) if heading else None) or (committee_from_title(link) if link else None)
        if link is not None:
            committee = committee or text_of(link)
        times = " ".join(t for li in cell.css("ul.smc-detail-list li") if is_time_text(t := text_of(li)))
        start, end = parse_times(times)
        title_date = DETAILS_TITLE.match(link.attributes.get("title") or "") if link else None
        when = parse_german_date(title_date.group("date")) if title_date else day
        if link is None:
            if not committee or when is None:
                continue
            entry = CalendarEntry.not_public(page_url, committee, berlin_datetime(when, start))
        else:
            href = resolve_link(link.attributes.get("href"), page_url, source)
            title = text_of(link)
            entry = CalendarEntry(
                url=meeting_url(href), committee=committee, start=berlin_datetime(when, start),
                end=berlin_datetime(when, end) if end else None, page_url=href,
                title=title if title and title != committee else None,
            )  # fmt: skip
        entries.setdefault(entry.url, entry)
    return list(entries.values())


def smc_detail_pairs(tree: LexborHTMLParser) -> list[tuple[LexborNode, LexborNode]]:
    """Layout 6 detail rows: the head cell and the value cell of each `div.smc-table-row`."""
    pairs = []
    for row in tree.css("div.smc-table-row"):
        cells = [c for c in row.iter() if c.tag == "div" and "smc-table-cell" in (c.attributes.get("class") or "")]
        if len(cells) >= 2:
            pairs.append((cells[0], cells[1]))
    return pairs


def is_error_page(page: HtmlPage) -> bool:
    """A meeting link that landed on SessionNet's error page (a redirect to it answers 200)."""
    moved = page.final_url.split("?")[0] != page.url.split("?")[0]
    return (moved and not MEETING_PAGES.search(page.final_url.split("?")[0])) or bool(ERROR_PAGE.search(page.text))
