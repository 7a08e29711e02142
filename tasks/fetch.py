"""fetch: download one minutes file into the blob store, or learn that it has not changed.

Servers often answer 200 with an HTML error page where a PDF should be; the first bytes
decide, not the Content-Type header. A download is bounded in bytes (Content-Length first, then
what arrives) and in time (a total deadline), and a body that breaks off is fetched again.
The blob's path is its hash: nothing the server names reaches the file system.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from schemas.errors import AddressRefused, DocumentRejected, DocumentTooLarge
from schemas.pipeline import FetchedBlob
from schemas.secrets import redacted_url
from storage.blobs import BlobStore
from tasks.extract.html import is_html_blob
from tasks.http import HttpClient, TransferBrokeOff, bounded_body

PDF_MAGIC = b"%PDF-"


def fetch_document(
    url: str,
    client: HttpClient,
    blobs: BlobStore,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    html_minutes: bool = False,
) -> FetchedBlob | None:
    """Download `url` into the blob store; None when the server says it has not changed (304).

    `file://` URLs are archive files an admin pointed ratsflow at; they are copied, not fetched,
    and only while the client serves no web source (a link in a council's JSON must not read
    this machine's files).
    `html_minutes`: the source says this document is a web page (see `require_document`).
    """
    if url and url.lower().startswith("file://"):
        if client.allowed_hosts is not None:
            raise AddressRefused(f"{redacted_url(url)} is a local file linked from a web source; ratsflow fetches only http(s)")
        return store_local_file(url, client, blobs)
    if not url or not url.lower().startswith(("http://", "https://")):
        raise DocumentRejected(f"not a downloadable URL: {redacted_url(url)!r}")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with tempfile.TemporaryDirectory(prefix="ratsflow-fetch-") as tmp:
        target = Path(tmp) / "download"
        download = download_to(target, url, client, headers)
        if download is None:
            return None
        require_document(target, url, download.content_type, html_minutes=html_minutes)
        sha256, path = blobs.put_file(target)
    return FetchedBlob(
        url=url,
        sha256=sha256,
        size=download.size,
        path=str(path),
        content_type=download.content_type,
        etag=download.etag,
        last_modified=download.last_modified,
        fetched_at=datetime.now(UTC),
    )


def require_document(path: Path, url: str, content_type: str | None, *, html_minutes: bool) -> None:
    """A PDF; for a document the source marked as HTML minutes (ALLRIS `si016.asp`), an HTML page too.

    Only that mark lets HTML through: a "PDF" link answering an HTML error page stays rejected.
    """
    if html_minutes and is_html_blob(path):
        return
    require_pdf(path, url, content_type)


@dataclass(frozen=True)
class Download:
    """What arrived in the temporary file, and the validators the server sent with it."""

    size: int
    content_type: str | None
    etag: str | None
    last_modified: str | None


def download_to(target: Path, url: str, client: HttpClient, headers: dict[str, str]) -> Download | None:
    """The body of `url` written to `target`, within the client's size limit and deadline; None on 304.

    A body that breaks off mid-transfer (connection reset) is asked for again under the client's
    policy for one request, the one `client.stream` applies to a reset before the headers: as
    many retries, the same jittered backoff. Not under the fetch task's policy (tasks/run/steps.py):
    that one retries the whole stage after 10 and 20 s, for an outage, and wraps this loop (a body
    that broke off on every attempt reaches it as a retryable SourceUnavailable); and a stage
    retries the same with or without Prefect.
    """
    for attempt in range(client.retries):
        try:
            return download_once(target, url, client, headers)
        except TransferBrokeOff:
            time.sleep(client.retry_delay(attempt))
    return download_once(target, url, client, headers)


def download_once(target: Path, url: str, client: HttpClient, headers: dict[str, str]) -> Download | None:
    with client.stream(url, headers=headers) as response:
        if response.status_code == 304:
            return None
        size = 0
        with target.open("wb") as out:
            for chunk in bounded_body(response, url, client.max_bytes, client.deadline):
                size += len(chunk)
                out.write(chunk)
        return Download(size, response.headers.get("Content-Type"), response.headers.get("ETag"),
                        response.headers.get("Last-Modified"))


def require_pdf(path: Path, url: str, content_type: str | None = None) -> None:
    """Servers answer 200 with HTML error pages where PDFs belong: the first bytes decide."""
    with path.open("rb") as stream:
        head = stream.read(1024)
    served = f", Content-Type {content_type}" if content_type else ""
    if not head:
        raise DocumentRejected(f"{redacted_url(url)} is empty (0 bytes{served}): the server sent no file")
    if PDF_MAGIC not in head:
        start = head[:40].decode("latin-1", "replace").strip()
        raise DocumentRejected(f"{redacted_url(url)} is not a PDF (starts with {start!r}{served})")


def store_local_file(url: str, client: HttpClient, blobs: BlobStore) -> FetchedBlob:
    path = Path(unquote(urlparse(url).path))
    if not path.is_file():
        raise DocumentRejected(f"{url}: no such file")
    size = path.stat().st_size
    if size > client.max_bytes:
        raise DocumentTooLarge(f"{url} has {size:,} bytes, more than the limit of {client.max_bytes:,} (RATSFLOW_MAX_DOWNLOAD_BYTES)")
    require_pdf(path, url)
    sha256, stored = blobs.put_file(path)
    return FetchedBlob(url=url, sha256=sha256, size=size, path=str(stored), fetched_at=datetime.now(UTC))
