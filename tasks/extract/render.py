"""Rendering a page for OCR: pdfium to an 8-bit grayscale array at the resolution the scan deserves."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium

from schemas.extraction import OcrPolicy
from tasks.extract.layer import PageImages


def render_dpi_for(images: PageImages, policy: OcrPolicy) -> int:
    """Render at the policy's dpi, or finer when the scan itself is finer (up to `max_dpi`)."""
    if images.dpi and images.dpi > policy.dpi * 1.1:
        return int(min(round(images.dpi), policy.max_dpi))
    return policy.dpi


def render_page_gray(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    """The page as an 8-bit grayscale array (white background, text dark)."""
    bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=True)
    try:
        array = bitmap.to_numpy()
        return np.ascontiguousarray(array[:, :, 0] if array.ndim == 3 else array)
    finally:
        bitmap.close()
