"""Withdrawn files in the read views: `document_deleted` on agenda_item_current and page_current.

Revision ID: 0003_withdrawn_documents
Revises: 0002_source_watermark
Create Date: 2026-11-22

A council may take a minutes file down; ratsflow flags it (`document.deleted`) and keeps its
rows. Downstream apps read the `*_current` views, so the flag must be visible there. Views
only: no table changes, no data touched.
"""

from __future__ import annotations

from alembic import op

revision = "0003_withdrawn_documents"
down_revision = "0002_source_watermark"
branch_labels = None
depends_on = None

ITEM_COLUMNS = """a.id, a.meeting_id, a.document_id, a.version_id, a."position", a.number, a.label, a.title,
           a.public, a."text", a.page_start, a.page_end, a.char_start, a.char_end, a.resolution,
           a.result, a.votes_yes, a.votes_no, a.votes_abstain, a.paper_refs, a.source_item_id,
           a.segmenter_version,
           m.body, m.organization, m.name AS meeting_name, m.start AS meeting_start,
           m.deleted AS meeting_deleted,
           d.url AS document_url, d.role AS document_role"""
PAGE_COLUMNS = """p.id, p.document_id, p.version_id, p.number, p.method, p.confidence, p.low_confidence,
           p.engine, p.engine_version, p.dpi, p.raw_text, p."text",
           d.meeting_id, d.url AS document_url, d.role AS document_role"""


def views(extra: str) -> list[str]:
    return [
        f"""CREATE VIEW agenda_item_current AS
    SELECT {ITEM_COLUMNS}{extra}
    FROM agenda_item a
    JOIN document d ON d.current_version_id = a.version_id
    JOIN meeting m ON m.id = a.meeting_id""",
        f"""CREATE VIEW page_current AS
    SELECT {PAGE_COLUMNS}{extra}
    FROM page p
    JOIN document d ON d.current_version_id = p.version_id""",
    ]


def replace_views(extra: str) -> None:
    for name in ("agenda_item_current", "page_current"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for statement in views(extra):
        op.execute(statement)


def upgrade() -> None:
    replace_views(",\n           d.deleted AS document_deleted")


def downgrade() -> None:
    replace_views("")
