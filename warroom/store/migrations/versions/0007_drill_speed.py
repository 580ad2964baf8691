"""How much faster than written a drill runs its playbook's times (`incident start --drill --speed N`):
1 for every incident before it. Fixed at the start like the snapshot, and derived from
incident.opened's `speed` by verify.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("speed", sa.Float(), nullable=False, server_default="1"))


def downgrade() -> None:
    # In place (SQLite 3.35+): a batch copy of the table would trip its foreign keys and triggers.
    op.execute("ALTER TABLE incident DROP COLUMN speed")
