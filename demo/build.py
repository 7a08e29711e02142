"""The sample corpus: nine meetings of two committees of the Rhein-Sieg-Kreis, 2016–2023, each with
OParl-ish metadata, a minutes PDF of one of three kinds and a ground-truth JSON beside it.

Deterministic and idempotent: building twice into the same folder rewrites nothing, so file
modification times (and the demo server's ETags) stay put.

    python -m demo.build OUT_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from demo import itempool
from demo.compose import Layout, MinutesDoc, NonPublicMode, agenda_label, compose_minutes
from demo.itempool import ASGI, KREISAUSSCHUSS, Committee
from demo.render import born_digital_bytes, damaged_layer_bytes, scan_bytes

DocumentKind = Literal["born_digital", "scan", "damaged_layer"]
BERLIN = ZoneInfo("Europe/Berlin")
BODY_NAME = "Rhein-Sieg-Kreis"


class CorpusAgendaItem(BaseModel):
    """An agenda item as the council system lists it (before anyone reads the minutes)."""

    id: str
    number: str
    name: str
    public: bool
    order: int
    result: str | None = None


class CorpusMeeting(BaseModel):
    id: str
    name: str
    organization: str
    start: datetime
    end: datetime
    location: str
    created: datetime
    modified: datetime
    kind: DocumentKind
    layout: Layout
    pdf: str
    truth: str
    pages: int
    size: int
    sha256: str
    sha512: str
    agenda_items: list[CorpusAgendaItem] = Field(default_factory=list)


class CorpusOrganization(BaseModel):
    id: str
    name: str
    short_name: str
    classification: str = "Ausschuss"
    created: datetime
    modified: datetime


class SampleCorpus(BaseModel):
    """The index written to `corpus.json`; `out_dir` is where the files are (not stored)."""

    body_id: str = "1"
    body_name: str = BODY_NAME
    organizations: list[CorpusOrganization]
    meetings: list[CorpusMeeting]
    out_dir: Path = Field(default=Path("."), exclude=True)

    def pdf_path(self, meeting_id: str) -> Path:
        return self.out_dir / self.meeting(meeting_id).pdf

    def truth_path(self, meeting_id: str) -> Path:
        return self.out_dir / self.meeting(meeting_id).truth

    def meeting(self, meeting_id: str) -> CorpusMeeting:
        for meeting in self.meetings:
            if meeting.id == meeting_id:
                return meeting
        raise KeyError(meeting_id)


@dataclass(frozen=True)
class MeetingPlan:
    """One sample meeting: who, when, how its minutes look and how they reached the archive."""

    committee: Committee
    session: int
    day: date
    previous: date
    layout: Layout
    kind: DocumentKind
    size: Literal["short", "long"]
    seed: int
    featured: str = ""
    nonpublic_mode: NonPublicMode = "omitted"
    scan: dict = field(default_factory=dict)

    @property
    def meeting_id(self) -> str:
        return f"{self.committee.key}-{self.day.isoformat()}"


_SCAN_A = {"skew_deg": 0.6, "noise": 0.08, "blur": 0.4, "jpeg_quality": 75}
_SCAN_B = {"skew_deg": -0.4, "noise": 0.05, "blur": 0.0, "jpeg_quality": 82}
_SCAN_C = {"skew_deg": 0.9, "noise": 0.1, "blur": 0.5, "jpeg_quality": 70}

PLANS: tuple[MeetingPlan, ...] = (
    MeetingPlan(ASGI, 9, date(2016, 6, 20), date(2016, 4, 20), "sessionnet", "born_digital", "long", 101, "concept"),
    MeetingPlan(KREISAUSSCHUSS, 11, date(2016, 6, 27), date(2016, 5, 9), "allris", "born_digital", "long", 102,
                nonpublic_mode="heading_only"),
    MeetingPlan(ASGI, 14, date(2017, 9, 14), date(2017, 6, 29), "dotted", "born_digital", "long", 103, "kim"),
    MeetingPlan(ASGI, 25, date(2019, 7, 4), date(2019, 5, 14), "punkt", "scan", "short", 104, "question", scan=_SCAN_A),
    MeetingPlan(ASGI, 27, date(2019, 11, 25), date(2019, 9, 12), "zu", "damaged_layer", "short", 105, "centre",
                scan=_SCAN_B),
    MeetingPlan(KREISAUSSCHUSS, 42, date(2019, 12, 9), date(2019, 10, 28), "sessionnet", "scan", "short", 106,
                scan=_SCAN_B),
    MeetingPlan(ASGI, 28, date(2020, 3, 5), date(2019, 11, 25), "dotted", "damaged_layer", "short", 107, "motion",
                scan=_SCAN_C),
    MeetingPlan(KREISAUSSCHUSS, 45, date(2020, 6, 22), date(2020, 5, 11), "zu", "scan", "short", 108, scan=_SCAN_C,
                nonpublic_mode="heading_only"),
    MeetingPlan(ASGI, 12, date(2023, 3, 9), date(2023, 1, 26), "punkt", "born_digital", "long", 109, "ki_report"),
)


def _featured(plan: MeetingPlan) -> list[itempool.ItemSpec]:
    rng = random.Random(plan.seed * 7)
    subject = plan.committee.subject
    ref = lambda: itempool.paper_ref(plan.layout, plan.day.year, rng)  # noqa: E731
    if plan.featured == "concept":
        return [itempool.seed_item_integration_concept(subject, ref(), itempool.Votes(yes=15, no=0, abstain=1))]
    if plan.featured == "kim":
        return [itempool.seed_item_kim(subject, ref())]
    if plan.featured == "centre":
        return [itempool.seed_item_integration_centre_2019(subject)]
    if plan.featured == "ki_report":
        return [itempool.seed_item_ki_report(subject)]
    if plan.featured == "question":
        return [itempool.item_question(rng, plan.committee, ref())]
    if plan.featured == "motion":
        return [itempool.item_motion(rng, plan.committee, ref(), plan.committee.seats - 2)]
    return []


def compose_planned(plan: MeetingPlan) -> MinutesDoc:
    """The minutes document of one planned meeting."""
    spec = itempool.sample_minutes_spec(
        committee=plan.committee, session_number=plan.session, day=plan.day, previous_day=plan.previous,
        layout=plan.layout, seed=plan.seed, size=plan.size, featured=_featured(plan),
        nonpublic_mode=plan.nonpublic_mode,
    )
    return compose_minutes(spec)


def _pdf_bytes(plan: MeetingPlan, doc: MinutesDoc, scan_dpi: int) -> bytes:
    if plan.kind == "born_digital":
        return born_digital_bytes(doc)
    if plan.kind == "scan":
        return scan_bytes(doc, dpi=scan_dpi, seed=plan.seed, **plan.scan)
    return damaged_layer_bytes(doc, dpi=scan_dpi, seed=plan.seed, **plan.scan)


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def _truth(plan: MeetingPlan, doc: MinutesDoc, pdf_name: str, scan_dpi: int) -> dict:
    truth = doc.model_dump(mode="json", exclude={"printed"})
    render = {"kind": plan.kind, "dpi": scan_dpi if plan.kind != "born_digital" else None, "seed": plan.seed,
              **(plan.scan if plan.kind != "born_digital" else {})}
    return {"meeting_id": plan.meeting_id, "pdf": pdf_name, "render": render, **truth}


def _meeting(plan: MeetingPlan, doc: MinutesDoc, pdf: bytes, pdf_name: str, truth_name: str) -> CorpusMeeting:
    agenda = [
        CorpusAgendaItem(
            id=f"{plan.meeting_id}-{item.order}",
            number=agenda_label(plan.layout, item.number, item.public) if plan.layout == "sessionnet" else item.number,
            name=item.title,
            public=item.public,
            order=item.order,
            result=item.result if item.public else None,
        )
        for item in doc.items
    ]
    return CorpusMeeting(
        id=plan.meeting_id,
        name=f"{plan.session}. Sitzung {plan.committee.genitive}",
        organization=plan.committee.key,
        start=_at(plan.day, doc.start_time),
        end=_at(plan.day, doc.end_time),
        location=plan.committee.location,
        created=_at(plan.day - timedelta(days=14), "09:00"),
        modified=_at(plan.day + timedelta(days=23), "10:15"),
        kind=plan.kind,
        layout=plan.layout,
        pdf=pdf_name,
        truth=truth_name,
        pages=len(doc.pages),
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        sha512=hashlib.sha512(pdf).hexdigest(),
        agenda_items=agenda,
    )


def write_if_changed(path: Path, data: bytes) -> bool:
    """Writes `data` unless the file already holds exactly it; True when something was written."""
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _organizations() -> list[CorpusOrganization]:
    founded = datetime(2014, 6, 24, 9, 0, tzinfo=BERLIN)
    return [
        CorpusOrganization(id=c.key, name=c.name, short_name=c.short,
                           classification="Hauptausschuss" if c is KREISAUSSCHUSS else "Ausschuss",
                           created=founded, modified=founded)
        for c in (ASGI, KREISAUSSCHUSS)
    ]


def build_sample_corpus(
    out_dir: Path, *, scan_dpi: int = 300, kinds: Collection[DocumentKind] | None = None
) -> SampleCorpus:
    """Builds (or confirms) the sample corpus in `out_dir` and returns its index.

    `scan_dpi` below 300 is for fast tests only; the demo and the OCR benchmark use 300.
    `kinds` keeps only meetings whose minutes are of these kinds: flow tests that need no OCR
    build a born-digital corpus in a second instead of OCRing scans they do not look at.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meetings: list[CorpusMeeting] = []
    for plan in PLANS:
        if kinds is not None and plan.kind not in kinds:
            continue
        doc = compose_planned(plan)
        pdf = _pdf_bytes(plan, doc, scan_dpi)
        pdf_name, truth_name = f"{plan.meeting_id}.pdf", f"{plan.meeting_id}.truth.json"
        write_if_changed(out_dir / pdf_name, pdf)
        write_if_changed(out_dir / truth_name, _json_bytes(_truth(plan, doc, pdf_name, scan_dpi)))
        meetings.append(_meeting(plan, doc, pdf, pdf_name, truth_name))
    corpus = SampleCorpus(organizations=_organizations(), meetings=meetings, out_dir=out_dir)
    write_if_changed(out_dir / "corpus.json", _json_bytes(corpus.model_dump(mode="json")))
    return corpus


def load_sample_corpus(out_dir: Path) -> SampleCorpus:
    """Reads `corpus.json` from a folder `build_sample_corpus` filled."""
    out_dir = Path(out_dir)
    corpus = SampleCorpus.model_validate_json((out_dir / "corpus.json").read_text(encoding="utf-8"))
    corpus.out_dir = out_dir
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.build", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("demo/out"))
    parser.add_argument("--scan-dpi", type=int, default=300)
    args = parser.parse_args(argv)
    corpus = build_sample_corpus(args.out_dir, scan_dpi=args.scan_dpi)
    for meeting in corpus.meetings:
        print(f"{meeting.id:<20} {meeting.kind:<14} {meeting.layout:<11} {meeting.pages} pages  {meeting.size:>9} bytes")
    print(f"{len(corpus.meetings)} meetings in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
