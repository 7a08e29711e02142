"""PDFs of page texts that no `MinutesDoc` describes: the hand-written golden documents.

Born-digital: each line drawn where it stands (tabs to the next 12.5 mm stop, leading spaces as
indentation), DejaVuSans so „“ and € print; a line too wide for the page is set smaller rather
than wrapped, so the text layer keeps the line breaks the truth was written against. Scanned:
that PDF rasterised by pdfium, tilted, speckled and blurred, embedded as images only.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageFilter

from demo.typeset import FONT_FAMILY, add_fonts

_LEFT, _TOP, _WIDTH, _HEIGHT = 22.0, 20.0, 170.0, 262.0
_SIZE_PT, _TAB_MM = 10.0, 12.5
# fpdf2 stamps "now" otherwise; a fixed date keeps the bytes (and the OCR cache key) stable.
_CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def _segments(line: str) -> list[tuple[int, str]]:
    """(tab stops before, text) per tab-separated part; leading spaces count as a half stop each 4."""
    parts = line.split("\t")
    out, stops = [], 0
    for k, part in enumerate(parts):
        if k:
            stops += 1
        if part.strip():
            lead = len(part) - len(part.lstrip(" "))
            out.append((stops * 2 + lead // 2, part.strip()))
    return out


def born_digital_bytes(pages: list[str]) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(_CREATED)
    add_fonts(pdf)
    for page in pages:
        pdf.add_page()
        lines = page.split("\n")
        pitch = min(5.0, _HEIGHT / max(1, len(lines)))
        for row, line in enumerate(lines):
            segments = _segments(line)
            if not segments:
                continue
            size = _SIZE_PT
            pdf.set_font(FONT_FAMILY, "", size)
            total = max(x * _TAB_MM / 2 for x, _ in segments) + pdf.get_string_width(segments[-1][1])
            if total > _WIDTH:
                size = _SIZE_PT * _WIDTH / total
                pdf.set_font(FONT_FAMILY, "", size)
            x_end = _LEFT
            for half_stops, text in segments:
                x = max(_LEFT + half_stops * _TAB_MM / 2 * size / _SIZE_PT, x_end + 2.0)
                pdf.text(x, _TOP + (row + 1) * pitch, text)
                x_end = x + pdf.get_string_width(text)
    return bytes(pdf.output())


def scan_bytes(pages: list[str], dpi: int = 300, skew_deg: float = 0.6, noise: float = 0.02,
               blur: float = 0.3, seed: int = 7) -> bytes:
    """An image-only PDF of the born-digital rendering, degraded like a copier would."""
    source = pdfium.PdfDocument(born_digital_bytes(pages))
    out = FPDF(unit="mm", format="A4")
    out.set_creation_date(_CREATED)
    try:
        for index in range(len(source)):
            rng = np.random.default_rng([seed, index])
            image = source[index].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
            image = image.rotate(skew_deg, resample=Image.Resampling.BILINEAR, fillcolor=255)
            pixels = np.asarray(image, dtype=np.float32).copy()
            pixels += rng.standard_normal(pixels.shape).astype(np.float32) * 12.0 * noise
            flat = pixels.reshape(-1)
            speckles = rng.integers(0, flat.size, int(flat.size * 0.02 * noise))
            flat[speckles] = rng.uniform(0, 90, speckles.size)
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            out.add_page()
            out.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=210, h=297)
    finally:
        source.close()
    return bytes(out.output())


def render_text_pdfs(pages: list[str], pdf: Path, scan: Path | None = None) -> None:
    """Writes the born-digital PDF (and the scan, if asked) unless they exist already."""
    if not pdf.exists():
        pdf.write_bytes(born_digital_bytes(pages))
    if scan is not None and not scan.exists():
        scan.write_bytes(scan_bytes(pages))
