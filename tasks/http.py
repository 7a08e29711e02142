"""One polite HTTP client for every source: timeouts, retries with backoff, Retry-After, host limits.

Council systems are slow and flaky (500 bursts that succeed on retry, 429 under load); a
single transient error must not cost a document, and a permanent one must not be retried.
They are also small public servers: in one process, at most `http_per_host_concurrency`
requests are open to a host and their starts are `http_min_interval` apart. Once the client
knows its source's host (`allow_host`), it fetches from no other host unless an operator
allowed it, redirects included: a link in a source's JSON must not make ratsflow a proxy.
Nor may a link reach inside the network ratsflow runs in: loopback, link-local (cloud metadata
at 169.254.169.254) and private addresses are refused unless the source itself lives there,
judged on the address a host name resolves to, before every request and redirect, and on the
address actually connected to (a host name that resolves differently the second time).

Every wait is bounded (connect and read timeouts, a total deadline per download) and so is every
body (Content-Length is checked before reading, the bytes while reading); URLs in messages are
redacted (schemas/secrets.py), so a token in a source URL never reaches a log or the database.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from schemas.errors import (
    AddressRefused,
    DocumentRejected,
    DocumentTooLarge,
    DownloadTimedOut,
    SourceUnavailable,
    SourceUnreachable,
)
from schemas.secrets import redacted_url, with_secret
from schemas.settings import Settings
from tasks.version import ratsflow_version

RETRY_STATUS = {429, 500, 502, 503, 504}
PERMANENT_STATUS = {400, 401, 403, 404, 410}


class HttpRejected(DocumentRejected):
    """A permanent HTTP error status (404, 410, 403 …); `status` lets callers tell "gone" from "refused"."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class TransferBrokeOff(SourceUnavailable):
    """The answer began but its body broke off (connection reset, closed early): asking again usually helps."""


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


# ── Where a request may go ─────────────────────────────────────────────────────────────────────

Resolver = Callable[[str], list[str]]
_NETWORKS = {
    "loopback": [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128")],
    "link-local": [ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10")],
    "private": [ipaddress.ip_network(n) for n in
                ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "0.0.0.0/8", "::/128")],
}


def resolved_addresses(host: str) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself, without DNS)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError):
        return []  # httpx will say "DNS lookup failed" in the operator's words


def address_zone(address: str) -> str:
    """'loopback', 'link-local', 'private' or 'public': where an address lives, as far as fetching goes."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for zone, networks in _NETWORKS.items():
        if any(ip in network for network in networks):
            return zone
    return "public"


class AddressGuard:
    """Refuses addresses inside the network unless the source itself lives in that zone.

    The source's zones are learnt from its own resolved addresses (`allow_source`). This holds
    for allow-listed hosts too: RATSFLOW_EXTRA_ALLOWED_HOSTS lets a CDN in, not the intranet.
    Until a source is known, nothing is refused: the first address is the one the operator typed.
    """

    def __init__(self, resolve: Resolver = resolved_addresses):
        self.resolve = resolve
        self.zones: set[str] | None = None

    def allow_source(self, host: str) -> None:
        self.zones = (self.zones or {"public"}) | {address_zone(a) for a in self.resolve(host)}

    def require_fetchable(self, url: str, host: str, addresses: list[str] | None = None) -> None:
        """Raise AddressRefused when `host` (or the address connected to) lies in a zone the source is not in."""
        if self.zones is None:
            return
        for address in self.resolve(host) if addresses is None else addresses:
            zone = address_zone(address)
            if zone not in self.zones:
                raise AddressRefused(
                    f"{redacted_url(url)} leads to {address}, a {zone} address, and the source does not live in "
                    "that network; refused"
                )


# ── Bodies: bounded in bytes and time ──────────────────────────────────────────────────────────


def require_declared_size_within(response: httpx.Response, url: str, limit: int, what: str = "file") -> None:
    """Refuse before reading when the server declares (Content-Length) more than `limit` bytes."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise DocumentTooLarge(
            f"{redacted_url(url)} declares a {what} of {int(declared):,} bytes, more than the limit of {limit:,}; "
            f"not downloaded ({LIMIT_SETTINGS[what]})"
        )


LIMIT_SETTINGS = {"file": "RATSFLOW_MAX_DOWNLOAD_BYTES", "JSON answer": "RATSFLOW_MAX_JSON_BYTES"}


def bounded_body(response: httpx.Response, url: str, limit: int, deadline: float, what: str = "file") -> Iterator[bytes]:
    """The body's chunks, refusing past `limit` bytes or `deadline` seconds from now (a trickling server)."""
    require_declared_size_within(response, url, limit, what)
    ends_at = time.monotonic() + deadline
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise DocumentTooLarge(
                f"{redacted_url(url)} sent more than the limit of {limit:,} bytes for a {what}; stopped reading "
                f"({LIMIT_SETTINGS[what]})"
            )
        if time.monotonic() > ends_at:
            raise DownloadTimedOut(
                f"{redacted_url(url)} did not finish within {deadline:.0f} s ({size:,} bytes so far); the server is "
                f"too slow or sends without end (RATSFLOW_DOWNLOAD_DEADLINE)"
            )
        yield chunk


class OversizedAnswers:
    """URLs refused for their size in this process, so a 50 MB object is asked for once, not once per chunk.

    A backfill's chunks each walk the source with their own client; one process is one run
    for the CLI and for a process worker, and an hour bounds what a long-lived process remembers.
    """

    def __init__(self, ttl: float = 3600.0, capacity: int = 10_000):
        self.ttl, self.capacity = ttl, capacity
        self._refused: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def reason(self, url: str) -> str | None:
        with self._lock:
            entry = self._refused.get(url)
            if entry and time.monotonic() - entry[0] < self.ttl:
                return entry[1]
            self._refused.pop(url, None)
            return None

    def remember(self, url: str, reason: str) -> None:
        with self._lock:
            if len(self._refused) >= self.capacity:
                self._refused.pop(next(iter(self._refused)))
            self._refused[url] = (time.monotonic(), reason)


OVERSIZED = OversizedAnswers()


class HttpClient:
    """httpx.Client with ratsflow's retry, politeness and safety policy; use as a context manager.

    `allowed_hosts` is None until the first `allow_host` (or an `allowed_hosts` argument):
    until then any http(s) host may be fetched, afterwards only those hosts and
    `Settings.extra_allowed_hosts`. `resolve` is how host names become addresses for the
    address guard (tests give a fake one; nothing else should).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        retries: int | None = None,
        backoff: float | None = None,
        allowed_hosts: Iterable[str] | None = None,
        resolve: Resolver = resolved_addresses,
    ):
        settings = settings or Settings()
        self.retries = settings.http_retries if retries is None else retries
        self.backoff = settings.http_backoff if backoff is None else backoff
        self.max_bytes = settings.max_download_bytes
        self.max_json_bytes = settings.max_json_bytes
        self.deadline = settings.download_deadline
        self.max_list_pages = settings.oparl_max_pages
        self.gate = HostGate(settings.http_per_host_concurrency, settings.http_min_interval)
        self._extra_hosts = [h.strip().lower() for h in settings.extra_allowed_hosts if h.strip()]
        self.addresses = AddressGuard(resolve)
        self.allowed_hosts: set[str] | None = None
        for host in allowed_hosts or ():
            self.allow_host(host)
        timeout = httpx.Timeout(settings.http_timeout, connect=min(settings.http_connect_timeout, settings.http_timeout))
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": user_agent(settings)},
            event_hooks={"request": [self._check_request], "response": [self._check_connected_address]},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def allow_host(self, host: str | None) -> None:
        """Let the client fetch from `host` (the source's own); from then on, other hosts are refused.

        The source's own network (loopback, private …) becomes fetchable too: a council system
        on the intranet may link to its intranet, one on the internet may not.
        """
        if self.allowed_hosts is None:
            self.allowed_hosts = set(self._extra_hosts)
        if host:
            self.allowed_hosts.add(host.strip().lower())
            self.addresses.allow_source(host.strip().lower())

    def require_allowed(self, url: str) -> str:
        """The URL's host, or AddressRefused when it is not http(s), not an allowed host, or inside the network."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise AddressRefused(f"{redacted_url(url)!r} is not an http(s) URL; ratsflow fetches nothing else from a source")
        host = parts.hostname.lower()
        if self.allowed_hosts is not None and not any(host_matches(host, a) for a in self.allowed_hosts):
            allowed = ", ".join(sorted(self.allowed_hosts)) or "none"
            raise AddressRefused(
                f"{redacted_url(url)} is not on the source's host (allowed: {allowed}); if it belongs to the source, "
                f"add {host} to RATSFLOW_EXTRA_ALLOWED_HOSTS"
            )
        self.addresses.require_fetchable(url, host)
        return host

    def _check_request(self, request: httpx.Request) -> None:
        """Every request, redirects included, is checked before it is sent."""
        self.require_allowed(str(request.url))

    def _check_connected_address(self, response: httpx.Response) -> None:
        """The address actually connected to must pass too: DNS may answer differently the second time."""
        stream = response.extensions.get("network_stream")
        try:
            peer = stream.get_extra_info("server_addr") if stream is not None else None
        except OSError as err:  # reset right after the headers: nothing to check, nothing to read; retried as a reset
            raise httpx.ReadError(f"connection reset before its address could be checked ({err})") from err
        if peer:
            url = str(response.request.url)
            self.addresses.require_fetchable(url, (response.request.url.host or "").lower(), [str(peer[0])])

    def retry_delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds before attempt `attempt + 1`: the server's Retry-After, else the backoff doubling from `backoff` (±50 %)."""
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
        shown, url = redacted_url(url), with_secret(url)
        last_problem, unreachable = "", False
        for attempt in range(self.retries + 1):
            response = None
            try:
                with self.gate.slot(host), self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code < 400:
                        try:
                            yield response
                        except httpx.TransportError as err:  # the body broke off while the caller read it
                            problem = transport_problem(err)
                            raise TransferBrokeOff(f"{shown}: transfer broke off ({problem})") from err
                        return
                    if response.status_code in RETRY_STATUS:
                        last_problem = f"HTTP {response.status_code}"
                    elif response.status_code in PERMANENT_STATUS:
                        raise HttpRejected(f"{shown} answered HTTP {response.status_code}; not retried", response.status_code)
                    else:
                        raise SourceUnavailable(f"{shown} answered HTTP {response.status_code}")
            except httpx.TransportError as err:
                last_problem, unreachable = transport_problem(err), isinstance(err, NOTHING_ANSWERED)
            if attempt < self.retries:
                delay = self.retry_delay(attempt, response)
                if response is not None and retry_after_seconds(response) is not None:
                    self.gate.hold_off(host, delay)
                time.sleep(delay)
        error = SourceUnreachable if unreachable else SourceUnavailable
        attempts = "1 attempt" if self.retries == 0 else f"{self.retries + 1} attempts"
        message = f"{shown}: {last_problem} after {attempts}; the server or this endpoint is down, try again later"
        raise error(message, problem=last_problem) if unreachable else error(message)

    def get_bytes(self, url: str, params: dict[str, str] | None = None) -> bytes:
        """GET a whole (small) body, an OParl page or object, within the JSON size limit and the deadline.

        An answer refused for its size is remembered (OVERSIZED) and not asked for again.
        """
        url = url_with_params(url, params)
        if known := OVERSIZED.reason(url):
            raise DocumentTooLarge(f"{known} (refused earlier in this run; not asked for again)")
        try:
            with self.stream(url, headers={"Accept": "application/json"}) as response:
                return b"".join(bounded_body(response, url, self.max_json_bytes, self.deadline, "JSON answer"))
        except DocumentTooLarge as err:
            OVERSIZED.remember(url, str(err))
            raise
