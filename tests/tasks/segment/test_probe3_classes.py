"""The failure classes the third probe (bench/probe3) showed, one test each, on inline texts written for
the class (not the probe's documents): series-lettered TOPs, "1.)" numbering, Roman group titles,
closings with the verb second, "(DS-Nr.: …)" references, sections closing a printed agenda's items,
"Einreicher:" lines, annexes after signatures, titles that must stop at a sentence, and result phrasings."""

from __future__ import annotations

import pytest

from schemas.pipeline import AgendaEntry, Votes
from tasks.segment import segment_minutes
from tasks.segment.headings import parse_heading, strip_refs
from tasks.segment.outcome import outcome_of

HEAD = "Niederschrift\nüber die 7. Sitzung des Gemeinderates am 12.03.2026\n\nVorsitz: Bürgermeister Ohm\n\n"


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def test_top_with_a_series_letter_numbers_each_part_of_the_meeting():
    text = HEAD + (
        "A. Öffentliche Sitzung\n\n"
        "TOP A 1 Eröffnung\n\nDer Bürgermeister eröffnet die Sitzung. Der TOP A 3 wird vertagt.\n\n"
        "TOP A 2 Bebauungsplan Nr. 9\n\nDer Plan wird beschlossen.\n\n"
        "TOP A 3 Baumschutzsatzung\n\nVertagt.\n\n"
        "B. Nichtöffentliche Sitzung\n\n"
        "TOP B 1 Personalangelegenheit\n\n"
        "TOP B 2 Grundstücksangelegenheit\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.public) for it in items] == [
        ("1", True), ("2", True), ("3", True), ("1", False), ("2", False)]
    assert items[0].label == "TOP A 1" and "TOP A 3 wird vertagt" in items[0].text
    assert parse_heading("TOP A 1 Eröffnung").public is None  # the section line, not the letter, says public


def test_numbers_with_dot_and_parenthesis_are_headings_in_the_record_not_in_the_attendance():
    text = HEAD.replace("Vorsitz: Bürgermeister Ohm\n", "Anwesend waren:\n1.) Bürgermeister Ohm\n2.) GR Karl Huber\n") + (
        "Tagesordnung:\n\n1.) Eröffnung\n2.) Rechnungsabschluss 2025\n\n"
        "1.) Eröffnung\n\nDer Vorsitzende eröffnet die Sitzung.\n\n"
        "2.) Rechnungsabschluss 2025\n\nDer Rechnungsabschluss wird genehmigt.\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.label, it.title) for it in items] == [
        ("1", "1.)", "Eröffnung"), ("2", "2.)", "Rechnungsabschluss 2025")]


@pytest.mark.parametrize("gap", ["\n\n", "\n"])  # with a blank line, and as a text layer without one
def test_a_roman_group_title_above_a_heading_belongs_to_no_item(gap):
    text = HEAD + (
        f"1. Genehmigung der Niederschrift{gap}Die Niederschrift wird genehmigt.{gap}"
        f"I. Bauangelegenheiten{gap}"
        f"2. Bauantrag Carport{gap}Das Einvernehmen wird erteilt.{gap}"
        f"II. Finanzen{gap}"
        f"3. Jahresrechnung 2025{gap}Die Jahresrechnung wird festgestellt.\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2", "3"]
    assert _norm(items[0].text) == "Die Niederschrift wird genehmigt."
    assert _norm(items[1].text) == "Das Einvernehmen wird erteilt."


@pytest.mark.parametrize("closing", [
    "Mit Dank für die Mitarbeit schließt der Vorsitzende die öffentliche Sitzung um 20.35 Uhr.",
    "Nachdem keine weiteren Wortmeldungen vorliegen, schließt der Vorsitzende die Sitzung um 20.40 Uhr.",
])
def test_a_closing_with_the_verb_second_ends_the_last_item(closing):
    text = HEAD + f"1. Eröffnung\n\nEröffnet.\n\n2. Allfälliges\n\nGR Pfeffer fragt nach der Ampel.\n\n{closing}\n"
    items = segment_minutes([text]).items
    assert _norm(items[-1].text) == "GR Pfeffer fragt nach der Ampel."


def test_labelled_term_numbers_in_parentheses_are_references_and_leave_the_title():
    assert strip_refs("Änderungsantrag der Fraktion BVB (DS-Nr.: 110-1/2026)") == "Änderungsantrag der Fraktion BVB"
    text = HEAD + ("1. Berufung einer Wahlleiterin (DS-Nr.: 117/2026)\n\nBerufen.\n\n"
                   "2. Änderungsantrag der Fraktion BVB (DS-Nr.: 110-1/2026)\n\nAbgelehnt.\n")
    items = segment_minutes([text]).items
    assert [(it.title, it.paper_refs) for it in items] == [
        ("Berufung einer Wahlleiterin", ["117/2026"]), ("Änderungsantrag der Fraktion BVB", ["110-1/2026"])]


def test_a_non_public_section_of_the_record_closes_items_the_printed_agenda_listed_as_public():
    text = HEAD + (
        "Tagesordnung:\n1. Eröffnung\n2. Friedhofsgebühren\n3. Grundstücksangelegenheit (nichtöffentlich)\n\n"
        "1. Eröffnung\n\nEröffnet.\n\n2. Friedhofsgebühren\n\nDie Satzung wird beschlossen.\n\n"
        "Nichtöffentlicher Teil\n\n3. Grundstücksangelegenheit\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.public) for it in items] == [("1", True), ("2", True), ("3", False)]


def test_who_brings_the_item_is_part_of_the_heading_not_of_the_title():
    text = HEAD + (
        "TOP 1\nVergabe der Schulhofsanierung\nEinreicher: Bürgermeisterin\nVorlage: GR/045/2026\n\n"
        "Herr Opitz erläutert die Ausschreibung.\n\n"
        "TOP 2\nAnfragen\n\nKeine.\n")
    items = segment_minutes([text]).items
    assert (items[0].title, items[0].paper_refs) == ("Vergabe der Schulhofsanierung", ["GR/045/2026"])
    assert _norm(items[0].text) == "Herr Opitz erläutert die Ausschreibung."


def test_an_annex_after_the_signatures_is_no_part_of_the_record():
    text = HEAD + (
        "TOP 1:\nEröffnung\n\nEröffnet.\n\nTOP 2:\nMitteilungen\n\nDas Osterfeuer ist am 4. April.\n\n"
        "Bosse                                Karger\nOrtsbürgermeisterin                  Protokollführer\n\n"
        "Anlage 1 zum Protokoll vom 05.03.2026\n\nAuszug aus dem Protokoll vom 12.01.2025\n\n"
        "TOP 7:\nVerkehrssituation\n\nDer Ortsrat bittet um Tempo 30.\n\nTOP 8:\nAnfragen\nKeine.\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2"]
    assert _norm(items[1].text) == "Das Osterfeuer ist am 4. April."


def test_without_blank_lines_a_sentence_never_continues_a_title_the_agenda_expects():
    # a text layer: no blank lines; the printed agenda's longer title shares words with the body
    text = HEAD.replace("\n\n", "\n") + (
        "Tagesordnung:\n1 Feststellung der Tagesordnung\n2 Schulentwicklungsplan 2026–2031 der Stadt – Fortschreibung und Beteiligung der Schulträger\n"
        "Zu TOP 1:\nFeststellung der Tagesordnung\nDie Tagesordnung wird festgestellt.\n"
        "Zu TOP 2:\nSchulentwicklungsplan 2026–2031\n"
        "Frau Thiel stellt die Fortschreibung vor. Die Beteiligung der Schulträger beginnt im Mai.\n")
    agenda = [AgendaEntry(number="1", name="Feststellung der Tagesordnung", order=1),
              AgendaEntry(number="2", name="Schulentwicklungsplan 2026–2031 der Stadt – Fortschreibung und Beteiligung der Schulträger", order=2)]
    for result in (segment_minutes([text]), segment_minutes([text], agenda)):
        assert _norm(result.items[1].text).startswith("Frau Thiel stellt")


@pytest.mark.parametrize("body", [
    "Die Ortsbürgermeisterin erinnert an den Beschluss vom Januar.", "Das Osterfeuer findet am 4. April statt.",
])
def test_without_blank_lines_a_role_opened_body_line_is_no_title(body):
    # the label alone on its line, the title below it: the title's line is followed straight by the body
    text = HEAD.replace("\n\n", "\n") + f"TOP 1:\nEröffnung\nEröffnet.\nTOP 2:\nBericht der Ausschussvorsitzenden\n{body}\n"
    items = segment_minutes([text]).items
    assert items[1].title == "Bericht der Ausschussvorsitzenden" and _norm(items[1].text) == body


def test_without_blank_lines_entfaellt_is_the_body_of_the_title_the_printed_agenda_names():
    # Alone, "2. Bericht der Ausschussvorsitzenden / entfällt." may be one sentence; the list says it is a title.
    text = HEAD.replace("\n\n", "\n") + (
        "Tagesordnung\n1. Eröffnung\n2. Bericht der Ausschussvorsitzenden\n3. Anfragen\nVerhandelt:\n"
        "1. Eröffnung\nEröffnet.\n2. Bericht der Ausschussvorsitzenden\nentfällt.\n3. Anfragen\nKeine.\n")
    items = segment_minutes([text]).items
    assert [(it.title, _norm(it.text)) for it in items][1] == ("Bericht der Ausschussvorsitzenden", "entfällt.")


@pytest.mark.parametrize("lines, result, votes", [
    (["Abstimmungsergebnis: 24 Ja, 5 Nein, 1 Enthaltung"], "mehrheitlich", Votes(yes=24, no=5, abstain=1)),
    (["Abstimmungsergebnis: 9 Ja, 2 Nein"], "mehrheitlich", Votes(yes=9, no=2)),
    (["Der Antrag findet keine Mehrheit."], "abgelehnt", None),
    (["Der Antrag wird mit großer Mehrheit angenommen."], "mehrheitlich", None),
    (["Die Fraktion zieht den Antrag zurück."], "abgesetzt", None),
    (["Eine Beschlussfassung erfolgt nicht."], "ohne Beschluss", None),
    (["Keine Beschlussfassung."], "ohne Beschluss", None),
])
def test_result_phrasings_of_the_third_probe(lines, result, votes):
    out = outcome_of(lines)
    assert (out.result, out.votes) == (result, votes)


def test_prose_with_ja_or_a_withdrawn_remark_is_no_result():
    assert outcome_of(["Herr Kurz zieht seine Wortmeldung zurück."]).result is None
    assert outcome_of(["Die Fraktion zieht den Antrag nicht zurück."]).result is None
    assert outcome_of(["Er sagte 2 ja, aber nicht mehr."]).votes is None
