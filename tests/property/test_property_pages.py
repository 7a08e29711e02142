"""The SessionNet and ALLRIS page readers on arbitrary pages served on loopback: a meeting, never a crash.

Every file and agenda link they return stays on the source's host; files are listed once.
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st
from loopback import Reply
from selectolax.lexbor import LexborHTMLParser
from strategies import HTML_PAGE

from schemas.pipeline import SourceMeeting
from schemas.settings import Settings
from tasks.http import HttpClient
from tasks.sources import allris, sessionnet
from tasks.sources.calendars import CalendarEntry, calendar_entries
from tasks.sources.html import decode_html

ENCODINGS = st.sampled_from(["utf-8", "latin-1", "cp1252"])
CONTENT_TYPES = st.sampled_from(["text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
                                 "text/html; charset=nonsense", "application/pdf", ""])


def served(loopback, path: str, page: str, encoding: str, content_type: str) -> str:
    loopback.route(path, Reply(200, page.encode(encoding, "replace"), {"Content-Type": content_type} if content_type else {}))
    return f"{loopback.base}{path}"


def check_meeting(meeting: SourceMeeting, entry: CalendarEntry, host: str) -> None:
    assert isinstance(meeting, SourceMeeting) and meeting.external_id == entry.url
    urls = [d.url for d in meeting.documents]
    assert len(urls) == len(set(urls))
    assert all(urlsplit(u).netloc == host for u in urls)
    assert all(a.external_id is None or urlsplit(a.external_id).netloc in (host, "") for a in meeting.agenda)


@settings(max_examples=25)  # two loopback requests an example
@given(HTML_PAGE, ENCODINGS, CONTENT_TYPES)
def test_any_sessionnet_meeting_page_is_read_without_crashing(loopback, page, encoding, content_type):
    served(loopback, "/bi/to0040.asp", page, encoding, content_type)
    url = served(loopback, "/bi/si0057.asp", page, encoding, content_type)
    entry = CalendarEntry(url=f"{url}?__ksinr=4", committee="Kreistag", start=datetime(2016, 6, 20, 15, tzinfo=UTC), end=None)
    with HttpClient(Settings(), retries=0, backoff=0.0) as client:
        meeting = sessionnet.read_meeting(client, entry, folder=f"{loopback.base}/bi/", suffix=".asp", source=loopback.base,
                                          body=None)
    check_meeting(meeting, entry, urlsplit(loopback.base).netloc)


@settings(max_examples=25)
@given(HTML_PAGE, ENCODINGS, CONTENT_TYPES)
def test_any_allris_meeting_page_is_read_without_crashing(loopback, page, encoding, content_type):
    url = served(loopback, "/bi/to010.asp", page, encoding, content_type)
    entry = CalendarEntry(url=f"{url}?SILFDNR=7", committee=None, start=None, end=None, page_url=f"{url}?SILFDNR=7")
    with HttpClient(Settings(), retries=0, backoff=0.0) as client:
        meeting = allris.read_meeting(client, entry, source=loopback.base, body="Kreis")
    check_meeting(meeting, entry, urlsplit(loopback.base).netloc)


@given(HTML_PAGE, st.integers(2000, 2030), st.integers(1, 12))
def test_any_calendar_page_gives_each_meeting_once_on_the_source_host(page, year, month):
    base = "https://ris.example.de/bi/"
    entries = calendar_entries(LexborHTMLParser(page), f"{base}si0040.asp", base, year, month,
                               lambda u: u if "__ksinr=" in u else None)
    assert len({e.url for e in entries}) == len(entries)
    for entry in entries:
        if not re.search(r"\d{4}", page):  # a day without its year is in the calendar's year
            assert entry.start is None or entry.start.year == year
        assert urlsplit(entry.url).netloc == "ris.example.de"
        assert entry.public is False or "__ksinr=" in entry.url


@given(st.binary(max_size=400), CONTENT_TYPES)
def test_any_bytes_decode_to_text(raw, content_type):
    assert isinstance(decode_html(raw, content_type), str)
