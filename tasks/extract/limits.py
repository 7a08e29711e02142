"""What a PDF may cost, checked before pdfium inflates or renders anything.

A council's PDF can be a bomb by accident or on purpose: a Flate stream of 2 MB that inflates to
2 GB, an image declared 50,000 × 50,000 px with a kilobyte of data, a page 200 inches square
(at 300 dpi: 60,000² px), 2,000 pages. pdfium would allocate what the file declares, so every
limit is read from what the file *declares* (stream lengths after inflating, the image's pixel
size, the page box), and a document past one is refused with `DocumentTooLarge` saying what it
measured, the limit, and the setting that raises it.
"""

from __future__ import annotations

import mmap
import re
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.errors import DocumentTooLarge
from schemas.extraction import ExtractionLimits

# A stream's data starts after the keyword `stream` and one end of line (PDF 32000-1, 7.3.8.1).
_STREAM_START = re.compile(rb"stream\r?\n")
_INFLATE_CHUNK = 1 << 20
_MiB = 1024 * 1024


def require_page_count_within(page_count: int, limits: ExtractionLimits) -> None:
    """Refuse a PDF with more pages than minutes ever have, before any page is read."""
    if page_count > limits.max_pages:
        raise DocumentTooLarge(
            f"PDF has {page_count} pages, more than the limit of {limits.max_pages} (RATSFLOW_MAX_PDF_PAGES)"
        )


def largest_inflated_stream(pdf: Path, cap: int) -> int:
    """Bytes the largest Flate stream of `pdf` inflates to, counted up to `cap` (+1 once past it).

    Streams are found in the raw file (they never live inside object streams), so a damaged
    cross-reference table hides none; data that is not Flate fails zlib's header at once and
    costs nothing. Memory stays at one chunk: output is counted and dropped.
    """
    largest = 0
    try:
        fh = open(pdf, "rb")  # closed below; a missing file is open_pdf's to report
    except OSError:
        return 0
    with fh:
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return 0
        with data:
            for match in _STREAM_START.finditer(data):
                largest = max(largest, _inflated_size(data, match.end(), cap))
                if largest > cap:
                    return largest
    return largest


def _inflated_size(data: mmap.mmap, start: int, cap: int) -> int:
    """Inflated size of the zlib data at `start`, stopping as soon as it passes `cap`."""
    inflater = zlib.decompressobj()
    size, position = 0, start
    try:
        while position < len(data) and not inflater.eof:
            chunk = data[position : position + _INFLATE_CHUNK]
            position += len(chunk)
            pending = chunk
            while pending and not inflater.eof and size <= cap:
                produced = len(inflater.decompress(pending, _INFLATE_CHUNK))
                size += produced
                if not produced and inflater.unconsumed_tail == pending:
                    break  # no progress: the rest is not this stream's
                pending = inflater.unconsumed_tail
            if size > cap:
                return size
    except zlib.error:
        pass  # not Flate, or damaged after some output: what inflated so far is what pdfium would get
    return size


def require_streams_inflate_within(pdf: Path, limits: ExtractionLimits) -> None:
    """Refuse a decompression bomb: a stream that inflates past `max_inflated_stream_bytes`."""
    cap = limits.max_inflated_stream_bytes
    if largest_inflated_stream(pdf, cap) > cap:
        raise DocumentTooLarge(
            f"a compressed stream in the PDF inflates to more than {cap // _MiB} MiB (a decompression bomb?); "
            f"refused unread (RATSFLOW_MAX_INFLATED_STREAM_BYTES)"
        )


def fitted_render_dpi(page: pdfium.PdfPage, dpi: int, limits: ExtractionLimits, number: int) -> int:
    """The dpi a page can be rendered at within `max_render_pixels`: `dpi`, or lower down to `min_render_dpi`.

    A big but real page (an A2 plan) is OCRed a little coarser; a page so large that even the
    lowest dpi would not fit (14,400 pt square: 30,000² px at 150 dpi) is refused.
    """
    width_pt, height_pt = page.get_size()
    area_in = (width_pt / 72.0) * (height_pt / 72.0)
    if area_in * dpi * dpi <= limits.max_render_pixels:
        return dpi
    fitted = int((limits.max_render_pixels / area_in) ** 0.5) if area_in > 0 else dpi
    if fitted >= limits.min_render_dpi:
        return fitted
    px_w, px_h = round(width_pt / 72.0 * limits.min_render_dpi), round(height_pt / 72.0 * limits.min_render_dpi)
    raise DocumentTooLarge(
        f"page {number} measures {width_pt:.0f} × {height_pt:.0f} pt ({width_pt / 72:.0f} × {height_pt / 72:.0f} in); "
        f"even at {limits.min_render_dpi} dpi that is {px_w:,} × {px_h:,} px, more than the limit of "
        f"{limits.max_render_pixels:,} px (RATSFLOW_MAX_RENDER_PIXELS)"
    )


def require_images_within(page: pdfium.PdfPage, limits: ExtractionLimits, number: int) -> None:
    """Refuse a page with an image whose declared pixel size is a pixel bomb; rendering would decode it whole.

    pdfium reads the size from the image's dictionary without decoding its data.
    """
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        try:
            px_w, px_h = obj.get_px_size()
        except pdfium.PdfiumError:
            continue
        if px_w * px_h > limits.max_image_pixels:
            raise DocumentTooLarge(
                f"page {number} holds an image of {px_w:,} × {px_h:,} px, more than the limit of "
                f"{limits.max_image_pixels:,} px (a pixel bomb?); not rendered (RATSFLOW_MAX_IMAGE_PIXELS)"
            )
