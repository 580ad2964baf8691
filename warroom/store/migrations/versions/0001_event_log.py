"""The append-only, hash-chained event log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("object", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("data", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True, unique=True),
        sa.Column("links", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False, unique=True),
    )
    op.create_index("ix_event_kind", "event", ["kind"])
    op.create_index("ix_event_incident_seq", "event", ["incident_id", "seq"])
    op.create_table(
        "stream_head",
        sa.Column("stream", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END")
        op.execute("CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END")
    else:
        op.execute("CREATE FUNCTION warroom_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event FOR EACH ROW EXECUTE FUNCTION warroom_append_only()")


def downgrade() -> None:
    raise NotImplementedError("the event log is never dropped by a migration")
