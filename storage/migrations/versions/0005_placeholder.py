"""Placeholder for revision 0005 (document_version.segmentation_warnings), made on another branch.

Revision ID: 0005
Revises: 0004_meeting_committee_url
Create Date: 2026-12-04

Does nothing. Drop this file when the real 0005 (0005_segmentation_warnings.py) is merged: 0006
builds on revision "0005" whichever file carries it.
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004_meeting_committee_url"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
