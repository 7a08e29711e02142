"""fetch: download one minutes file into the blob store, or learn that it has not changed.

Servers often answer 200 with an HTML error page where a PDF should be; the first bytes
decide, not the Content-Type header.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from schemas.errors import DocumentRejected
from schemas.pipeline import FetchedBlob
from storage.blobs import BlobStore
from tasks.extract.html import is_html_blob
from tasks.http import HttpClient

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

    `file://` URLs are archive files an admin pointed ratsflow at; they are copied, not fetched.
    `html_minutes`: the source says this document is a web page (see `require_document`).
    """
    if url and url.lower().startswith("file://"):
        return store_local_file(url, client, blobs)
    if not url or not url.lower().startswith(("http://", "https://")):
        raise DocumentRejected(f"not a downloadable URL: {url!r}")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with tempfile.TemporaryDirectory(prefix="ratsflow-fetch-") as tmp:
        target = Path(tmp) / "download"
        with client.stream(url, headers=headers) as response:
            if response.status_code == 304:
                return None
            size = 0
            with target.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > client.max_bytes:
                        raise DocumentRejected(f"{url} is larger than the limit of {client.max_bytes} bytes")
                    out.write(chunk)
            content_type = response.headers.get("Content-Type")
            new_etag = response.headers.get("ETag")
            new_last_modified = response.headers.get("Last-Modified")
        require_document(target, url, content_type, html_minutes=html_minutes)
        sha256, path = blobs.put_file(target)
    return FetchedBlob(
        url=url,
        sha256=sha256,
        size=size,
        path=str(path),
        content_type=content_type,
        etag=new_etag,
        last_modified=new_last_modified,
        fetched_at=datetime.now(UTC),
    )


def require_document(path: Path, url: str, content_type: str | None, *, html_minutes: bool) -> None:
    """A PDF; for a document the source marked as HTML minutes (ALLRIS `si016.asp`), an HTML page too.

    Only that mark lets HTML through: a "PDF" link answering an HTML error page stays rejected.
    """
    if html_minutes and is_html_blob(path):
        return
    require_pdf(path, url, content_type)


def require_pdf(path: Path, url: str, content_type: str | None = None) -> None:
    """Servers answer 200 with HTML error pages where PDFs belong: the first bytes decide."""
    with path.open("rb") as stream:
        head = stream.read(1024)
    served = f", Content-Type {content_type}" if content_type else ""
    if not head:
        raise DocumentRejected(f"{url} is empty (0 bytes{served}): the server sent no file")
    if PDF_MAGIC not in head:
        start = head[:40].decode("latin-1", "replace").strip()
        raise DocumentRejected(f"{url} is not a PDF (starts with {start!r}{served})")


def store_local_file(url: str, client: HttpClient, blobs: BlobStore) -> FetchedBlob:
    path = Path(unquote(urlparse(url).path))
    if not path.is_file():
        raise DocumentRejected(f"{url}: no such file")
    size = path.stat().st_size
    if size > client.max_bytes:
        raise DocumentRejected(f"{url} is larger than the limit of {client.max_bytes} bytes")
    require_pdf(path, url)
    sha256, stored = blobs.put_file(path)
    return FetchedBlob(url=url, sha256=sha256, size=size, path=str(stored), fetched_at=datetime.now(UTC))


