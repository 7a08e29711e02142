"""Real PDFs for each way extraction has failed on real minutes, with the text each page prints.

One `Case` per failure class (issue 13): short born-digital pages full of names, abbreviations
and figures; soft hyphens (pdfium reports U+FFFE for them); the first name `Ole`; scans turned
by `/Rotate` or turned in the image itself; CCITT G4 1-bit scans; born-digital minutes with
scanned annexes; two-column attendance pages; one-page documents with a page-number footer; short
pages printed over a full-page letterhead picture; lines set so tight that pdfium joins them; and
the control: a scan under an invisible, damaged English-model OCR layer.

Everything is built from the seeds and the lists below, deterministically. Born-digital pages are
drawn line by line with fpdf2 (DejaVuSans); scans are those pages rasterised by pdfium and
embedded as images, the way a copier's PDF holds them. `Case.truths` is the page text a reader
sees, in reading order, without the page-number furniture (which normalisation must remove).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageFilter

from demo.itempool import seed_paragraphs
from demo.render import damage_text

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
A4 = (210.0, 297.0)
A5 = (148.0, 210.0)
SOFT_HYPHEN = "\u00ad"

# Names as attendance lists print them: many surnames are in no dictionary.
FIRST_NAMES = ["Ole", "Uwe", "Jörg", "Birte", "Hauke", "Imke", "Swantje", "Kai-Uwe", "Özlem", "Malte",
               "Gesa", "Tjark", "Heike", "Ferdi", "Anja", "Sönke", "Rabea", "Wiebke", "Detlef", "Nurcan"]
SURNAMES = ["Dinstühler", "Pütz", "Kowalczyk", "Nöthen", "Wirtz", "Schmitz-Lenders", "Oezdemir", "Kläsgen",
            "Brodeßer", "Lüttgen", "Rottländer", "Krämer-Wißkirchen", "Jansen", "Hohn", "Tillmann",
            "Zimmermann", "Büscher", "Gieraths", "Wölwer", "Mertens"]
PARTIES = ["CDU", "SPD", "GRÜNE", "FDP", "AfD", "DIE LINKE", "FW", "Volt"]
ROLES = ["Kreistagsabgeordnete/r", "sachkundige/r Bürger/in", "stv. Mitglied", "Vorsitz", "beratend"]


# ── Pages ──────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Line:
    """One drawn line: baseline `y` from the top in mm, size in pt."""

    text: str
    x: float
    y: float
    size: float = 10.5
    bold: bool = False


@dataclass
class Page:
    """One page to draw; `kind` says how it reaches the PDF.

    `born` (text layer, visible), `scan` (image only), `scan_layer` (image plus an invisible text
    layer of `layer_lines`), `letterhead` (visible text drawn over a full-page letterhead image). `turn` (0/90/180/270, clockwise) turns the image content; `rotate`
    sets the page's `/Rotate`; `g4` stores the scan as a 1-bit CCITT G4 image.
    """

    lines: list[Line]
    truth: str
    kind: str = "born"
    size: tuple[float, float] = A5
    dpi: int = 300
    turn: int = 0
    rotate: int = 0
    g4: bool = False
    layer_lines: list[str] | None = None
    stamp: str | None = None  # visible born-digital text drawn over a scan ("Anlage 1")


@dataclass
class Case:
    name: str
    failure_class: str
    pages: list[Page]
    path: Path | None = None
    notes: str = ""
    expected_methods: list[str] = field(default_factory=list)

    @property
    def truths(self) -> list[str]:
        return [p.truth for p in self.pages]


def flow(paragraphs: list[str], *, width_chars: int, x: float = 15.0, top: float = 20.0,
         pitch: float = 5.4, size: float = 10.5, hyphenate: bool = False) -> tuple[list[Line], str]:
    """Paragraphs wrapped at `width_chars`, as drawn lines plus the truth text.

    With `hyphenate`, a long word that would not fit is broken with a soft hyphen (as Word
    does): the line shows `Integrations‐` and the truth keeps the whole word.
    """
    lines: list[Line] = []
    truth: list[str] = []
    y = top
    for paragraph in paragraphs:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if len(candidate) <= width_chars:
                current = candidate
                continue
            room = width_chars - len(current) - 2
            if hyphenate and len(word) >= 10 and room >= 5 and word.isalpha():
                cut = min(room, len(word) - 4)
                lines.append(Line(f"{current} {word[:cut]}{SOFT_HYPHEN}".strip(), x, y, size))
                y += pitch
                current = word[cut:]
                continue
            lines.append(Line(current, x, y, size))
            y += pitch
            current = word
        if current:
            lines.append(Line(current, x, y, size))
            y += pitch
        y += pitch * 0.6
        truth.append(paragraph)
    return lines, "\n".join(truth)


def _pdf(size: tuple[float, float]) -> FPDF:
    pdf = FPDF(unit="mm", format=size)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD)
    return pdf


def _draw(pdf: FPDF, lines: list[Line], texts: list[str] | None = None) -> None:
    for index, line in enumerate(lines):
        text = line.text if texts is None else texts[index]
        if text:
            pdf.set_font("DejaVu", "B" if line.bold else "", line.size)
            pdf.text(line.x, line.y, text)


def born_page_bytes(page: Page) -> bytes:
    pdf = _pdf(page.size)
    pdf.add_page()
    _draw(pdf, page.lines)
    return bytes(pdf.output())


def scan_image(page: Page, seed: int = 0) -> Image.Image:
    """The page as a copier scans it: rasterised, a little soft, a little grain, turned as asked."""
    source = pdfium.PdfDocument(born_page_bytes(page))
    try:
        bitmap = source[0].render(scale=page.dpi / 72.0, grayscale=True)
        image = bitmap.to_pil().convert("L")
    finally:
        source.close()
    rng = np.random.default_rng(seed)
    image = image.filter(ImageFilter.GaussianBlur(radius=0.4 * page.dpi / 300))
    pixels = np.asarray(image, dtype=np.float32) + rng.standard_normal((image.height, image.width)).astype(np.float32) * 5
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if page.g4:
        image = image.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)
    turns = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    if page.turn:
        image = image.transpose(turns[page.turn])  # PIL turns counter-clockwise; `turn` is clockwise
    return image


def scan_page_bytes(page: Page, seed: int = 0) -> bytes:
    image = scan_image(page, seed)
    if page.g4:
        # Pillow writes a 1-bit image into a PDF as CCITTFaxDecode, K -1: Group 4, like fax and
        # archive scanners do.
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=page.dpi)
        return buffer.getvalue()
    size_mm = (image.width / page.dpi * 25.4, image.height / page.dpi * 25.4)
    pdf = _pdf(size_mm)
    pdf.add_page()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, dpi=(page.dpi, page.dpi))
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=size_mm[0], h=size_mm[1])
    if page.layer_lines is not None:
        pdf.text_mode = TextMode.INVISIBLE
        _draw(pdf, page.lines, page.layer_lines)
        pdf.text_mode = TextMode.FILL
    if page.stamp:
        pdf.set_font("DejaVu", "B", 9)
        pdf.text(size_mm[0] - 35, 8, page.stamp)
    return bytes(pdf.output())


def letterhead_image(size: tuple[float, float], dpi: int = 200) -> Image.Image:
    """A council's letterhead as Word templates embed it: one full-page picture, mostly white.

    Coat of arms, the authority's name, a rule, and the contact block and bank details in the
    footer: some 200 glyphs of its own.
    """
    pdf = _pdf(size)
    pdf.add_page()
    pdf.set_fill_color(30, 70, 140)
    pdf.rect(size[0] - 32, 8, 16, 19, style="F")
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(size[0] - 28, 12, 8, 11, style="F")
    _draw(pdf, [Line("Stadt Rheinbach", 15, 15, 14, bold=True), Line("Der Bürgermeister", 15, 21, 10)])
    pdf.set_draw_color(30, 70, 140)
    pdf.line(15, 30, size[0] - 15, 30)
    footer = ["Stadtverwaltung Rheinbach · Schweigelstraße 23 · 53359 Rheinbach · Tel. 02226 917-0",
              "Sparkasse KölnBonn IBAN DE12 3705 0198 0000 1234 56 · www.rheinbach.de"]
    _draw(pdf, [Line(text, 15, size[1] - 12 + 3.5 * i, 6.5) for i, text in enumerate(footer)])
    source = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        return source[0].render(scale=dpi / 72.0).to_pil().convert("RGB")
    finally:
        source.close()


def letterhead_page_bytes(page: Page) -> bytes:
    """The page's lines drawn as visible text over a full-page letterhead picture."""
    pdf = _pdf(page.size)
    pdf.add_page()
    buffer = io.BytesIO()
    letterhead_image(page.size).save(buffer, "JPEG", quality=90)
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=page.size[0], h=page.size[1])
    _draw(pdf, page.lines)
    return bytes(pdf.output())


def page_bytes(page: Page, seed: int = 0) -> bytes:
    if page.kind == "born":
        return born_page_bytes(page)
    if page.kind == "letterhead":
        return letterhead_page_bytes(page)
    return scan_page_bytes(page, seed)


def write_case(case: Case, folder: Path) -> Case:
    """Writes the case's PDF (pages merged with pdfium, `/Rotate` set last) to `folder`."""
    merged = pdfium.PdfDocument.new()
    for index, page in enumerate(case.pages):
        single = pdfium.PdfDocument(page_bytes(page, seed=index))
        merged.import_pages(single)
        single.close()
        if page.rotate:
            merged[index].set_rotation(page.rotate)
    for page in case.pages:
        bottom = max(line.y for line in page.lines)
        assert bottom < page.size[1] - 5, f"{case.name}: text runs off the page ({bottom:.0f} mm)"
    path = Path(folder) / f"{case.name}.pdf"
    merged.save(path)
    merged.close()
    case.path = path
    return case


# ── Content ────────────────────────────────────────────────────────────────────────────────────


def attendees(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    people = []
    for i in range(count):
        first, last = FIRST_NAMES[(i * 7 + seed) % len(FIRST_NAMES)], SURNAMES[(i * 3 + seed) % len(SURNAMES)]
        people.append(f"{first} {last} ({rng.choice(PARTIES)}) {rng.choice(ROLES)}")
    return people


def attendance_page(seed: int = 1) -> tuple[list[Line], str]:
    """Page 1 of real minutes: header, date and times, then one person per line."""
    head = [
        Line("Niederschrift über die 12. Sitzung des Ausschusses", 12, 18, 9.5, bold=True),
        Line("für Soziales, Gleichstellung und Integration", 12, 22.6, 9.5, bold=True),
        Line("am Mi., 27.11.2019, 17:00 Uhr bis 19:10 Uhr, Kreishaus Siegburg, Raum 1.04", 12, 28.2, 9.5),
        Line("Anwesend:", 12, 33.8, 9.5),
    ]
    people = attendees(14, seed)
    tail = ["Verwaltung: KDir'in Dr. Hartmann, Ltd. KVD Pütz, KOAR'in Wirtz (Prot.)",
            "Entschuldigt: Sönke Brodeßer (FDP), Gesa Lüttgen (GRÜNE)"]
    lines, y = list(head), 39.4
    for text in people + tail:
        lines.append(Line(text, 12, y, 9.5))
        y += 4.8
    return lines, "\n".join(line.text for line in lines)


def signature_page() -> tuple[list[Line], str]:
    texts = ["Siegburg, den 04.12.2019", "Der Vorsitzende", "gez. Ole Kläsgen", "Die Schriftführerin",
             "gez. Imke Rottländer", "Anlagen: 2 (Präsentation KI, Drs. 17/0815)"]
    lines = [Line(t, 15, 30 + 9 * i, 10.5) for i, t in enumerate(texts)]
    return lines, "\n".join(texts)


def figures_page() -> tuple[list[Line], str]:
    """Budget figures and abbreviations: few dictionary words, all of them correct."""
    rows = [
        "Haushaltsplan 2020, Produktgruppe 05.01 Soziale Hilfen",
        "Ansatz 2019: 12.450.000 EUR; Ansatz 2020: 13.105.500 EUR (+5,3 %)",
        "davon SGB XII: 8.712.300 EUR; AsylbLG: 2.116.000 EUR; BuT: 640.000 EUR",
        "KI/KIM: 1.637.200 EUR (Landesmittel NRW gem. TIntG § 7)",
        "Abstimmung: 14 Ja, 2 Nein, 1 Enth. (CDU, SPD, GRÜNE, FDP: ja; AfD: nein; FW: Enth.)",
        "Ltd. KVD Pütz, KOAR'in Wirtz, Hr. Tjark Gieraths (B90/GRÜNE)",
        "TOP 5.1 / 5.2: Drs. 17/0815, 17/0816-1, 17/0822 (ÄA)",
    ]
    lines = [Line(t, 10, 22 + 6.5 * i, 8.5) for i, t in enumerate(rows)]
    return lines, "\n".join(rows)


def prose(prefix: str, count: int, start: int = 0) -> list[str]:
    return seed_paragraphs(prefix)[start : start + count]


def footer_page(footer: str) -> tuple[list[Line], str]:
    """A one-page document (an extract of minutes) with a page-number footer, centred if short."""
    body, truth = flow(["Auszug aus der Niederschrift", *prose("003", 2, 1)], width_chars=64, x=15, top=22, size=9.5)
    return [*body, Line(footer, 66 if len(footer) < 20 else 15, 200, 8.5)], truth


def two_column_attendance(seed: int = 3, right_x: float = 80) -> tuple[list[Line], str]:
    """Attendance as a two-column block: members left, administration right (read column by column)."""
    left = ["Stimmberechtigte Mitglieder:", *(p.split(" (")[0] + " (" + p.split(" (")[1].split(")")[0] + ")"
                                              for p in attendees(12, seed))]
    right = ["Von der Verwaltung:", "KDir'in Dr. Hartmann", "Ltd. KVD Pütz", "KOAR'in Wirtz", "Hr. Kowalczyk (Amt 50)",
             "Fr. Nöthen (Gleichstellung)", "Gäste:", "Hr. Oezdemir (Integrationsrat)", "Fr. Jansen (Caritas)"]
    lines = [Line("Sitzung des Integrationsrates am 14.02.2023", 12, 16, 10, bold=True)]
    lines += [Line(t, 12, 26 + 5.2 * i, 9) for i, t in enumerate(left)]
    lines += [Line(t, right_x, 26 + 5.2 * i, 9) for i, t in enumerate(right)]
    return lines, "\n".join([lines[0].text, *left, *right])


def letter_page() -> tuple[list[Line], str]:
    """The last page of a letter on the council's letterhead: date, greeting, signature."""
    texts = ["Rheinbach, 14.02.2023", "Mit freundlichen Grüßen", "gez. Ludger Banken", "Bürgermeister"]
    lines = [Line(t, 15, 45 + 7 * i, 10) for i, t in enumerate(texts)]
    return lines, "\n".join(texts)


def distribution_list_page(seed: int = 5) -> tuple[list[Line], str]:
    """The distribution list of an invitation on letterhead: names, parties, roles."""
    texts = ["Verteiler:", *attendees(12, seed)]
    lines = [Line(t, 15, 42 + 5.5 * i, 9.5) for i, t in enumerate(texts)]
    return lines, "\n".join(texts)


def tight_agenda_page() -> tuple[list[Line], str]:
    """An agenda set with "exactly 7 pt" line spacing in 10 pt: glyph boxes of neighbouring
    lines overlap, and pdfium joins such lines into one (`5. Anträge 5.1 Antrag …`)."""
    texts = ["Tagesordnung", "5. Anträge", "5.1 Antrag der SPD-Fraktion: Schulwegsicherung Am Stadtpark",
             "5.2 Antrag der CDU-Fraktion: Sanierung der Turnhalle Merzbach", "6. Anfragen",
             "6.1 Anfrage der GRÜNE-Fraktion zum Radverkehrskonzept", "7. Mitteilungen des Bürgermeisters"]
    lines = [Line(texts[0], 15, 25, 10, bold=True)]
    lines += [Line(t, 15, 32 + 2.5 * i, 10) for i, t in enumerate(texts[1:])]
    return lines, "\n".join(texts)


def soft_hyphen_page() -> tuple[list[Line], str]:
    """Seed prose set narrow, long words broken by soft hyphens, and `Ole` as a first name."""
    paragraphs = ["Herr Ole Wirtz (SPD) fragt nach dem Sachstand der Integrationsvereinbarungen.", *prose("002", 2)]
    return flow(paragraphs, width_chars=52, x=15, top=20, size=10, pitch=5.2, hyphenate=True)


# ── The cases ──────────────────────────────────────────────────────────────────────────────────


def _page(lines_truth: tuple[list[Line], str], **options) -> Page:
    lines, truth = lines_truth
    return Page(lines=lines, truth=truth, **options)


def upright_scan_text() -> tuple[list[Line], str]:
    return flow(prose("002", 2), width_chars=62, x=14, top=20, size=10)


def all_cases() -> list[Case]:
    """Every failure class, small: A5 pages, at most four pages a case."""
    scan_text = upright_scan_text()
    annex_lines, annex_truth = flow(["Anlage 1 zur Niederschrift", *prose("004", 2, 1)], width_chars=62, x=14, top=24, size=10)
    damaged_lines, damaged_truth = flow(prose("002", 2), width_chars=62, x=14, top=20, size=10)
    damaged_layer = damage_text("\n".join(line.text for line in damaged_lines), seed=5).split("\n")
    return [
        Case("a_attendance", "a: born-digital names, figures", [_page(attendance_page())], expected_methods=["text_layer"]),
        Case("a_signature", "a: born-digital names, figures", [_page(signature_page())], expected_methods=["text_layer"]),
        Case("a_figures", "a: born-digital names, figures", [_page(figures_page())], expected_methods=["text_layer"]),
        Case("b_soft_hyphens", "b: soft hyphens, `Ole`", [_page(soft_hyphen_page())], expected_methods=["text_layer"]),
        Case("c_rotate270", "c: rotated scans", [_page(scan_text, kind="scan", turn=90, rotate=270)],
             notes="image stored turned 90° clockwise, /Rotate 270 shows it upright", expected_methods=["ocr"]),
        Case("c_turned90", "c: rotated scans", [_page(scan_text, kind="scan", turn=90)],
             notes="content turned 90° clockwise on a landscape page, no /Rotate", expected_methods=["ocr"]),
        Case("c_turned180", "c: rotated scans", [_page(scan_text, kind="scan", turn=180)],
             notes="upside-down scan", expected_methods=["ocr"]),
        Case("c_turned270", "c: rotated scans", [_page(scan_text, kind="scan", turn=270)],
             notes="content turned 270° clockwise", expected_methods=["ocr"]),
        Case("c_rotate270_upright_image", "c: rotated scans", [_page(scan_text, kind="scan", rotate=270)],
             notes="upright image under /Rotate 270: shown turned", expected_methods=["ocr"]),
        Case("d_g4_300", "d: CCITT G4 1-bit", [_page(scan_text, kind="scan", g4=True, dpi=300)], expected_methods=["ocr"]),
        Case("d_g4_200", "d: CCITT G4 1-bit", [_page(scan_text, kind="scan", g4=True, dpi=200)], expected_methods=["ocr"]),
        Case("d_g4_200_small", "d: CCITT G4 1-bit",
             [_page(flow(prose("002", 2), width_chars=78, x=14, top=20, size=8, pitch=4.3), kind="scan", g4=True, dpi=200)],
             notes="8 pt text, 200 dpi: where the 5 px median filter eats 1-bit strokes", expected_methods=["ocr"]),
        Case("e_mixed", "e: born-digital + scanned annex",
             [_page(attendance_page(seed=2)), _page(flow(prose("001", 2), width_chars=62, x=14, top=20, size=10)),
              _page(signature_page()), _page((annex_lines, annex_truth), kind="scan", stamp="Anlage 1")],
             expected_methods=["text_layer", "text_layer", "text_layer", "ocr_redo"]),
        Case("e_mixed_rotated", "e: born-digital + scanned annex",
             [_page(signature_page()), _page(figures_page(), rotate=270),
              _page((annex_lines, annex_truth), kind="scan", turn=90, rotate=270)],
             notes="a born page and a scanned annex, both under /Rotate 270 (landscape pages turned for reading)",
             expected_methods=["text_layer", "text_layer", "ocr"]),
        Case("f_two_column_born", "f: two-column attendance", [_page(two_column_attendance())], expected_methods=["text_layer"]),
        Case("f_two_column_scan", "f: two-column attendance", [_page(two_column_attendance(), kind="scan")],
             expected_methods=["ocr"]),
        Case("f_two_column_scan_narrow", "f: two-column attendance",
             [_page(two_column_attendance(seed=4, right_x=69), kind="scan")], notes="about 5 mm between the columns",
             expected_methods=["ocr"]),
        Case("g_footer_seite", "g: one-page footer", [_page(footer_page("Seite 1 von 1"))], expected_methods=["text_layer"]),
        Case("g_footer_dash", "g: one-page footer", [_page(footer_page("- 1 -"))], expected_methods=["text_layer"]),
        Case("g_footer_combined", "g: one-page footer",
             [_page(footer_page("Niederschrift ASGI 27.11.2019 Seite 1 von 1"))], expected_methods=["text_layer"]),
        Case("i_letterhead", "i: born-digital over a letterhead image", [_page(letter_page(), kind="letterhead")],
             notes="four lines (59 letters) over a full-page letterhead picture", expected_methods=["text_layer"]),
        Case("i_letterhead_names", "i: born-digital over a letterhead image",
             [_page(distribution_list_page(), kind="letterhead")], expected_methods=["text_layer"]),
        Case("i_letterhead_prose", "i: born-digital over a letterhead image",
             [_page(flow(prose("003", 2), width_chars=62, x=15, top=42, size=10), kind="letterhead")],
             notes="control: a full page of prose over the letterhead", expected_methods=["text_layer"]),
        Case("j_joined_lines", "j: lines pdfium joins", [_page(tight_agenda_page())],
             notes="tight line spacing: glyph boxes of neighbouring lines overlap", expected_methods=["text_layer"]),
        Case("h_damaged_layer", "h: damaged invisible layer (control)",
             [Page(lines=damaged_lines, truth=damaged_truth, kind="scan_layer", layer_lines=damaged_layer)],
             expected_methods=["ocr_redo"]),
        Case("h_clean_invisible_layer", "h: damaged invisible layer (control)",
             [Page(lines=damaged_lines, truth=damaged_truth, kind="scan_layer",
                   layer_lines=[line.text for line in damaged_lines])],
             notes="a good OCR sandwich: its invisible layer is right and saves the OCR", expected_methods=["text_layer"]),
    ]


def build_cases(folder: Path, names: list[str] | None = None) -> dict[str, Case]:
    """Writes the chosen cases' PDFs to `folder`; all of them without `names`."""
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: write_case(case, folder) for case in all_cases() if names is None or case.name in names}
