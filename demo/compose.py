"""Complete German minutes documents (Niederschrift), typeset line by line, with their ground truth.

A `MinutesSpec` says what was discussed; `compose_minutes` prints it the way a council system
would: header, attendance, the agenda list (Tagesordnung) printed once before the record, then
each item under a heading in one of five layouts, with running headers/footers on every page.
Because composition decides every line break and position, `MinutesDoc.pages` is exactly the
text the renderer draws, and each item's `text` is a verbatim slice of `MinutesDoc.body`.

Non-public items are always listed in the agenda. In the record they are either left out
(`nonpublic_mode="omitted"`, the usual case for published minutes: `in_record=False`, empty
text, no pages) or printed as a bare heading (`"heading_only"`: `in_record=True`, empty text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from demo import typeset
from demo.typeset import LEFT_MM, STYLES, TEXT_WIDTH_MM, string_width_mm, wrap_words
from schemas.pipeline import AgendaItemSpan, Votes

Layout = Literal["sessionnet", "allris", "dotted", "punkt", "zu"]
LAYOUTS: tuple[Layout, ...] = ("sessionnet", "allris", "dotted", "punkt", "zu")
NonPublicMode = Literal["omitted", "heading_only"]
RunningStyle = Literal["combined_footer", "header_and_footer", "dash_header", "slash_footer"]
VoteStyle = Literal["stimmen", "dafuer"]

DEFAULT_RUNNING: dict[str, RunningStyle] = {
    "sessionnet": "combined_footer",
    "allris": "header_and_footer",
    "dotted": "dash_header",
    "punkt": "slash_footer",
    "zu": "combined_footer",
}


class ItemSpec(BaseModel):
    """One agenda item to print. `level` 1 makes it a sub-item (3.1) of the preceding top item."""

    title: str
    public: bool = True
    level: int = 0
    paragraphs: list[str] = Field(default_factory=list)
    resolution_label: str = "Beschluss:"
    resolution: list[str] = Field(default_factory=list)
    votes: Votes | None = None
    result: str | None = None
    paper_refs: list[str] = Field(default_factory=list)


class MinutesSpec(BaseModel):
    """Everything a minutes document says; composition adds numbering, layout and page breaks."""

    body_name: str = "Rhein-Sieg-Kreis"
    committee: str = "Ausschuss für Soziales, Gleichstellung und Integration"
    committee_genitive: str = "des Ausschusses für Soziales, Gleichstellung und Integration"
    committee_short: str = "ASGI"
    session_number: int = 12
    date: date
    start_time: str = "17:00"
    end_time: str = "19:10"
    location: str = "Kreishaus Siegburg, Großer Sitzungssaal"
    chair: str = "Anna Becker"
    recorder: str = "Jana Vogt"
    members: list[str] = Field(default_factory=list)
    administration: list[str] = Field(default_factory=list)
    excused: list[str] = Field(default_factory=list)
    layout: Layout = "sessionnet"
    nonpublic_mode: NonPublicMode = "omitted"
    running: RunningStyle | None = None
    vote_style: VoteStyle = "stimmen"
    items: list[ItemSpec]


class PrintedLine(BaseModel):
    """One line as drawn: `y_mm` is the baseline measured from the top of the page."""

    text: str
    style: str
    x_mm: float
    y_mm: float


class MinutesItem(BaseModel):
    """Ground truth for one agenda item; fields follow `schemas.pipeline.AgendaItemSpan`."""

    number: str
    label: str
    title: str
    public: bool
    level: int = 0
    order: int
    in_record: bool
    heading: str = ""
    text: str = ""
    resolution: str | None = None
    result: str | None = None
    votes: Votes | None = None
    paper_refs: list[str] = Field(default_factory=list)
    page_start: int | None = None
    page_end: int | None = None

    def as_span(self) -> AgendaItemSpan:
        """The item as the segmenter's output model, for comparing a segmentation with the truth."""
        return AgendaItemSpan(
            number=self.number, label=self.label, title=self.title, public=self.public, text=self.text,
            page_start=self.page_start, page_end=self.page_end, resolution=self.resolution,
            result=self.result, votes=self.votes, paper_refs=list(self.paper_refs),
        )


class MinutesDoc(BaseModel):
    """A composed minutes document: `pages[i]` is the exact text printed on page i+1."""

    title: str
    body: str
    body_name: str
    committee: str
    committee_short: str
    session_number: int
    date: date
    start_time: str
    end_time: str
    layout: Layout
    nonpublic_mode: NonPublicMode
    running: RunningStyle
    items: list[MinutesItem]
    pages: list[str]
    printed: list[list[PrintedLine]]


# --- numbering and labels ---------------------------------------------------------------------


def _numbers(spec: MinutesSpec) -> list[str]:
    """Normalised numbers: public items count 1, 2, …; SessionNet restarts at 1 for the N part."""
    numbers: list[str] = []
    top = sub = 0
    restarted = False
    for item in spec.items:
        if not item.public and spec.layout == "sessionnet" and not restarted:
            top, restarted = 0, True
        if item.level == 0:
            top, sub = top + 1, 0
            numbers.append(str(top))
        else:
            sub += 1
            numbers.append(f"{top}.{sub}")
    return numbers


def heading_label(layout: Layout, number: str, public: bool) -> str:
    """The label a heading in the record starts with, e.g. "Ö 3", "TOP 3.1", "3.", "Zu 3"."""
    if layout == "sessionnet":
        return f"{'Ö' if public else 'N'} {number}"
    if layout == "allris":
        return f"TOP {number}"
    if layout == "dotted":
        return number if "." in number else f"{number}."
    if layout == "punkt":
        return f"Punkt {number} der Tagesordnung"
    return f"Zu {number}"


def agenda_label(layout: Layout, number: str, public: bool) -> str:
    """The label in the agenda list; punkt/zu documents list their agenda as "3." / "3"."""
    if layout in ("sessionnet", "allris", "dotted"):
        return heading_label(layout, number, public)
    if layout == "punkt":
        return number if "." in number else f"{number}."
    return number


def format_votes(votes: Votes, style: VoteStyle) -> str:
    if style == "dafuer":
        return f"Dafür: {votes.yes} Dagegen: {votes.no} Enthaltung: {votes.abstain}"
    return f"Ja-Stimmen: {votes.yes} Nein-Stimmen: {votes.no} Enthaltungen: {votes.abstain}"


def _paper_prefix(layout: Layout) -> str:
    return "Drucksache: " if layout == "allris" else "Vorlage: "


def _date_de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# --- the flat line list before pagination --------------------------------------------------------


@dataclass
class _Line:
    text: str
    style: str = "normal"
    indent_mm: float = 0.0
    role: str = "text"  # header | agenda | section | heading | text | closing
    item: int | None = None
    keep_with_next: bool = False


@dataclass
class _Flow:
    lines: list[_Line] = field(default_factory=list)

    def blank(self, role: str = "text", item: int | None = None, keep: bool = False) -> None:
        self.lines.append(_Line("", "blank", role=role, item=item, keep_with_next=keep))

    def paragraph(self, text: str, style: str = "normal", role: str = "text", item: int | None = None,
                  hanging: bool = False, keep: bool = False) -> None:
        """Wraps one paragraph; `hanging` indents continuation lines past a leading "1. "."""
        indent = 0.0
        if hanging and text[:1].isdigit() and ". " in text[:4]:
            indent = string_width_mm(text[: text.index(". ") + 2], style)
        first, *rest = _wrap_hanging(text, indent, style)
        self.lines.append(_Line(first, style, 0.0, role, item, keep))
        for line in rest:
            self.lines.append(_Line(line, style, indent, role, item, keep))


def _wrap_hanging(text: str, indent_mm: float, style: str) -> list[str]:
    lines = wrap_words(text, TEXT_WIDTH_MM, style)
    if indent_mm <= 0 or len(lines) < 2:
        return lines
    rest = wrap_words(" ".join(lines[1:]), TEXT_WIDTH_MM - indent_mm, style)
    return [lines[0], *rest]


def _label_and_title(flow: _Flow, label: str, title: str, style: str, role: str, item: int,
                     trailer: str | None = None, keep: bool = False) -> None:
    """Label then title, the title's continuation lines aligned under the title's first word."""
    gap = "  "
    indent = string_width_mm(label + gap, style)
    title_lines = wrap_words(title, TEXT_WIDTH_MM - indent, style)
    if trailer:
        last = f"{title_lines[-1]}  {trailer}"
        if string_width_mm(last, style) <= TEXT_WIDTH_MM - indent:
            title_lines[-1] = last
        else:
            title_lines.append(trailer)
    flow.lines.append(_Line(f"{label}{gap}{title_lines[0]}", style, 0.0, role, item, keep))
    for line in title_lines[1:]:
        flow.lines.append(_Line(line, style, indent, role, item, keep))


def _header(flow: _Flow, spec: MinutesSpec, title: str) -> None:
    flow.paragraph(spec.body_name, "bold", role="header")
    flow.blank("header")
    flow.paragraph(title, "title", role="header")
    flow.blank("header")
    flow.paragraph(f"Sitzungsort: {spec.location}", role="header")
    flow.paragraph(f"Beginn: {spec.start_time} Uhr   Ende: {spec.end_time} Uhr", role="header")
    flow.blank("header")
    flow.paragraph("Anwesend:", "bold", role="header")
    flow.paragraph(f"Vorsitz: {spec.chair}", role="header")
    if spec.members:
        flow.paragraph("Mitglieder: " + ", ".join(spec.members), role="header")
    if spec.administration:
        flow.paragraph("Von der Verwaltung: " + ", ".join(spec.administration), role="header")
    flow.paragraph(f"Schriftführung: {spec.recorder}", role="header")
    if spec.excused:
        flow.paragraph("Entschuldigt fehlen: " + ", ".join(spec.excused), role="header")
    flow.blank("header")


def _agenda(flow: _Flow, spec: MinutesSpec, numbers: list[str]) -> None:
    heading = "T A G E S O R D N U N G" if spec.layout == "dotted" else "Tagesordnung"
    flow.paragraph(heading, "bold", role="agenda")
    flow.blank("agenda")
    for public in (True, False):
        indices = [i for i, it in enumerate(spec.items) if it.public == public]
        if not indices:
            continue
        flow.paragraph("Öffentlicher Teil" if public else "Nichtöffentlicher Teil", "bold", role="agenda")
        for i in indices:
            item = spec.items[i]
            label = agenda_label(spec.layout, numbers[i], public)
            _label_and_title(flow, label, item.title, "normal", "agenda", i)
        flow.blank("agenda")


def _record_item(flow: _Flow, spec: MinutesSpec, index: int, label: str) -> None:
    item = spec.items[index]
    refs = "; ".join(item.paper_refs) if item.paper_refs else None
    if spec.layout == "punkt":
        flow.lines.append(_Line(label, "bold", 0.0, "heading", index, True))
        flow.paragraph(item.title, "bold", role="heading", item=index, keep=True)
        if refs:
            flow.paragraph(f"{_paper_prefix(spec.layout)}{refs}", role="heading", item=index, keep=True)
    elif spec.layout == "allris":
        _label_and_title(flow, label, item.title, "bold", "heading", index, trailer=refs, keep=True)
    else:
        _label_and_title(flow, label, item.title, "bold", "heading", index, keep=True)
        if refs:
            flow.paragraph(f"{_paper_prefix(spec.layout)}{refs}", role="heading", item=index, keep=True)
    has_body = bool(item.paragraphs or item.resolution or item.votes or item.result)
    if not has_body or (not item.public and spec.nonpublic_mode == "heading_only"):
        flow.blank("text", index)
        return
    flow.blank("text", index, keep=True)
    body = list(item.paragraphs)
    for number, paragraph in enumerate(body):
        if number:
            flow.blank("text", index)
        flow.paragraph(paragraph, role="text", item=index, hanging=True)
    if item.resolution:
        if body:
            flow.blank("text", index)
        flow.paragraph(item.resolution_label, "bold", role="text", item=index, keep=True)
        flow.blank("text", index, keep=True)
        for number, paragraph in enumerate(item.resolution):
            if number and not paragraph[:1].isdigit():
                flow.blank("text", index)
            flow.paragraph(paragraph, role="text", item=index, hanging=True)
    if item.votes is not None or item.result:
        flow.blank("text", index)
    if item.votes is not None:
        flow.paragraph(format_votes(item.votes, spec.vote_style), role="text", item=index)
    if item.result:
        flow.paragraph(item.result, role="text", item=index)
    flow.blank("text", index)


def _record(flow: _Flow, spec: MinutesSpec, numbers: list[str]) -> None:
    has_nonpublic = any(not it.public for it in spec.items)
    flow.paragraph("Öffentlicher Teil", "bold", role="section", keep=True)
    flow.blank("section", keep=True)
    nonpublic_started = False
    for i, item in enumerate(spec.items):
        if not item.public:
            if spec.nonpublic_mode == "omitted":
                continue
            if not nonpublic_started:
                flow.paragraph("Nichtöffentlicher Teil", "bold", role="section", keep=True)
                flow.blank("section", keep=True)
                nonpublic_started = True
        _record_item(flow, spec, i, heading_label(spec.layout, numbers[i], item.public))
    if has_nonpublic and spec.nonpublic_mode == "omitted":
        flow.paragraph("Der nichtöffentliche Teil der Sitzung ist in einer gesonderten Niederschrift "
                       "festgehalten.", role="closing")
        flow.blank("closing")
    # The closing sentence and the signatures stay together, as a typist would keep them.
    flow.paragraph(f"Die Vorsitzende schloss die Sitzung um {spec.end_time} Uhr.", role="closing", keep=True)
    flow.blank("closing", keep=True)
    flow.blank("closing", keep=True)
    flow.paragraph(f"gez. {spec.chair}, Vorsitzende", role="closing", keep=True)
    flow.paragraph(f"gez. {spec.recorder}, Schriftführerin", role="closing")


# --- pagination ------------------------------------------------------------------------------------


def _paginate(lines: list[_Line]) -> list[list[_Line]]:
    """Fills pages top to bottom; a heading never ends a page without at least one line after it."""
    top, bottom = typeset.BODY_TOP_MM, typeset.BODY_BOTTOM_MM
    pages: list[list[_Line]] = [[]]
    y = top
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.style == "blank" and not pages[-1]:
            i += 1  # no blank line at the top of a page
            continue
        chain_end = i
        while chain_end < len(lines) - 1 and lines[chain_end].keep_with_next:
            chain_end += 1
        chain_height = sum(STYLES[ln.style].pitch_mm for ln in lines[i : chain_end + 1])
        if pages[-1] and y + chain_height > bottom:
            pages.append([])
            y = top
            continue
        pages[-1].append(line)
        y += STYLES[line.style].pitch_mm
        i += 1
    for page in pages:
        while page and page[-1].style == "blank":
            page.pop()
    return [page for page in pages if page]


def _running_lines(spec: MinutesSpec, style: RunningStyle, page: int, total: int) -> tuple[list[str], list[str]]:
    """(header lines, footer lines) for one page."""
    when = _date_de(spec.date)
    if style == "combined_footer":
        return [], [f"Niederschrift {spec.committee_short} {when} — Seite {page} von {total}"]
    if style == "header_and_footer":
        head = [f"Niederschrift {spec.committee_short} vom {when}"] if page > 1 else []
        return head, [f"Seite {page} von {total}"]
    if style == "dash_header":
        return ([f"- {page} -"] if page > 1 else []), []
    return [], [f"{page}/{total}"]


def _centered_x(text: str, style: str) -> float:
    return (typeset.PAGE_WIDTH_MM - string_width_mm(text, style)) / 2


def _right_x(text: str, style: str) -> float:
    return typeset.PAGE_WIDTH_MM - typeset.RIGHT_MM - string_width_mm(text, style)


def _place(spec: MinutesSpec, running: RunningStyle, pages: list[list[_Line]]) -> list[list[PrintedLine]]:
    placed: list[list[PrintedLine]] = []
    for number, page in enumerate(pages, start=1):
        head, foot = _running_lines(spec, running, number, len(pages))
        out: list[PrintedLine] = []
        for text in head:
            x = _centered_x(text, "running") if running == "dash_header" else LEFT_MM
            out.append(PrintedLine(text=text, style="running", x_mm=x, y_mm=typeset.RUNNING_HEADER_Y_MM))
        y = typeset.BODY_TOP_MM
        for line in page:
            pitch = STYLES[line.style].pitch_mm
            out.append(PrintedLine(text=line.text, style=line.style, x_mm=LEFT_MM + line.indent_mm,
                                   y_mm=round(y + pitch * 0.78, 3)))
            y += pitch
        for text in foot:
            x = _right_x(text, "running") if running == "slash_footer" else (
                _centered_x(text, "running") if running == "header_and_footer" else LEFT_MM)
            out.append(PrintedLine(text=text, style="running", x_mm=x, y_mm=typeset.RUNNING_FOOTER_Y_MM))
        placed.append(out)
    return placed


# --- ground truth ----------------------------------------------------------------------------------


def _slice_text(lines: list[_Line]) -> str:
    texts = [ln.text for ln in lines]
    while texts and not texts[0]:
        texts.pop(0)
    while texts and not texts[-1]:
        texts.pop()
    return "\n".join(texts)


def _items_truth(spec: MinutesSpec, numbers: list[str], pages: list[list[_Line]]) -> list[MinutesItem]:
    located: list[tuple[int, _Line]] = [(p, ln) for p, page in enumerate(pages, start=1) for ln in page]
    truth: list[MinutesItem] = []
    for i, item in enumerate(spec.items):
        mine = [(p, ln) for p, ln in located if ln.item == i and ln.role in ("heading", "text")]
        heading = [ln for _, ln in mine if ln.role == "heading"]
        text = [ln for _, ln in mine if ln.role == "text"]
        printed_pages = [p for p, ln in mine if ln.text]
        truth.append(MinutesItem(
            number=numbers[i],
            label=heading_label(spec.layout, numbers[i], item.public),
            title=item.title,
            public=item.public,
            level=item.level,
            order=i + 1,
            in_record=bool(heading),
            heading=_slice_text(heading),
            text=_slice_text(text),
            resolution="\n".join(item.resolution) if item.resolution and text else None,
            result=item.result if text else None,
            votes=item.votes if text else None,
            paper_refs=list(item.paper_refs),
            page_start=min(printed_pages) if printed_pages else None,
            page_end=max(printed_pages) if printed_pages else None,
        ))
    return truth


def minutes_title(spec: MinutesSpec) -> str:
    """The header sentence, e.g. "Niederschrift über die 12. Sitzung des Ausschusses … am 04.07.2019"."""
    return f"Niederschrift über die {spec.session_number}. Sitzung {spec.committee_genitive} am {_date_de(spec.date)}"


def compose_minutes(spec: MinutesSpec) -> MinutesDoc:
    """Typesets `spec` into pages and returns the document with its ground truth.

    Pure and deterministic: the same spec always gives the same pages (all randomness lives in
    the spec builders of `demo.itempool`).
    """
    numbers = _numbers(spec)
    title = minutes_title(spec)
    running = spec.running or DEFAULT_RUNNING[spec.layout]
    flow = _Flow()
    _header(flow, spec, title)
    _agenda(flow, spec, numbers)
    _record(flow, spec, numbers)
    pages = _paginate(flow.lines)
    printed = _place(spec, running, pages)
    return MinutesDoc(
        title=title,
        body="\n".join(ln.text for page in pages for ln in page),
        body_name=spec.body_name,
        committee=spec.committee,
        committee_short=spec.committee_short,
        session_number=spec.session_number,
        date=spec.date,
        start_time=spec.start_time,
        end_time=spec.end_time,
        layout=spec.layout,
        nonpublic_mode=spec.nonpublic_mode,
        running=running,
        items=_items_truth(spec, numbers, pages),
        pages=["\n".join(pl.text for pl in page) for page in printed],
        printed=printed,
    )
