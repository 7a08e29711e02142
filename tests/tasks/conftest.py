"""Extraction fixtures: small PDFs built from the seeds, once per test session.

Three kinds of page a council system serves: born-digital (text layer), a scan (image only), and
a scan under an invisible text layer left by old English-model OCR (seed 000's damaged text).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageDraw, ImageFont

SEEDS = Path(__file__).resolve().parents[2] / "demo" / "seeds"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
A4_MM = (210.0, 297.0)


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def seed_paragraph(prefix: str, containing: str) -> str:
    return next(p for p in re.split(r"\n[ \t]*\n", seed_text(prefix)) if containing in p).strip()


def wrapped_lines(text: str, font: ImageFont.FreeTypeFont, width_px: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width_px:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
        lines.append("")
    return lines[:-1]


def scan_image(text: str, dpi: int = 200) -> Image.Image:
    """An A4 page as a clean grayscale scan of `text` in 11 pt DejaVu Sans."""
    width, height = (round(mm / 25.4 * dpi) for mm in A4_MM)
    page = Image.new("L", (width, height), 255)
    font = ImageFont.truetype(FONT, round(11 / 72 * dpi))
    margin = round(25 / 25.4 * dpi)
    draw = ImageDraw.Draw(page)
    pitch = round(11 / 72 * dpi * 1.45)
    for n, line in enumerate(wrapped_lines(text, font, width - 2 * margin)):
        draw.text((margin, margin + n * pitch), line, font=font, fill=0)
    return page


def write_image_pdf(image: Image.Image, path: Path, dpi: int = 200) -> Path:
    image.save(path, "PDF", resolution=dpi)
    return path


def joined_pdf(parts: list[Path], path: Path) -> Path:
    """One PDF of the pages of `parts`, in order (a mixed document from single-page fixtures)."""
    import pypdfium2 as pdfium

    joined = pdfium.PdfDocument.new()
    for part in parts:
        source = pdfium.PdfDocument(part)
        joined.import_pages(source)
        source.close()
    joined.save(path)
    joined.close()
    return path


def write_born_digital_pdf(text: str, path: Path) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.set_margins(25, 25, 20)
    pdf.add_page()
    pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def write_damaged_layer_pdf(image: Image.Image, layer_text: str, path: Path) -> Path:
    """The scan as the page, with `layer_text` laid invisibly over it as old OCR software did."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.set_margins(25, 25, 20)
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=A4_MM[0], h=A4_MM[1])
    pdf.text_mode = TextMode.INVISIBLE
    pdf.multi_cell(0, 6, layer_text)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="session")
def umlaut_paragraphs() -> str:
    """Two seed 002 paragraphs full of ä ö ü ß (`Flüchtlingskrise`, `Ausländerbehörde`)."""
    return "\n\n".join(
        [seed_paragraph("002", "Flüchtlingskrise"), seed_paragraph("002", "Ausländerbehörde")]
    )


@pytest.fixture(scope="session")
def extraction_pdfs(tmp_path_factory, umlaut_paragraphs) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("extraction")
    scan = scan_image(umlaut_paragraphs)
    damaged = seed_text("000").split("\n\n")[2].strip()  # `Blndniskerngruppe`, `Foérderbaustein`, `fur`
    born_digital_text = " ".join(seed_paragraph("001", "Ergänzend hierzu").split())
    (folder / "page.html").write_text("<!DOCTYPE html><html><body>Sitzung</body></html>", encoding="utf-8")
    born = write_born_digital_pdf(born_digital_text, folder / "born_digital.pdf")
    encrypted = FPDF(format="A4")
    encrypted.set_encryption(owner_password="owner", user_password="geheim")
    encrypted.add_font("DejaVu", fname=FONT)
    encrypted.set_font("DejaVu", size=11)
    encrypted.add_page()
    encrypted.multi_cell(0, 6, born_digital_text)
    encrypted.output(str(folder / "encrypted.pdf"))
    truncated = folder / "truncated.pdf"
    truncated.write_bytes(born.read_bytes()[: born.stat().st_size // 2])
    return {
        "scan": write_image_pdf(scan, folder / "scan.pdf"),
        "born_digital": born,
        "damaged_layer": write_damaged_layer_pdf(scan, damaged, folder / "damaged_layer.pdf"),
        "html": folder / "page.html",
        "truncated": truncated,
        "encrypted": folder / "encrypted.pdf",
        "empty": (folder / "empty.pdf", (folder / "empty.pdf").write_bytes(b""))[0],
    }


@pytest.fixture(scope="session")
def born_digital_text() -> str:
    """What `extraction_pdfs["born_digital"]` prints (one paragraph, wrapped by fpdf2)."""
    return " ".join(seed_paragraph("001", "Ergänzend hierzu").split())
