"""Supplier health state, latency history and the monitor lease.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("acquired_at", sa.String(27), nullable=False),
        sa.Column("renewed_at", sa.String(27), nullable=False),
        sa.Column("expires_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "supplier_state",
        sa.Column("supplier_id", sa.String(), primary_key=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("since", sa.String(27), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("checked_at", sa.String(27), nullable=True),
        sa.Column("candidate", sa.String(), nullable=True),
        sa.Column("streak", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("via", sa.String(), nullable=True),
        sa.Column("disagreement", sa.String(), nullable=True),
    )
    op.create_table(
        "health_sample",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("supplier_id", sa.String(), nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
    )
    op.create_index("ix_health_sample_supplier_at", "health_sample", ["supplier_id", "at"])


def downgrade() -> None:
    op.drop_table("health_sample")
    op.drop_table("supplier_state")
    op.drop_table("lease")
