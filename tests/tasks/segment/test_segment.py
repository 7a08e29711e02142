"""Segmentation on hand-written minutes: every heading layout, every trap, guided and heuristic."""

from __future__ import annotations

import pytest

from schemas.pipeline import AgendaEntry, Votes
from tasks.segment import SEGMENTER_VERSION, segment_minutes
from tasks.segment.headings import paper_refs_in, parse_heading, strip_refs
from tasks.segment.outcome import outcome_of, result_in, votes_in

HEADER = """Rhein-Sieg-Kreis

Niederschrift über die 12. Sitzung des Ausschusses für Soziales am 04.07.2019

Beginn: 17:00 Uhr   Ende: 19:10 Uhr
Anwesend: Anna Becker (Vorsitz), Jana Vogt (Schriftführung)
"""

BODY_A = """Die Vorsitzende eröffnete die Sitzung und stellte die Beschlussfähigkeit fest. Einwände gegen
die Tagesordnung wurden nicht erhoben."""

BODY_B = """Dezernent Schmitz berichtete über den Stand der Landesinitiative „Gemeinsam klappt’s“ und über
die Verleihung des Integrationspreises. Im Anschluss erkundigte sich Abg. Eichner nach den Bewerbungen.

Beschluss:

Der Ausschuss nimmt den Bericht zur Kenntnis.

zur Kenntnis genommen"""

BODY_C = """Die Verwaltung erläuterte die Vorlage. In der Aussprache wurde auf die Kosten hingewiesen, die
aus dem laufenden Budget gedeckt werden sollen.

Beschluss:

1. Die Verwaltung wird beauftragt, einen Runden Tisch gegen Kinderarmut einzurichten.
2. An dem Runden Tisch sind die Jobcenter und die Wohlfahrtsverbände zu beteiligen.
3. Über die Ergebnisse ist dem Ausschuss im nächsten Jahr zu berichten.

Ja-Stimmen: 12 Nein-Stimmen: 2 Enthaltungen: 1
mehrheitlich beschlossen"""

BODY_D = "Es lagen keine Wortmeldungen vor."

TITLES = [
    "Eröffnung der Sitzung",
    "Bericht über die Landesinitiative „Gemeinsam klappt’s“ und die Verleihung des Integrationspreises 2019",
    "Antrag der SPD-Fraktion: Runder Tisch gegen Kinderarmut",
    "Verschiedenes",
]
BODIES = [BODY_A, BODY_B, BODY_C, BODY_D]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _record(labels: list[str], titles: list[str] = TITLES, bodies: list[str] = BODIES) -> str:
    return "\n\n".join(f"{label}  {title}\n\n{body}" for label, title, body in zip(labels, titles, bodies))


def _assert_items(result, numbers: list[str], titles: list[str] = TITLES, bodies: list[str] = BODIES) -> None:
    assert [it.number for it in result.items] == numbers
    assert [_norm(it.title) for it in result.items] == [_norm(t) for t in titles[: len(numbers)]]
    assert [_norm(it.text) for it in result.items] == [_norm(b) for b in bodies[: len(numbers)]]


# --- heading layouts -----------------------------------------------------------------------------


def test_sessionnet_with_printed_agenda_uses_the_list_as_guide_and_reports_nonpublic_absent():
    agenda = "Tagesordnung\n\nÖffentlicher Teil\n" + "\n".join(
        f"Ö {i}  {t}" for i, t in enumerate(TITLES, start=1)) + "\n\nNichtöffentlicher Teil\nN 1  Personalangelegenheiten\n"
    text = HEADER + "\n" + agenda + "\n" + _record([f"Ö {i}" for i in range(1, 5)])
    result = segment_minutes([text])
    _assert_items(result, ["1", "2", "3", "4"])
    assert result.mode == "heuristic"
    assert [it.label for it in result.items] == ["Ö 1", "Ö 2", "Ö 3", "Ö 4"]
    assert [a.name for a in result.absent] == ["Personalangelegenheiten"]
    assert result.absent[0].public is False
    assert result.warnings == []
    assert result.segmenter_version == SEGMENTER_VERSION


def test_allris_top_headings_with_paper_refs_beside_the_title():
    labels = ["TOP 1", "TOP 2", "TOP 3", "TOP 4"]
    titles = [TITLES[0], TITLES[1] + "   VO/2026/5607", TITLES[2] + "  Drucksache: 26-29075", TITLES[3]]
    result = segment_minutes([HEADER + "\n" + _record(labels, titles)])
    _assert_items(result, ["1", "2", "3", "4"])
    assert [it.paper_refs for it in result.items] == [[], ["VO/2026/5607"], ["26-29075"], []]
    assert result.items[2].label == "TOP 3"


def test_dotted_headings_with_sub_items_and_a_numbered_resolution_are_not_confused():
    labels = ["1.", "2.", "2.1", "3."]
    result = segment_minutes([HEADER + "\n" + _record(labels)])
    _assert_items(result, ["1", "2", "2.1", "3"])
    assert result.items[2].resolution.startswith("1. Die Verwaltung wird beauftragt")
    assert "3. Über die Ergebnisse" in result.items[2].resolution
    assert result.warnings == []


def test_bare_numbers_without_dot():
    result = segment_minutes([HEADER + "\n" + _record(["1", "2", "3", "4"])])
    _assert_items(result, ["1", "2", "3", "4"])


def test_punkt_der_tagesordnung_with_title_wrapped_over_the_next_lines():
    parts = []
    for i, (title, body) in enumerate(zip(TITLES, BODIES), start=1):
        if i == 2:
            title = "Bericht über die Landesinitiative „Gemeinsam klappt’s“ und die Verleihung des\nIntegrationspreises 2019"
        parts.append(f"Punkt {i} der Tagesordnung:\n{title}\nVorlage: 2019/01{i}4\n\n{body}")
    body_text = "\n\n".join(parts)
    # a body line as long as the wrapped title line, so "wrapped" is judged against the page width
    result = segment_minutes([HEADER + "\n" + body_text])
    _assert_items(result, ["1", "2", "3", "4"])
    assert result.items[1].label == "Punkt 2 der Tagesordnung"
    assert result.items[1].paper_refs == ["2019/0124"]


def test_zu_headings():
    result = segment_minutes([HEADER + "\n" + _record(["Zu 1", "Zu 2", "Zu 3", "Zu 4"])])
    _assert_items(result, ["1", "2", "3", "4"])
    assert result.items[0].label == "Zu 1"


def test_indented_headings_and_letter_spaced_agenda_title():
    agenda = "T A G E S O R D N U N G\n\n" + "\n".join(f"   {i}.  {t}" for i, t in enumerate(TITLES, start=1))
    record = "\n\n".join(f"    {i}.  {t}\n\n{b}" for i, (t, b) in enumerate(zip(TITLES, BODIES), start=1))
    text = HEADER + "\n" + agenda + "\n\n" + record
    result = segment_minutes([text])
    _assert_items(result, ["1", "2", "3", "4"])
    # the offsets point at the record's heading, not at the agenda list
    first = result.items[0]
    assert first.char_start > text.index("    1.  Eröffnung")
    assert text[first.char_start:].startswith("1.  Eröffnung der Sitzung\n\nDie Vorsitzende")


# --- traps ------------------------------------------------------------------------------------------


def test_cross_reference_at_line_start_is_not_a_heading():
    body_b = ("Die Vorsitzende erinnerte daran, dass die Verwaltung den Sachstand bereits, wie unter\n"
              "TOP 1 berichtet, in der letzten Sitzung vorgestellt habe. Eine Aussprache fand nicht statt.")
    bodies = [BODY_A, body_b, BODY_C, BODY_D]
    result = segment_minutes([HEADER + "\n" + _record(["TOP 1", "TOP 2", "TOP 3", "TOP 4"], bodies=bodies)])
    _assert_items(result, ["1", "2", "3", "4"], bodies=bodies)
    assert result.warnings == []


def test_running_headers_and_page_numbers_are_neither_headings_nor_item_text():
    record = _record(["Ö 1", "Ö 2", "Ö 3", "Ö 4"])
    cut = record.index("Beschluss:\n\n1. Die Verwaltung")
    pages = [
        HEADER + "\n" + record[:cut] + "\nNiederschrift ASGI 04.07.2019 — Seite 1 von 2",
        "- 2 -\n" + record[cut:] + "\nNiederschrift ASGI 04.07.2019 — Seite 2 von 2",
    ]
    result = segment_minutes(pages)
    _assert_items(result, ["1", "2", "3", "4"])
    third = result.items[2]
    assert (third.page_start, third.page_end) == (1, 2)
    assert (result.items[3].page_start, result.items[3].page_end) == (2, 2)
    joined = "\n\n".join(pages)
    assert joined[third.char_start:third.char_end].startswith("Ö 3  Antrag der SPD-Fraktion")
    assert joined[third.char_start:third.char_end].endswith("mehrheitlich beschlossen")


def test_closing_formula_and_signatures_end_the_last_item():
    text = HEADER + "\n" + _record(["Ö 1", "Ö 2", "Ö 3", "Ö 4"]) + (
        "\n\nDie Vorsitzende schloss die Sitzung um 19:10 Uhr.\n\ngez. Anna Becker, Vorsitzende")
    result = segment_minutes([text])
    assert _norm(result.items[-1].text) == BODY_D


def test_nonpublic_section_line_sets_public_and_is_not_item_text():
    record = _record(["1.", "2.", "3.", "4."])
    cut = record.index("4.  Verschiedenes")
    text = HEADER + "\n" + record[:cut] + "Nichtöffentlicher Teil\n\n" + record[cut:]
    result = segment_minutes([text])
    assert [it.public for it in result.items] == [True, True, True, False]
    assert "Nichtöffentlicher" not in result.items[2].text


# --- guided ------------------------------------------------------------------------------------------


def _oparl_agenda() -> list[AgendaEntry]:
    return [
        AgendaEntry(external_id="a", number="A", name="Öffentliche Sitzung", order=1),
        AgendaEntry(external_id="1", number="Ö 1", name=TITLES[0], order=2),
        AgendaEntry(external_id="2", number="Ö 2", name=TITLES[1], order=3),
        AgendaEntry(external_id="3", number="Ö 3", name=TITLES[2], order=4),
        AgendaEntry(external_id="4", number="Ö 4", name=TITLES[3], order=5),
        AgendaEntry(external_id="b", number="B", name="Nichtöffentliche Sitzung", order=6),
        AgendaEntry(external_id="5", number="N 1", name="Grundstücksangelegenheit in Siegburg", order=7),
    ]


def test_guided_matches_number_variants_and_reports_absent_items_and_sections_are_not_items():
    labels = ["TOP 1", "2.", "Zu 3", "Punkt 4 der Tagesordnung:"]
    result = segment_minutes([HEADER + "\n" + _record(labels)], agenda=_oparl_agenda())
    assert result.mode == "guided"
    _assert_items(result, ["1", "2", "3", "4"])
    assert [it.source_item_id for it in result.items] == ["1", "2", "3", "4"]
    assert [a.external_id for a in result.absent] == ["5"]
    assert result.absent[0].public is False  # set by the "Nichtöffentliche Sitzung" section entry
    assert result.warnings == []


def test_guided_tolerates_ocr_errors_in_titles_and_labels_and_wrapped_titles():
    titles = [
        "Er0ffnung der Sitzunq",
        "Bericht uber die Landesinitiative ,Gemeinsam klappt's“ und die Verleihung des\nIntegrationspreises 2O19",
        "Antraq der SPD-Fraktlon: Runder Tisch gegen Kinderarmut",
        "Verschiedenes",
    ]
    labels = ["Ö 1", "Ö 2", "0 3", "|OP4"]
    result = segment_minutes([HEADER + "\n" + _record(labels, titles)], agenda=_oparl_agenda())
    _assert_items(result, ["1", "2", "3", "4"])  # titles come from the agenda, not the OCR
    assert _norm(result.items[1].text) == _norm(BODY_B)


def test_guided_skips_the_printed_agenda_list():
    agenda = "Tagesordnung\n\n" + "\n".join(f"Ö {i}  {t}" for i, t in enumerate(TITLES, start=1))
    text = HEADER + "\n" + agenda + "\n\n" + _record([f"Ö {i}" for i in range(1, 5)])
    result = segment_minutes([text], agenda=_oparl_agenda())
    _assert_items(result, ["1", "2", "3", "4"])
    assert result.items[0].char_start > text.index("Ö 4  Verschiedenes")


def test_guided_does_not_invent_an_item_from_a_cross_reference():
    body_b = ("Die Vorsitzende wies darauf hin, dass der Antrag, wie unter\n"
              "TOP 3 angekündigt, zurückgezogen wurde.")
    text = HEADER + "\n" + _record(["TOP 1", "TOP 2"], TITLES[:2], [BODY_A, body_b])
    result = segment_minutes([text], agenda=_oparl_agenda())
    assert [it.number for it in result.items] == ["1", "2"]
    assert {a.external_id for a in result.absent} == {"3", "4", "5"}
    assert any("'Verschiedenes' not found" in w for w in result.warnings)


# --- results, votes, paper references ----------------------------------------------------------------


@pytest.mark.parametrize(("phrase", "expected"), [
    ("einstimmig beschlossen", "einstimmig"),
    ("Einstimmig bei einer Enthaltung beschlossen", "einstimmig"),
    ("nicht einstimmig beschlossen", "mehrheitlich"),
    ("mehrheitlich beschlossen", "mehrheitlich"),
    ("mehrheitlich abgelehnt", "abgelehnt"),
    ("Der Ausschuss hat den Antrag nicht empfohlen.", "abgelehnt"),
    ("einstimmig empfohlen", "einstimmig"),
    ("zur Kenntnis genommen", "zur Kenntnis genommen"),
    ("Die Beratung wurde vertagt.", "vertagt"),
    ("von der Tagesordnung abgesetzt", "abgesetzt"),
    ("abgelehnt", "abgelehnt"),
    ("so beschlossen", "beschlossen"),
])
def test_result_phrases_normalise_to_one_word_despite_negation_traps(phrase, expected):
    assert result_in(phrase) == expected


def test_votes_in_both_printed_styles_and_counted_words():
    assert votes_in("Ja-Stimmen: 8 Nein-Stimmen: 0 Enthaltungen: 1") == Votes(yes=8, no=0, abstain=1)
    assert votes_in("Dafür: 8 Dagegen: 0 Enthaltung: 0") == Votes(yes=8, no=0, abstain=0)
    assert votes_in("mit 12 Ja-Stimmen bei 3 Gegenstimmen und einer Enthaltung") == Votes(yes=12, no=3, abstain=1)
    assert votes_in("Dafür steht jedoch kein Budget zur Verfügung") is None
    # OCR reads the zero as "O"; the labelled 13 must not double as a counted "13 Nein-Stimmen"
    assert votes_in("Ja-Stimmen: 13 Nein-Stimmen: O Enthaltungen: 1") == Votes(yes=13, no=0, abstain=1)
    assert votes_in("Dafür: 13 Dagegen: O Enthaltung: 1") == Votes(yes=13, no=0, abstain=1)


def test_result_falls_back_to_what_the_votes_say():
    assert result_in("Ja-Stimmen: 3 Nein-Stimmen: 9 Enthaltungen: 0", Votes(yes=3, no=9, abstain=0)) == "abgelehnt"
    assert result_in("Dafür: 9 Dagegen: 2", Votes(yes=9, no=2)) == "mehrheitlich"


def test_resolution_ends_where_the_result_begins_and_keeps_its_numbered_list():
    lines = ["Die Verwaltung erläuterte.", "", "Beschlussvorschlag:", "",
             "Der Integrationsrat nimmt den Bericht zur Kenntnis.", "", "zur Kenntnis genommen"]
    outcome = outcome_of(lines)
    assert outcome.resolution == "Der Integrationsrat nimmt den Bericht zur Kenntnis."
    assert outcome.result == "zur Kenntnis genommen"
    outcome = outcome_of(BODY_C.split("\n"))
    assert outcome.resolution.splitlines()[0].startswith("1. Die Verwaltung")
    assert outcome.resolution.splitlines()[-1].startswith("3. Über die Ergebnisse")
    assert outcome.votes == Votes(yes=12, no=2, abstain=1)
    assert outcome.result == "mehrheitlich"


def test_item_without_decision_has_no_result():
    assert outcome_of(["Es lagen keine Wortmeldungen vor."]).result is None


def test_paper_reference_shapes_and_titles_without_them():
    text = "Bericht des KI (Vorlage: 2021/0134)  VO/2026/5607; 26-29075, V/0287/2026"
    assert paper_refs_in(text) == ["2021/0134", "VO/2026/5607", "26-29075", "V/0287/2026"]
    assert strip_refs(text) == "Bericht des KI"
    assert strip_refs("Haushaltssatzung 2021/2022") == "Haushaltssatzung 2021/2022"
    assert paper_refs_in("Am 04.07.2019 um 19.30 Uhr, 1.000,- €") == []


@pytest.mark.parametrize("line", ["12.03.2019 Sitzung", "19.30 Uhr Ende", "1.000 Euro", "- 2 -", "4/24"])
def test_dates_times_amounts_and_page_numbers_are_not_headings(line):
    assert parse_heading(line) is None


# --- warnings ---------------------------------------------------------------------------------------------


def test_warnings_for_duplicate_missing_and_out_of_order_numbers():
    titles = ["Eröffnung der Sitzung", "Mitteilungen der Verwaltung", "Anfragen der Fraktionen",
              "Bericht des Kommunalen Integrationszentrums", "Verschiedenes"]
    bodies = [BODY_A, BODY_D, BODY_D, BODY_B, BODY_D]
    text = HEADER + "\n" + _record(["TOP 1", "TOP 2", "TOP 2", "TOP 5", "TOP 4"], titles, bodies)
    result = segment_minutes([text])
    assert [it.number for it in result.items] == ["1", "2", "2", "5", "4"]
    joined = " | ".join(result.warnings)
    assert "duplicate item number 2" in joined
    assert "missing item number(s) between 2 and 5" in joined
    assert "out-of-order item number 4 after 5" in joined


def test_no_headings_gives_a_warning_not_an_invented_item():
    result = segment_minutes(["Vorbemerkungen:\n\nNach Vorgabe der Bezirksregierung wurde ein Konzept erstellt."])
    assert result.items == []
    assert result.warnings == ["no agenda item headings found"]


def test_wrapped_resolution_tail_is_not_mistaken_for_the_result():
    lines = ["Beschluss:", "", "Der Ausschuss für Soziales, Gleichstellung und Integration nimmt den Bericht der",
             "Leitung des KI zur Kenntnis.", "", "Dafür: 8 Dagegen: 0 Enthaltung: 0", "einstimmig beschlossen"]
    outcome = outcome_of(lines)
    assert outcome.resolution.endswith("Leitung des KI zur Kenntnis.")
    assert outcome.result == "einstimmig"
    assert outcome.votes == Votes(yes=8, no=0, abstain=0)


def test_numbered_list_in_running_text_of_a_dotted_document_is_not_a_run_of_items():
    body_c = ("Die Verwaltung stellte die Fortschreibung vor. Folgende Schwerpunkte wurden genannt:\n\n"
              "1. Ausbau der Photovoltaik auf allen städtischen Dächern bis zum Jahr 2027.\n\n"
              "2. Umstellung des Fuhrparks auf Elektrofahrzeuge, soweit wirtschaftlich vertretbar.\n\n"
              "3. Einrichtung einer Energieberatung für private Haushalte.")
    titles = ["Eröffnung der Sitzung", "Mitteilungen der Verwaltung", "Anfragen der Fraktionen",
              "Klimaschutzkonzept der Stadt", "Verschiedenes"]
    bodies = [BODY_A, BODY_D, BODY_D, body_c, BODY_D]
    result = segment_minutes([HEADER + "\n" + _record(["1.", "2.", "3.", "4.", "5."], titles, bodies)])
    _assert_items(result, ["1", "2", "3", "4", "5"], titles, bodies)


def test_title_wrapped_narrower_than_body_text_is_unwrapped_without_a_printed_agenda():
    title = ("Klimaschutzkonzept der Stadt – Fortschreibung des\n"
             "Maßnahmenkatalogs für die Jahre 2024 bis 2030 unter\n"
             "Berücksichtigung der Bürgerbeteiligung  VO/2023/1694")
    titles = [TITLES[0], title, TITLES[2], TITLES[3]]
    result = segment_minutes([HEADER + "\n" + _record(["TOP 1", "TOP 2", "TOP 3", "TOP 4"], titles)])
    assert result.items[1].title == ("Klimaschutzkonzept der Stadt – Fortschreibung des Maßnahmenkatalogs für die "
                                     "Jahre 2024 bis 2030 unter Berücksichtigung der Bürgerbeteiligung")
    assert result.items[1].paper_refs == ["VO/2023/1694"]
    assert _norm(result.items[1].text) == _norm(BODY_B)


def test_running_header_on_the_second_of_two_pages_does_not_hide_the_result():
    record = _record(["Ö 1", "Ö 2", "Ö 3", "Ö 4"])
    cut = record.index("zur Kenntnis genommen")
    pages = [HEADER + "\n" + record[:cut], "Niederschrift KA vom 12.04.2021\n" + record[cut:]]
    result = segment_minutes(pages)
    assert result.items[1].result == "zur Kenntnis genommen"
    assert "Niederschrift KA" not in result.items[1].text


def test_guided_entries_without_numbers_are_found_by_title_alone():
    agenda = [AgendaEntry(external_id=str(i), name=t) for i, t in enumerate(TITLES)]
    result = segment_minutes([HEADER + "\n" + _record(["Ö 1", "Ö 2", "Ö 3", "Ö 4"])], agenda=agenda)
    _assert_items(result, ["1", "2", "3", "4"])
    assert [it.source_item_id for it in result.items] == ["0", "1", "2", "3"]


def test_empty_document_gives_no_items():
    assert segment_minutes([]).items == []
    assert segment_minutes([""], agenda=_oparl_agenda()).absent[0].external_id == "1"


# --- irregular layouts (the hand-written golden documents) -------------------------------------------


def _tight_record(labels: list[str], titles: list[str] = TITLES, bodies: list[str] = BODIES) -> str:
    """No blank line anywhere between heading, title and body, as many real minutes print them."""
    return "\n".join(f"{label} {title}\n{body.replace(chr(10) * 2, chr(10))}"
                     for label, title, body in zip(labels, titles, bodies))


def test_sub_items_printed_as_3_a_bracket_normalise_to_3a():
    titles = ["Eröffnung der Sitzung", "Bauanträge", "Neubau eines Einfamilienhauses, Im Brühl 7",
              "Nutzungsänderung einer Scheune, Hauptstraße 12", "Verschiedenes"]
    bodies = ["", "", BODY_B, BODY_C, BODY_D]
    bodies[0] = BODY_A
    result = segment_minutes([HEADER + "\n" + _record(["1.", "2.", "2 a)", "2 b)", "3."], titles, bodies)])
    _assert_items(result, ["1", "2", "2a", "2b", "3"], titles, bodies)
    assert result.items[2].label == "2 a)"


def test_guided_entry_number_3_a_finds_the_heading_3_a_bracket():
    titles = ["Eröffnung der Sitzung", "Neubau eines Einfamilienhauses, Im Brühl 7"]
    agenda = [AgendaEntry(external_id="x1", number="1", name=titles[0]),
              AgendaEntry(external_id="x1a", number="1 a", name="Neubau Einfamilienhaus Im Brühl 7")]
    result = segment_minutes([HEADER + "\n" + _record(["1.", "1 a)"], titles, [BODY_A, BODY_D])], agenda=agenda)
    assert [(it.number, it.source_item_id) for it in result.items] == [("1", "x1"), ("1a", "x1a")]


@pytest.mark.parametrize("line", ["1. Juli 2019 unterzeichnet worden sei.", "3. Oktober wieder genutzt werden",
                                  "15. März"])
def test_a_date_wrapped_to_a_line_start_is_not_a_heading(line):
    assert parse_heading(line) is None


def test_without_blank_lines_the_first_body_sentence_is_not_taken_for_the_title():
    result = segment_minutes([HEADER + "\n" + _tight_record(["TOP 1:", "TOP 2:", "TOP 3:", "TOP 4:"])])
    _assert_items(result, ["1", "2", "3", "4"])


def test_punkt_heading_with_title_below_and_body_without_blank_line():
    text = ("Punkt 1 der Tagesordnung:\nFeststellung der Tagesordnung\n"
            "Die Tagesordnung wurde ohne Änderungen festgestellt.\n\n"
            "Punkt 2 der Tagesordnung:\nMitteilungen und Anfragen\nMitteilungen lagen nicht vor.")
    result = segment_minutes([HEADER + "\n" + text])
    assert [it.title for it in result.items] == ["Feststellung der Tagesordnung", "Mitteilungen und Anfragen"]
    assert result.items[1].text == "Mitteilungen lagen nicht vor."


def test_title_continues_after_hier_and_on_a_hanging_indent():
    text = ("TOP 1: Bebauungsplan Nr. 47 „Auf dem Kamp“\nhier: Satzungsbeschluss\n" + BODY_A + "\n"
            "2.\tZuschuss an den Heimatverein für das Stadtfest\n\t2022\n" + BODY_D)
    result = segment_minutes([HEADER + "\n" + text])
    assert [it.title for it in result.items] == ["Bebauungsplan Nr. 47 „Auf dem Kamp“ hier: Satzungsbeschluss",
                                                 "Zuschuss an den Heimatverein für das Stadtfest 2022"]


def test_resolution_list_entry_before_a_vote_line_does_not_displace_the_next_heading():
    body = ("Beschluss:\n1. Der Ausschuss nimmt die Schulentwicklungsplanung zur Kenntnis.\n"
            "2. Die Verwaltung wird beauftragt, eine Erweiterung der Grundschule Sürst zu planen.\n"
            "3. Die Planung ist dem Ausschuss bis zum Frühjahr 2022 vorzulegen.\n"
            "Abstimmungsergebnis: Ja-Stimmen: 10, Nein-Stimmen: 0, Enthaltungen: 0")
    titles = ["Eröffnung der Sitzung", "Schulentwicklungsplanung", "Sanierung der Sporthalle", "Verschiedenes"]
    bodies = [BODY_A, body, BODY_D, BODY_D]
    result = segment_minutes([HEADER + "\n" + _tight_record(["1.", "2.", "3.", "4."], titles, bodies)])
    _assert_items(result, ["1", "2", "3", "4"], titles, bodies)
    assert result.items[1].votes == Votes(yes=10, no=0, abstain=0)


def test_sitzungsende_line_closes_the_last_item():
    text = HEADER + "\n" + _record(["TOP 1", "TOP 2"], TITLES[:2], [BODY_A, BODY_D]) + \
        "\n\nSitzungsende: 19:05 Uhr\n\ngez. Becker\tgez. Vogt"
    result = segment_minutes([text])
    assert result.items[-1].text == BODY_D


@pytest.mark.parametrize("line, number", [("l. Feststellung der Tagesordnung", "1"), ("TOP l Eröffnung", "1"),
                                          ("Zu | Bauanträge", "1")])
def test_ocr_l_or_bar_for_a_one_in_a_label_still_parses(line, number):
    heading = parse_heading(line)
    assert heading is not None and heading.number == number


def test_letters_l_and_roman_one_elsewhere_stay_text():
    assert parse_heading("lediglich die Verwaltung berichtete") is None
    assert parse_heading("I. Öffentlicher Teil") is None
