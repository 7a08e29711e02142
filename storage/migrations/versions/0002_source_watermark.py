"""source_watermark: how far incremental sync got in each list of a source.

Revision ID: 0002_source_watermark
Revises: 0001_initial
Create Date: 2025-01-02

Written by hand against schemas/tables.py (SourceWatermark); tests/storage/test_store_migrations.py
checks that they agree. Purely additive: an existing database keeps all its rows, and its
first run after the upgrade is a full listing (no watermark yet).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_source_watermark"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "source_watermark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("list_url", sa.String(), nullable=False),
        sa.Column("watermark", TIMESTAMP, nullable=True),
        sa.Column("last_run_at", TIMESTAMP, nullable=True),
        sa.Column("placeholder_detected", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "list_url", name="uq_source_watermark_source_list_url"),
    )


def downgrade() -> None:
    op.drop_table("source_watermark")
