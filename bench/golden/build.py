"""The segmentation golden set: complete minutes documents with their items as ground truth.

Each document is a `demo.compose.MinutesSpec` (committed as part of `<name>.json`, so the PDFs can
always be re-rendered exactly), its page texts (`<name>.txt`, pages separated by form feeds) and
the truth: every agenda item with number, label, title, public flag, text, resolution, result
(normalised by the hand-written table below, never by the segmenter's own parser), votes, paper
references and pages, plus the agenda a council system would deliver for guided mode.

Beyond `demo.itempool`'s sample meetings the set adds what makes segmentation hard: committees
and papers of another council, numbered lists in running text (not only in resolutions), cross-
references to other items, "Zu Punkt 2 merkte …" sentences, three-line titles, results phrased
as traps ("nicht empfohlen", "nicht einstimmig beschlossen"), items set off the agenda,
"Beschlussvorschlag:" labels and non-public items printed as bare headings.

    python -m bench.golden.build            # texts + truth into bench/golden/, PDFs into bench/out/
    python -m bench.golden.build --no-pdf   # texts + truth only
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date
from pathlib import Path

from demo import itempool
from demo.compose import ItemSpec, Layout, MinutesDoc, MinutesSpec, compose_minutes
from demo.itempool import ASGI, KREISAUSSCHUSS, Committee, sample_minutes_spec
from schemas.pipeline import Votes

GOLDEN_DIR = Path(__file__).resolve().parent
OUT_DIR = GOLDEN_DIR.parents[1] / "bench" / "out" / "golden"

# Printed result line → the one word a careful clerk files it under.
RESULT_TRUTH = {
    "einstimmig beschlossen": "einstimmig",
    "einstimmig bei einer Enthaltung beschlossen": "einstimmig",
    "einstimmig bei 2 Enthaltungen beschlossen": "einstimmig",
    "einstimmig bei 3 Enthaltungen beschlossen": "einstimmig",
    "mehrheitlich beschlossen": "mehrheitlich",
    "nicht einstimmig beschlossen": "mehrheitlich",
    "abgelehnt": "abgelehnt",
    "mehrheitlich abgelehnt": "abgelehnt",
    "nicht empfohlen": "abgelehnt",
    "zur Kenntnis genommen": "zur Kenntnis genommen",
    "vertagt": "vertagt",
    "von der Tagesordnung abgesetzt": "abgesetzt",
    "einstimmig empfohlen": "einstimmig",
}

INTEGRATIONSRAT = Committee(
    key="ir", name="Integrationsrat der Stadt Sankt Augustin", genitive="des Integrationsrates der Stadt Sankt Augustin",
    short="IR", subject="Der Integrationsrat", location="Rathaus Sankt Augustin, Ratssaal", seats=13,
)
UMWELT = Committee(
    key="ukp", name="Ausschuss für Umwelt, Klimaschutz und Planung",
    genitive="des Ausschusses für Umwelt, Klimaschutz und Planung", short="UKP",
    subject="Der Ausschuss für Umwelt, Klimaschutz und Planung", location="Rathaus Sankt Augustin, Raum 1.12", seats=15,
)


def _cross_reference(layout: Layout, number: int) -> str:
    label = {"sessionnet": f"Ö {number}", "allris": f"TOP {number}", "dotted": f"Punkt {number}.",
             "punkt": f"Punkt {number} der Tagesordnung", "zu": f"TOP {number}"}[layout]
    return (f"Wie bereits unter {label} berichtet, hat die Verwaltung die Zahlen für das laufende Jahr "
            "inzwischen vorgelegt; eine gesonderte Aussprache hierzu wurde nicht gewünscht.")


def _trap_items(rng: random.Random, layout: Layout, subject: str, year: int) -> list[ItemSpec]:
    """Items that tempt a segmenter: lists in running text, cross-references, negated results."""
    ref = lambda: itempool.paper_ref(layout, year, rng)  # noqa: E731
    present = rng.randint(11, 15)
    return [
        ItemSpec(
            title="Klimaschutzkonzept der Stadt – Fortschreibung des Maßnahmenkatalogs für die Jahre 2024 bis 2030 "
                  "unter Berücksichtigung der Ergebnisse der Bürgerbeteiligung und der Stellungnahmen der Ortsteile",
            paragraphs=[
                "Die Verwaltung stellte die Fortschreibung vor. Folgende Schwerpunkte wurden genannt:",
                "1. Ausbau der Photovoltaik auf allen städtischen Dächern bis zum Jahr 2027.",
                "2. Umstellung des Fuhrparks auf Elektrofahrzeuge, soweit wirtschaftlich vertretbar.",
                "3. Einrichtung einer Energieberatung für private Haushalte in Zusammenarbeit mit der "
                "Verbraucherzentrale.",
                _cross_reference(layout, 2),
                "Zu Punkt 2 merkte ein Ausschussmitglied an, die Ladeinfrastruktur müsse zuerst ausgebaut werden.",
            ],
            resolution_label="Beschlussvorschlag:",
            resolution=[f"{subject} empfiehlt dem Rat, die Fortschreibung des Klimaschutzkonzeptes zu beschließen."],
            votes=Votes(yes=present - 3, no=2, abstain=1),
            result="nicht einstimmig beschlossen",
            paper_refs=[ref()],
        ),
        ItemSpec(
            title="Antrag auf Einrichtung eines Parkraumbewirtschaftungskonzeptes für die Innenstadt",
            paragraphs=["Nach ausführlicher Aussprache ließ der Vorsitzende über den Antrag abstimmen. Ein "
                        "Mitglied erklärte, der Antrag sei zwar im Ziel richtig, aber zu früh gestellt."],
            resolution=["Der Antrag wird dem Rat zur Annahme empfohlen."],
            votes=Votes(yes=3, no=present - 4, abstain=1),
            result="nicht empfohlen",
            paper_refs=[ref()],
        ),
        ItemSpec(
            title="Bebauungsplan Nr. 612 „Am Mühlenbach“ – Aufstellungsbeschluss",
            paragraphs=["Der Tagesordnungspunkt wurde auf Antrag der Verwaltung zu Beginn der Sitzung "
                        "abgesetzt, da die Stellungnahme der Bezirksregierung noch aussteht."],
            result="von der Tagesordnung abgesetzt",
            paper_refs=[ref()],
        ),
    ]


def specs() -> dict[str, MinutesSpec]:
    """The golden documents by name; deterministic."""
    out: dict[str, MinutesSpec] = {}
    layouts: list[Layout] = ["sessionnet", "allris", "dotted", "punkt", "zu"]
    featured = {
        "sessionnet": lambda c, r: [itempool.seed_item_integration_centre_2019(c.subject)],
        "allris": lambda c, r: [itempool.seed_item_kim(c.subject, itempool.paper_ref("allris", 2017, r))],
        "dotted": lambda c, r: [itempool.seed_item_ki_report(c.subject)],
        "punkt": lambda c, r: [itempool.seed_item_integration_concept(
            c.subject, itempool.paper_ref("punkt", 2016, r), Votes(yes=14, no=0, abstain=1))],
        "zu": lambda c, r: [itempool.seed_item_integration_centre_2019(c.subject)],
    }
    for i, layout in enumerate(layouts):
        rng = random.Random(100 + i)
        day = date(2019, 3 + i, 4 + i)
        out[f"{i + 1:02d}_asgi_{layout}_long"] = sample_minutes_spec(
            committee=ASGI, session_number=10 + i, day=day, previous_day=date(2019, 1 + i, 10), layout=layout,
            seed=200 + i, size="long", featured=featured[layout](ASGI, rng),
            nonpublic_mode="heading_only" if i % 2 else "omitted")
    for i, layout in enumerate(layouts):
        day = date(2021, 2 + 2 * i, 11 + i)
        out[f"{i + 6:02d}_ka_{layout}_short"] = sample_minutes_spec(
            committee=KREISAUSSCHUSS, session_number=20 + i, day=day, previous_day=date(2021, 1 + 2 * i, 2),
            layout=layout, seed=300 + i, size="short")
    for i, (layout, committee) in enumerate([("dotted", UMWELT), ("sessionnet", INTEGRATIONSRAT),
                                             ("allris", UMWELT), ("zu", INTEGRATIONSRAT), ("punkt", UMWELT)]):
        rng = random.Random(400 + i)
        base = sample_minutes_spec(
            committee=ASGI, session_number=30 + i, day=date(2023, 2 + i, 7 + i), previous_day=date(2023, 1 + i, 3),
            layout=layout, seed=500 + i, size="long", nonpublic_mode="omitted" if i % 2 else "heading_only")
        public = [it for it in base.items if it.public]
        nonpublic = [it for it in base.items if not it.public]
        items = public[:3] + _trap_items(rng, layout, committee.subject, 2023) + public[3:] + nonpublic
        out[f"{i + 11:02d}_{committee.key}_{layout}_traps"] = base.model_copy(update={
            "committee": committee.name, "committee_genitive": committee.genitive,
            "committee_short": committee.short, "location": committee.location, "items": items,
            "vote_style": "dafuer" if i % 2 else "stimmen", "body_name": "Stadt Sankt Augustin"})
    return out


def _oparl_number(layout: Layout, number: str, public: bool, style: int) -> str:
    """How a council system might write the number in agendaItem.number (varies on purpose)."""
    if layout == "sessionnet":
        return f"{'Ö' if public else 'N'} {number}"
    return [number, f"{number}.", f"TOP {number}"][style % 3]


def agenda_for(doc: MinutesDoc, with_sections: bool, style: int) -> list[dict]:
    """The OParl-like agenda of a document, section headers included when `with_sections`."""
    entries: list[dict] = []
    current: bool | None = None
    for item in doc.items:
        if with_sections and item.public != current:
            current = item.public
            entries.append({"external_id": f"sec-{len(entries)}", "number": "A" if item.public else "B",
                            "name": "Öffentliche Sitzung" if item.public else "Nichtöffentliche Sitzung",
                            "public": item.public, "order": len(entries) + 1})
        entries.append({"external_id": f"item-{item.order}", "number": _oparl_number(doc.layout, item.number, item.public, style),
                        "name": item.title, "public": item.public, "order": len(entries) + 1})
    return entries


def truth_of(name: str, spec: MinutesSpec, doc: MinutesDoc, index: int) -> dict:
    items = []
    for item in doc.items:
        if item.result is not None and item.result not in RESULT_TRUTH:
            raise ValueError(f"{name}: printed result {item.result!r} has no entry in RESULT_TRUTH")
        items.append({
            "number": item.number, "label": item.label, "title": item.title, "public": item.public,
            "in_record": item.in_record, "text": item.text, "resolution": item.resolution,
            "result": RESULT_TRUTH.get(item.result) if item.result else None,
            "votes": item.votes.model_dump() if item.votes else None,
            "paper_refs": item.paper_refs, "page_start": item.page_start, "page_end": item.page_end,
        })
    return {
        "name": name, "layout": doc.layout, "committee": doc.committee, "pages": len(doc.pages),
        "nonpublic_mode": doc.nonpublic_mode, "items": items,
        "agenda": agenda_for(doc, with_sections=index % 2 == 0, style=index),
        "spec": json.loads(spec.model_dump_json()),
    }


def write_golden(directory: Path = GOLDEN_DIR) -> list[str]:
    """Writes `<name>.txt` and `<name>.json` for every golden document; returns the names."""
    names = []
    for index, (name, spec) in enumerate(specs().items()):
        doc = compose_minutes(spec)
        (directory / f"{name}.txt").write_text("\f".join(doc.pages), encoding="utf-8")
        truth = truth_of(name, spec, doc, index)
        (directory / f"{name}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        names.append(name)
    return names


def load_doc(name: str, directory: Path = GOLDEN_DIR) -> MinutesDoc:
    """The composed document of a golden entry, from its committed spec (for rendering PDFs)."""
    truth = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    return compose_minutes(MinutesSpec.model_validate(truth["spec"]))


def render_pdfs(names: list[str], out_dir: Path = OUT_DIR, scanned: tuple[str, ...] = ()) -> None:
    """Born-digital PDFs of all documents, scans of `scanned`, into `out_dir` (skips existing files)."""
    from bench.golden.textpdf import render_text_pdfs
    from demo.render import render_born_digital, render_scan

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        pdf = out_dir / f"{name}.pdf"
        if "spec" not in json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8")):
            # hand-written (bench/golden/handwritten.py): no MinutesDoc, render the page texts
            pages = (GOLDEN_DIR / f"{name}.txt").read_text(encoding="utf-8").split("\f")
            render_text_pdfs(pages, pdf, out_dir / f"{name}.scan.pdf" if name in scanned else None)
            continue
        if not pdf.exists():
            render_born_digital(load_doc(name), pdf)
        scan = out_dir / f"{name}.scan.pdf"
        if name in scanned and not scan.exists():
            render_scan(load_doc(name), scan, dpi=300, skew_deg=0.6, noise=0.02, blur=0.3, seed=7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    names = write_golden()
    print(f"{len(names)} golden documents in {GOLDEN_DIR}")
    if not args.no_pdf:
        render_pdfs(names)
        print(f"born-digital PDFs in {OUT_DIR}")


if __name__ == "__main__":
    main()
