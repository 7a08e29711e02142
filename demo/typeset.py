"""Page geometry, line styles and word wrapping shared by composition and rendering.

Composition decides every line break and every line's position with the same font metrics the
renderer uses, so the page text recorded as ground truth is exactly the text drawn on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "DejaVu"

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
LEFT_MM = 25.0
RIGHT_MM = 20.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - LEFT_MM - RIGHT_MM
BODY_TOP_MM = 28.0
BODY_BOTTOM_MM = 268.0
RUNNING_HEADER_Y_MM = 15.0
RUNNING_FOOTER_Y_MM = 284.0


@dataclass(frozen=True)
class LineStyle:
    """How one kind of line is set: font style, size in pt, and the vertical space it takes in mm."""

    font_style: str
    size_pt: float
    pitch_mm: float


STYLES: dict[str, LineStyle] = {
    "title": LineStyle("B", 13.0, 6.6),
    "bold": LineStyle("B", 10.5, 5.2),
    "normal": LineStyle("", 10.5, 5.2),
    "blank": LineStyle("", 10.5, 3.6),
    "running": LineStyle("", 8.5, 4.2),
}


def font_path(font_style: str) -> Path:
    """The TTF for a style; fails early with the package name if the fonts are missing."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if font_style == "B" else "DejaVuSans.ttf")
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the Debian package fonts-dejavu-core")
    return path


def add_fonts(pdf: FPDF) -> None:
    """Registers DejaVuSans (regular and bold) on `pdf`: the core PDF fonts cannot print „“ or €."""
    pdf.add_font(FONT_FAMILY, "", str(font_path("")))
    pdf.add_font(FONT_FAMILY, "B", str(font_path("B")))


@lru_cache(maxsize=1)
def _measuring_pdf() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    add_fonts(pdf)
    return pdf


@lru_cache(maxsize=65536)
def string_width_mm(text: str, style: str = "normal") -> float:
    """Printed width of `text` in mm in the given line style."""
    line_style = STYLES[style]
    pdf = _measuring_pdf()
    pdf.set_font(FONT_FAMILY, line_style.font_style, line_style.size_pt)
    return pdf.get_string_width(text)


def wrap_words(text: str, width_mm: float, style: str = "normal") -> list[str]:
    """Greedy word wrap of one paragraph into lines no wider than `width_mm`.

    A single word wider than the line stays whole on its own line (no hyphenation: real
    minutes hyphenate, but the ground truth would then need a dehyphenation rule of its own).
    """
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and string_width_mm(candidate, style) > width_mm:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
