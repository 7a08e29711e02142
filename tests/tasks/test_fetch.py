import hashlib

import pytest
from loopback import Reply

from schemas.errors import DocumentRejected, DocumentTooLarge
from schemas.settings import Settings
from storage.blobs import BlobStore
from tasks.fetch import fetch_document
from tasks.http import HttpClient

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "blobs")


def http(**settings) -> HttpClient:
    return HttpClient(Settings(**settings), retries=1, backoff=0.01)


def test_a_pdf_lands_in_the_blob_store_under_its_hash(loopback, blobs):
    url = loopback.route("/f.pdf", Reply(200, PDF, {"ETag": '"v1"', "Content-Type": "application/pdf"}))
    with http() as c:
        blob = fetch_document(url, c, blobs)
    assert blob.sha256 == hashlib.sha256(PDF).hexdigest()
    assert blobs.path_for(blob.sha256).read_bytes() == PDF
    assert blob.etag == '"v1"' and blob.size == len(PDF)


def test_an_html_error_page_served_with_200_is_rejected_not_stored(loopback, blobs, tmp_path):
    url = loopback.route("/f.pdf", Reply(200, b"<!DOCTYPE html><html>Fehler</html>", {"Content-Type": "application/pdf"}))
    with http() as c, pytest.raises(DocumentRejected, match="not a PDF.*DOCTYPE"):
        fetch_document(url, c, blobs)
    assert not (tmp_path / "blobs").exists()


def test_an_empty_download_is_rejected_as_empty_not_as_a_pdf_that_starts_with_nothing(loopback, blobs, tmp_path):
    url = loopback.route("/leer.pdf", Reply(200, b"", {"Content-Type": "application/pdf"}))
    with http() as c, pytest.raises(DocumentRejected) as rejected:
        fetch_document(url, c, blobs)
    assert str(rejected.value) == f"{url} is empty (0 bytes, Content-Type application/pdf): the server sent no file"
    assert not (tmp_path / "blobs").exists()


def test_conditional_get_sends_validators_and_304_means_unchanged(loopback, blobs):
    url = loopback.route("/f.pdf", Reply(304))
    with http() as c:
        assert fetch_document(url, c, blobs, etag='"v1"', last_modified="Thu, 04 Jul 2019 10:00:00 GMT") is None
    headers = loopback.log[0][2]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Thu, 04 Jul 2019 10:00:00 GMT"


def test_downloads_over_the_size_limit_are_rejected(loopback, blobs):
    url = loopback.route("/big.pdf", Reply(200, PDF + b"x" * 5000))
    with http(max_download_bytes=1000) as c, pytest.raises(DocumentTooLarge, match="declares a file of 5,.* more than the limit of 1,000"):
        fetch_document(url, c, blobs)


def test_empty_and_non_http_urls_are_rejected_with_the_url_named(blobs):
    with http() as c:
        for bad in ["", "ftp://x/y.pdf", "javascript:alert(1)"]:
            with pytest.raises(DocumentRejected, match="not a downloadable URL"):
                fetch_document(bad, c, blobs)


def test_local_archive_files_are_copied_by_file_url(tmp_path, blobs):
    pdf = tmp_path / "Niederschrift 04.07.2019.pdf"
    pdf.write_bytes(PDF)
    with http() as c:
        blob = fetch_document(pdf.as_uri(), c, blobs)
    assert blobs.path_for(blob.sha256).read_bytes() == PDF
    with http() as c, pytest.raises(DocumentRejected, match="no such file"):
        fetch_document((tmp_path / "missing.pdf").as_uri(), c, blobs)
