"""Segmentation warnings are stored per document version and read back from the views (migration 0005),
and agenda_item_current shows the meeting's committee URL and public flag (added to meeting in 0004)."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text
from storage_samples import document_ref, extracted, fetched_blob, kim_minutes, provenance, source_meeting

from schemas.pipeline import SegmentationResult
from storage.engine import SCHEMA_REVISION, alembic_config, create_db_engine, current_revision, upgrade_database, writing
from storage.repository import store_document_version, upsert_document, upsert_meeting

NOT_MINUTES = "document does not read as minutes (a letter: salutation and closing greeting, no minutes title): no items"
COMMITTEE_URL = "https://ris.example.de/oparl/v1/organization/7"


def as_list(value) -> list[str] | None:
    """SQLite hands JSON back as text, psycopg2 as the decoded list."""
    return json.loads(value) if isinstance(value, str) else value


def current_warnings(engine, document_id: int):
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT segmentation_warnings FROM document_current WHERE id = :id"), {"id": document_id}).scalar_one()
    return as_list(value)


def test_a_version_keeps_its_warnings_and_a_new_segmentation_replaces_them(engine):
    meeting = upsert_meeting(engine, source_meeting())
    document = upsert_document(engine, meeting.id, document_ref())
    letter = SegmentationResult(items=[], warnings=[NOT_MINUTES], segmenter_version="seg-1")
    first = store_document_version(engine, document.id, meeting.id, fetched_blob(b"letter"), extracted(["Sehr geehrte"]),
                                   letter, provenance())
    assert first.action == "inserted"
    assert current_warnings(engine, document.id) == [NOT_MINUTES]
    again = store_document_version(engine, document.id, meeting.id, fetched_blob(b"letter"), extracted(["Sehr geehrte"]),
                                   letter, provenance())
    assert again.action == "unchanged"
    # The same content segmented anew without the warning: the version is updated, the warning gone.
    pages, items = kim_minutes()
    clean = store_document_version(engine, document.id, meeting.id, fetched_blob(b"letter"), pages, items, provenance())
    assert clean.action == "updated" and clean.id == first.id
    assert current_warnings(engine, document.id) == []


def test_agenda_item_current_shows_the_committee_url_and_whether_the_meeting_is_public(engine):
    meeting = upsert_meeting(engine, source_meeting(organization_url=COMMITTEE_URL, public=False))
    document = upsert_document(engine, meeting.id, document_ref())
    pages, items = kim_minutes()
    store_document_version(engine, document.id, meeting.id, fetched_blob(b"v1"), pages, items, provenance())
    with engine.connect() as connection:
        found = connection.execute(text(
            "SELECT number, organization_url, meeting_public FROM agenda_item_current ORDER BY position")).all()
    assert [tuple(row) for row in found] == [("1", COMMITTEE_URL, False), ("2", COMMITTEE_URL, False)]


def test_upgrading_from_0004_keeps_the_rows_and_leaves_old_versions_without_recorded_warnings(db_url):
    engine = create_db_engine(db_url)
    try:
        config = alembic_config(db_url)
        with writing(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0004_meeting_committee_url")
        assert current_revision(engine) == "0004_meeting_committee_url"
        with writing(engine) as connection:
            connection.execute(text(
                "INSERT INTO meeting (id, source, external_id, deleted, public, organization_url) "
                "VALUES (1, 's', 'm1', false, true, :url)"), {"url": COMMITTEE_URL})
            connection.execute(text(
                "INSERT INTO document (id, meeting_id, external_id, role, url, status, attempts, deleted) "
                "VALUES (1, 1, 'f1', 'results_protocol', 'https://ris.example.de/f1.pdf', 'ok', 1, false)"))
            connection.execute(text("INSERT INTO document_version (id, document_id, sha256, url) "
                                    "VALUES (1, 1, 'abc', 'https://ris.example.de/f1.pdf')"))
            connection.execute(text("UPDATE document SET current_version_id = 1"))
        assert upgrade_database(db_url) == SCHEMA_REVISION
        with engine.connect() as connection:
            row = connection.execute(text("SELECT id, sha256, segmentation_warnings FROM document_current")).one()
        assert tuple(row) == (1, "abc", None)  # NULL: never recorded, unlike [] (segmented, no warning)
        with writing(engine) as connection:  # and back: 0004's views and columns, the rows still there
            config.attributes["connection"] = connection
            command.downgrade(config, "0004_meeting_committee_url")
        with engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM document_current")).keys()
            assert "segmentation_warnings" not in columns and connection.execute(
                text("SELECT count(*) FROM document_version")).scalar_one() == 1
    finally:
        engine.dispose()
