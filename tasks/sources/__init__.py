"""Sources: one entry point, `discover`, for every kind of council system ratsflow can read.

It returns the same `Discovery` (meetings, plus what incremental sync needs) whether the
meetings come from an OParl API, SessionNet or ALLRIS HTML pages, or an admin's archive folder,
so everything after discovery is the same for all of them. Each kind is one module here.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit

from schemas.errors import ConfigurationError
from schemas.params import SourceKind
from schemas.pipeline import Discovery, SourceMeeting
from schemas.secrets import redacted_url
from tasks.http import HttpClient
from tasks.sources.allris import discover_allris
from tasks.sources.archive import discover_archive
from tasks.sources.oparl import SinceLookup, discover_oparl
from tasks.sources.sessionnet import discover_sessionnet
from tasks.sources.vendors import probe_installation

log = logging.getLogger("ratsflow.sources")

DEFAULT_WINDOW = timedelta(days=365)

def detect_source_kind(url_or_path: str) -> SourceKind | None:
    """The kind where the address alone says it (no request is made); None: the pages must tell.

    A path or `file://` is an archive, `/oparl` or a `.json` address an OParl API. Any other web
    address is read (`vendors.probe_installation`): `/bi/` is SessionNet as often as ALLRIS.
    """
    text = url_or_path.strip()
    parts = urlsplit(text)
    if parts.scheme in {"", "file"} or len(parts.scheme) == 1:  # a path, file:// or a Windows drive letter
        return "archive"
    if parts.scheme not in {"http", "https"}:
        raise ConfigurationError(f"{url_or_path}: not an http(s) URL, file:// URL or local path")
    where = parts.path + ("?" + parts.query if parts.query else "")
    if "/oparl" in where.lower() or where.lower().endswith(".json"):
        return "oparl"
    return None


def calendar_range(start_from: date | None, start_to: date | None, *, today: date | None = None) -> tuple[date, date]:
    """The months an HTML calendar is read for: the last 12 months unless told otherwise.

    Each month costs one calendar request plus one or two per meeting, so the range is bounded
    by default; an inverted range is a mistake worth stopping for, not an empty result.
    """
    today = today or date.today()
    end = start_to or today
    start = start_from or (end - DEFAULT_WINDOW)
    if start > end:
        raise ConfigurationError(f"start range is inverted: from {start} is after to {end}")
    return start, end


def in_start_range(meeting: SourceMeeting, start_from: date | None, start_to: date | None) -> bool:
    if start_from is None and start_to is None:
        return True
    if meeting.start is None:
        return False
    day = meeting.start.date()
    return (start_from is None or day >= start_from) and (start_to is None or day <= start_to)


def discover(
    url: str,
    kind: SourceKind | None,
    client: HttpClient,
    start_from: date | None = None,
    start_to: date | None = None,
    since: SinceLookup | None = None,
) -> Discovery:
    """Every meeting of the source starting in the range; `kind=None` detects it (address, then pages).

    OParl and archive list everything unless a range is given (then meetings without a start
    date are left out); `since` (per OParl meeting list) makes an OParl listing incremental and
    the result carries the watermarks to store once the run has recorded what it found.
    SessionNet and ALLRIS read calendars, the last 12 months by default.
    """
    kind = kind or detect_source_kind(url)
    if kind is not None and kind not in get_args(SourceKind):
        raise ConfigurationError(f"unknown source kind {kind!r}; expected one of {', '.join(get_args(SourceKind))}")
    if start_from and start_to and start_from > start_to:
        raise ConfigurationError(f"start range is inverted: from {start_from} is after to {start_to}")
    if kind in {"sessionnet", "allris", None}:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ConfigurationError(f"{kind} needs the http(s) address of the installation, got {url}")
        client.allow_host(urlsplit(url).hostname)  # a web source: its links stay on its host, never file://
        installation = probe_installation(url, client, kind)
        if installation is None:  # the address answered JSON: an OParl API after all
            kind = "oparl"
        else:
            begin, end = calendar_range(start_from, start_to)
            if start_from is None and start_to is None:
                log.info("no start range given; reading the %s calendar from %s to %s", installation.vendor, begin, end)
            adapter = discover_sessionnet if installation.vendor == "sessionnet" else discover_allris
            meetings = adapter(url, client, start_from=begin, start_to=end, installation=installation)
            return Discovery(meetings=list(meetings))
    if kind == "archive":
        found = Discovery(meetings=list(discover_archive(Path(url) if "://" not in url else url)))
    else:
        found = discover_oparl(url, client, since=since)
    found.meetings = [m for m in found.meetings if in_start_range(m, start_from, start_to)]
    for meeting in found.meetings:  # stored and shown: never the credentials the source URL may carry
        meeting.source = redacted_url(meeting.source)
    return found
