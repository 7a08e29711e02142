"""document_version.segmentation_warnings, and the meeting's organization_url and public in the read views.

Revision ID: 0005
Revises: 0004_meeting_committee_url
Create Date: 2026-12-04

The segmenter says when a document does not read as minutes, when a heading is not in the
printed agenda, when numbers jump; until now only `ratsflow segment` printed that. The warnings
belong to one content of a document (a new version is segmented anew), so they are a JSON list
on `document_version`, shown in `document_current`. Versions stored before this revision keep
NULL (never recorded), not `[]` (segmented without a warning).

0004 added `meeting.organization_url` and `meeting.public`; `agenda_item_current`, which already
carries the meeting's name and committee, now shows them too (`organization_url`,
`meeting_public`). Additive: no data is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004_meeting_committee_url"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = """d.id, d.meeting_id, d.external_id, d.role, d.name, d.url, d.mime_type,
           d.status, d.error, d.error_kind, d.attempts, d.last_attempt_at, d.etag, d.last_modified,
           d.deleted, d.deleted_at,
           v.id AS version_id, v.sha256, v.size, v.blob_path, v.fetched_at, v.page_count,
           v.normaliser_version, v.segmenter_version, v.ratsflow_version, v.git_commit,
           v.flow_run_id, v.task_run_id, v.created_at AS version_created_at"""
ITEM_COLUMNS = """a.id, a.meeting_id, a.document_id, a.version_id, a."position", a.number, a.label, a.title,
           a.public, a."text", a.page_start, a.page_end, a.char_start, a.char_end, a.resolution,
           a.result, a.votes_yes, a.votes_no, a.votes_abstain, a.paper_refs, a.source_item_id,
           a.segmenter_version,
           m.body, m.organization, m.name AS meeting_name, m.start AS meeting_start,
           m.deleted AS meeting_deleted,
           d.url AS document_url, d.role AS document_role, d.deleted AS document_deleted"""


def views(document_extra: str, item_extra: str) -> list[str]:
    return [
        f"""CREATE VIEW document_current AS
    SELECT {DOCUMENT_COLUMNS}{document_extra}
    FROM document d
    JOIN document_version v ON v.id = d.current_version_id""",
        f"""CREATE VIEW agenda_item_current AS
    SELECT {ITEM_COLUMNS}{item_extra}
    FROM agenda_item a
    JOIN document d ON d.current_version_id = a.version_id
    JOIN meeting m ON m.id = a.meeting_id""",
    ]


def replace_views(document_extra: str, item_extra: str) -> None:
    for name in ("document_current", "agenda_item_current"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for statement in views(document_extra, item_extra):
        op.execute(statement)


def upgrade() -> None:
    op.add_column("document_version", sa.Column("segmentation_warnings", sa.JSON(), nullable=True))
    replace_views(",\n           v.segmentation_warnings",
                  ",\n           m.organization_url, m.public AS meeting_public")


def downgrade() -> None:
    for name in ("document_current", "agenda_item_current"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_column("document_version", "segmentation_warnings")
    replace_views("", "")
