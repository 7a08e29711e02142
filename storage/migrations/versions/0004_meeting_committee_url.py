"""meeting.organization_url and meeting.public: the committee's address beside its name, and closed meetings.

Revision ID: 0004_meeting_committee_url
Revises: 0003_withdrawn_documents
Create Date: 2026-12-03

OParl names a meeting's committee by the URL of its Organization; ratsflow stores the name in
`organization` (downstream apps filter by it) and now keeps the URL in `organization_url`.
SessionNet and ALLRIS list non-public meetings without a page; they are recorded with
`public = false`. Purely additive: existing rows get NULL and true.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_meeting_committee_url"
down_revision = "0003_withdrawn_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("meeting", sa.Column("organization_url", sa.String(), nullable=True))
    op.add_column("meeting", sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("meeting", "public")
    op.drop_column("meeting", "organization_url")
