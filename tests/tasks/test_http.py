import time

import pytest

from loopback import Reply
from schemas.settings import Settings
from tasks.errors import DocumentRejected, SourceUnavailable
from tasks.http import HttpClient


def client(**kw) -> HttpClient:
    return HttpClient(Settings(http_timeout=kw.pop("timeout", 2.0)), retries=kw.pop("retries", 3), backoff=0.01)


def test_500_burst_is_retried_until_it_succeeds(loopback):
    url = loopback.route("/a", Reply(500), Reply(502), Reply(200, b"ok"))
    with client() as c:
        assert c.get_bytes(url) == b"ok"
    assert loopback.hits["/a"] == 3


def test_429_waits_as_long_as_retry_after_says(loopback):
    url = loopback.route("/a", Reply(429, headers={"Retry-After": "1"}), Reply(200, b"ok"))
    started = time.monotonic()
    with client() as c:
        assert c.get_bytes(url) == b"ok"
    assert time.monotonic() - started >= 0.9


def test_404_is_permanent_and_not_retried(loopback):
    url = loopback.route("/gone", Reply(404))
    with client() as c, pytest.raises(DocumentRejected, match="HTTP 404"):
        c.get_bytes(url)
    assert loopback.hits["/gone"] == 1


def test_persistent_5xx_ends_in_source_unavailable_after_all_attempts(loopback):
    url = loopback.route("/down", Reply(503))
    with client(retries=2) as c, pytest.raises(SourceUnavailable, match="3 attempts"):
        c.get_bytes(url)
    assert loopback.hits["/down"] == 3


def test_timeout_is_retried(loopback):
    url = loopback.route("/slow", Reply(200, b"late", delay=1.5), Reply(200, b"ok"))
    with client(timeout=0.5) as c:
        assert c.get_bytes(url) == b"ok"
    assert loopback.hits["/slow"] == 2


def test_user_agent_names_ratsflow(loopback):
    url = loopback.route("/a", Reply(200, b"ok"))
    with client() as c:
        c.get_bytes(url)
    assert loopback.log[0][2]["User-Agent"].startswith("ratsflow/")
