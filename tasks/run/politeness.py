"""Per-host politeness across runs and workers: Prefect global concurrency limits named after the host.

An operator who wants at most two downloads at a time from `sitzungsdienst.example.de`
creates the limit `ratsflow-host-sitzungsdienst.example.de` (2 slots) in the UI; with a slot
decay it becomes a rate limit (requests per second). Without the limit, or without a Prefect
API at all, fetching simply goes on: politeness is opt-in per host, never a reason to fail.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger("ratsflow.politeness")

LIMIT_PREFIX = "ratsflow-host-"


def host_limit_name(url: str) -> str | None:
    """The global concurrency limit that governs requests to `url`'s host; None for local files."""
    host = (urlsplit(url).hostname or "").lower()
    return f"{LIMIT_PREFIX}{host}" if host else None


@dataclass(frozen=True)
class HostLimit:
    name: str
    rate: bool  # slot decay set: a rate limit (take a slot, never give it back) rather than a concurrency limit


def existing_host_limits(urls: Iterable[str]) -> dict[str, HostLimit]:
    """The host limits that exist on the Prefect server for these URLs (asked once per run).

    Any failure to ask (no API, old server) counts as "no limits": a run without politeness
    is better than no run.
    """
    names = {name for name in map(host_limit_name, urls) if name}
    if not names:
        return {}
    found: dict[str, HostLimit] = {}
    try:
        from prefect.client.orchestration import get_client
        from prefect.exceptions import ObjectNotFound

        with get_client(sync_client=True) as client:
            for name in sorted(names):
                try:
                    limit = client.read_global_concurrency_limit_by_name(name)
                except ObjectNotFound:
                    continue
                if limit.active:
                    found[name] = HostLimit(name=name, rate=bool(limit.slot_decay_per_second))
    except Exception as err:
        log.info("host limits not available (%s); fetching without them", err.__class__.__name__)
        return {}
    return found


@contextlib.contextmanager
def polite(url: str, limits: dict[str, HostLimit]) -> Iterator[None]:
    """Hold (or, for a rate limit, take) a slot of the URL's host limit while the block runs."""
    name = host_limit_name(url)
    limit = limits.get(name) if name else None
    if limit is None:
        yield
        return
    from prefect.concurrency.sync import concurrency, rate_limit

    if limit.rate:
        rate_limit(limit.name, occupy=1, strict=False)
        yield
    else:
        with concurrency(limit.name, occupy=1, strict=False):
            yield
