"""Heading layouts whose parts stand on separate lines: split "Punkt N der Tagesordnung" blocks,
SessionNet numbers alone, Word-table number cells, lower-case "zu TOP", letter-spaced titles,
paper references in titles."""

from __future__ import annotations

from tasks.segment import segment_minutes
from tasks.segment.headings import paper_refs_in, strip_refs

HEAD = "Niederschrift\nüber die 3. Sitzung des Ausschusses für Umwelt am 02.03.2026\n\nVorsitz: Frau Lenz\n\n"


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def test_punkt_heading_with_ref_line_and_dash_title_lines():
    text = HEAD + (
        "Punkt 1 der Tagesordnung\n- Feststellung der Tagesordnung\n\nDie Tagesordnung wurde festgestellt.\n\n"
        "Punkt 2 der Tagesordnung\nV/0287/2026\n- Bebauungsplan Nr. 112 „Am Mühlenbach“\n"
        "- Abwägung der Stellungnahmen\n- Satzungsbeschluss\n\nDie Verwaltung erläuterte die Abwägung.\n\n"
        "einstimmig\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2"]
    assert _norm(items[1].title) == "Bebauungsplan Nr. 112 „Am Mühlenbach“ - Abwägung der Stellungnahmen - Satzungsbeschluss"
    assert items[1].paper_refs == ["V/0287/2026"]
    assert _norm(items[1].text) == "Die Verwaltung erläuterte die Abwägung. einstimmig"


def test_sessionnet_number_alone_with_title_and_reference_below():
    text = HEAD + (
        "Ö 1\nEröffnung der Sitzung\n\nDer Vorsitzende eröffnete die Sitzung.\n\n"
        "Ö 2\nKlimaschutzkonzept – Fortschreibung 2026\nVO/2026/0412\n\nFrau Kaiser stellte das Konzept vor.\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.title) for it in items] == [
        ("1", "Eröffnung der Sitzung"), ("2", "Klimaschutzkonzept – Fortschreibung 2026")]
    assert items[1].paper_refs == ["VO/2026/0412"]
    assert _norm(items[1].text) == "Frau Kaiser stellte das Konzept vor."


def test_word_table_number_cell_before_or_between_title_lines():
    text = HEAD + (
        "TOP\nGegenstand\n\n"
        "1\nBegrüßung\n\nDie Ortsvorsteherin begrüßte die Anwesenden.\n\n"
        "Neugestaltung des Dorfplatzes\n2\n– Vorstellung der Entwurfsplanung\n\nHerr Neuhaus stellte den Entwurf vor.\n\n"
        "Mittel für Vereine 2026\n3\n\nDie Mittel wurden verteilt.\n\n"
        "4\nVerschiedenes\n\nKeine Wortmeldungen.\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2", "3", "4"]
    assert _norm(items[1].title) == "Neugestaltung des Dorfplatzes – Vorstellung der Entwurfsplanung"
    assert items[2].title == "Mittel für Vereine 2026"
    assert [_norm(it.text) for it in items] == [
        "Die Ortsvorsteherin begrüßte die Anwesenden.", "Herr Neuhaus stellte den Entwurf vor.",
        "Die Mittel wurden verteilt.", "Keine Wortmeldungen."]


def test_bare_number_lines_without_a_title_are_no_headings():
    text = HEAD + "1. Eröffnung\n\nDer Vorsitzende eröffnete.\n\nStimmberechtigte:\n11\nJa-Stimmen: 5\nNein-Stimmen: 6\n"
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1"]


def test_lower_case_zu_top_record():
    text = HEAD + ("zu TOP 1. Eröffnung der Sitzung\n\nDer Bürgermeister eröffnet die Sitzung.\n\n"
                   "zu TOP 2. Einwohnerfragestunde\n\nEs gab keine Fragen.\n")
    assert [it.title for it in segment_minutes([text]).items] == ["Eröffnung der Sitzung", "Einwohnerfragestunde"]


def test_letter_spaced_title_after_a_number_is_collapsed():
    text = HEAD + "1. Eröffnung\n\nDer Vorsitzende eröffnete.\n\n4. A N F R A G E N\n\nKeine.\n"
    assert segment_minutes([text]).items[1].title == "ANFRAGEN"


def test_paper_references_move_out_of_titles():
    assert paper_refs_in("Klimaschutzkonzept – Fortschreibung 2026 BV AH 80/21-26") == ["BV AH 80/21-26"]
    assert strip_refs("Klimaschutzkonzept – Fortschreibung 2026 BV AH 80/21-26") == "Klimaschutzkonzept – Fortschreibung 2026"
    assert paper_refs_in("Beschlussvorlage - 3/2026") == ["3/2026"]
    assert paper_refs_in("Haushalt 2026 und 3/4 der Mittel") == []  # an unlabelled fraction is no reference


def test_paragraph_sign_items_counting_on_through_the_year():
    text = HEAD + ("§ 23\nBürgerfragestunde\n\nEs gab keine Fragen.\n\n"
                   "§ 24\nNeufassung der Wasserversorgungssatzung\n\nDie Satzung wird beschlossen.\n\n(einstimmig)\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.title) for it in items] == [("23", "Bürgerfragestunde"),
                                                        ("24", "Neufassung der Wasserversorgungssatzung")]
    assert items[1].result == "einstimmig"


def test_zu_tagesordnungspunkt_spelled_out():
    text = HEAD + ("Tagesordnungspunkt 1:\nBegrüßung\n\nDer Ortsvorsteher begrüßt die Anwesenden.\n\n"
                   "Zu Tagesordnungspunkt 2\nOrtschaftsbudget 2026\n\nDie Mittel werden verteilt.\n")
    assert [it.title for it in segment_minutes([text]).items] == ["Begrüßung", "Ortschaftsbudget 2026"]


def test_term_and_number_references_behind_their_label():
    assert paper_refs_in("Drucksache 10/123") == ["10/123"]


def test_word_table_without_blank_lines_as_a_text_layer_gives_it():
    text = HEAD + (
        "1\nBegrüßung\nDie Ortsvorsteherin begrüßte die Anwesenden.\n"
        "Neugestaltung des Dorfplatzes\n2\n– Vorstellung der Entwurfsplanung\nHerr Neuhaus stellte den Entwurf vor.\n"
        "Kenntnisnahme\n3\nVerschiedenes\nKeine Wortmeldungen.\n")
    items = segment_minutes([text]).items
    assert [(it.number, _norm(it.title)) for it in items] == [
        ("1", "Begrüßung"), ("2", "Neugestaltung des Dorfplatzes – Vorstellung der Entwurfsplanung"),
        ("3", "Verschiedenes")]
    assert items[1].result == "zur Kenntnis genommen"


def test_sections_named_by_what_is_dealt_with():
    text = HEAD + ("Öffentlich zu behandelnde Tagesordnungspunkte\n\nzu TOP 1. Eröffnung\n\nEröffnet.\n\n"
                   "Nichtöffentlich zu behandelnde Tagesordnungspunkte\n\nzu TOP 2. Grundstücke\n")
    assert [(it.number, it.public) for it in segment_minutes([text]).items] == [("1", True), ("2", False)]
