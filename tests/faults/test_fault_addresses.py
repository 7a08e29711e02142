"""Where a link may lead: only http(s), only the source's host, never inside the network unless the source is.

Only 127.0.0.1 is ever contacted: addresses elsewhere are refused before any connection, and a
source "on the internet" is a fake resolver's answer (the one thing that cannot run for real here).
"""

import hashlib

import pytest
from loopback import Reply

from schemas.errors import AddressRefused
from schemas.settings import Settings
from storage.blobs import BlobStore
from tasks.fetch import fetch_document
from tasks.http import HttpClient, address_zone, resolved_addresses

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client(resolve=None, **settings) -> HttpClient:
    options = {"resolve": resolve} if resolve else {}
    return HttpClient(Settings(http_timeout=3, http_min_interval=0, **settings), retries=0, **options)


@pytest.mark.parametrize(("address", "zone"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("10.1.2.3", "private"), ("172.20.0.1", "private"), ("192.168.178.1", "private"), ("fd00::1", "private"),
    ("::ffff:10.0.0.1", "private"), ("0.0.0.0", "private"),
    ("93.184.216.34", "public"), ("2a00:1450::1", "public"),
])
def test_addresses_are_sorted_into_the_zone_they_live_in(address, zone):
    assert address_zone(address) == zone


def test_a_source_on_loopback_may_not_reach_link_local_or_private_even_when_allow_listed(loopback):
    with client(extra_allowed_hosts=["169.254.169.254", "10.0.0.1"]) as c:
        c.allow_host("127.0.0.1")
        with pytest.raises(AddressRefused, match=r"169\.254\.169\.254, a link-local address"):
            c.get_bytes("http://169.254.169.254/latest/meta-data/")
        with pytest.raises(AddressRefused, match=r"10\.0\.0\.1, a private address"):
            c.get_bytes("http://10.0.0.1/niederschrift.pdf")
        assert c.get_bytes(loopback.route("/ok", Reply(200, b"ok"))) == b"ok"  # its own network is fine


def test_a_redirect_into_the_network_is_refused_at_the_hop_before_it_is_followed(loopback):
    url = loopback.route("/f.pdf", Reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    with client(extra_allowed_hosts=["169.254.169.254"]) as c:
        c.allow_host("127.0.0.1")
        with pytest.raises(AddressRefused, match="link-local"):
            c.get_bytes(url)
    assert loopback.hits["/f.pdf"] == 1


def test_a_public_source_may_not_link_to_loopback_judged_on_the_resolved_address(loopback):
    """`localhost` is no IP literal: the guard resolves it, and 127.0.0.1 is not where the source lives."""
    port = loopback.base.rsplit(":", 1)[1]
    fake = {"council.example": ["203.0.113.7"]}
    with client(lambda host: fake.get(host) or resolved_addresses(host), extra_allowed_hosts=["localhost"]) as c:
        c.allow_host("council.example")
        with pytest.raises(AddressRefused, match=r"leads to 127\.0\.0\.1, a loopback address"):
            fetch_document(f"http://localhost:{port}/f.pdf", c, BlobStore("/nonexistent"))
    assert loopback.hits == {}


def test_a_host_that_resolves_elsewhere_when_connected_is_refused_on_the_connected_address(loopback):
    """DNS rebinding: the check before the request saw a public address, the connection went to loopback."""
    url = loopback.route("/f.pdf", Reply(200, PDF)).replace("127.0.0.1", "localhost")
    with client(lambda host: ["203.0.113.9"]) as c:  # what DNS said "the first time"
        c.allow_host("localhost")
        with pytest.raises(AddressRefused, match=r"leads to 127\.0\.0\.1, a loopback address"):
            c.get_bytes(url)


def test_file_urls_are_refused_from_a_web_source_and_copied_only_for_an_archive(tmp_path):
    local = tmp_path / "niederschrift.pdf"
    local.write_bytes(PDF)
    blobs = BlobStore(tmp_path / "blobs")
    with client() as archive_client:
        assert fetch_document(local.as_uri(), archive_client, blobs).sha256 == hashlib.sha256(PDF).hexdigest()
    with client() as web_client:
        web_client.allow_host("127.0.0.1")
        with pytest.raises(AddressRefused, match="local file linked from a web source"):
            fetch_document(local.as_uri(), web_client, blobs)
        for other in ("ftp://127.0.0.1/x.pdf", "gopher://127.0.0.1/x"):
            with pytest.raises(AddressRefused, match="not an http"):
                web_client.get_bytes(other)


def test_blob_paths_are_the_hash_whatever_the_server_calls_the_file(loopback, tmp_path):
    url = loopback.route("/..%2F..%2Fetc%2Fcron.d%2Fx.pdf", Reply(200, PDF, {
        "Content-Disposition": 'attachment; filename="../../../etc/cron.d/evil.pdf"'}))
    blobs = BlobStore(tmp_path / "data" / "blobs")
    with client() as c:
        blob = fetch_document(url, c, blobs)
    digest = hashlib.sha256(PDF).hexdigest()
    stored = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert stored == [f"data/blobs/sha256/{digest[:2]}/{digest[2:4]}/{digest}.pdf"]
    assert blob.path.endswith(f"{digest}.pdf")
