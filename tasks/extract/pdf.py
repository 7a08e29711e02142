"""Opening a PDF: reject what is not a readable PDF, with the reason an operator can act on.

pdfium is not thread-safe, not even across documents; Prefect may run several extract tasks in
threads of one process, so every pdfium call goes through `PDFIUM_LOCK` (Tesseract runs outside it).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pypdfium2 as pdfium

from schemas.errors import DocumentRejected

PDFIUM_VERSION = str(pdfium.version.PDFIUM_INFO.version)
PDFIUM_LOCK = threading.RLock()


def open_pdf(pdf: Path, name: str | None = None) -> pdfium.PdfDocument:
    """Open a PDF, or raise `DocumentRejected` saying why it never will open.

    `name` is how the reasons call the file (its URL when it was downloaded; default: its file
    name): a reason is read by an operator, who knows the file by its URL, not by its blob path.
    pdfium repairs damaged cross-reference tables silently, so a download cut short would open
    with pages missing; the missing `%%EOF` trailer is what gives a truncated file away.
    """
    name = name or Path(pdf).name
    try:
        with open(pdf, "rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, os.path.getsize(pdf) - 4096))
            tail = fh.read()
    except OSError as err:
        raise DocumentRejected(f"cannot read {name}: {err.strerror or err}") from err
    if not head:
        raise DocumentRejected(f"{name} is empty (0 bytes)")
    if b"%PDF-" not in head:
        start = head[:20].decode("latin-1").split("\n")[0]
        raise DocumentRejected(f"not a PDF: {name} starts with {start!r}")
    if b"%%EOF" not in tail:
        raise DocumentRejected(f"truncated PDF: {name} has no %%EOF trailer (download cut short?)")
    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise DocumentRejected(f"encrypted PDF: {name} needs a password") from err
        raise DocumentRejected(f"unreadable PDF: {name}: {err}") from err
    if len(doc) == 0:
        doc.close()
        raise DocumentRejected(f"PDF without pages: {name}")
    return doc
