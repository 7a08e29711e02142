import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from loopback import Reply

from schemas.errors import DocumentRejected, DocumentTooLarge, SourceUnavailable
from schemas.settings import Settings
from tasks.http import HttpClient, HttpRejected, host_matches, url_with_params
from tasks.version import ratsflow_version


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


# ── Politeness and safety ──────────────────────────────────────────────────────────────────────

def polite_client(**settings) -> HttpClient:
    base = {"http_timeout": 2.0, "http_min_interval": 0.0}
    return HttpClient(Settings(**{**base, **settings}), retries=1, backoff=0.01)


def timed_parallel(c: HttpClient, urls: list[str]) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        assert list(pool.map(c.get_bytes, urls)) == [b"ok"] * len(urls)
    return time.monotonic() - started


def test_one_request_at_a_time_per_host_when_so_configured(loopback):
    urls = [loopback.route(f"/s{i}", Reply(200, b"ok", delay=0.2)) for i in range(3)]
    with polite_client(http_per_host_concurrency=1) as c:
        assert timed_parallel(c, urls) >= 0.55
    with polite_client(http_per_host_concurrency=3) as c:
        assert timed_parallel(c, urls) < 0.5


def test_requests_to_one_host_start_the_minimum_interval_apart(loopback):
    url = loopback.route("/a", Reply(200, b"ok"))
    with polite_client(http_min_interval=0.25) as c:
        started = time.monotonic()
        for _ in range(3):
            c.get_bytes(url)
        assert time.monotonic() - started >= 0.45


def test_retry_after_holds_back_the_hosts_other_requests(loopback):
    busy = loopback.route("/busy", Reply(503, headers={"Retry-After": "1"}), Reply(200, b"ok"))
    other = loopback.route("/other", Reply(200, b"ok"))
    finished: dict[str, float] = {}
    with polite_client(http_per_host_concurrency=4) as c:
        started = time.monotonic()

        def later() -> None:
            time.sleep(0.2)  # after /busy said 503
            c.get_bytes(other)
            finished["other"] = time.monotonic() - started

        thread = threading.Thread(target=later)
        thread.start()
        assert c.get_bytes(busy) == b"ok"
        thread.join()
    assert finished["other"] >= 0.9


def test_user_agent_carries_the_ratsflow_version(loopback):
    url = loopback.route("/a", Reply(200, b"ok"))
    with client() as c:
        c.get_bytes(url)
    agent = loopback.log[0][2]["User-Agent"]
    assert agent.startswith(f"ratsflow/{ratsflow_version()} ")
    assert "{version}" not in agent


def test_once_a_host_is_allowed_other_hosts_are_refused_without_a_request(loopback):
    url = loopback.route("/a", Reply(200, b"ok"))
    with polite_client() as c:
        assert c.allowed_hosts is None
        c.allow_host("127.0.0.1")
        assert c.get_bytes(url) == b"ok"
        with pytest.raises(DocumentRejected, match="is not on the source's host .*RATSFLOW_EXTRA_ALLOWED_HOSTS"):
            c.get_bytes("http://files.elsewhere.example/x.pdf")


def test_a_redirect_off_the_host_is_refused(loopback):
    url = loopback.route("/r", Reply(302, headers={"Location": "http://files.elsewhere.example/x.pdf"}))
    with polite_client() as c:
        c.allow_host("127.0.0.1")
        with pytest.raises(DocumentRejected, match="elsewhere.example/x.pdf is not on the source's host"):
            c.get_bytes(url)
    assert loopback.hits["/r"] == 1


def test_extra_allowed_hosts_from_settings_join_the_sources_host(loopback):
    """ris.example.de is an intranet system here (a fake resolver says so), its file server 127.0.0.1."""
    url = loopback.route("/a", Reply(200, b"ok"))
    settings = Settings(http_timeout=2.0, http_min_interval=0.0, extra_allowed_hosts=["127.0.0.1"])
    with HttpClient(settings, retries=1, backoff=0.01, resolve=lambda host: ["127.0.0.53"]) as c:
        c.allow_host("ris.example.de")
        assert c.get_bytes(url) == b"ok"
        assert c.allowed_hosts == {"127.0.0.1", "ris.example.de"}


@pytest.mark.parametrize("host, allowed, expected", [
    ("ris.example.de", "ris.example.de", True),
    ("cdn.ris.example.de", "ris.example.de", False),
    ("cdn.example.de", ".example.de", True),
    ("example.de", ".example.de", True),
    ("badexample.de", ".example.de", False),
])
def test_host_matching(host, allowed, expected):
    assert host_matches(host, allowed) is expected


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x.pdf", "file:///etc/passwd", "javascript:alert(1)", ""])
def test_only_http_urls_are_fetched(url):
    with polite_client() as c, pytest.raises(DocumentRejected, match="not an http"):
        c.get_bytes(url)


def test_a_json_answer_larger_than_the_json_limit_is_refused_and_not_asked_for_again(loopback):
    url = loopback.route("/big", Reply(200, b"x" * 5000))
    with polite_client(max_json_bytes=1000) as c:
        with pytest.raises(DocumentTooLarge, match="declares a JSON answer of 5,000 bytes, more than the limit of 1,000"):
            c.get_bytes(url)
    with polite_client(max_json_bytes=1000) as another, pytest.raises(DocumentTooLarge, match="not asked for again"):
        another.get_bytes(url)  # a backfill's next chunk, with a client of its own
    assert loopback.hits["/big"] == 1


def test_a_permanent_status_is_reported_with_its_code(loopback):
    url = loopback.route("/gone", Reply(410))
    with polite_client() as c, pytest.raises(HttpRejected) as raised:
        c.get_bytes(url)
    assert raised.value.status == 410


def test_query_parameters_keep_timestamps_readable():
    assert url_with_params("http://h/l?page=2", {"modified_since": "2024-06-01T00:00:00Z"}) == (
        "http://h/l?page=2&modified_since=2024-06-01T00:00:00Z"
    )
    assert url_with_params("http://h/l", {"q": "a+b c"}) == "http://h/l?q=a%2Bb%20c"
