"""Documents that are not minutes, attachments after the record, sections and joint items."""

from __future__ import annotations

from tasks.segment import segment_minutes

HEAD = "Niederschrift\nüber die Sitzung des Planungsausschusses am 24.02.2026\n\nVorsitz: Herr Wester\n\n"


def test_a_village_calendar_is_not_minutes():
    days = ["1 Mo   Seniorenkaffee im Pfarrheim", "3 Mi   Blutspende in der Grundschule",
            "5 Fr   Kirmesbaumstellen am Dorfplatz", "12 Fr   Dorffest auf dem Festplatz",
            "18 Do   Sitzung des Ortsgemeinderates, 19 Uhr"]
    text = "Ortsgemeinde Kirchdaun\n\nDorfkalender Juni 2026\n\n" + "\n".join(days) + \
        "\n\nDie Tagesordnung wird im Schaukasten veröffentlicht.\n"
    result = segment_minutes([text])
    assert result.items == []
    assert any("does not read as minutes" in w for w in result.warnings)


def test_a_letter_is_not_minutes_even_with_numbered_paragraphs_and_an_agenda():
    from schemas.pipeline import AgendaEntry
    text = ("Stadt Sankt Augustin\nDer Bürgermeister\n\nAn die Mitglieder des Integrationsrates\n\n"
            "Sehr geehrte Damen und Herren,\n\nanbei die Stellungnahme:\n\n1. Vorbemerkungen\n\n"
            "Die Frist wurde verlängert.\n\n2. Erläuterungen\n\nDie Arbeitskreise tagten.\n\n"
            "Mit freundlichen Grüßen\n\nDr. Klaus Berger\n")
    for agenda in (None, [AgendaEntry(external_id="x", number="1", name="Vorbemerkungen")]):
        result = segment_minutes([text], agenda)
        assert result.items == []
        assert any("does not read as minutes" in w for w in result.warnings)


def test_a_letter_that_mentions_the_minutes_is_still_a_letter():
    text = ("Der Bürgermeister\n\nSehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Niederschrift der "
            "letzten Sitzung.\n\n1. Vorbemerkungen\n\nDie Frist wurde verlängert.\n\n"
            "2. Erläuterungen\n\nDie Arbeitskreise tagten.\n\nMit freundlichen Grüßen\n")
    assert segment_minutes([text]).items == []


def test_minutes_without_a_title_word_still_read_as_minutes():
    text = ("TOP 1 Eröffnung\n\nDer Vorsitzende eröffnet die Sitzung.\n\n"
            "TOP 2 Haushalt\n\nBeschluss:\nDer Haushalt wird beschlossen.\n\neinstimmig\n")
    assert [it.number for it in segment_minutes([text]).items] == ["1", "2"]


def test_annex_after_the_record_is_no_item():
    text = HEAD + ("TOP 1: Eröffnung\n\nDie Sitzung wurde eröffnet.\n\nTOP 2: Anfragen\n\nKeine.\n\n"
                   "Ende der Sitzung: 18:45 Uhr\n\ngez. Wolff")
    annex = ("Anlage 1\n\nAuszug aus der Niederschrift der 12. Sitzung vom 13.11.2025\n\n"
             "Zu Punkt 21: Integrationspreis 2025\n\nDie Preise wurden verliehen.\n\n"
             "Zu Punkt 22: Bericht des KI\n\nDer Ausschuss nahm den Bericht zur Kenntnis.\n")
    result = segment_minutes([text, annex])
    assert [it.number for it in result.items] == ["1", "2"]
    assert result.items[-1].text == "Keine."


def test_closing_sentences_with_a_name_end_the_last_item():
    text = HEAD + ("1. Eröffnung\n\nEröffnet.\n\n2. Bericht\n\nKenntnisnahme\n\n"
                   "Bezirksbürgermeister Grube schloss die Sitzung um 21.05 Uhr.\n")
    assert segment_minutes([text]).items[-1].text == "Kenntnisnahme"


def test_items_taken_together_stay_two_items_and_nonpublic_listed_ones_are_not_public():
    text = HEAD + (
        "Öffentlicher Teil\n\nTOP 1 Eröffnung\n\nEröffnet.\n\n"
        "TOP 2 Bebauungsplan Nr. 47\n\nTOP 2 und 3 wurden gemeinsam beraten.\nDer zugleich unter\n"
        "TOP 3 zu beschließende Flächennutzungsplan ist parallel zu ändern.\n\n"
        "TOP 3 Änderung des Flächennutzungsplanes\n\nDie Beratung erfolgte gemeinsam mit TOP 2.\n\n"
        "Nichtöffentlicher Teil\n\nTOP 4 Grundstücksangelegenheiten\nTOP 5 Vertragsangelegenheiten\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.public) for it in items] == [("1", True), ("2", True), ("3", True), ("4", False), ("5", False)]
    assert "zu beschließende" in items[1].text
    assert items[3].text == "" and items[4].text == ""


def test_signatures_end_the_last_item_without_a_closing_formula():
    text = HEAD + ("TOP 1 Eröffnung\n\nEröffnet.\n\nTOP 2 Anfragen\n\nEs liegen keine Anfragen vor.\n\n"
                   "Hartmann                                 Brandes\nRatsvorsitzender                         Protokollführerin\n")
    assert segment_minutes([text]).items[-1].text == "Es liegen keine Anfragen vor."
    one_line = HEAD + "TOP 1 Eröffnung\n\nEröffnet.\n\nKramer, Ortsvorsteher\n"
    assert segment_minutes([one_line]).items[-1].text == "Eröffnet."


def test_a_last_title_without_text_is_no_signature():
    text = HEAD + ("TOP 1 Eröffnung\n\nEröffnet.\n\nNichtöffentlicher Teil\n\nN 1\nVergabeangelegenheit\n\n"
                   "gez. Diewald    gez. Lüdtke\nVorsitzender    Schriftführer\n")
    items = segment_minutes([text]).items
    assert [(it.number, it.title, it.public) for it in items][-1] == ("1", "Vergabeangelegenheit", False)
