"""Discovery as a Prefect task with the network retry policy.

A source that is down (timeouts, 5xx after the client's own quick retries) is asked again
after 30 s and 60 s (±50 % jitter); a source that answers nonsense (`SourceInvalid`) or an
impossible configuration is not asked again, because the answer will not change.
"""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from schemas.params import SourceKind
from schemas.pipeline import SourceMeeting
from tasks.fetch import is_retryable
from tasks.http import HttpClient
from tasks.sources import discover_source


def discover_meetings_in_range(
    url: str, kind: SourceKind | None, client: HttpClient, start_from: date | None = None, start_to: date | None = None
) -> list[SourceMeeting]:
    """Every meeting of the source starting in the range (all when no range), as a list."""
    return list(discover_source(url, kind, client, start_from=start_from, start_to=start_to))


discover_task = task(
    name="discover",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=30),
    retry_jitter_factor=0.5,
    retry_condition_fn=is_retryable,
    task_run_name="discover-{kind}",
)(discover_meetings_in_range)
