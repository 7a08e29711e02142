"""What the sample meetings talk about: items made from the real seed excerpts plus short,
invented but typical items (approval of the last minutes, announcements, questions, motions).

All choices are drawn from a `random.Random(seed)`, so a spec builder called with the same
arguments always returns the same spec. People named here are invented; the seed texts keep the
names they were published with.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from demo.compose import ItemSpec, Layout, MinutesSpec, NonPublicMode
from schemas.pipeline import Votes

SEED_DIR = Path(__file__).resolve().parent / "seeds"


@dataclass(frozen=True)
class Committee:
    """A committee of the sample body; `subject` is how its resolutions begin ("Der Ausschuss …")."""

    key: str
    name: str
    genitive: str
    short: str
    subject: str
    location: str
    seats: int


ASGI = Committee(
    key="asgi",
    name="Ausschuss für Soziales, Gleichstellung und Integration",
    genitive="des Ausschusses für Soziales, Gleichstellung und Integration",
    short="ASGI",
    subject="Der Ausschuss für Soziales, Gleichstellung und Integration",
    location="Kreishaus Siegburg, Großer Sitzungssaal",
    seats=17,
)
KREISAUSSCHUSS = Committee(
    key="ka",
    name="Kreisausschuss",
    genitive="des Kreisausschusses",
    short="KA",
    subject="Der Kreisausschuss",
    location="Kreishaus Siegburg, Sitzungssaal 1.13",
    seats=15,
)

# --- seeds -----------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def load_seed(prefix: str) -> str:
    """The raw text of the seed file whose name starts with `prefix` ("001")."""
    matches = sorted(SEED_DIR.glob(f"{prefix}_*.txt"))
    if not matches:
        raise FileNotFoundError(f"no seed {prefix}_*.txt in {SEED_DIR}")
    return matches[0].read_text(encoding="utf-8")


def seed_paragraphs(prefix: str) -> list[str]:
    """The seed as clean paragraphs: hard wraps and trailing spaces gone, a word hyphenated
    across the source's page break ("vor-" / "gegangen") joined again."""
    blocks = re.split(r"\n\s*\n", load_seed(prefix).replace("\r", ""))
    paragraphs = [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in blocks]
    paragraphs = [p for p in paragraphs if p]
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and re.search(r"[a-zäöüß]-$", joined[-1]) and paragraph[:1].islower():
            joined[-1] = joined[-1][:-1] + paragraph
        else:
            joined.append(paragraph)
    return joined


def seed_item_integration_centre_2019(subject: str) -> ItemSpec:
    """Seed 001: the Kommunales Integrationszentrum reports (late 2019)."""
    return ItemSpec(
        title="Sachstandsbericht des Kommunalen Integrationszentrums zur Landesinitiative "
              "„Durchstarten in Ausbildung und Arbeit – Gemeinsam klappt’s“",
        paragraphs=seed_paragraphs("001"),
        result="zur Kenntnis genommen",
    )


def seed_item_kim(subject: str, paper_ref: str) -> ItemSpec:
    """Seed 002: KIM, Sachstand and first evaluation (2017)."""
    return ItemSpec(
        title="Kommunales Integrationsmanagement (KIM) – Sachstand und Erstevaluation",
        paragraphs=seed_paragraphs("002"),
        result="zur Kenntnis genommen",
        paper_refs=[paper_ref],
    )


def seed_item_ki_report(subject: str) -> ItemSpec:
    """Seed 003: the head of the KI reports; its "Beschlussvorschlag" and result become ground truth."""
    paragraphs = seed_paragraphs("003")
    cut = paragraphs.index("Beschlussvorschlag:")
    resolution = [p.replace("Der Integrationsrat", subject) for p in paragraphs[cut + 1 : -1]]
    return ItemSpec(
        title="Bericht der Leitung des Kommunalen Integrationszentrums (KI)",
        paragraphs=paragraphs[:cut],
        resolution_label="Beschlussvorschlag:",
        resolution=resolution,
        result=paragraphs[-1],
    )


def seed_item_integration_concept(subject: str, paper_ref: str, votes: Votes) -> ItemSpec:
    """Seed 004: the paper on the Integrationskonzept 2016, quoted in the record, then resolved."""
    paragraphs = seed_paragraphs("004")
    paragraphs = paragraphs[: paragraphs.index("(Landrat)")]
    return ItemSpec(
        title="Integrationskonzept 2016 des Rhein-Sieg-Kreises",
        paragraphs=["Die Verwaltung erläuterte die Vorlage wie folgt:", *paragraphs],
        resolution=[
            f"1. {subject} empfiehlt dem Kreisausschuss, das Integrationskonzept 2016 in der Fassung "
            "vom 11.04.2016 zu beschließen.",
            "2. Die Verwaltung wird beauftragt, dem Ausschuss jährlich über die Umsetzung des "
            "Jahresplans des Kommunalen Integrationszentrums zu berichten.",
        ],
        votes=votes,
        result="einstimmig bei einer Enthaltung beschlossen" if votes.abstain == 1 else "einstimmig beschlossen",
        paper_refs=[paper_ref],
    )


# --- people ----------------------------------------------------------------------------------------

_FIRST = ["Anna", "Bernd", "Claudia", "Dirk", "Elke", "Frank", "Gül", "Heinz", "Ines", "Jörg", "Karin",
          "Lutz", "Marion", "Nils", "Özlem", "Peter", "Renate", "Sören", "Tanja", "Uwe", "Vera", "Wilfried"]
_LAST = ["Becker", "Schäfer", "Krüger", "Weiß", "Köhler", "Jürgens", "Große", "Hübner", "Müller", "Yılmaz",
         "Lehmann", "Böhm", "Kaiser", "Fuchs", "Lorenz", "Brückner", "Vogel", "Schröder", "Özdemir", "Haas",
         "Möller", "Wagner", "Zimmermann", "Kühn"]
_PARTIES = ["CDU", "CDU", "CDU", "SPD", "SPD", "GRÜNE", "GRÜNE", "FDP", "DIE LINKE"]
_FEMALE = {"Anna", "Claudia", "Elke", "Gül", "Ines", "Karin", "Marion", "Özlem", "Renate", "Tanja", "Vera"}
_ADMIN = ["Kreisdirektorin Dr. Lena Hartmann", "Dezernent Thomas Richter", "Amtsleiterin Sabine Kreutzer",
          "Sachgebietsleiter Mehmet Aydın", "Gleichstellungsbeauftragte Ursula Nöthen"]


def _people(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")
    return sorted(names)


def _with_party(rng: random.Random, names: list[str]) -> list[str]:
    return [f"{name} ({rng.choice(_PARTIES)})" for name in names]


# --- invented items ----------------------------------------------------------------------------------


def _votes(rng: random.Random, present: int, *, unanimous: bool) -> Votes:
    if unanimous:
        abstain = rng.choice([0, 0, 0, 1])
        return Votes(yes=present - abstain, no=0, abstain=abstain)
    no = rng.randint(2, max(2, present // 3))
    abstain = rng.randint(0, 2)
    return Votes(yes=present - no - abstain, no=no, abstain=abstain)


def _result_for(votes: Votes) -> str:
    if votes.no == 0 and votes.abstain == 0:
        return "einstimmig beschlossen"
    if votes.no == 0:
        return "einstimmig bei " + ("einer Enthaltung" if votes.abstain == 1 else f"{votes.abstain} Enthaltungen") + " beschlossen"
    if votes.yes > votes.no:
        return "mehrheitlich beschlossen"
    return "abgelehnt"


def item_minutes_approval(rng: random.Random, c: Committee, session: int, previous: date, present: int) -> ItemSpec:
    prev = f"{session - 1}. Sitzung vom {previous:%d.%m.%Y}"
    votes = _votes(rng, present, unanimous=True)
    return ItemSpec(
        title=f"Genehmigung der Niederschrift über die {prev}",
        paragraphs=[rng.choice([
            "Einwendungen gegen die Niederschrift wurden nicht erhoben.",
            "Die Niederschrift war allen Mitgliedern mit der Einladung zugegangen. Änderungswünsche "
            "wurden nicht vorgetragen.",
        ])],
        resolution=[f"Die Niederschrift über die {prev} wird genehmigt."],
        votes=votes,
        result=_result_for(votes),
    )


_ANNOUNCEMENTS = {
    "asgi": [
        "Dezernent Richter teilte mit, dass die Zahl der Leistungsberechtigten nach dem SGB XII im "
        "ersten Halbjahr um 3,4 % gestiegen sei. Die Verwaltung werde die Entwicklung in der Planung "
        "für den Doppelhaushalt berücksichtigen.",
        "Die Gleichstellungsbeauftragte berichtete über die Aktionswoche „Gewalt gegen Frauen – nicht "
        "mit uns“, an der sich 14 der 19 kreisangehörigen Kommunen beteiligt hätten. Die Broschüre "
        "sei in sieben Sprachen erschienen.",
        "Amtsleiterin Kreutzer informierte darüber, dass die Beratungsstelle für Wohnungsnotfälle in "
        "Troisdorf ab dem kommenden Monat auch donnerstags bis 18 Uhr geöffnet sei.",
        "Die Verwaltung wies auf die Fachtagung „Teilhabe vor Ort“ im Kreishaus hin; Anmeldungen "
        "seien bis zum Monatsende über das Kommunale Integrationszentrum möglich.",
    ],
    "ka": [
        "Kreisdirektorin Dr. Hartmann teilte mit, dass die Bezirksregierung Köln die Haushaltssatzung "
        "ohne Auflagen zur Kenntnis genommen habe.",
        "Die Verwaltung berichtete, dass die Sanierung der Fassade des Kreishauses im Zeitplan liege; "
        "die Mehrkosten von rund 85.000 € würden aus Einsparungen bei anderen Maßnahmen gedeckt.",
        "Dezernent Richter informierte über den Stand der Breitbandförderung: 92 % der Schulen im "
        "Kreisgebiet seien inzwischen an das Glasfasernetz angeschlossen.",
        "Es wurde mitgeteilt, dass die Kreisverwaltung ab dem 1. des Folgemonats Termine in der "
        "Führerscheinstelle ausschließlich online vergebe.",
    ],
}


def item_announcements(rng: random.Random, c: Committee) -> ItemSpec:
    chosen = rng.sample(_ANNOUNCEMENTS[c.key], 2)
    return ItemSpec(title="Mitteilungen der Verwaltung", paragraphs=chosen, result="zur Kenntnis genommen")


def item_question(rng: random.Random, c: Committee, paper_ref: str) -> ItemSpec:
    topic, question, answer = rng.choice([
        ("zur Situation der Tafeln im Kreisgebiet",
         "Die Fraktion fragte, wie viele Tafeln im Kreisgebiet tätig seien und ob der Kreis deren Arbeit "
         "finanziell unterstütze.",
         "Die Verwaltung antwortete, im Kreisgebiet arbeiteten derzeit elf Tafeln. Eine institutionelle "
         "Förderung gebe es nicht; für Fahrzeuge und Kühltechnik könnten jedoch Zuschüsse aus dem "
         "Sozialfonds beantragt werden."),
        ("zur Barrierefreiheit der Bushaltestellen",
         "Gefragt wurde, wie viele Haltestellen bereits barrierefrei ausgebaut seien und bis wann der "
         "Ausbau abgeschlossen werde.",
         "Die Verwaltung erläuterte, von 1.412 Haltestellen seien 538 vollständig barrierefrei. Der "
         "Ausbau hänge von der Förderung des Landes ab; ein Zeitplan werde im Nahverkehrsplan vorgelegt."),
        ("zu Wartezeiten bei der Ausländerbehörde",
         "Die Fraktion erkundigte sich nach den durchschnittlichen Wartezeiten für einen Termin bei der "
         "Ausländerbehörde.",
         "Die Verwaltung teilte mit, die Wartezeit betrage derzeit etwa sechs Wochen. Durch zwei "
         "zusätzliche Stellen und die Online-Terminvergabe solle sie bis zum Jahresende halbiert werden."),
    ])
    party = rng.choice(["der CDU-Fraktion", "der SPD-Fraktion", "der Fraktion BÜNDNIS 90/DIE GRÜNEN",
                        "der FDP-Fraktion"])
    return ItemSpec(title=f"Anfrage {party} {topic}", paragraphs=[question, answer],
                    result="zur Kenntnis genommen", paper_refs=[paper_ref])


def item_motion(rng: random.Random, c: Committee, paper_ref: str, present: int) -> ItemSpec:
    title, text, points = rng.choice([
        ("Antrag der SPD-Fraktion: Runder Tisch gegen Kinderarmut",
         "Die antragstellende Fraktion begründete ihren Antrag. In der Aussprache wurde darauf hingewiesen, "
         "dass bereits mehrere Netzwerke bestünden, die eingebunden werden sollten.",
         ["1. Die Verwaltung wird beauftragt, einen Runden Tisch gegen Kinderarmut einzurichten.",
          "2. An dem Runden Tisch sind die Jobcenter, die Wohlfahrtsverbände und die Kommunen zu beteiligen.",
          "3. Über die Ergebnisse ist dem Ausschuss im nächsten Jahr zu berichten."]),
        ("Antrag der Fraktion BÜNDNIS 90/DIE GRÜNEN: Mehrsprachige Informationen zu Hilfen im Alter",
         "Nach kurzer Aussprache ließ die Vorsitzende über den Antrag in der folgenden Fassung abstimmen:",
         ["1. Die Verwaltung wird gebeten, die Broschüre „Hilfen im Alter“ in Türkisch, Arabisch, Russisch "
          "und Englisch zu veröffentlichen.",
          "2. Die Kosten von voraussichtlich 6.500 € werden aus dem laufenden Budget gedeckt."]),
        ("Antrag der CDU-Fraktion: Fortführung des Projekts „Quartierslotsen“",
         "Die Verwaltung erklärte, eine Fortführung sei nur möglich, wenn das Land die Förderung über das "
         "Jahresende hinaus verlängere.",
         ["1. Das Projekt „Quartierslotsen“ wird bis zum 31.12. des Folgejahres fortgeführt.",
          "2. Die Verwaltung wird beauftragt, die Landesförderung zu beantragen."]),
    ])
    votes = _votes(rng, present, unanimous=rng.random() < 0.4)
    return ItemSpec(title=title, paragraphs=[text], resolution=points, votes=votes,
                    result=_result_for(votes), paper_refs=[paper_ref])


def item_postponed(rng: random.Random, c: Committee, paper_ref: str) -> ItemSpec:
    title = rng.choice(["Antrag der FDP-Fraktion: Digitale Sprechstunden im Jobcenter",
                        "Sachstand zur Wohnraumversorgung von Geflüchteten",
                        "Fortschreibung der Pflegeplanung für den Rhein-Sieg-Kreis"])
    return ItemSpec(
        title=title,
        paragraphs=["Auf Vorschlag der Vorsitzenden wurde die Beratung in die nächste Sitzung vertagt, da "
                    "die ergänzenden Unterlagen der Verwaltung noch nicht vorlagen."],
        result="vertagt",
        paper_refs=[paper_ref],
    )


def item_award(rng: random.Random, c: Committee, paper_ref: str, present: int) -> ItemSpec:
    """A Kreisausschuss decision with money in it: contracts, donations, budgets."""
    title, text, points = rng.choice([
        ("Vergabe der Leistungen für den Schülerspezialverkehr an Förderschulen",
         "Die Verwaltung erläuterte das Ergebnis der europaweiten Ausschreibung. Es gingen neun Angebote ein; "
         "das wirtschaftlichste Angebot liegt mit 2.184.300 € brutto für drei Schuljahre unter der Schätzung.",
         ["1. Der Kreisausschuss stimmt der Vergabe der Lose 1 bis 4 an die wirtschaftlichsten Bieter zu.",
          "2. Die Verwaltung wird ermächtigt, die Verträge um ein Jahr zu verlängern, wenn die Leistung "
          "beanstandungsfrei erbracht wurde."]),
        ("Annahme von Spenden und Zuwendungen nach § 83 KrO NRW",
         "Dem Kreis wurden im Berichtszeitraum Spenden in Höhe von insgesamt 12.750 € angeboten, überwiegend "
         "für das Jugendamt und das Kommunale Integrationszentrum.",
         ["Der Kreisausschuss stimmt der Annahme der in der Anlage aufgeführten Spenden zu."]),
        ("Sanierung der Turnhalle des Berufskollegs in Hennef – Bereitstellung überplanmäßiger Mittel",
         "Die Verwaltung begründete den Mehrbedarf mit gestiegenen Baupreisen und Schadstofffunden im Dach.",
         ["1. Für die Sanierung werden überplanmäßige Mittel in Höhe von 412.000 € bereitgestellt.",
          "2. Die Deckung erfolgt durch Minderausgaben bei der Maßnahme „Neubau Rettungswache Eitorf“."]),
    ])
    votes = _votes(rng, present, unanimous=rng.random() < 0.6)
    return ItemSpec(title=title, paragraphs=[text], resolution=points, votes=votes,
                    result=_result_for(votes), paper_refs=[paper_ref])


def item_recommendation(rng: random.Random, c: Committee, paper_ref: str, present: int) -> ItemSpec:
    """The Kreisausschuss deciding on what a specialist committee recommended."""
    votes = _votes(rng, present, unanimous=True)
    return ItemSpec(
        title="Empfehlung des Ausschusses für Soziales, Gleichstellung und Integration zur Fortschreibung "
              "des Integrationskonzeptes und zum Jahresplan des Kommunalen Integrationszentrums",
        paragraphs=["Der Kreisausschuss folgte ohne weitere Aussprache der Empfehlung des Fachausschusses."],
        resolution=["Der Kreisausschuss beschließt die Fortschreibung des Integrationskonzeptes in der "
                    "vom Fachausschuss empfohlenen Fassung."],
        votes=votes,
        result=_result_for(votes),
        paper_refs=[paper_ref],
    )


def item_misc(rng: random.Random) -> ItemSpec:
    return ItemSpec(title="Verschiedenes", paragraphs=[rng.choice([
        "Es lagen keine Wortmeldungen vor.",
        "Die Vorsitzende wies auf den nächsten Sitzungstermin hin. Weitere Wortmeldungen lagen nicht vor.",
    ])])


_NONPUBLIC_TITLES = [
    "Personalangelegenheiten",
    "Grundstücksangelegenheit in Siegburg-Kaldauen",
    "Vergabe von Bauleistungen – Zuschlagserteilung",
    "Mitteilungen und Anfragen (nichtöffentlich)",
    "Stundung einer Forderung",
]


def paper_ref(layout: Layout, year: int, rng: random.Random) -> str:
    """A paper number in the style of the system the layout imitates."""
    n = rng.randint(100, 9999)
    if layout == "sessionnet":
        return f"{year}/{n:04d}"
    if layout == "allris":
        return f"VO/{year}/{n}"
    if layout == "dotted":
        return f"V/{n:04d}/{year}"
    return f"{year % 100:02d}-{rng.randint(10000, 39999)}"


# --- whole specs ---------------------------------------------------------------------------------------


def sample_minutes_spec(
    *,
    committee: Committee,
    session_number: int,
    day: date,
    previous_day: date,
    layout: Layout,
    seed: int,
    size: Literal["short", "long"] = "long",
    featured: list[ItemSpec] | None = None,
    nonpublic_mode: NonPublicMode = "omitted",
) -> MinutesSpec:
    """A plausible complete meeting: routine items around the `featured` ones.

    "short" keeps a document to two or three pages (scanned documents are OCR'd in the demo);
    "long" adds questions, motions with numbered resolutions, sub-items and a second non-public item.
    """
    rng = random.Random(seed)
    members = _with_party(rng, _people(rng, committee.seats - 2))
    excused = _people(rng, 2) if size == "long" else _people(rng, 1)
    excused = [name for name in excused if name not in {m.rsplit(" (", 1)[0] for m in members}]
    present = len(members) + 1
    chair = rng.choice([n for n in _people(rng, 6) if n.split()[0] in _FEMALE] or ["Anna Becker"])
    ref = lambda: paper_ref(layout, day.year, rng)  # noqa: E731 - one-line factory reads best here

    items: list[ItemSpec] = []
    if size == "long":
        items.append(ItemSpec(
            title="Eröffnung der Sitzung, Feststellung der ordnungsgemäßen Einladung und der Beschlussfähigkeit",
            paragraphs=[f"Die Vorsitzende {chair} eröffnete die Sitzung um {'17:00' if committee.key == 'asgi' else '15:00'} "
                        "Uhr, begrüßte die Anwesenden und stellte die ordnungsgemäße Einladung sowie die "
                        "Beschlussfähigkeit fest. Änderungswünsche zur Tagesordnung wurden nicht vorgetragen."],
        ))
    items.append(item_minutes_approval(rng, committee, session_number, previous_day, present))
    items.append(item_announcements(rng, committee))
    items.extend(featured or [])
    if size == "long":
        if committee.key == "ka":
            items.append(item_award(rng, committee, ref(), present))
            items.append(item_recommendation(rng, committee, ref(), present))
        items.append(ItemSpec(title="Anträge und Anfragen der Fraktionen"))
        items.append(item_motion(rng, committee, ref(), present).model_copy(update={"level": 1}))
        items.append(item_question(rng, committee, ref()).model_copy(update={"level": 1}))
        items.append(item_postponed(rng, committee, ref()).model_copy(update={"level": 1}))
    elif committee.key == "ka":
        items.append(item_award(rng, committee, ref(), present))
    items.append(item_misc(rng))
    nonpublic = rng.sample(_NONPUBLIC_TITLES, 2 if size == "long" else 1)
    items.extend(ItemSpec(title=title, public=False) for title in nonpublic)

    return MinutesSpec(
        committee=committee.name,
        committee_genitive=committee.genitive,
        committee_short=committee.short,
        session_number=session_number,
        date=day,
        start_time="17:00" if committee.key == "asgi" else "15:00",
        end_time=rng.choice(["18:45", "19:10", "19:30"]) if committee.key == "asgi" else rng.choice(["16:40", "17:05"]),
        location=committee.location,
        chair=chair,
        recorder=rng.choice(["Jana Vogt", "Miriam Kessler", "Sandra Thelen"]),
        members=members,
        administration=rng.sample(_ADMIN, 3),
        excused=excused,
        layout=layout,
        nonpublic_mode=nonpublic_mode,
        vote_style=rng.choice(["stimmen", "stimmen", "dafuer"]),
        items=items,
    )
