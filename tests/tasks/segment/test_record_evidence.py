"""Which heading-shaped lines are headings: the sentence around a line, the number sequence, the
printed agenda and a later real heading are the evidence (cross-references, numbered lists with the
verb on the wrapped line, a printed agenda that lost an entry, a heading whose "Zu" OCR dropped)."""

from __future__ import annotations

from tasks.segment import segment_minutes

HEAD = "Niederschrift\nüber die 14. Sitzung der Bezirksvertretung am 25.02.2026\n\nVorsitz: Frau Steinbach\n\n"


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def test_cross_references_inside_a_sentence_are_no_headings():
    text = HEAD + (
        "1. Eröffnung der Sitzung\n\nDie Vorsitzende eröffnete die Sitzung.\n\n"
        "2. Feststellung der Tagesordnung\n\nDer Tagesordnungspunkt\n"
        "5.3 Schwarz-Rot-Gold – Beflaggung des Rathauses\nwird aufgrund eines fehlenden Votums vertagt.\n"
        "Frau Adams begründet die Dringlichkeit zu\n6.2 Dringlichkeitsantrag: Winterdienst\nmit den Unfällen im Januar.\n\n"
        "3. Einwohnerfragestunde\n\nEs lagen keine Fragen vor.\n\n"
        "4. Mitteilungen\n\nKeine.\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2", "3", "4"]
    assert "5.3 Schwarz-Rot-Gold" in items[1].text and "6.2 Dringlichkeitsantrag" in items[1].text


def test_numbered_list_with_the_verb_on_the_wrapped_line_is_body():
    text = HEAD + (
        "1. Genehmigung der Niederschrift\n\nDie Niederschrift wird genehmigt.\n\n"
        "2. Bekanntgaben\n\nDer Bürgermeister gibt bekannt:\n\n"
        "1. Eine Spielplatzerweiterung für den Kindergarten\nwurde bestellt; die Lieferung erfolgt im Mai.\n"
        "2. Die Ausschreibung für die Ortsdurchfahrt\nist veröffentlicht worden.\n"
        "3. Für die Grünpflege auf dem Friedhof\nwurden 12.000 Euro bereitgestellt.\n\n"
        "3. Bauantrag Am Kirchweg 4\n\nDas Einvernehmen wird erteilt.\n")
    items = segment_minutes([text]).items
    assert [it.number for it in items] == ["1", "2", "3"]
    assert items[2].title == "Bauantrag Am Kirchweg 4"
    assert "wurde bestellt" in items[1].text


def test_printed_agenda_that_lost_an_entry_keeps_the_strong_heading_with_a_warning():
    text = HEAD + (
        "Tagesordnung:\n1. Genehmigung der Niederschrift\n2. Haushalt 2027\n3. Gewerbegebiet\n5. Anfragen\n\n"
        "Zu Punkt 1: Genehmigung der Niederschrift\n\nGenehmigt.\n\n"
        "Zu Punkt 2: Haushalt 2027; Einbringung\n\nDer Kämmerer bringt den Entwurf ein.\n\n"
        "Zu Punkt 3: Gewerbegebiet Hossenberg\n\nDer Auftrag wird vergeben.\n\n"
        "Zu Punkt 4: Bericht der Verwaltung\n\nDie Beigeordnete berichtet.\n\n"
        "Zu Punkt 5: Anfragen\n\nKeine.\n")
    result = segment_minutes([text])
    assert [it.number for it in result.items] == ["1", "2", "3", "4", "5"]
    assert _norm(result.items[3].text) == "Die Beigeordnete berichtet."
    assert any("4" in w and "printed agenda" in w for w in result.warnings)


def test_heading_whose_zu_was_lost_is_still_a_heading():
    text = HEAD + ("Zu Punkt 1: Genehmigung der Niederschrift\n\nGenehmigt.\n\n"
                   "Punkt 2: Anfragen der Ausschussmitglieder\n\nHerr Brück fragt nach der Drehleiter.\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.title) for it in items] == [("1", "Genehmigung der Niederschrift"),
                                                        ("2", "Anfragen der Ausschussmitglieder")]


def test_record_titles_that_differ_from_the_printed_agenda_are_kept():
    text = HEAD + (
        "Tagesordnung:\n1. Niederschrift\n2. Haushalt 2027\n\n"
        "Zu Punkt 1: Genehmigung der Niederschrift über die 20. Sitzung\n\nGenehmigt.\n\n"
        "Zu Punkt 2: Entwurf des Haushaltsplans 2027; Einbringung\n\nDer Kämmerer bringt den Entwurf ein.\n")
    items = segment_minutes([text]).items
    assert [it.title for it in items] == ["Genehmigung der Niederschrift über die 20. Sitzung",
                                          "Entwurf des Haushaltsplans 2027; Einbringung"]


def test_wrapped_guided_title_ending_in_und_takes_its_second_line():
    from schemas.pipeline import AgendaEntry
    text = HEAD + ("1. Eröffnung der Sitzung, Feststellung der ordnungsgemäßen Einberufung und\n"
                   "Beschlussfähigkeit sowie Feststellung der Tagesordnung\n\nDie Sitzung wurde eröffnet.\n")
    agenda = [AgendaEntry(external_id="a", number="1.", name="Eröffnung der Sitzung, Feststellung der Tagesordnung")]
    items = segment_minutes([text], agenda).items
    assert _norm(items[0].text) == "Die Sitzung wurde eröffnet."


def test_guided_prefixed_heading_after_a_finished_sentence_without_blank_lines():
    from schemas.pipeline import AgendaEntry
    text = HEAD + ("Zu Punkt 1: Genehmigung der Niederschrift über die 20. Sitzung\nGenehmigt.\n"
                   "Zu Punkt 2: Entwurf der Haushaltssatzung 2027; Einbringung und Zeitplan\n"
                   "der Beratungen\nDer Kämmerer bringt den Entwurf ein.\n")
    agenda = [AgendaEntry(external_id="a", number="1", name="Niederschrift"),
              AgendaEntry(external_id="b", number="2", name="Haushalt 2027")]
    items = segment_minutes([text], agenda).items
    assert [it.source_item_id for it in items] == ["a", "b"]
    assert [_norm(it.text) for it in items] == ["Genehmigt.", "Der Kämmerer bringt den Entwurf ein."]
