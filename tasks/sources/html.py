"""Reading council HTML pages: fetching, decoding, link resolution and German dates.

The HTML adapters (SessionNet, ALLRIS) share this so that each adapter only says which URLs
and link patterns its vendor uses. Council pages are old: windows-1252 declared in a meta tag,
layout tables inside tables, dates written out in German, links relative to odd bases.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.errors import DocumentRejected
from tasks.http import HttpClient

log = logging.getLogger("ratsflow.sources")

BERLIN = ZoneInfo("Europe/Berlin")
HTML_ACCEPT = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")

MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6,
    "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}  # fmt: skip
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORDED_DATE = re.compile(r"(?<!\d)(\d{1,2})\.?\s+(" + "|".join(MONTHS) + r")\s+(\d{4})", re.IGNORECASE)
_TIME = re.compile(r"(?<![\d.:])([01]?\d|2[0-3])[:.]([0-5]\d)(?![\d.:])")


def _codec(name: str | bytes | None) -> str | None:
    """A Python codec for a declared charset; latin-1 is read as windows-1252, as browsers do."""
    if not name:
        return None
    label = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    try:
        codec = codecs.lookup(label.strip().lower()).name
    except LookupError:
        log.warning("ignoring unknown charset %r", label)
        return None
    return "cp1252" if codec in {"latin_1", "iso8859-1", "ascii"} else codec


def decode_html(raw: bytes, content_type: str | None = None) -> str:
    """Bytes to text: BOM, then the HTTP charset, then a meta tag, then UTF-8 if valid, else windows-1252.

    Servers often send `charset=utf-8` in the header for pages written in windows-1252, so a
    declared UTF-8 that does not decode falls through to the next guess instead of mangling umlauts.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", "replace")
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(raw[:4096])
    for codec in (_codec(header.group(1) if header else None), _codec(meta.group(1) if meta else None), "utf-8"):
        if not codec:
            continue
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", "replace")


@dataclass
class HtmlPage:
    """A fetched page: the URL asked for, where redirects ended, its text and its parsed tree."""

    url: str
    final_url: str
    text: str
    tree: LexborHTMLParser


def fetch_html_page(client: HttpClient, url: str, *, quiet: bool = False) -> HtmlPage | None:
    """GET and parse one HTML page; None when it is gone (404 and friends), so one dead link costs one page.

    The client retries transient failures and raises `SourceUnavailable` when they last.
    """
    try:
        with client.stream(url, headers=HTML_ACCEPT) as response:
            raw = response.read()
            content_type = response.headers.get("Content-Type")
            final_url = str(response.url)
    except DocumentRejected as err:
        (log.info if quiet else log.warning)("skipping %s", err)
        return None
    text = decode_html(raw, content_type)
    return HtmlPage(url=url, final_url=final_url, text=text, tree=LexborHTMLParser(text))


def text_of(node: LexborNode | None) -> str:
    """The visible text of a node with whitespace (incl. &nbsp;) collapsed."""
    if node is None:
        return ""
    return _SPACE.sub(" ", node.text(deep=True, separator=" ").replace("\xa0", " ")).strip()


def has_letters(text: str) -> bool:
    """At least three letters: a name or title, not a number, date or icon label."""
    return sum(ch.isalpha() for ch in text) >= 3


def same_host(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme in {"http", "https"}) and a.netloc.lower() == b.netloc.lower()


def absolute_url(href: str, page_url: str) -> str | None:
    """`href` resolved against the page it is on; None for a link that is no URL at all (`http://[::1`)."""
    try:
        return urljoin(page_url, href.strip())
    except ValueError:
        return None


def resolve_link(href: str | None, page_url: str, source: str) -> str | None:
    """An absolute URL for a link on `page_url`, or None (with a warning) if it leaves the source's host."""
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = absolute_url(href, page_url)
    if url is None:
        log.warning("not following %r on %s: it is not a URL", href, page_url)
        return None
    if not same_host(url, source):
        log.warning("not following %s: it leaves %s", url, urlsplit(source).netloc)
        return None
    return url


def rows_of(tree: LexborHTMLParser) -> Iterator[tuple[LexborNode, list[LexborNode]]]:
    """Every table row that holds data, with its own cells; layout rows wrapping whole tables are skipped.

    A table inside a cell that only lists files (SessionNet's `smcdocbox`, one-row icon tables)
    does not make a layout row: the agenda row around it is data.
    """
    for row in tree.css("tr"):
        if any(len(inner.css("tr")) > 1 and "docbox" not in (inner.attributes.get("class") or "") for inner in row.css("table")):
            continue
        cells = [child for child in row.iter() if child.tag in {"td", "th"}]
        if cells:
            yield row, cells


def page_title_body(tree: LexborHTMLParser) -> str | None:
    """The council's name from `<title>`, e.g. 'SessionNet | Sitzungskalender - Stadt Musterstadt'."""
    title = text_of(tree.css_first("title"))
    generic = re.compile(r"sessionnet|allris|bürgerinfo|buergerinfo|ratsinfo|sitzung|kalender|tagesordnung|"
                         r"niederschrift|übersicht|startseite|details|fehler|\d{1,2}[:.]\d{2}\s*uhr|^\s*$",
                         re.IGNORECASE)  # fmt: skip
    parts = [p.strip() for p in re.split(r"\s[|–—-]\s|\|", title)]
    names = [p for p in parts if not generic.search(p)]
    return names[-1] if names else None


def parse_german_date(text: str, default_year: int | None = None) -> date | None:
    """'04.07.2019', 'Do, 04.07.19', '4. Juli 2019' or '2019-07-04' anywhere in `text`."""
    if m := _NUMERIC_DATE.search(text):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year = year + 2000 if year < 100 else year
    elif m := _WORDED_DATE.search(text):
        day, month, year = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3))
    elif m := _ISO_DATE.search(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_times(text: str) -> tuple[time | None, time | None]:
    """Start and end time from '15:00 - 17:30 Uhr' or '15.00 Uhr'; dates in the text are ignored."""
    for pattern in (_NUMERIC_DATE, _WORDED_DATE, _ISO_DATE):
        text = pattern.sub(" ", text)
    found = [time(int(h), int(m)) for h, m in _TIME.findall(text)]
    return (found[0] if found else None, found[1] if len(found) > 1 else None)


def is_time_text(text: str) -> bool:
    """True for '15:00 - 17:30 Uhr' or 'Do, 04.07.2019 15.00', False for 'Raum 1.04' (a room, not a time)."""
    for pattern in (_NUMERIC_DATE, _WORDED_DATE, _ISO_DATE):
        text = pattern.sub(" ", text)
    if not _TIME.search(text):
        return False
    rest = re.sub(r"\b(?:uhr|bis|ab|ca|(?:mo|di|mi|do|fr|sa|so)[a-z]*)\b", "", text, flags=re.IGNORECASE)
    return not any(ch.isalpha() for ch in rest)


def berlin_datetime(day: date | None, at: time | None) -> datetime | None:
    """Council pages give local time; an aware datetime keeps it from being read as UTC downstream."""
    if day is None:
        return None
    return datetime.combine(day, at or time(0, 0), tzinfo=BERLIN)


def months_between(start: date, end: date) -> Iterator[tuple[int, int]]:
    """(year, month) for every calendar month touched by [start, end]."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
