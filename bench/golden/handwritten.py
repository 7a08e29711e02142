"""Golden documents written by hand, not by `demo.compose`: the layouts the composer never makes.

The composer and the segmenter share an author, so the composed set only tests what that author
thought of. These documents are typed as annotated text (`bench/golden/hand/*.src`) with the
irregularities of real minutes: headings without a blank line before them, indented or tabbed
headings, `TOP 3:`, `Zu TOP 4`, `Punkt 5 der Tagesordnung:` with the title below, sub-items
`3 a)`, Roman-numeral sections, date lines and numbered lists at line starts, a stray page footer.
The annotations declare the truth; nothing here parses headings, so the truth cannot inherit the
segmenter's mistakes. Item texts are what the annotations enclose, not what any rule finds.

Annotations (lines starting with `@@`, never printed):

    @@doc layout=… committee=… nonpublic=… [minutes=0]   document facts; minutes=0: not minutes
    @@agenda id=… number=… name=… public=0|1   one OParl-like agenda entry, in order
    @@item number=3a label="3 a)" title=… public=0|1 [result=…] [votes=Y/N/A] [refs=A,B] [agenda=id]
                                               heading lines follow, up to @@body
    @@body                                     the item's text follows
    @@res / @@/res                             the resolution lines between them (printed, also text)
    @@out                                      what follows belongs to no item (sections, closing)
    @@absent number=… title=… public=0|1 [agenda=id]   an agenda item the record does not print
    @@page                                     page break
    @@run TEXT                                 prints TEXT, a running footer: not part of any item

    python -m bench.golden.handwritten        # writes <name>.txt and <name>.json into bench/golden/
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent
SOURCE_DIR = GOLDEN_DIR / "hand"


@dataclass
class _Item:
    attrs: dict[str, str]
    heading: list[int] = field(default_factory=list)  # indices into the printed lines
    body: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)
    in_record: bool = True


@dataclass
class _Parsed:
    doc: dict[str, str]
    agenda: list[dict[str, str]]
    lines: list[str]  # every printed line, in order
    pages: list[int]  # the page number of each printed line
    running: set[int]
    items: list[_Item]


def _attrs(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(text))


def parse_source(source: str) -> _Parsed:
    """The printed lines and the declared truth of one `.src` file."""
    parsed = _Parsed({}, [], [], [], set(), [])
    page, state, in_res = 1, "out", False
    current: _Item | None = None
    for raw in source.split("\n"):
        if raw.startswith("@@"):
            word, _, rest = raw[2:].partition(" ")
            if word == "doc":
                parsed.doc = _attrs(rest)
            elif word == "agenda":
                parsed.agenda.append(_attrs(rest))
            elif word == "item":
                current = _Item(_attrs(rest))
                parsed.items.append(current)
                state = "heading"
            elif word == "absent":
                parsed.items.append(_Item(_attrs(rest), in_record=False))
                current, state = None, "out"
            elif word == "body":
                state = "body"
            elif word == "out":
                current, state = None, "out"
            elif word == "res":
                in_res = True
            elif word == "/res":
                in_res = False
            elif word == "page":
                page += 1
            elif word == "run":
                parsed.running.add(len(parsed.lines))
                parsed.lines.append(rest)
                parsed.pages.append(page)
            elif word != "#":
                raise ValueError(f"unknown annotation {raw!r}")
            continue
        index = len(parsed.lines)
        parsed.lines.append(raw)
        parsed.pages.append(page)
        if current is not None and state == "heading":
            current.heading.append(index)
        elif current is not None and state == "body":
            current.body.append(index)
            if in_res:
                current.resolution.append(index)
    return parsed


def _text(lines: list[str], indices: list[int]) -> str:
    text = "\n".join(lines[i].rstrip() for i in indices)
    return re.sub(r"\n\s*\n(?:\s*\n)+", "\n\n", text).strip()


def _votes(text: str | None) -> dict | None:
    if not text:
        return None
    yes, no, abstain = (int(x) if x != "-" else None for x in text.split("/"))
    return {"yes": yes, "no": no, "abstain": abstain}


def truth_of(name: str, parsed: _Parsed, source: str = "handwritten") -> dict:
    """The truth JSON in the composed set's format (`bench/golden/build.py`); `reads_as_minutes` is
    false for a document declared `@@doc … minutes=0` (a calendar, a letter: no items expected)."""
    items = []
    for item in parsed.items:
        a = item.attrs
        body = [i for i in item.body if i not in parsed.running]
        printed = [i for i in item.heading + body if parsed.lines[i].strip()]
        items.append({
            "number": a["number"], "label": a.get("label", ""), "title": a["title"],
            "public": a.get("public", "1") == "1", "in_record": item.in_record,
            "text": _text(parsed.lines, body),
            "resolution": _text(parsed.lines, item.resolution) or None,
            "result": a.get("result"), "votes": _votes(a.get("votes")),
            "paper_refs": [r for r in a.get("refs", "").split(",") if r],
            "page_start": parsed.pages[printed[0]] if printed else None,
            "page_end": parsed.pages[printed[-1]] if printed else None,
            "agenda_id": a.get("agenda"),
        })
    agenda = [{"external_id": e["id"], "number": e.get("number") or None, "name": e["name"],
               "public": e.get("public", "1") == "1", "order": k + 1} for k, e in enumerate(parsed.agenda)]
    return {"name": name, "source": source, "layout": parsed.doc.get("layout", "mixed"),
            "committee": parsed.doc.get("committee", ""), "pages": max(parsed.pages),
            "nonpublic_mode": parsed.doc.get("nonpublic", "omitted"), "items": items, "agenda": agenda,
            "reads_as_minutes": parsed.doc.get("minutes", "1") == "1"}


def page_texts(parsed: _Parsed) -> list[str]:
    pages: list[list[str]] = [[] for _ in range(max(parsed.pages))]
    for line, page in zip(parsed.lines, parsed.pages):
        pages[page - 1].append(line)
    return ["\n".join(p).strip("\n") for p in pages]


def write_handwritten(directory: Path = GOLDEN_DIR, source_dir: Path = SOURCE_DIR, source: str = "handwritten") -> list[str]:
    """Writes `<name>.txt` (pages separated by form feeds) and `<name>.json` for every
    `source_dir/*.src`; returns the names."""
    names = []
    for src in sorted(source_dir.glob("*.src")):
        parsed = parse_source(src.read_text(encoding="utf-8"))
        (directory / f"{src.stem}.txt").write_text("\f".join(page_texts(parsed)), encoding="utf-8")
        truth = truth_of(src.stem, parsed, source)
        (directory / f"{src.stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
        names.append(src.stem)
    return names


if __name__ == "__main__":
    print(f"{len(write_handwritten())} hand-written golden documents in {GOLDEN_DIR}")
