"""initial schema: meetings, documents and their versions, pages, agenda items, ingest runs;
full-text search over agenda items; the *_current read views.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01

Written by hand against schemas/tables.py (tests/storage/test_migrations.py checks that
they agree). Timestamps are timezone-aware (SQLModel's UTCDateTime): UTC throughout.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tables()
    if op.get_bind().dialect.name == "postgresql":
        create_postgresql_search()
    else:
        create_sqlite_search()
    for view in VIEWS:
        op.execute(view)


def downgrade() -> None:
    for name in ("page_current", "agenda_item_current", "document_current"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("agenda_item_fts_insert", "agenda_item_fts_delete", "agenda_item_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS agenda_item_fts")
    for table in ("page", "agenda_item", "document_version", "document", "meeting", "ingest_run"):
        op.drop_table(table)


def create_tables() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("organization", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("start", TIMESTAMP, nullable=True),
        sa.Column("end", TIMESTAMP, nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.Column("modified", TIMESTAMP, nullable=True),
        sa.Column("first_seen_at", TIMESTAMP, nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_meeting_source_external_id"),
    )
    op.create_index("ix_meeting_source", "meeting", ["source"])
    op.create_index("ix_meeting_external_id", "meeting", ["external_id"])
    op.create_index("ix_meeting_start", "meeting", ["start"])

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("mime_type", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("error_kind", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("fetched_at", TIMESTAMP, nullable=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "external_id", name="uq_document_meeting_external_id"),
    )
    op.create_index("ix_document_meeting_id", "document", ["meeting_id"])
    op.create_index("ix_document_sha256", "document", ["sha256"])

    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("blob_path", sa.String(), nullable=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("fetched_at", TIMESTAMP, nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("normaliser_version", sa.String(), nullable=True),
        sa.Column("segmenter_version", sa.String(), nullable=True),
        sa.Column("ratsflow_version", sa.String(), nullable=True),
        sa.Column("git_commit", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("task_run_id", sa.String(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "sha256", name="uq_document_version_sha256"),
    )
    op.create_index("ix_document_version_document_id", "document_version", ["document_id"])

    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("low_confidence", sa.Boolean(), nullable=False),
        sa.Column("engine", sa.String(), nullable=True),
        sa.Column("engine_version", sa.String(), nullable=True),
        sa.Column("dpi", sa.Integer(), nullable=True),
        sa.Column("raw_text", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["document_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "number", name="uq_page_version_number"),
    )
    op.create_index("ix_page_document_id", "page", ["document_id"])
    op.create_index("ix_page_version_id", "page", ["version_id"])

    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("page_start", sa.Integer(), nullable=True),
        sa.Column("page_end", sa.Integer(), nullable=True),
        sa.Column("char_start", sa.Integer(), nullable=True),
        sa.Column("char_end", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("result", sa.String(), nullable=True),
        sa.Column("votes_yes", sa.Integer(), nullable=True),
        sa.Column("votes_no", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column("paper_refs", sa.JSON(), nullable=True),
        sa.Column("source_item_id", sa.String(), nullable=True),
        sa.Column("segmenter_version", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["document_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "position", name="uq_agenda_item_version_position"),
    )
    op.create_index("ix_agenda_item_meeting_id", "agenda_item", ["meeting_id"])
    op.create_index("ix_agenda_item_document_id", "agenda_item", ["document_id"])
    op.create_index("ix_agenda_item_version_id", "agenda_item", ["version_id"])

    op.create_table(
        "ingest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("flow_name", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ingest_run_flow_run_id", "ingest_run", ["flow_run_id"])


def create_sqlite_search() -> None:
    """FTS5 index over agenda_item (external content: the text lives once, in agenda_item).

    `remove_diacritics 0` keeps ü and u apart, so "Flüchtling" does not match "Fluchtling"
    (a damaged OCR spelling) and umlaut words are found as written.
    """
    op.execute(
        "CREATE VIRTUAL TABLE agenda_item_fts USING fts5("
        "title, text, content='agenda_item', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER agenda_item_fts_insert AFTER INSERT ON agenda_item BEGIN "
        "INSERT INTO agenda_item_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER agenda_item_fts_delete AFTER DELETE ON agenda_item BEGIN "
        "INSERT INTO agenda_item_fts(agenda_item_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER agenda_item_fts_update AFTER UPDATE OF title, text ON agenda_item BEGIN "
        "INSERT INTO agenda_item_fts(agenda_item_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO agenda_item_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )


def create_postgresql_search() -> None:
    """A generated tsvector column (German stemming) with a GIN index; PostgreSQL keeps it in sync."""
    op.execute(
        "ALTER TABLE agenda_item ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('german', coalesce(title, '') || ' ' || coalesce(text, ''))) STORED"
    )
    op.execute("CREATE INDEX ix_agenda_item_search_vector ON agenda_item USING gin (search_vector)")


VIEWS = [
    """
    CREATE VIEW document_current AS
    SELECT d.id, d.meeting_id, d.external_id, d.role, d.name, d.url, d.mime_type,
           d.status, d.error, d.error_kind, d.attempts, d.last_attempt_at, d.etag, d.last_modified,
           d.deleted, d.deleted_at,
           v.id AS version_id, v.sha256, v.size, v.blob_path, v.fetched_at, v.page_count,
           v.normaliser_version, v.segmenter_version, v.ratsflow_version, v.git_commit,
           v.flow_run_id, v.task_run_id, v.created_at AS version_created_at
    FROM document d
    JOIN document_version v ON v.id = d.current_version_id
    """,
    """
    CREATE VIEW agenda_item_current AS
    SELECT a.id, a.meeting_id, a.document_id, a.version_id, a."position", a.number, a.label, a.title,
           a.public, a."text", a.page_start, a.page_end, a.char_start, a.char_end, a.resolution,
           a.result, a.votes_yes, a.votes_no, a.votes_abstain, a.paper_refs, a.source_item_id,
           a.segmenter_version,
           m.body, m.organization, m.name AS meeting_name, m.start AS meeting_start,
           m.deleted AS meeting_deleted,
           d.url AS document_url, d.role AS document_role
    FROM agenda_item a
    JOIN document d ON d.current_version_id = a.version_id
    JOIN meeting m ON m.id = a.meeting_id
    """,
    """
    CREATE VIEW page_current AS
    SELECT p.id, p.document_id, p.version_id, p.number, p.method, p.confidence, p.low_confidence,
           p.engine, p.engine_version, p.dpi, p.raw_text, p."text",
           d.meeting_id, d.url AS document_url, d.role AS document_role
    FROM page p
    JOIN document d ON d.current_version_id = p.version_id
    """,
]
