"""The hashing scheme of each event: new events are hashed over RFC 8785 canonical JSON (scheme 2);
those already stored keep their hashes and their NULL here (scheme 1). Adding a nullable column
touches no row, so the append-only triggers are not involved.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("event", sa.Column("scheme", sa.Integer(), nullable=True))


def downgrade() -> None:
    # For the tests that rebuild an older database; events hashed with scheme 2 no longer verify then.
    op.drop_column("event", "scheme")
