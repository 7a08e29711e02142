"""Credentials in source URLs: kept in memory for the request, never written anywhere.

Some council systems are reached with `https://user:pass@host/…` or a `?token=…`/`?apikey=…`
query. Those URLs are what the operator types, but what ratsflow logs, stores, names runs after
and puts into error messages is `redacted_url(url)`: the same address with every secret replaced
by `***`, so it still says which source it is (and stays stable when the secret rotates).
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

REDACTED = "***"
# Query parameters that carry a secret, by name (case-insensitive, `-` and `_` alike).
SECRET_PARAMS = re.compile(
    r"^(?:.*token|.*secret|api[-_]?key|apikey|key|password|passwd|pass|pwd|auth|authorization|"
    r"credentials?|sig|signature|session|sessionid|sid|client[-_]?secret)$",
    re.IGNORECASE,
)
_URL_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


_KEPT: dict[str, str] = {}
_KEPT_LOCK = threading.Lock()


def kept_secret(url: str) -> str:
    """The redacted form of `url`, to hand to flows as their parameter; the real one stays in this process's memory.

    Prefect stores a flow run's parameters in its database and shows them in the UI, so the
    command line passes the redacted URL and the HTTP client swaps the secret back in
    (`with_secret`) at the moment of the request.
    """
    shown = redacted_url(url)
    if shown != url:
        with _KEPT_LOCK:
            _KEPT[shown] = url
    return shown


def with_secret(url: str) -> str:
    """The URL with its credentials again, when `kept_secret` was given them in this process; else as it is."""
    with _KEPT_LOCK:
        return _KEPT.get(url, url)


def has_secret(url: str) -> bool:
    """True when the URL carries credentials (user info or a secret query parameter)."""
    return redacted_url(url) != url


def redacted_url(url: str) -> str:
    """`url` with user info and secret query values replaced by `***`; anything unparsable is returned as is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{REDACTED}@{host}{f':{port}' if port else ''}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(SECRET_PARAMS.match(key) for key, _ in pairs):
            query = "&".join(
                f"{quote(key, safe='')}={REDACTED if SECRET_PARAMS.match(key) else quote(value, safe=':/')}"
                for key, value in pairs
            )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redacted_text(text: str) -> str:
    """`text` (an error message, a log line) with every URL in it redacted."""
    return _URL_IN_TEXT.sub(lambda m: redacted_url(m.group(0)), text)


def redacted_values(values: dict) -> dict:
    """A parameter dict (as stored with a run) with every URL in its strings redacted, nested ones too."""
    def clean(value: object) -> object:
        if isinstance(value, str):
            return redacted_text(value)
        if isinstance(value, dict):
            return {key: clean(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [clean(inner) for inner in value]
        return value

    return {key: clean(value) for key, value in values.items()}
