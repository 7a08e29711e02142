"""Discovery as a Prefect task with the network retry policy.

A source that is down (timeouts, 5xx after the client's own quick retries) is asked again
after 30 s and 60 s (±50 % jitter); a source that answers nonsense (`SourceInvalid`) or an
impossible configuration is not asked again, because the answer will not change.
"""

from __future__ import annotations

from datetime import date

from schemas.params import SourceKind
from tasks.sources.oparl import OParlDiscovery, SinceLookup, discover_oparl
from tasks.http import HttpClient
from tasks.run.steps import network_task
from tasks.sources import detect_source_kind, discover_source, in_start_range


def discover_meetings_in_range(
    url: str,
    kind: SourceKind | None,
    client: HttpClient,
    start_from: date | None = None,
    start_to: date | None = None,
    since: SinceLookup | None = None,
) -> OParlDiscovery:
    """Every meeting of the source starting in the range (all when no range).

    `since` (per OParl meeting list) makes the listing incremental; the result carries the
    watermarks to store once the run has recorded what it found. Other kinds list in full.
    """
    if (kind or detect_source_kind(url)) == "oparl":
        found = discover_oparl(url, client, since=since)
        found.meetings = [m for m in found.meetings if in_start_range(m, start_from, start_to)]
        return found
    return OParlDiscovery(meetings=list(discover_source(url, kind, client, start_from=start_from, start_to=start_to)))


discover_task = network_task(discover_meetings_in_range, name="discover", first_delay=30, task_run_name="discover-{kind}")
