"""Full-text search finds German words as written, ranks title hits first and survives any input."""

from __future__ import annotations

from datetime import date

import pytest
from storage_samples import (
    document_ref,
    extracted,
    fetched_blob,
    provenance,
    seed,
    segmentation,
    source_meeting,
)

from storage.repository import store_document_version, upsert_document, upsert_meeting
from storage.search import fts5_match_expression, search_agenda_items

CURRENT_ITEMS = [
    ("1", "Kommunales Integrationsmanagement (KIM)", seed("002")),  # mentions Flüchtlingskrise, Integrationskonzeptes
    ("2", "Integrationskonzept 2016", seed("004")),
    ("3", "Bericht des Integrationsrates", seed("003")),
    ("4", "Integrationspreis", seed("000")),  # damaged OCR: umlauts lost
]


@pytest.fixture
def minutes(engine):
    """Two meetings: the 2017 committee (four items) and a 2019 meeting of another body."""
    meeting = upsert_meeting(engine, source_meeting(1))
    document = upsert_document(engine, meeting.id, document_ref(1))
    store_document_version(
        engine, document.id, meeting.id, fetched_blob(b"2017"), extracted([seed("002")]),
        segmentation(CURRENT_ITEMS), provenance(),
    )
    other = upsert_meeting(
        engine, source_meeting(2, body="Stadt Sankt Augustin", organization="Integrationsrat",
                               start=source_meeting().start.replace(year=2019))
    )
    other_document = upsert_document(engine, other.id, document_ref(2, url="https://ris.example.de/files/2.pdf"))
    store_document_version(
        engine, other_document.id, other.id, fetched_blob(b"2019", url="https://ris.example.de/files/2.pdf"),
        extracted([seed("001")]), segmentation([("1", "Bericht des KI", seed("001"))]), provenance(),
    )
    return engine


def titles(hits) -> list[str]:
    return [hit.title for hit in hits]


def test_finds_the_integrationskonzept_and_ranks_the_title_hit_first(minutes):
    hits = search_agenda_items(minutes, "Integrationskonzept")
    assert titles(hits)[0] == "Integrationskonzept 2016"
    assert "Kommunales Integrationsmanagement (KIM)" in titles(hits)  # "Integrationskonzeptes" in its text
    assert hits[0].rank > hits[-1].rank
    assert "[" in hits[0].snippet and "]" in hits[0].snippet
    first = hits[0]
    assert (first.body, first.number, first.document_url) == ("Rhein-Sieg-Kreis", "2", document_ref(1).url)
    assert first.meeting_name == "1. Sitzung des Ausschusses für Soziales" and first.start.year == 2017


def test_umlaut_words_are_found_as_written(minutes):
    hits = search_agenda_items(minutes, "Flüchtlingskrise")
    assert titles(hits) == ["Kommunales Integrationsmanagement (KIM)"]
    assert "Flüchtlingskrise" in hits[0].snippet
    assert titles(search_agenda_items(minutes, "flüchtlingskrise")) == titles(hits)  # case folds, umlaut stays


def test_filters_by_body_and_date(minutes):
    everything = titles(search_agenda_items(minutes, "Integrationszentrums"))
    assert "Bericht des KI" in everything
    assert titles(search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin")) == ["Bericht des KI"]
    assert titles(search_agenda_items(minutes, "Integrationszentrums", since=date(2018, 1, 1))) == ["Bericht des KI"]
    assert search_agenda_items(minutes, "Integrationszentrums", since=date(2030, 1, 1)) == []
    assert len(search_agenda_items(minutes, "Integration*", limit=2)) <= 2


def test_only_current_versions_are_searched(minutes):
    meeting = upsert_meeting(minutes, source_meeting(1))
    document = upsert_document(minutes, meeting.id, document_ref(1))
    store_document_version(
        minutes, document.id, meeting.id, fetched_blob(b"2017-corrected"), extracted([seed("003")]),
        segmentation([("1", "Bericht des Integrationsrates", seed("003"))]), provenance(),
    )
    assert search_agenda_items(minutes, "Flüchtlingskrise") == []
    assert titles(search_agenda_items(minutes, "Integrationsrat", body="Rhein-Sieg-Kreis")) == [
        "Bericht des Integrationsrates"
    ]


def test_index_follows_changed_titles_of_the_same_version(minutes):
    meeting = upsert_meeting(minutes, source_meeting(1))
    document = upsert_document(minutes, meeting.id, document_ref(1))
    renamed = [("1", "Haushaltsplanentwurf", "Beratung des Haushalts")] + CURRENT_ITEMS[1:2]
    store_document_version(
        minutes, document.id, meeting.id, fetched_blob(b"2017"), extracted([seed("002")]),
        segmentation(renamed, segmenter_version="seg-2"), provenance(),
    )
    assert titles(search_agenda_items(minutes, "Haushaltsplanentwurf")) == ["Haushaltsplanentwurf"]
    assert search_agenda_items(minutes, "Flüchtlingskrise") == []  # the old item 1 text is gone
    assert search_agenda_items(minutes, "Integrationspreis", body="Rhein-Sieg-Kreis") == []  # item 4 was deleted


def test_deleted_meetings_are_left_out_unless_asked_for(minutes):
    upsert_meeting(minutes, source_meeting(2, deleted=True))
    assert search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin") == []
    hits = search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin", include_deleted=True)
    assert titles(hits) == ["Bericht des KI"]


HOSTILE_QUERIES = [
    '"', "KIM AND", "NOT", "(Integration", "title:KIM", "Integra*tion ^", "-", "OR OR", "NEAR(a b)", "",
    "'; DROP TABLE meeting; --", "Flüchtlingskrise\x00",
]


def test_query_syntax_in_user_input_never_crashes(minutes):
    for query in HOSTILE_QUERIES:
        assert isinstance(search_agenda_items(minutes, query), list), query
    assert len(search_agenda_items(minutes, "Integrationskonzept")) >= 2  # and nothing was harmed


def test_phrases_alternatives_and_exclusions(minutes):
    assert titles(search_agenda_items(minutes, '"aktuellen Flüchtlingskrise"')) == ["Kommunales Integrationsmanagement (KIM)"]
    both = titles(search_agenda_items(minutes, "Flüchtlingskrise or Integrationspreis", body="Rhein-Sieg-Kreis"))
    assert sorted(both) == ["Integrationspreis", "Kommunales Integrationsmanagement (KIM)"]
    without = titles(search_agenda_items(minutes, "Integrationskonzept -Flüchtlingskrise"))
    assert "Integrationskonzept 2016" in without
    assert "Kommunales Integrationsmanagement (KIM)" not in without


def test_fts5_expression_quotes_every_word():
    assert fts5_match_expression('KIM "Kommunales Integrationszentrum" -Preis') == (
        '("KIM"* AND "Kommunales Integrationszentrum") NOT "Preis"*'
    )
    assert fts5_match_expression("Flüchtlinge or Asyl") == '("Flüchtlinge"*) OR ("Asyl"*)'
    assert fts5_match_expression("*** ()") == ""


def test_items_of_a_withdrawn_file_are_found_only_on_request(minutes):
    from storage.repository import mark_documents_withdrawn

    other = upsert_meeting(minutes, source_meeting(2, body="Stadt Sankt Augustin", organization="Integrationsrat",
                                                   start=source_meeting().start.replace(year=2019)))
    assert titles(search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin")) == ["Bericht des KI"]
    mark_documents_withdrawn(minutes, other.id, [])
    assert search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin") == []
    hits = search_agenda_items(minutes, "Integrationszentrums", body="Stadt Sankt Augustin", include_deleted=True)
    assert titles(hits) == ["Bericht des KI"]
