"""Fewer index pages written by every append: each index of the event table is a page in the write
of each event, and the sync at its commit waits for all of them (issue 16).

- `ix_event_kind` (kind) goes: `ix_event_kind_at` (kind, at) leads with the same column. What it
  alone served, the newest event of a kind (seq order within a kind), is asked only of the drill
  kinds, which are few, and their (kind, at) entries are read instead.
- The uniqueness of `hash` goes. Nothing looks an event up by its hash, and a SHA-256 over the
  event's seq and its predecessor's hash is unique without it; verify recomputes every hash. Its
  index was the costliest of all: a hash is random, so every append wrote a page somewhere in
  the middle of it (and, in a large log, read it first).
- The uniqueness of `key` holds for the events that have one (an escalation that fires, an inject)
  and no longer indexes the many that have none: a partial unique index.
- `ix_event_object_kind_at` (0008) serves reads of one supplier's state changes, which all ask for
  kind 'supplier.state': it now holds those events alone, and a person's entry (a decision, a
  step, a log line) writes no page of it.

On SQLite a UNIQUE constraint is part of the table, so the table is rebuilt (created anew, the rows
copied as they are, the old one dropped); its guard triggers (0001) are made again. The state
tables' triggers (0004) name `event` in their conditions: the legacy rename leaves them as they are,
naming the rebuilt table. On PostgreSQL the constraints are dropped in place.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS = "seq, at, kind, actor, incident_id, object, result, origin, summary, data, key, links, prev_hash, hash, scheme"
_KEY_INDEX = 'CREATE UNIQUE INDEX ux_event_key ON event ("key") WHERE "key" IS NOT NULL'
_OBJECT_INDEX = "CREATE INDEX ix_event_object_kind_at ON event (object, kind, at) WHERE kind = 'supplier.state'"


def upgrade() -> None:
    op.drop_index("ix_event_kind", "event")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE event DROP CONSTRAINT event_hash_key")
        op.execute("ALTER TABLE event DROP CONSTRAINT event_key_key")
        op.execute(_KEY_INDEX)
        op.drop_index("ix_event_object_kind_at", "event")
        op.execute(_OBJECT_INDEX)
        return
    op.execute("""CREATE TABLE event_lean (
        seq INTEGER NOT NULL,
        at VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        actor VARCHAR NOT NULL,
        incident_id INTEGER,
        object VARCHAR NOT NULL,
        result VARCHAR NOT NULL,
        origin VARCHAR NOT NULL,
        summary VARCHAR NOT NULL,
        data VARCHAR NOT NULL,
        "key" VARCHAR,
        links VARCHAR NOT NULL,
        prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL,
        scheme INTEGER,
        PRIMARY KEY (seq))""")
    op.execute(f"INSERT INTO event_lean ({_COLUMNS}) SELECT {_COLUMNS} FROM event ORDER BY seq")
    op.execute("DROP TABLE event")  # its indexes and its own triggers with it
    # Legacy: rename the table and nothing else. The modern rename also re-reads every trigger,
    # and the state tables' triggers name `event`, which is the table being renamed to.
    op.execute("PRAGMA legacy_alter_table = ON")
    op.execute("ALTER TABLE event_lean RENAME TO event")
    op.execute("PRAGMA legacy_alter_table = OFF")
    op.execute("CREATE INDEX ix_event_incident_seq ON event (incident_id, seq)")
    op.execute("CREATE INDEX ix_event_kind_at ON event (kind, at)")
    op.execute(_OBJECT_INDEX)
    op.execute(_KEY_INDEX)
    op.execute("CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END")
    op.execute("CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END")


def downgrade() -> None:
    # The same guarantees as before, as indexes (on SQLite the constraints were the table's own).
    op.drop_index("ux_event_key", "event")
    op.drop_index("ix_event_object_kind_at", "event")
    op.create_index("ix_event_object_kind_at", "event", ["object", "kind", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE event ADD CONSTRAINT event_key_key UNIQUE (\"key\")")
        op.execute("ALTER TABLE event ADD CONSTRAINT event_hash_key UNIQUE (hash)")
    else:
        op.execute('CREATE UNIQUE INDEX ux_event_key_all ON event ("key")')
        op.execute("CREATE UNIQUE INDEX ux_event_hash ON event (hash)")
    op.create_index("ix_event_kind", "event", ["kind"])
