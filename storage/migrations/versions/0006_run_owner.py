"""ingest_run.owner_pid and owner_host: which process runs a run, so a killed one can be closed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A run killed with `kill -9` (or by the OOM killer, or a power cut) never closes its row: it
stayed `running` for ever. Each run now records its process id and host name; the next run on
the same host closes rows whose process is gone as `abandoned`. Additive: rows written before
this revision keep NULL and are left as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ingest_run", sa.Column("owner_pid", sa.Integer(), nullable=True))
    op.add_column("ingest_run", sa.Column("owner_host", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("ingest_run", "owner_host")
    op.drop_column("ingest_run", "owner_pid")
