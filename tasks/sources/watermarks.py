"""Incremental sync: which `modified_since` to ask a list for, and when not to trust one.

A watermark is the newest `modified` seen in a list. The next run asks for everything
modified since the watermark minus an overlap window, because servers' clocks, time zones
and commit order are not exact. Some servers give every object the same placeholder
`modified` (2000-01-01); then no filter can be trusted and each run reads the full list.
Reading in full misses nothing and redoes little: unchanged meetings upsert as "unchanged",
and unchanged files answer 304 or hash to the stored sha256 (see tasks/document.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from schemas.clock import as_utc
from schemas.pipeline import Discovery, SourceMeeting
from schemas.tables import SourceWatermark
from storage.watermarks import advance_watermark, get_watermark

if TYPE_CHECKING:
    from sqlalchemy import Engine


DEFAULT_OVERLAP = timedelta(days=1)
PLACEHOLDER_BEFORE = datetime(2001, 1, 1, tzinfo=UTC)  # older than OParl itself
PLACEHOLDER_SHARE = 0.8  # this share of objects with one identical `modified` is no coincidence …
PLACEHOLDER_MIN_OBJECTS = 5  # … once there are enough of them to tell


def since_for(watermark: SourceWatermark | None, overlap: timedelta = DEFAULT_OVERLAP) -> datetime | None:
    """The `modified_since` to send, or None for a full listing (first run, or placeholder timestamps)."""
    if watermark is None or watermark.watermark is None or watermark.placeholder_detected:
        return None
    return as_utc(watermark.watermark) - overlap


def detect_placeholder_timestamps(meetings: Iterable[SourceMeeting]) -> bool:
    """True when `modified` cannot be real: before 2001, or most objects share one identical value."""
    stamps = [m.modified for m in meetings if m.modified is not None]
    if not stamps:
        return False
    if any(as_utc(s) < PLACEHOLDER_BEFORE for s in stamps):
        return True
    if len(stamps) < PLACEHOLDER_MIN_OBJECTS:
        return False
    _, most = Counter(stamps).most_common(1)[0]
    return most / len(stamps) >= PLACEHOLDER_SHARE


def stored_since(engine: Engine, source: str, overlap: timedelta = DEFAULT_OVERLAP) -> Callable[[str], datetime | None]:
    """A per-list `since` for `discover_oparl(since=…)`, read from the stored watermarks."""
    return lambda list_url: since_for(get_watermark(engine, source, list_url), overlap)


def save_watermarks(
    engine: Engine, source: str, discovery: Discovery, *, retry_meetings: Iterable[str] = ()
) -> None:
    """Store what a walk saw, per list; call it only after every meeting of the walk was recorded.

    `retry_meetings` (external ids whose documents failed) hold the watermark back to just
    before the earliest of them, so the next run lists them again and retries: nothing lost.
    """
    retry = set(retry_meetings)
    held = [m.modified for m in discovery.meetings if m.external_id in retry]
    if any(stamp is None for stamp in held):
        return  # a failed meeting we could not list again incrementally: keep reading in full
    hold_before = min(held, default=None)
    for list_url, seen_max in discovery.lists.items():
        if hold_before is not None and seen_max is not None:
            seen_max = min(seen_max, hold_before - timedelta(microseconds=1))
        advance_watermark(engine, source, list_url, seen_max, list_url in discovery.placeholder_lists)
