"""Bad PDFs, written byte by byte in code: bombs, blanks, giants, truncations. Nothing big is committed.

`raw_pdf` writes a minimal but valid PDF (catalog, page tree, pages, cross-reference table) from
page descriptions, so each fault is exactly the one thing it is named after.
"""

from __future__ import annotations

import functools
import hashlib
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf import FPDF

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
A4 = (595.0, 842.0)
FIXED_DATE = datetime(2024, 12, 20, 10, 0, tzinfo=UTC)


@dataclass
class RawPage:
    size: tuple[float, float] = A4
    content: bytes = b""
    content_filter: str | None = None  # "/FlateDecode" when `content` is already compressed
    image: dict | None = None  # {"width", "height", "data"} of a gray image, /Im1 in the page's resources
    fields: dict = field(default_factory=dict)


def raw_pdf(pages: list[RawPage], *, share_content: bool = False) -> bytes:
    """A PDF of `pages`; with `share_content` every page uses the first page's content stream (small 2,000-page files)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    tree = add(b"")
    shared: int | None = None
    kids = []
    for page in pages:
        if share_content and shared is not None:
            content = shared
        else:
            extra = f"/Filter {page.content_filter} " if page.content_filter else ""
            content = add(f"<< {extra}/Length {len(page.content)} >>\nstream\n".encode() + page.content + b"\nendstream")
            shared = content
        resources = "<< >>"
        if page.image:
            img = page.image
            image = add(
                f"<< /Type /XObject /Subtype /Image /Width {img['width']} /Height {img['height']} /ColorSpace /DeviceGray "
                f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(img['data'])} >>\nstream\n".encode()
                + img["data"] + b"\nendstream"
            )
            resources = f"<< /XObject << /Im1 {image} 0 R >> >>"
        width, height = page.size
        kids.append(add(
            f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {width:g} {height:g}] /Resources {resources} "
            f"/Contents {content} 0 R >>".encode()
        ))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def full_page_image(size: tuple[float, float], width: int, height: int, data: bytes) -> RawPage:
    """A page that is one gray image (a scan, to the extractor), drawn over the whole page box."""
    w, h = size
    return RawPage(size=size, content=f"q {w:g} 0 0 {h:g} 0 0 cm /Im1 Do Q".encode(),
                   image={"width": width, "height": height, "data": data})


def blank_giant_page() -> bytes:
    """One blank page of 200 × 200 inches (14,400 pt, the largest PDF allows): nothing to read on it."""
    return raw_pdf([RawPage(size=(14_400, 14_400))])


def giant_scan_page() -> bytes:
    """A 14,400 × 14,400 pt page covered by a small scan: OCR would render it at 60,000² px."""
    return raw_pdf([full_page_image((14_400, 14_400), 8, 8, zlib.compress(bytes(64)))])


def pixel_bomb() -> bytes:
    """An A4 page whose image declares 50,000 × 50,000 px but carries 1 MiB of zeros, compressed to ~1 KB."""
    return raw_pdf([full_page_image(A4, 50_000, 50_000, zlib.compress(bytes(1 << 20), 9))])


def flate_bomb_stream(inflated: int) -> bytes:
    """A zlib stream of `inflated` zero bytes, built from one repeated block (seconds, not a 2 GB compress).

    After a full flush the compressor starts afresh, so every further MiB of zeros compresses
    to the same bytes; the stream ends with an empty final block and the Adler-32 of the whole.
    """
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = max(1, inflated // len(chunk))
    adler = 1
    for _ in range(blocks):
        adler = zlib.adler32(chunk, adler)
    return first + repeated * (blocks - 1) + b"\x03\x00" + adler.to_bytes(4, "big")


@functools.cache
def flate_bomb(inflated: int = 2_300 * (1 << 20)) -> bytes:
    """One A4 page whose content stream inflates to `inflated` bytes (default 2.3 GiB from ~2.3 MB)."""
    return raw_pdf([RawPage(content=flate_bomb_stream(inflated), content_filter="/FlateDecode")])


def many_pages(count: int = 2_000) -> bytes:
    """`count` pages sharing one small content stream (a few lines of text would need fonts; blank will do)."""
    return raw_pdf([RawPage() for _ in range(count)], share_content=True)


def text_pdf(lines: list[str], *, password: str | None = None) -> bytes:
    """A born-digital page with `lines` (fpdf2, DejaVu); with `password`, encrypted for that user password."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)  # the same bytes on every run
    pdf.file_id = lambda: f"<{hashlib.md5(repr(lines).encode()).hexdigest()}><{hashlib.md5(repr(lines).encode()).hexdigest()}>"
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def random_bytes(seed: int, size: int = 4096) -> bytes:
    return random.Random(seed).randbytes(size)
