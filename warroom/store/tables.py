"""The event log's tables as SQLAlchemy Core tables: the one definition of their columns, indexes and
constraints. The append (store/eventlog.py) writes through these without the ORM, so a write
command (`warroom log`) never imports SQLModel or the ORM (issue 16); the ORM models of the same
tables (store/models.py) are mapped onto these very Table objects, for the readers that use them."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, text

metadata = MetaData()

EVENT = Table(
    "event", metadata,
    Column("seq", Integer, primary_key=True),
    Column("at", String, nullable=False),  # UTC, clock.iso: kept as text so the hashed spelling is the stored one
    Column("kind", String, nullable=False),  # dotted: incident.opened, supplier.state, …
    Column("actor", String, nullable=False),  # OS user, or "system" for the monitor
    Column("incident_id", Integer),
    Column("object", String, nullable=False),  # what it is about: "incident:12/step:confirm", "supplier:nlcloud"
    Column("result", String, nullable=False),  # "ok", or what went wrong ("refused: …", "failed: …")
    Column("origin", String, nullable=False),  # canonical JSON: host, terminal, ssh client address
    Column("summary", String, nullable=False),
    Column("data", String, nullable=False),  # canonical JSON
    Column("key", String),  # idempotency: one escalation fires once (ux_event_key)
    Column("links", String, nullable=False),  # canonical JSON: stream → hash of that stream's previous event
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),  # unique by what it hashes: no index of its own (0009)
    Column("scheme", Integer),  # how `hash` is computed (store/chain.py); None: scheme 1, written before this column
    # object_kind_at: one supplier's state changes over a window (the supplier screen), not every supplier's (0008);
    # those changes alone (0009): no other reads by object, and every index is a page written by every append
    Index("ix_event_incident_seq", "incident_id", "seq"),
    Index("ix_event_kind_at", "kind", "at"),
    Index("ix_event_object_kind_at", "object", "kind", "at", sqlite_where=text("kind = 'supplier.state'"),
          postgresql_where=text("kind = 'supplier.state'")),
    # Every index is a page written by every append (0009): the key's holds only the events that have one.
    Index("ux_event_key", "key", unique=True, sqlite_where=text('"key" IS NOT NULL'), postgresql_where=text('"key" IS NOT NULL')),
)

STREAM_HEAD = Table(
    "stream_head", metadata,
    Column("stream", String, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String, nullable=False),
)
