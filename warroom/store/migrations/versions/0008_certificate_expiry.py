"""The risk view's certificate factor from data, not from words: when each supplier's TLS
certificate ends (not-after), as the monitor last read it; and an index to read one supplier's
state changes over a window (the supplier screen) without reading every supplier's.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("supplier_state", sa.Column("certificate_not_after", sa.String(27), nullable=True))
    op.create_index("ix_event_object_kind_at", "event", ["object", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_object_kind_at", "event")
    # In place (SQLite 3.35+): a batch copy of the table would drop its guard triggers (0004).
    op.execute("ALTER TABLE supplier_state DROP COLUMN certificate_not_after")
