import hashlib
import socket
import struct
from http.server import BaseHTTPRequestHandler

import pytest
from loopback import Reply, ServerInThread

from schemas.errors import DocumentRejected, DocumentTooLarge
from schemas.settings import Settings
from storage.blobs import BlobStore
from tasks.fetch import fetch_document
from tasks.http import HttpClient, TransferBrokeOff

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


class ResetOnce(ServerInThread):
    """Serves `body` at /f.pdf; the first `resets` answers promise it whole, send `sent` bytes and reset the connection."""

    def __init__(self, body: bytes, *, resets: int, sent: int):
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.hits > resets:
                    self.wfile.write(body)
                    return
                self.wfile.write(body[:sent])
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.serve(Handler)


# Half of it outlasts the socket buffers, so the reset comes while the body is being read, not before.
BIG_PDF = PDF + bytes(16 << 20)


def test_a_body_that_breaks_off_is_fetched_again_under_the_clients_retries(blobs):
    with ResetOnce(BIG_PDF, resets=1, sent=len(BIG_PDF) // 2) as server, http() as c:
        blob = fetch_document(server.base + "/f.pdf", c, blobs)
    assert server.hits == 2
    assert blob.sha256 == hashlib.sha256(BIG_PDF).hexdigest() and blob.size == len(BIG_PDF)


def test_a_reset_right_after_the_headers_is_retried_like_any_reset(blobs):
    # A small file reset halfway: the reset comes with the headers, before the address guard asks whom the
    # client reached (getpeername fails). That is a reset like any other, retried, not an untyped OSError.
    with ResetOnce(PDF, resets=1, sent=len(PDF) // 2) as server, http() as c:
        blob = fetch_document(server.base + "/f.pdf", c, blobs)
    assert server.hits == 2
    assert blob.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_body_that_breaks_off_on_every_attempt_is_a_retryable_transfer_broke_off(blobs):
    with ResetOnce(BIG_PDF, resets=9, sent=len(BIG_PDF) // 2) as server, http() as c, \
            pytest.raises(TransferBrokeOff, match="transfer broke off") as caught:
        fetch_document(server.base + "/f.pdf", c, blobs)
    assert server.hits == 2  # the client's one retry, then the error for the fetch task's policy
    assert caught.value.retryable
