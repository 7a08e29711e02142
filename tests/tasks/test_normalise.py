"""Every normalisation rule on its own, then the seeds end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.pipeline import PageText
from tasks.normalise import normalise_pages, normalise_text, restore_umlauts

SEEDS = Path(__file__).resolve().parents[2] / "demo" / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def pages_of(*texts: str, method: str = "text_layer") -> list[PageText]:
    return [PageText(number=i + 1, method=method, raw_text=t) for i, t in enumerate(texts)]


# ── Characters ─────────────────────────────────────────────────────────────────────────────────


def test_text_is_nfc():
    assert normalise_text("Flu\u0308chtlinge und Ausla\u0308nderbeho\u0308rde") == "Flüchtlinge und Ausländerbehörde"


def test_ligatures_are_spelt_out():
    assert normalise_text("Die Au\ufb02age, die Ö\ufb00entlichkeit, der Ein\ufb02uss") == "Die Auflage, die Öffentlichkeit, der Einfluss"


def test_soft_hyphens_vanish_inside_lines_and_join_at_line_ends():
    assert normalise_text("Integrations\u00adzentrum") == "Integrationszentrum"
    assert normalise_text("Teilhabe\u00ad\nmanagement beginnt") == "Teilhabemanagement\nbeginnt"


def test_german_quotes_are_kept():
    assert normalise_text("die Landesinitiative „Gemeinsam klappt’s“") == "die Landesinitiative „Gemeinsam klappt’s“"


# ── Dehyphenation ──────────────────────────────────────────────────────────────────────────────


def test_word_broken_at_line_end_is_joined_and_line_structure_kept():
    assert normalise_text("Vorstellung des Lage-\nberichts durch die\nVerwaltung") == (
        "Vorstellung des Lageberichts\ndurch die\nVerwaltung"
    )


def test_hyphen_before_capital_is_a_compound_and_stays():
    assert normalise_text("die übrigen EU-\nStaaten sowie") == "die übrigen EU-Staaten\nsowie"


def test_hyphen_before_und_oder_bzw_is_an_elision_and_stays():
    for text in ("Bau-\nund Planungsausschuss", "Haupt-\noder Finanzausschuss", "Jugend-\nbzw. Schulbereich"):
        assert normalise_text(text) == text


def test_hyphen_after_number_or_abbreviation_stays_when_joined():
    assert normalise_text("die 18 bis 27-\njährigen Erwachsenen") == "die 18 bis 27-jährigen\nErwachsenen"
    assert normalise_text("eine NRW-\nweite Regelung") == "eine NRW-weite\nRegelung"


def test_dash_at_line_end_is_not_a_broken_word():
    assert normalise_text("Teilhabemanagerinnen und -\nmanager") == "Teilhabemanagerinnen und -\nmanager"


def test_word_broken_over_a_page_break_is_joined_on_the_first_page():
    # Seed 002: "strukturiert vor-" ends one page, "gegangen worden, …" starts the next.
    first, second = seed("002").split("vor-\n\n")
    texts = normalise_pages(pages_of(first + "vor-\n", second))

    assert texts[0].endswith("strukturiert vorgegangen")
    assert texts[1].startswith("worden, sodass der Rhein-Sieg-Kreis")


# ── Running headers and footers ────────────────────────────────────────────────────────────────


def minutes_pages(footer: str, header: str | None = None, n: int = 3) -> list[PageText]:
    body = [
        "TOP 1 Eröffnung der Sitzung\nDer Vorsitzende eröffnet die Sitzung.",
        "Frau Dinstühler berichtet über den Sachstand.\nEs gab keine Fragen.",
        "TOP 3 Verschiedenes\nDer Ausschuss nimmt den Bericht zur Kenntnis.",
        "Die Sitzung wird um 18:30 Uhr geschlossen.",
    ]
    texts = []
    for i in range(n):
        top = (header.format(page=i + 1, pages=n) + "\n") if header else ""
        texts.append(top + body[i % len(body)] + "\n\n" + footer.format(page=i + 1, pages=n) + "\n")
    return pages_of(*texts)


@pytest.mark.parametrize(
    ("footer", "header"),
    [
        ("Niederschrift über die 12. Sitzung des Sozialausschusses am 12.11.2019    Seite {page} von {pages}", None),
        ("{page}/{pages}", "Sozialausschuss 12.11.2019"),
        ("Seite {page}", "- {page} -"),
    ],
)
def test_running_headers_footers_and_page_numbers_are_removed(footer, header):
    texts = normalise_pages(minutes_pages(footer, header, n=3))

    assert texts[0] == "TOP 1 Eröffnung der Sitzung\nDer Vorsitzende eröffnet die Sitzung."
    assert texts[1] == "Frau Dinstühler berichtet über den Sachstand.\nEs gab keine Fragen."
    assert all("Seite" not in t and "Niederschrift" not in t and "Sozialausschuss 12" not in t for t in texts)


def test_agenda_headings_at_page_tops_are_not_mistaken_for_headers():
    pages = pages_of(
        "TOP 1 Bericht\nText eins.", "TOP 2 Bericht\nText zwei.", "TOP 3 Bericht\nText drei.", "Schluss.\nEnde."
    )
    texts = normalise_pages(pages)
    assert [t.split("\n")[0] for t in texts[:3]] == ["TOP 1 Bericht", "TOP 2 Bericht", "TOP 3 Bericht"]


def test_a_single_page_keeps_its_header():
    assert normalise_pages(pages_of("Niederschrift Seite 1 von 1\nText."))[0] == "Niederschrift Seite 1 von 1\nText."


# ── Whitespace ─────────────────────────────────────────────────────────────────────────────────


def test_whitespace_is_tidied_but_paragraphs_and_lines_stay():
    raw = "\n\nVA’e Dinstühler berichtete   im Folgenden \nüber den Sachstand. \n \n\n\n\nAm 29. bzw. 30.04.2020\t werde\n\n"
    assert normalise_text(raw) == "VA’e Dinstühler berichtete im Folgenden\nüber den Sachstand.\n\nAm 29. bzw. 30.04.2020 werde"


def test_form_feeds_separate_pages_in_plain_text():
    assert normalise_text("Der Bericht wird vor-\n\fgestellt und beraten.\n") == "Der Bericht wird vorgestellt\n\nund beraten."


# ── Damaged layers ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("damaged", "restored"),
    [
        ("fur", "für"),
        ("Ergdnzung", "Ergänzung"),
        ("Foérderbaustein", "Förderbaustein"),
        ("Blndniskerngruppe", "Bündniskerngruppe"),
        ("Fliichtige", "Flüchtige"),
        ("Offnung", "Öffnung"),
        ("aullerdem", "außerdem"),
    ],
)
def test_umlauts_lost_by_old_ocr_are_restored(damaged, restored):
    assert restore_umlauts(f"der {damaged} hier") == f"der {restored} hier"


def test_restoration_never_changes_a_valid_word_or_a_name():
    text = "Baustein wahrend Dinstihler Schmitz Kategorie Thema KI NRW"
    assert restore_umlauts(text) == text


def test_restoration_repairs_broken_quotes():
    assert restore_umlauts("die Initiative ,Gemeinsam klappt's“ und ,Bad Honnef*") == (
        "die Initiative „Gemeinsam klappt's“ und „Bad Honnef“"
    )


def test_damaged_layer_pages_are_restored_but_ocr_pages_are_not():
    damaged = seed("000").split("\n\n")[2]
    [from_layer] = normalise_pages(pages_of(damaged))
    [from_ocr] = normalise_pages(pages_of(damaged, method="ocr"))

    assert "Bündniskerngruppe" in from_layer and "Teilhabemanagement für den" in from_layer
    assert "Blndniskerngruppe" in from_ocr


def test_clean_seeds_pass_through_unchanged_but_for_whitespace():
    for prefix in ("001", "003", "004"):
        text = seed(prefix)
        assert " ".join(normalise_text(text).split()) == " ".join(text.split())


def test_normalisation_is_deterministic_and_idempotent():
    text = seed("000")
    once = normalise_text(text)
    assert normalise_text(text) == once
    assert normalise_text(once) == once


def test_a_line_repeated_at_some_page_ends_is_content_not_a_footer():
    pages = pages_of(
        "Niederschrift\nTOP 1 Bericht\nDer Ausschuss nimmt Kenntnis.\nzur Kenntnis genommen",
        "TOP 2 Antrag\nDer Antrag wird beraten.\nEs gab Fragen.\nDie Verwaltung antwortet.",
        "TOP 3 Bericht\nDer Ausschuss nimmt Kenntnis.\nzur Kenntnis genommen",
        "TOP 4 Verschiedenes\nKeine Wortmeldungen.\nEnde der Sitzung.\nDie Vorsitzende schließt.",
    )
    texts = normalise_pages(pages)
    assert texts[0].endswith("zur Kenntnis genommen") and texts[2].endswith("zur Kenntnis genommen")


# ── Issue 13: page-number furniture by form, pdfium's hyphen marker, names ────────────────────


@pytest.mark.parametrize("footer", ["Seite 1 von 1", "- 1 -", "– 1 –", "1/1", "Seite 1", "1 von 1", "Page 1 of 1"])
def test_page_number_furniture_of_a_one_page_document_is_removed_by_its_form(footer):
    [text] = normalise_pages(pages_of(f"Auszug aus der Niederschrift\nDer Ausschuss nimmt Kenntnis.\n\n{footer}\n"))
    assert text == "Auszug aus der Niederschrift\nDer Ausschuss nimmt Kenntnis."


def test_page_number_forms_inside_the_page_or_with_other_words_stay():
    text = "- 1 -\nTOP 1 Bericht\n4/24\nSeite 3 von 7\nDie Vorlage 12/2019 wird beraten.\nEnde\n24/4"
    # Only the edges lose a page number; `24/4` is no page number (24 > 4), `4/24` mid-page is content.
    assert normalise_pages(pages_of(text))[0] == "TOP 1 Bericht\n4/24\nSeite 3 von 7\nDie Vorlage 12/2019 wird beraten.\nEnde\n24/4"


def test_pdfium_hyphenation_marker_is_joined_like_a_hyphen():
    assert normalise_text("Integrations\ufffezentrum und EU\ufffeStaaten") == "Integrationszentrum\nund EU-Staaten"


def test_names_are_not_taken_for_lost_umlauts():
    text = "Siegburg, den 04.12.2019\nDer Vorsitzende\ngez. Ole Kläsgen\nHerr Ole berichtet."
    assert normalise_text(text) == text
    assert restore_umlauts("fur Ole Kläsgen und fur Herrn Ole") == "für Ole Kläsgen und für Herrn Ole"


def test_a_combined_footer_ending_in_seite_n_von_m_is_removed_from_a_single_page():
    page = "Auszug aus der Niederschrift\nDer Ausschuss nimmt Kenntnis.\nNiederschrift ASGI 27.11.2019 Seite 1 von 1"
    assert normalise_pages(pages_of(page))[0] == "Auszug aus der Niederschrift\nDer Ausschuss nimmt Kenntnis."
