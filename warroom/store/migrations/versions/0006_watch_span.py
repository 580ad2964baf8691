"""Availability history: the spans of time in which a monitor watched each supplier (time outside
them is unknown, never up), and an index to read one kind of event over a period (the state
changes of the last 90 days) without scanning the whole log.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_span",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("supplier_id", sa.String(), nullable=False),
        sa.Column("first_at", sa.String(27), nullable=False),
        sa.Column("last_at", sa.String(27), nullable=False),
    )
    op.create_index("ix_watch_span_supplier_last", "watch_span", ["supplier_id", "last_at"])
    op.create_index("ix_watch_span_last", "watch_span", ["last_at"])
    op.create_index("ix_event_kind_at", "event", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_kind_at", "event")
    op.drop_table("watch_span")
