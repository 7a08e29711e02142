"""A page for OCR as an 8-bit grayscale array, at the resolution the scan deserves.

A page that is nothing but a scan at (or above) the OCR resolution is OCRed from the scan's own
pixels: decoding the image costs 17 ms where pdfium's rendering of the same page costs 100–130 ms
at 300 dpi, and no pixel is resampled. Anything else (coarser scans, which OCR better upsampled,
visible text or drawings over the scan, a `/Rotate`, an image placed turned or not filling the page)
is rendered by pdfium. A thumbnail check guards the shortcut: when the stored pixels do not look like
the rendered page (an inverting `/Decode`, a mask, a colour space pdfium maps differently), render.
"""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.extraction import OcrPolicy
from tasks.extract.layer import PageImages

_INVISIBLE_MODES = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)
_GLANCE_DPI = 12  # a thumbnail of an A4 page: ~100 × 140 px, < 2 ms to render
_GLANCE_MAX_DIFFERENCE = 12.0  # mean absolute gray difference (0–255) between the two thumbnails


def render_dpi_for(images: PageImages, policy: OcrPolicy) -> int:
    """The policy's dpi, or the scan's own when it is at least that fine (up to `max_dpi`)."""
    if images.dpi and images.dpi >= policy.dpi * 0.99:
        return int(min(round(images.dpi), policy.max_dpi))
    return policy.dpi


def render_page_gray(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    """The page rendered by pdfium as an 8-bit grayscale array (white background, text dark)."""
    bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=True)
    try:
        array = bitmap.to_numpy()
        return np.ascontiguousarray(array[:, :, 0] if array.ndim == 3 else array)
    finally:
        bitmap.close()


def page_scan_gray(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    """The page at `dpi` for OCR: the stored scan itself when the page is only that, else rendered."""
    stored = stored_scan_gray(page, dpi)
    return stored if stored is not None else render_page_gray(page, dpi)


def stored_scan_gray(page: pdfium.PdfPage, dpi: int) -> np.ndarray | None:
    """The page's one image as stored, when it is exactly what rendering at `dpi` would give; else None."""
    if page.get_rotation() != 0:
        return None
    image = None
    for obj in page.get_objects(max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE and image is None:
            image = obj
        elif obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT or pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) not in _INVISIBLE_MODES:
            return None  # a second image, a drawing, visible text: only rendering shows them all
    if image is None or not _fills_page_upright(image, page, dpi):
        return None
    bitmap = image.get_bitmap(render=False)  # a new bitmap of ours, freed with its Python object
    array = bitmap.to_numpy()
    if bitmap.format == pdfium_c.FPDFBitmap_Gray and array.ndim == 2:
        gray = array.copy()  # the view dies with the bitmap
    elif bitmap.format in (pdfium_c.FPDFBitmap_BGR, pdfium_c.FPDFBitmap_BGRx, pdfium_c.FPDFBitmap_BGRA):
        gray = cv2.cvtColor(np.ascontiguousarray(array[:, :, :3]), cv2.COLOR_BGR2GRAY)
    else:
        return None
    del array, bitmap
    return gray if _looks_like_rendering(gray, page) else None


def _fills_page_upright(image: pdfium.PdfImage, page: pdfium.PdfPage, dpi: int) -> bool:
    """Placed unturned and unflipped over the whole page, with as many pixels as `dpi` asks for."""
    width, height = page.get_size()
    m = image.get_matrix()
    if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:
        return False
    if abs(m.e) > 1 or abs(m.f) > 1 or abs(m.a - width) > 1 or abs(m.d - height) > 1:
        return False
    px_w, px_h = image.get_px_size()
    return abs(px_w - width / 72 * dpi) <= 2 and abs(px_h - height / 72 * dpi) <= 2


def _looks_like_rendering(gray: np.ndarray, page: pdfium.PdfPage) -> bool:
    glance = render_page_gray(page, _GLANCE_DPI)
    small = cv2.resize(gray, (glance.shape[1], glance.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.abs(small.astype(np.int16) - glance).mean()) <= _GLANCE_MAX_DIFFERENCE
