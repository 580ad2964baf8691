"""Appending to and reading the event log. Appends happen inside `Store.write()` (BEGIN IMMEDIATE),
so reading the head and inserting the next event cannot interleave with another process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from warroom.clock import iso
from warroom.store import chain
from warroom.store.models import Event, StreamHead

_JSON_FIELDS = ("origin", "data", "links")


class Duplicate(Exception):
    """An event with this idempotency key is already in the log (it fired before)."""


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, GENESIS) for an empty log."""
    row = session.exec(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, chain.GENESIS)


def append(
    session: Session,
    *,
    at: datetime,
    kind: str,
    actor: str,
    summary: str,
    origin: dict[str, Any],
    object: str,
    incident_id: int | None = None,
    result: str = "ok",
    data: dict[str, Any] | None = None,
    key: str | None = None,
) -> Event:
    """Append one event to the chain. Raises Duplicate when `key` was used before; the caller's
    transaction is then still usable."""
    data = data or {}
    if key is not None and session.exec(select(Event.seq).where(Event.key == key)).first() is not None:
        raise Duplicate(key)
    seq, prev_hash = head(session)
    streams = chain.streams_of(incident_id, data)
    heads = {h.stream: h for h in session.exec(select(StreamHead).where(StreamHead.stream.in_(streams))).all()} if streams else {}
    record = {
        "seq": seq + 1,
        "at": iso(at),
        "kind": kind,
        "actor": actor,
        "incident_id": incident_id,
        "object": object,
        "result": result,
        "origin": origin,
        "summary": summary,
        "data": data,
        "key": key,
        "links": {s: heads[s].hash if s in heads else None for s in streams},
        "prev_hash": prev_hash,
    }
    record["hash"] = chain.event_hash(record)
    event = Event(**{**record, **{f: chain.canonical(record[f]) for f in _JSON_FIELDS}})
    session.add(event)
    for stream in streams:
        if stream in heads:
            heads[stream].seq, heads[stream].hash = event.seq, event.hash
        else:
            session.add(StreamHead(stream=stream, seq=event.seq, hash=event.hash))
    try:
        session.flush()
    except IntegrityError:
        # Only reachable without the write lock (a PostgreSQL race on `key`): the unique key holds.
        session.rollback()
        raise Duplicate(key or str(seq + 1)) from None
    session.info["head"] = (event.seq, event.hash, record["at"])
    return event


def record_of(row: Any) -> dict[str, Any]:
    """A stored row as the dict the chain hashes. Unreadable JSON stays a string, so the hash fails
    (that row was altered) instead of verification crashing."""
    record = dict(row._mapping)
    for name in _JSON_FIELDS:
        try:
            record[name] = json.loads(record[name])
        except (TypeError, ValueError):
            pass
    return record


def records(connection: Connection, *, after: int = 0, batch: int = 5000, incident_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every event in seq order, read in batches by keyset so memory stays flat at millions of events."""
    table = Event.__table__
    while True:
        query = core_select(table).where(table.c.seq > after).order_by(table.c.seq).limit(batch)
        if incident_id is not None:
            query = query.where(table.c.incident_id == incident_id)
        rows = connection.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield record_of(row)
        last = rows[-1].seq
        if not isinstance(last, int):
            return
        after = last
