"""One polite HTTP client for every source: timeouts, retries with backoff, Retry-After.

Council systems are slow and flaky (500 bursts that succeed on retry, 429 under load); a
single transient error must not cost a document, and a permanent one must not be retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime

import httpx

from schemas.settings import Settings
from tasks.errors import DocumentRejected, SourceUnavailable

RETRY_STATUS = {429, 500, 502, 503, 504}
PERMANENT_STATUS = {400, 401, 403, 404, 410}


def retry_after_seconds(response: httpx.Response, cap: float = 120.0) -> float | None:
    """The server's own Retry-After (seconds or HTTP date), capped so a bad header cannot stall a run."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(cap, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        delay = parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
    return min(cap, max(0.0, delay))


class HttpClient:
    """httpx.Client with ratsflow's retry policy; use as a context manager."""

    def __init__(self, settings: Settings | None = None, *, retries: int | None = None, backoff: float | None = None):
        settings = settings or Settings()
        self.retries = settings.http_retries if retries is None else retries
        self.backoff = settings.http_backoff if backoff is None else backoff
        self.max_bytes = settings.max_download_bytes
        timeout = httpx.Timeout(settings.http_timeout, connect=min(10.0, settings.http_timeout))
        self._client = httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": settings.user_agent}
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        server_says = retry_after_seconds(response) if response is not None else None
        if server_says is not None:
            return server_says
        return self.backoff * (2**attempt) * (0.5 + random.random())

    @contextmanager
    def stream(self, url: str, headers: dict[str, str] | None = None) -> Iterator[httpx.Response]:
        """Open a streamed GET, retrying transient failures; yields the final (2xx or 304) response."""
        last_problem = ""
        for attempt in range(self.retries + 1):
            response = None
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code < 400:
                        yield response
                        return
                    if response.status_code in RETRY_STATUS:
                        last_problem = f"HTTP {response.status_code}"
                    elif response.status_code in PERMANENT_STATUS:
                        raise DocumentRejected(f"{url} answered HTTP {response.status_code}; not retried")
                    else:
                        raise SourceUnavailable(f"{url} answered HTTP {response.status_code}")
            except httpx.TimeoutException:
                last_problem = "timed out"
            except httpx.TransportError as err:
                last_problem = f"connection failed ({err.__class__.__name__})"
            if attempt < self.retries:
                time.sleep(self._delay(attempt, response))
        raise SourceUnavailable(f"{url}: {last_problem} after {self.retries + 1} attempts")

    def get_bytes(self, url: str, params: dict[str, str] | None = None) -> bytes:
        """GET a whole (small) body, e.g. an OParl page; parsing is the caller's business."""
        if params:
            url = str(httpx.URL(url).copy_merge_params(params))
        with self.stream(url, headers={"Accept": "application/json"}) as response:
            return response.read()
