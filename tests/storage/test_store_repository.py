"""Upserts are idempotent, versions pile up instead of overwriting, and a failed store leaves no trace."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from storage_samples import (
    document_ref,
    extracted,
    fetched_blob,
    kim_minutes,
    provenance,
    seed,
    segmentation,
    source_meeting,
)

from schemas.pipeline import AgendaItemSpan
from storage.repository import (
    finish_ingest_run,
    get_document_state,
    mark_document_unchanged,
    mark_documents_withdrawn,
    record_document_failure,
    start_ingest_run,
    store_document_version,
    summarise_database,
    upsert_document,
    upsert_meeting,
)


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def stored_document(engine):
    """A meeting with one document; returns (meeting_id, document_id)."""
    meeting = upsert_meeting(engine, source_meeting())
    document = upsert_document(engine, meeting.id, document_ref())
    return meeting.id, document.id


def store(engine, meeting_id, document_id, content: bytes, extraction=None, segments=None, **provenance_changes):
    extraction_, segments_ = kim_minutes()
    return store_document_version(
        engine,
        document_id,
        meeting_id,
        fetched_blob(content),
        extraction or extraction_,
        segments or segments_,
        provenance(**provenance_changes),
    )


def test_upsert_meeting_twice_is_one_row_and_unchanged(engine):
    first = upsert_meeting(engine, source_meeting())
    second = upsert_meeting(engine, source_meeting())
    assert first.action == "inserted"
    assert (second.id, second.action) == (first.id, "unchanged")
    assert rows(engine, "SELECT count(*) FROM meeting") == [(1,)]


def test_upsert_meeting_with_new_data_updates_in_place(engine):
    first = upsert_meeting(engine, source_meeting())
    second = upsert_meeting(engine, source_meeting(name="Sondersitzung"))
    assert (second.id, second.action) == (first.id, "updated")
    assert rows(engine, "SELECT name FROM meeting") == [("Sondersitzung",)]


def test_committee_url_and_closed_meetings_are_stored(engine):
    upsert_meeting(engine, source_meeting(1, organization_url="https://ris.example.de/oparl/org/7"))
    upsert_meeting(engine, source_meeting(2, public=False))
    assert rows(engine, "SELECT organization_url, public FROM meeting ORDER BY id") == [
        ("https://ris.example.de/oparl/org/7", True),
        (None, False),
    ]
    assert upsert_meeting(engine, source_meeting(2, public=True)).action == "updated"


def test_meeting_times_are_stored_as_utc(engine):
    upsert_meeting(engine, source_meeting())  # 17:00 in Berlin (winter time) is 16:00 UTC
    with engine.connect() as connection:
        from schemas.tables import Meeting

        start = connection.execute(Meeting.__table__.select()).mappings().one()["start"]
    assert start == datetime(2017, 3, 1, 16, 0, tzinfo=UTC)


def test_deleted_meeting_is_flagged_and_keeps_its_data(engine):
    meeting_id, document_id = stored_document(engine)
    store(engine, meeting_id, document_id, b"v1")
    stub = source_meeting(deleted=True, name=None, body=None, organization=None, start=None)
    outcome = upsert_meeting(engine, stub)
    again = upsert_meeting(engine, stub)
    assert (outcome.id, outcome.action) == (meeting_id, "updated")
    assert again.action == "unchanged"
    [(deleted, deleted_at, name, body)] = rows(engine, "SELECT deleted, deleted_at, name, body FROM meeting")
    assert bool(deleted) and deleted_at is not None
    assert (name, body) == ("1. Sitzung des Ausschusses für Soziales", "Rhein-Sieg-Kreis")
    assert rows(engine, "SELECT count(*) FROM agenda_item") == [(2,)]
    assert rows(engine, "SELECT DISTINCT meeting_deleted FROM agenda_item_current") in ([(True,)], [(1,)])


def test_upsert_document_is_idempotent_and_starts_pending(engine):
    meeting = upsert_meeting(engine, source_meeting())
    first = upsert_document(engine, meeting.id, document_ref())
    second = upsert_document(engine, meeting.id, document_ref())
    renamed = upsert_document(engine, meeting.id, document_ref(name="Niederschrift (korrigiert)"))
    assert [first.action, second.action, renamed.action] == ["inserted", "unchanged", "updated"]
    assert first.id == second.id == renamed.id
    state = get_document_state(engine, first.id)
    assert (state.status, state.attempts, state.sha256, state.current_version_id) == ("pending", 0, None, None)
    assert get_document_state(engine, first.id + 1000) is None


def test_a_file_the_source_no_longer_lists_is_flagged_withdrawn_and_restored_when_listed_again(engine):
    meeting_id, kept = stored_document(engine)
    gone = upsert_document(engine, meeting_id, document_ref(2)).id
    store(engine, meeting_id, gone, b"minutes v1")
    assert mark_documents_withdrawn(engine, meeting_id, [document_ref().external_id]) == 1
    assert mark_documents_withdrawn(engine, meeting_id, [document_ref().external_id]) == 0  # already flagged
    flags = dict(rows(engine, "SELECT id, deleted FROM document"))
    assert bool(flags[gone]) and not bool(flags[kept])
    # Nothing is removed: the withdrawn file's items stay, and the current view says it was withdrawn.
    withdrawn = rows(engine, "SELECT DISTINCT document_deleted FROM agenda_item_current WHERE document_id = :d", d=gone)
    assert [bool(w[0]) for w in withdrawn] == [True]
    back = upsert_document(engine, meeting_id, document_ref(2))
    assert back.action == "updated"
    assert rows(engine, "SELECT deleted, deleted_at FROM document WHERE id = :d", d=gone) == [(False, None)]


def test_store_version_then_the_same_again_is_unchanged(engine):
    meeting_id, document_id = stored_document(engine)
    first = store(engine, meeting_id, document_id, b"v1")
    second = store(engine, meeting_id, document_id, b"v1")
    assert first.action == "inserted"
    assert (second.id, second.action) == (first.id, "unchanged")
    state = get_document_state(engine, document_id)
    assert state.status == "ok" and state.attempts == 2
    assert state.current_version_id == first.id
    assert (state.normaliser_version, state.segmenter_version) == ("norm-1", "seg-1")
    assert state.etag == fetched_blob(b"v1").etag
    assert rows(engine, "SELECT count(*) FROM document_version") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM page") == [(2,)]
    assert rows(engine, "SELECT count(*) FROM agenda_item") == [(2,)]


def test_reprocessing_with_a_newer_segmenter_updates_the_same_version(engine):
    meeting_id, document_id = stored_document(engine)
    first = store(engine, meeting_id, document_id, b"v1")
    pages, _ = kim_minutes()
    one_item = segmentation([("1", "KIM und Integrationskonzept", seed("002") + seed("004"))], segmenter_version="seg-2")
    second = store(engine, meeting_id, document_id, b"v1", pages, one_item, segmenter_version="seg-2")
    assert (second.id, second.action) == (first.id, "updated")
    assert rows(engine, "SELECT position, title, segmenter_version FROM agenda_item") == [
        (0, "KIM und Integrationskonzept", "seg-2")
    ]
    assert get_document_state(engine, document_id).segmenter_version == "seg-2"


def test_the_same_version_with_one_page_or_item_changed_is_updated_in_place(engine):
    """Pages and items are written in one batch per table: one changed row among unchanged ones still counts."""
    meeting_id, document_id = stored_document(engine)
    first = store(engine, meeting_id, document_id, b"v1")
    page_ids = rows(engine, "SELECT number, id FROM page ORDER BY number")
    pages, items = kim_minutes()
    pages.pages[1] = pages.pages[1].model_copy(update={"confidence": 88.0, "method": "ocr"})
    assert store(engine, meeting_id, document_id, b"v1", pages, items).action == "updated"
    assert rows(engine, "SELECT number, id FROM page ORDER BY number") == page_ids
    assert rows(engine, "SELECT number, method, confidence FROM page ORDER BY number") == [
        (1, "text_layer", None), (2, "ocr", 88.0)
    ]
    items.items[0] = items.items[0].model_copy(update={"paper_refs": ["A 123/2017", "B 7/2017"]})
    assert store(engine, meeting_id, document_id, b"v1", pages, items).action == "updated"
    assert [json.loads(refs) for (refs,) in rows(engine, "SELECT CAST(paper_refs AS TEXT) FROM agenda_item ORDER BY position")] == [
        ["A 123/2017", "B 7/2017"], ["A 123/2017"]
    ]
    again = store(engine, meeting_id, document_id, b"v1", pages, items)
    assert (again.id, again.action) == (first.id, "unchanged")


def test_a_version_without_items_stores_its_pages_and_removes_the_old_items(engine):
    meeting_id, document_id = stored_document(engine)
    store(engine, meeting_id, document_id, b"v1")
    pages, _ = kim_minutes()
    assert store(engine, meeting_id, document_id, b"v1", pages, segmentation([])).action == "updated"
    assert rows(engine, "SELECT count(*) FROM agenda_item") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM page") == [(2,)]


def test_new_content_is_a_new_version_and_the_old_one_stays_queryable(engine):
    meeting_id, document_id = stored_document(engine)
    old = store(engine, meeting_id, document_id, b"v1")
    corrected = segmentation([("1", "Bericht des Kommunalen Integrationszentrums", seed("003"))])
    new = store(engine, meeting_id, document_id, b"v2", extracted([seed("003")]), corrected)
    assert new.action == "inserted" and new.id != old.id
    assert rows(engine, "SELECT count(*) FROM document_version WHERE document_id = :d", d=document_id) == [(2,)]
    assert rows(engine, "SELECT count(*) FROM page WHERE version_id = :v", v=old.id) == [(2,)]
    assert rows(engine, "SELECT title FROM agenda_item WHERE version_id = :v ORDER BY position", v=old.id) == [
        ("Kommunales Integrationsmanagement (KIM)",),
        ("Integrationskonzept 2016",),
    ]
    assert rows(engine, "SELECT version_id, title, meeting_name, document_url FROM agenda_item_current") == [
        (new.id, "Bericht des Kommunalen Integrationszentrums", "1. Sitzung des Ausschusses für Soziales",
         document_ref().url)
    ]
    assert rows(engine, "SELECT version_id, count(*) FROM page_current GROUP BY version_id") == [(new.id, 1)]
    assert rows(engine, "SELECT version_id, sha256 FROM document_current") == [(new.id, fetched_blob(b"v2").sha256)]
    # the old content coming back makes the old version current again
    back = store(engine, meeting_id, document_id, b"v1")
    assert (back.id, back.action) == (old.id, "updated")
    assert rows(engine, "SELECT count(*) FROM agenda_item_current") == [(2,)]


def test_nul_characters_from_a_text_layer_are_dropped(engine):
    meeting_id, document_id = stored_document(engine)
    pages = extracted(["Nieder\x00schrift"])
    items = segmentation([("1", "Ta\x00gesordnung", "Text\x00")])
    store(engine, meeting_id, document_id, b"v1", pages, items)
    record_document_failure(engine, document_id, "bad \x00 byte", "extraction_failed")
    assert rows(engine, "SELECT text FROM page") == [("Niederschrift",)]
    assert rows(engine, "SELECT title, text FROM agenda_item") == [("Tagesordnung", "Text")]
    assert rows(engine, "SELECT error FROM document") == [("bad  byte",)]


def test_a_failure_mid_store_leaves_the_previous_state(engine):
    meeting_id, document_id = stored_document(engine)
    old = store(engine, meeting_id, document_id, b"v1")
    bad_item = AgendaItemSpan.model_construct(number=None, label="Ö 2", title="kaputt", text="")  # NOT NULL fails
    good = segmentation([("1", "Flüchtlingskrise", seed("003"))]).items[0]
    broken = segmentation([]).model_copy(update={"items": [good, bad_item]})
    with pytest.raises(IntegrityError):
        store(engine, meeting_id, document_id, b"v2", extracted([seed("003")]), broken)
    assert rows(engine, "SELECT id FROM document_version") == [(old.id,)]
    assert rows(engine, "SELECT count(*) FROM page") == [(2,)]
    assert rows(engine, "SELECT count(*) FROM agenda_item WHERE title = 'Flüchtlingskrise'") == [(0,)]
    state = get_document_state(engine, document_id)
    assert (state.current_version_id, state.sha256, state.attempts) == (old.id, fetched_blob(b"v1").sha256, 1)


def test_failure_is_recorded_with_reason_and_keeps_the_last_good_version(engine):
    meeting_id, document_id = stored_document(engine)
    good = store(engine, meeting_id, document_id, b"v1")
    record_document_failure(engine, document_id, "https://ris.example.de/x.pdf is not a PDF", "document_rejected")
    record_document_failure(engine, document_id, "still not a PDF", "document_rejected")
    state = get_document_state(engine, document_id)
    assert (state.status, state.error_kind, state.attempts, state.current_version_id) == (
        "failed", "document_rejected", 3, good.id
    )
    assert rows(engine, "SELECT error FROM document WHERE status = 'failed'") == [("still not a PDF",)]
    assert rows(engine, "SELECT count(*) FROM agenda_item_current") == [(2,)]
    with pytest.raises(LookupError):
        record_document_failure(engine, document_id + 1000, "x", "internal")


def test_a_successful_store_clears_the_failure(engine):
    meeting_id, document_id = stored_document(engine)
    record_document_failure(engine, document_id, "timeout", "source_unavailable")
    store(engine, meeting_id, document_id, b"v1")
    assert rows(engine, "SELECT status, error, error_kind, attempts FROM document") == [("ok", None, None, 2)]


def test_mark_document_unchanged_counts_the_attempt_only(engine):
    meeting_id, document_id = stored_document(engine)
    store(engine, meeting_id, document_id, b"v1")
    later = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    mark_document_unchanged(engine, document_id, later)
    mark_document_unchanged(engine, document_id, None)
    state = get_document_state(engine, document_id)
    assert (state.status, state.attempts) == ("ok", 3)
    with engine.connect() as connection:
        from schemas.tables import Document

        fetched_at = connection.execute(Document.__table__.select()).mappings().one()["fetched_at"]
    assert fetched_at == later


def test_ingest_run_is_recorded_from_start_to_finish(engine):
    run_id = start_ingest_run(
        engine, flow_run_id="f-1", flow_name="ingest-source", source="https://ris.example.de/oparl", params={"limit": 5}
    )
    assert rows(engine, "SELECT status, finished_at FROM ingest_run") == [("running", None)]
    finish_ingest_run(engine, run_id, status="completed_with_failures", counts={"inserted": 3, "failed": 1})
    with engine.connect() as connection:
        from schemas.tables import IngestRun

        run = connection.execute(IngestRun.__table__.select()).mappings().one()
    assert (run["status"], run["counts"], run["params"]) == ("completed_with_failures", {"inserted": 3, "failed": 1}, {"limit": 5})
    assert run["finished_at"] >= run["started_at"]


def test_summary_counts_current_content(engine):
    meeting_id, document_id = stored_document(engine)
    store(engine, meeting_id, document_id, b"v1")
    store(engine, meeting_id, document_id, b"v2", extracted([seed("003")], method="ocr"),
          segmentation([("1", "Bericht", seed("003"))]))
    other = upsert_document(engine, meeting_id, document_ref(2))
    record_document_failure(engine, other.id, "encrypted", "document_rejected")
    upsert_meeting(engine, source_meeting(2, deleted=True))
    summary = summarise_database(engine)
    assert (summary.meetings, summary.meetings_deleted, summary.documents, summary.versions) == (2, 1, 2, 2)
    assert summary.documents_by_status == {"ok": 1, "failed": 1}
    assert summary.pages_by_method == {"ocr": 1} and summary.pages == 1
    assert summary.agenda_items == 1
