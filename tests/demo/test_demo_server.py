"""The OParl sample server over real HTTP on 127.0.0.1: paging, filters, files, conditional GET, log."""

import hashlib
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from demo.build import SampleCorpus
from demo.server import SampleServer, serve_in_thread


@pytest.fixture
def server(corpus_dir: Path) -> Iterator[SampleServer]:
    with serve_in_thread(corpus_dir, page_size=3) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def _meetings_url(client: httpx.Client, server: SampleServer) -> str:
    system = client.get(server.url).json()
    assert system["type"] == "https://schema.oparl.org/1.1/System"
    bodies = client.get(system["body"]).json()
    body = client.get(bodies["data"][0]["id"]).json()
    assert body["type"] == "https://schema.oparl.org/1.1/Body"
    for key in ("organization", "meeting", "paper", "person"):
        assert body[key].startswith(server.base_url)
    return body["meeting"]


def _follow(client: httpx.Client, url: str) -> tuple[list[dict], int]:
    """All objects of a list and how many pages it took."""
    objects, pages = [], 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        payload = page.json()
        objects.extend(payload["data"])
        pages += 1
        url = payload["links"].get("next")
        assert pages < 50
    return objects, pages


def test_paging_yields_every_meeting_exactly_once(server: SampleServer, client: httpx.Client,
                                                  sample_corpus: SampleCorpus) -> None:
    url = _meetings_url(client, server)
    first = client.get(url).json()
    assert first["pagination"] == {"totalElements": len(sample_corpus.meetings), "elementsPerPage": 3,
                                   "currentPage": 1, "totalPages": 3}
    assert first["links"]["last"].endswith("page=3")
    meetings, pages = _follow(client, url)
    assert pages == 3
    ids = [m["id"].rsplit("/", 1)[1] for m in meetings]
    assert sorted(ids) == sorted(m.id for m in sample_corpus.meetings)
    assert len(ids) == len(set(ids))
    for meeting in meetings:
        assert meeting["agendaItem"] and all(item["meeting"] == meeting["id"] for item in meeting["agendaItem"])
        assert {"id", "type", "number", "order", "name", "public"} <= set(meeting["agendaItem"][0])
        protocol = meeting["resultsProtocol"]
        assert protocol["mimeType"] == "application/pdf" and protocol["accessUrl"].startswith(server.base_url)
        assert datetime.fromisoformat(meeting["modified"]) >= datetime.fromisoformat(meeting["created"])


def test_modified_since_filters_and_stays_in_next_links(server: SampleServer, client: httpx.Client,
                                                        sample_corpus: SampleCorpus) -> None:
    ordered = sorted(sample_corpus.meetings, key=lambda m: m.modified)
    cut = ordered[3].modified
    expected = {m.id for m in ordered if m.modified >= cut}
    url = _meetings_url(client, server)
    first = client.get(url, params={"modified_since": cut.isoformat()}).json()
    assert "modified_since=" in first["links"]["next"]
    meetings, pages = _follow(client, str(httpx.URL(url, params={"modified_since": cut.isoformat()})))
    assert pages == 2
    assert {m["id"].rsplit("/", 1)[1] for m in meetings} == expected
    assert len(meetings) == len(expected) < len(sample_corpus.meetings)
    bad = client.get(url, params={"modified_since": "N/A"})
    assert bad.status_code == 400


def test_pdf_download_matches_file_metadata_and_answers_conditional_gets(
        server: SampleServer, client: httpx.Client, sample_corpus: SampleCorpus) -> None:
    meeting = sample_corpus.meetings[4]
    file_obj = client.get(f"{server.base_url}/oparl/v1/file/{meeting.id}").json()
    embedded = client.get(f"{server.base_url}/oparl/v1/meeting/{meeting.id}").json()["resultsProtocol"]
    assert embedded == file_obj
    response = client.get(file_obj["downloadUrl"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == sample_corpus.pdf_path(meeting.id).read_bytes()
    assert file_obj["size"] == len(response.content)
    assert file_obj["sha512Checksum"] == hashlib.sha512(response.content).hexdigest()

    etag, last_modified = response.headers["etag"], response.headers["last-modified"]
    assert client.get(file_obj["downloadUrl"], headers={"If-None-Match": etag}).status_code == 304
    assert client.get(file_obj["downloadUrl"], headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(file_obj["downloadUrl"], headers={"If-None-Match": '"other"'}).status_code == 200

    path = httpx.URL(file_obj["downloadUrl"]).path
    assert [entry for entry in server.requests if entry[1] == path] == [
        ("GET", path, 200), ("GET", path, 304), ("GET", path, 304), ("GET", path, 200)]
    assert client.get(f"{server.base_url}/oparl/v1/meeting/no-such-meeting").status_code == 404
    assert server.requests[-1] == ("GET", "/oparl/v1/meeting/no-such-meeting", 404)


def test_replace_pdf_serves_new_bytes_and_bumps_modified(server: SampleServer, client: httpx.Client,
                                                         sample_corpus: SampleCorpus) -> None:
    meeting = sample_corpus.meetings[0]
    pdf_url = f"{server.base_url}/files/{meeting.pdf}"
    old = client.get(pdf_url)
    latest = max(m.modified for m in sample_corpus.meetings)

    new_bytes = old.content.replace(b"%%EOF", b"% corrected\n%%EOF")
    server.replace_pdf(meeting.id, new_bytes)

    assert client.get(pdf_url, headers={"If-None-Match": old.headers["etag"]}).status_code == 200
    assert client.get(pdf_url).content == new_bytes
    changed, _ = _follow(client, str(httpx.URL(_meetings_url(client, server),
                                               params={"modified_since": (latest + timedelta(seconds=1)).isoformat()})))
    assert [m["id"].rsplit("/", 1)[1] for m in changed] == [meeting.id]
    protocol = changed[0]["resultsProtocol"]
    assert protocol["size"] == len(new_bytes)
    assert datetime.fromisoformat(protocol["modified"]) > latest


def test_urls_follow_the_host_header_and_stop_leaves_no_thread(corpus_dir: Path) -> None:
    server = serve_in_thread(corpus_dir)
    with httpx.Client(timeout=10) as client:
        system = client.get(server.url, headers={"Host": f"localhost:{server.port}"}).json()
    assert system["body"] == f"http://localhost:{server.port}/oparl/v1/bodies"
    server.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("oparl-demo")]
    with pytest.raises(httpx.ConnectError), httpx.Client(timeout=2) as client:
        client.get(server.url)
