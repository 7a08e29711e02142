"""Minutes documents as PDFs of the three kinds council systems serve.

- born-digital: a real text layer, as written by an office suite;
- scan: page images only, as from a copier (grayscale, skew, speckles, blur, JPEG);
- scan with a damaged layer: the scan plus an invisible text layer made by an English-model OCR,
  which is what many archives hold: looks right, extracts wrong (seed 000 shows the damage).

Everything is deterministic: the same document and arguments give the same bytes.
"""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageFilter

from demo.compose import MinutesDoc, PrintedLine
from demo.typeset import FONT_FAMILY, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, STYLES, add_fonts


def _new_pdf(doc: MinutesDoc, *, fonts: bool = True) -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    # A fixed creation date keeps the bytes reproducible (fpdf2 would stamp "now").
    pdf.set_creation_date(datetime(doc.date.year, doc.date.month, doc.date.day, 20, 0, tzinfo=UTC))
    pdf.set_title(doc.title)
    pdf.set_author(doc.body_name)
    if fonts:  # parsing the TTFs costs a third of a second; image-only PDFs need none
        add_fonts(pdf)
    return pdf


def _draw_lines(pdf: FPDF, lines: list[PrintedLine], texts: list[str] | None = None) -> None:
    for index, line in enumerate(lines):
        text = texts[index] if texts is not None else line.text
        if not text:
            continue
        style = STYLES[line.style]
        pdf.set_font(FONT_FAMILY, style.font_style, style.size_pt)
        pdf.text(line.x_mm, line.y_mm, text)


def born_digital_bytes(doc: MinutesDoc) -> bytes:
    """The PDF with a real text layer, one PDF page per document page."""
    pdf = _new_pdf(doc)
    for lines in doc.printed:
        pdf.add_page()
        _draw_lines(pdf, lines)
    return bytes(pdf.output())


def render_born_digital(doc: MinutesDoc, path: Path) -> Path:
    """Writes the born-digital PDF to `path`."""
    path = Path(path)
    path.write_bytes(born_digital_bytes(doc))
    return path


# --- scanning ------------------------------------------------------------------------------------


def _degrade(image: Image.Image, *, skew_deg: float, noise: float, blur: float, rng: np.random.Generator) -> Image.Image:
    """What a copier does to a page: tilt, dust and grain, softness.

    `noise` in [0, 1]: 0.1 gives about 0.2 % dark speckles and a faint grain; 1.0 is a bad fax.
    """
    if skew_deg:
        image = image.rotate(skew_deg, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    if noise > 0:
        pixels = np.asarray(image, dtype=np.float32).copy()
        pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * np.float32(12.0 * noise)
        flat = pixels.reshape(-1)
        count = rng.binomial(flat.size, min(1.0, 0.02 * noise))
        flat[rng.integers(0, flat.size, count)] = rng.uniform(0, 90, count).astype(np.float32)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(radius=blur))
    return image


def _page_images(doc: MinutesDoc, *, dpi: int, skew_deg: float, noise: float, blur: float,
                 jpeg_quality: int | None, seed: int) -> list[bytes | Image.Image]:
    """Each page rasterised from the born-digital PDF and degraded; JPEG bytes when a quality is
    given (embedded as they are), else the image itself (fpdf2 stores it losslessly, Flate)."""
    source = pdfium.PdfDocument(born_digital_bytes(doc))
    images: list[bytes | Image.Image] = []
    try:
        for index in range(len(source)):
            rng = np.random.default_rng([seed, index])
            page = source[index]
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            image = bitmap.to_pil().convert("L")
            page.close()
            # Real scanners tilt each sheet a little differently.
            tilt = skew_deg * (1.0 + 0.15 * (rng.random() - 0.5)) if skew_deg else 0.0
            image = _degrade(image, skew_deg=tilt, noise=noise, blur=blur, rng=rng)
            if jpeg_quality is None:
                images.append(image)
            else:
                buffer = io.BytesIO()
                image.save(buffer, format="JPEG", quality=jpeg_quality, dpi=(dpi, dpi))
                images.append(buffer.getvalue())
    finally:
        source.close()
    return images


def _image_pdf(doc: MinutesDoc, images: list[bytes | Image.Image], layers: list[list[str]] | None = None) -> bytes:
    pdf = _new_pdf(doc, fonts=layers is not None)
    for index, data in enumerate(images):
        pdf.add_page()
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        pdf.image(source, x=0, y=0, w=PAGE_WIDTH_MM, h=PAGE_HEIGHT_MM)
        if layers is not None:
            pdf.text_mode = TextMode.INVISIBLE
            _draw_lines(pdf, doc.printed[index], layers[index])
            pdf.text_mode = TextMode.FILL
    return bytes(pdf.output())


def scan_bytes(doc: MinutesDoc, *, dpi: int = 300, skew_deg: float = 0.0, noise: float = 0.0,
               blur: float = 0.0, jpeg_quality: int | None = None, seed: int = 0) -> bytes:
    """An image-only PDF: no text layer at all, so text must come from OCR."""
    images = _page_images(doc, dpi=dpi, skew_deg=skew_deg, noise=noise, blur=blur,
                          jpeg_quality=jpeg_quality, seed=seed)
    return _image_pdf(doc, images)


def render_scan(doc: MinutesDoc, path: Path, *, dpi: int = 300, skew_deg: float = 0.0, noise: float = 0.0,
                blur: float = 0.0, jpeg_quality: int | None = None, seed: int = 0) -> Path:
    """Writes the image-only PDF to `path`.

    Without `jpeg_quality` the pages are stored losslessly, which is slow and large once `noise`
    adds grain: pass a quality (70–85 looks like an office copier) for noisy scans.
    """
    path = Path(path)
    path.write_bytes(scan_bytes(doc, dpi=dpi, skew_deg=skew_deg, noise=noise, blur=blur,
                                jpeg_quality=jpeg_quality, seed=seed))
    return path


# --- the damaged text layer --------------------------------------------------------------------------

# What an English OCR model reads for German glyphs, with weights (learned from seed 000:
# "fur", "Ergdnzung", "Foérderbaustein", "geflichteten", "gewlnscht", "aullerdem", "Fliichtige").
_CONFUSIONS: dict[str, list[tuple[str, float]]] = {
    "ä": [("a", 0.6), ("d", 0.3), ("ä", 0.1)],
    "ö": [("o", 0.55), ("é", 0.3), ("ö", 0.15)],
    "ü": [("u", 0.45), ("i", 0.25), ("l", 0.15), ("ii", 0.1), ("ü", 0.05)],
    "Ä": [("A", 0.9), ("Ä", 0.1)],
    "Ö": [("O", 0.9), ("Ö", 0.1)],
    "Ü": [("U", 0.9), ("Ü", 0.1)],
    "ß": [("ll", 0.4), ("B", 0.4), ("ß", 0.2)],
    "„": [(",", 0.85), (",,", 0.15)],
    "“": [("*", 0.5), ("“", 0.3), ('"', 0.2)],
    "–": [("-", 0.6), ("–", 0.4)],
}
_WORD_CONFUSIONS = [
    (re.compile(r"\bKI(?=s?\b)"), "Kl", 0.9),
    (re.compile(r"\bIII\b"), "lll", 0.9),
    (re.compile(r"\bII\b"), "ll", 0.7),
]


def damage_text(text: str, seed: int) -> str:
    """`text` as an English-model OCR would have read the printed German page.

    Deterministic by `seed`; line breaks are kept, so line i of the result belongs to line i of
    the input (the renderer places each damaged line where the true line is printed).
    """
    rng = random.Random(seed)
    for pattern, replacement, probability in _WORD_CONFUSIONS:
        text = pattern.sub(lambda m, r=replacement, p=probability: r if rng.random() < p else m.group(0), text)
    out: list[str] = []
    for char in text:
        choices = _CONFUSIONS.get(char)
        if choices is None:
            out.append(char)
            continue
        out.append(rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0])
    return "".join(out)


def damaged_layer_bytes(doc: MinutesDoc, *, dpi: int = 300, seed: int = 0, skew_deg: float = 0.0,
                        noise: float = 0.0, blur: float = 0.0, jpeg_quality: int | None = None) -> bytes:
    """A scan plus an invisible, damaged text layer (text render mode 3, like OCR sandwiches)."""
    images = _page_images(doc, dpi=dpi, skew_deg=skew_deg, noise=noise, blur=blur,
                          jpeg_quality=jpeg_quality, seed=seed)
    layers = []
    for index, lines in enumerate(doc.printed):
        damaged = damage_text("\n".join(line.text for line in lines), seed * 1000 + index).split("\n")
        layers.append(damaged)
    return _image_pdf(doc, images, layers)


def render_damaged_layer(doc: MinutesDoc, path: Path, *, dpi: int = 300, seed: int = 0, skew_deg: float = 0.0,
                         noise: float = 0.0, blur: float = 0.0, jpeg_quality: int | None = None) -> Path:
    """Writes the scan with a damaged invisible text layer to `path`."""
    path = Path(path)
    path.write_bytes(damaged_layer_bytes(doc, dpi=dpi, seed=seed, skew_deg=skew_deg, noise=noise,
                                         blur=blur, jpeg_quality=jpeg_quality))
    return path
