"""One polite HTTP client for every source: timeouts, retries with backoff, Retry-After, host limits.

Council systems are slow and flaky (500 bursts that succeed on retry, 429 under load); a
single transient error must not cost a document, and a permanent one must not be retried.
They are also small public servers: in one process, at most `http_per_host_concurrency`
requests are open to a host and their starts are `http_min_interval` apart. Once the client
knows its source's host (`allow_host`), it fetches from no other host unless an operator
allowed it, redirects included: a link in a source's JSON must not make ratsflow a proxy.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from schemas.errors import DocumentRejected, SourceUnavailable, SourceUnreachable
from schemas.settings import Settings
from tasks.version import ratsflow_version

RETRY_STATUS = {429, 500, 502, 503, 504}
PERMANENT_STATUS = {400, 401, 403, 404, 410}


class HttpRejected(DocumentRejected):
    """A permanent HTTP error status (404, 410, 403 …); `status` lets callers tell "gone" from "refused"."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


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


# Failures where no HTTP answer came at all (refused, no DNS entry, no connection within the timeout).
NOTHING_ANSWERED = (httpx.ConnectError, httpx.ConnectTimeout)


def transport_problem(err: httpx.TransportError) -> str:
    """What went wrong on the wire, in the words an operator checks: refused, DNS, timeout, reset."""
    text = str(err).lower()
    if isinstance(err, httpx.ConnectTimeout):
        return "connect timed out"
    if isinstance(err, httpx.TimeoutException):
        return "timed out waiting for the answer"
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text \
            or "no address associated" in text or "getaddrinfo" in text:
        return "DNS lookup failed (no such host?)"
    if "reset" in text:
        return "connection reset"
    return f"connection failed ({err.__class__.__name__}: {err})"


def url_with_params(url: str, params: dict[str, str] | None) -> str:
    """`url` with `params` appended; ':' stays readable because some servers reject '%3A' in timestamps."""
    if not params:
        return url
    query = "&".join(f"{quote(key, safe='')}={quote(value, safe=':')}" for key, value in params.items())
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def user_agent(settings: Settings) -> str:
    return settings.user_agent.replace("{version}", ratsflow_version())


class HostGate:
    """Per-host request slots and spacing, shared by every thread of one client.

    A Retry-After from one request holds back the host's other requests too: the server
    said it is overloaded, not that one URL is.
    """

    def __init__(self, concurrency: int, min_interval: float):
        self.concurrency = max(1, concurrency)
        self.min_interval = max(0.0, min_interval)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            self._wait_turn(host)
            yield

    def hold_off(self, host: str, seconds: float) -> None:
        with self._lock:
            self._next_start[host] = max(self._next_start.get(host, 0.0), time.monotonic() + seconds)

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = start + self.min_interval
        if start > now:
            time.sleep(start - now)


def host_matches(host: str, allowed: str) -> bool:
    """'.example.de' allows example.de and every subdomain; anything else only itself."""
    if allowed.startswith("."):
        return host == allowed[1:] or host.endswith(allowed)
    return host == allowed


class HttpClient:
    """httpx.Client with ratsflow's retry and politeness policy; use as a context manager.

    `allowed_hosts` is None until the first `allow_host` (or an `allowed_hosts` argument):
    until then any http(s) host may be fetched, afterwards only those hosts and
    `Settings.extra_allowed_hosts`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        retries: int | None = None,
        backoff: float | None = None,
        allowed_hosts: Iterable[str] | None = None,
    ):
        settings = settings or Settings()
        self.retries = settings.http_retries if retries is None else retries
        self.backoff = settings.http_backoff if backoff is None else backoff
        self.max_bytes = settings.max_download_bytes
        self.gate = HostGate(settings.http_per_host_concurrency, settings.http_min_interval)
        self._extra_hosts = [h.strip().lower() for h in settings.extra_allowed_hosts if h.strip()]
        self.allowed_hosts: set[str] | None = None
        for host in allowed_hosts or ():
            self.allow_host(host)
        timeout = httpx.Timeout(settings.http_timeout, connect=min(10.0, settings.http_timeout))
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": user_agent(settings)},
            event_hooks={"request": [self._check_redirect]},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def allow_host(self, host: str | None) -> None:
        """Let the client fetch from `host` (the source's own); from then on, other hosts are refused."""
        if self.allowed_hosts is None:
            self.allowed_hosts = set(self._extra_hosts)
        if host:
            self.allowed_hosts.add(host.strip().lower())

    def require_allowed(self, url: str) -> str:
        """The URL's host, or DocumentRejected when it is not http(s) or not an allowed host."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise DocumentRejected(f"{url!r} is not an http(s) URL; ratsflow fetches nothing else")
        host = parts.hostname.lower()
        if self.allowed_hosts is not None and not any(host_matches(host, a) for a in self.allowed_hosts):
            allowed = ", ".join(sorted(self.allowed_hosts)) or "none"
            raise DocumentRejected(
                f"{url} is not on the source's host (allowed: {allowed}); if it belongs to the source, "
                f"add {host} to RATSFLOW_EXTRA_ALLOWED_HOSTS"
            )
        return host

    def _check_redirect(self, request: httpx.Request) -> None:
        self.require_allowed(str(request.url))

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        server_says = retry_after_seconds(response) if response is not None else None
        if server_says is not None:
            return server_says
        return self.backoff * (2**attempt) * (0.5 + random.random())

    @contextmanager
    def stream(self, url: str, headers: dict[str, str] | None = None) -> Iterator[httpx.Response]:
        """Open a streamed GET, retrying transient failures; yields the final (2xx or 304) response.

        The host's slot is held while the caller reads the body, and given back during backoff.
        """
        host = self.require_allowed(url)
        last_problem, unreachable = "", False
        for attempt in range(self.retries + 1):
            response = None
            try:
                with self.gate.slot(host), self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code < 400:
                        try:
                            yield response
                        except httpx.TransportError as err:  # the body broke off while the caller read it
                            raise SourceUnavailable(f"{url}: transfer broke off ({err.__class__.__name__})") from err
                        return
                    if response.status_code in RETRY_STATUS:
                        last_problem = f"HTTP {response.status_code}"
                    elif response.status_code in PERMANENT_STATUS:
                        raise HttpRejected(
                            f"{url} answered HTTP {response.status_code}; not retried", response.status_code
                        )
                    else:
                        raise SourceUnavailable(f"{url} answered HTTP {response.status_code}")
            except httpx.TransportError as err:
                last_problem, unreachable = transport_problem(err), isinstance(err, NOTHING_ANSWERED)
            if attempt < self.retries:
                delay = self._delay(attempt, response)
                if response is not None and retry_after_seconds(response) is not None:
                    self.gate.hold_off(host, delay)
                time.sleep(delay)
        error = SourceUnreachable if unreachable else SourceUnavailable
        attempts = "1 attempt" if self.retries == 0 else f"{self.retries + 1} attempts"
        message = f"{url}: {last_problem} after {attempts}; the server or this endpoint is down, try again later"
        raise error(message, problem=last_problem) if unreachable else error(message)

    def get_bytes(self, url: str, params: dict[str, str] | None = None) -> bytes:
        """GET a whole (small) body, e.g. an OParl page, no larger than the download limit."""
        url = url_with_params(url, params)
        with self.stream(url, headers={"Accept": "application/json"}) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise DocumentRejected(f"{url} is larger than the limit of {self.max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
