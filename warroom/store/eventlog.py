"""Appending to and reading the event log. Appends happen inside `Store.write()` or
`Store.write_core()` (BEGIN IMMEDIATE on SQLite, the writers' advisory lock on PostgreSQL), so
reading the head and inserting the next event cannot interleave with another process, on this host
or another. Core only (store/tables.py): a write that needs no ORM never imports it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlalchemy.exc import DBAPIError

from warroom.clock import iso
from warroom.errors import DatabaseDamaged
from warroom.i18n import _
from warroom.store import chain, engine
from warroom.store.records import lazy_record, stored_json  # the event log's records (records.py), read here too
from warroom.store.tables import EVENT as _EVENT
from warroom.store.tables import STREAM_HEAD as _STREAM_HEAD

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_JSON_FIELDS = ("origin", "data", "links")
_HEAD = core_select(_EVENT.c.seq, _EVENT.c.hash).order_by(_EVENT.c.seq.desc()).limit(1)
_KEY_USED = core_select(_EVENT.c.seq).where(_EVENT.c.key == bindparam("key"))
# Each stream's cached head beside the hash the log itself holds at that seq (NULL: no such event),
# in one statement: the append checks the cache against the log before it links to it.
_STREAM_HEADS = (core_select(_STREAM_HEAD.c.stream, _STREAM_HEAD.c.seq, _STREAM_HEAD.c.hash, _EVENT.c.hash)
                 .select_from(_STREAM_HEAD.outerjoin(_EVENT, _EVENT.c.seq == _STREAM_HEAD.c.seq))
                 .where(_STREAM_HEAD.c.stream.in_(bindparam("streams", expanding=True))))
_HASH_AT = core_select(_EVENT.c.hash).where(_EVENT.c.seq == bindparam("seq"))
_NEW_HEAD = _STREAM_HEAD.insert()
_MOVE_HEAD = _STREAM_HEAD.update().where(_STREAM_HEAD.c.stream == bindparam("which")).values(seq=bindparam("to_seq"), hash=bindparam("to_hash"))
_INSERT = _EVENT.insert()
# The same statements in SQLite's own spelling, for its driver (see _Statements). Named parameters,
# which both take; an IN list is spelt out for as many values as it is given.
_SQL_KEY_USED = 'SELECT seq FROM event WHERE "key" = :key'
_SQL_HEAD = "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1"
_SQL_STREAM_HEADS = ("SELECT stream_head.stream, stream_head.seq, stream_head.hash, event.hash FROM stream_head "
                     "LEFT OUTER JOIN event ON event.seq = stream_head.seq WHERE stream_head.stream IN ({streams})")
_SQL_INSERT = "INSERT INTO event ({}) VALUES ({})".format(", ".join(f'"{c.name}"' for c in _EVENT.columns),
                                                         ", ".join(f":{c.name}" for c in _EVENT.columns))
_SQL_MOVE_HEAD = "UPDATE stream_head SET seq = :to_seq, hash = :to_hash WHERE stream = :which"
_SQL_NEW_HEAD = "INSERT INTO stream_head (stream, seq, hash) VALUES (:stream, :seq, :hash)"


def _in(sql: str, count: int) -> str:
    """`sql` with its one IN list spelt out as `count` numbered parameters (:streams_0, …)."""
    spelt = _SPELT.get((sql, count))
    if spelt is None:
        name = sql[sql.index("{") + 1 : sql.index("}")]
        spelt = _SPELT[sql, count] = sql.format(**{name: ", ".join(f":{name}_{i}" for i in range(count))})
    return spelt


_SPELT: dict[tuple[str, int], str] = {}  # an event is in one or two streams: a couple of spellings in all


class _Statements:
    """The append's statements on one connection. On SQLite they go to the driver's own cursor, in
    the transaction SQLAlchemy began (BEGIN IMMEDIATE, by the engine's begin event): the append runs
    under the writers' lock, and SQLAlchemy's work around each of its five statements cost more than
    the statements themselves. Elsewhere (PostgreSQL) through Core. A driver error is raised as Core
    would raise it: the file named where the file failed, SQLAlchemy's wrapper otherwise."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.cursor = None
        if connection.dialect.name == "sqlite":
            if not connection.in_transaction():
                connection.begin()  # what Core's first statement would do: the begin event's BEGIN is never skipped
            self.cursor = connection.connection.driver_connection.cursor()

    def rows(self, core: Any, sql: str, params: dict[str, Any]) -> list[Any]:
        if self.cursor is None:
            return list(self.connection.execute(core, params).all())
        return self._driver(sql, params).fetchall()

    def write(self, core: Any, sql: str, params: dict[str, Any]) -> None:
        if self.cursor is None:
            self.connection.execute(core, params)
        else:
            self._driver(sql, params)

    def _driver(self, sql: str, params: dict[str, Any]) -> Any:
        flat = {}
        for name, value in params.items():
            if isinstance(value, list):
                flat.update((f"{name}_{i}", item) for i, item in enumerate(value))
            else:
                flat[name] = value
        try:
            return self.cursor.execute(sql, flat)
        except sqlite3.Error as exc:
            raise _failure(self.connection, exc, sql, flat) from None

    def close(self) -> None:
        if self.cursor is not None:
            self.cursor.close()


class StreamCacheAltered(DatabaseDamaged):
    """The table that caches each stream's newest event disagrees with the events themselves."""


class Duplicate(Exception):
    """An event with this idempotency key is already in the log (it fired before). Nothing was
    written; the transaction is still usable."""


def connection_of(writer: Session | Connection) -> Connection:
    """The connection of a write transaction: Store.write_core's own, or an ORM session's."""
    return writer if isinstance(writer, Connection) else writer.connection()


def head(writer: Session | Connection) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, GENESIS) for an empty log."""
    row = connection_of(writer).execute(_HEAD).first()
    return (row[0], row[1]) if row else (0, chain.GENESIS)


def hash_at(connection: Connection, seq: int) -> str | None:
    """The hash of the event at `seq`, None when there is none."""
    return connection.execute(_HASH_AT, {"seq": seq}).scalar()


def append(
    writer: Session | Connection,
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
) -> dict[str, Any]:
    """Append one event to the chain and return it as stored (a record dict, hash included).
    `writer`: the transaction of Store.write (an ORM session) or of Store.write_core (a connection).

    Raises Duplicate, before writing anything, when `key` was used before. Plain SQL statements
    rather than the ORM's unit of work: this runs under the write lock, so every microsecond here
    is a microsecond every other writer waits."""
    data = data or {}
    # The state rows this event explains go first: the ORM would otherwise flush them at some
    # later query, after events appended since, and the database refuses rows that come late
    # (a playbook step after its incident logged more than its opening). Nothing pending: free.
    if not isinstance(writer, Connection):
        writer.flush()
    connection = connection_of(writer)
    run = _Statements(connection)
    try:
        return _append(writer, run, at=at, kind=kind, actor=actor, summary=summary, origin=origin, object=object,
                       incident_id=incident_id, result=result, data=data, key=key)
    finally:
        run.close()


def _append(writer: Session | Connection, run: _Statements, *, at: datetime, kind: str, actor: str, summary: str, origin: dict[str, Any],
            object: str, incident_id: int | None, result: str, data: dict[str, Any], key: str | None) -> dict[str, Any]:
    if key is not None and run.rows(_KEY_USED, _SQL_KEY_USED, {"key": key}):
        raise Duplicate(key)
    found_head = run.rows(_HEAD, _SQL_HEAD, {})
    seq, prev_hash = (found_head[0][0], found_head[0][1]) if found_head else (0, chain.GENESIS)
    streams = chain.streams_of(incident_id, data)
    cached = run.rows(_STREAM_HEADS, _in(_SQL_STREAM_HEADS, len(streams)), {"streams": streams}) if streams else []
    heads = {stream: hash_ for stream, _, hash_, _ in cached}
    # a cache altered behind our back would make this honest event link wrongly, and be blamed
    for stream, at_seq, hash_, in_log in cached:
        if in_log != hash_:
            raise StreamCacheAltered(_("the stream cache for {stream} does not match the event log (seq {seq}); nothing was recorded: run warroom verify").format(
                stream=stream, seq=at_seq))
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
        "links": {s: heads.get(s) for s in streams},
        "prev_hash": prev_hash,
        "scheme": chain.SCHEME,
    }
    # Stored in the spelling the scheme hashes, so that a reader can hash the stored text as it is;
    # and hashed from that text, laid out as verify lays out a stored row, each JSON field encoded once.
    stored = {f: chain.jcs(record[f]).decode("utf-8") for f in _JSON_FIELDS}
    record["hash"] = chain.stored_hash(record, stored["origin"], stored["data"], stored["links"])
    run.write(_INSERT, _SQL_INSERT, {**record, **stored})
    for stream in streams:
        if stream in heads:
            run.write(_MOVE_HEAD, _SQL_MOVE_HEAD, {"which": stream, "to_seq": record["seq"], "to_hash": record["hash"]})
        else:
            run.write(_NEW_HEAD, _SQL_NEW_HEAD, {"stream": stream, "seq": record["seq"], "hash": record["hash"]})
    writer.info["head"] = (record["seq"], record["hash"], record["at"])  # what the store witnesses after the commit
    return record


def record_of(row: Any) -> dict[str, Any]:
    """A stored row as the dict the chain hashes. Unreadable JSON stays a string, so the hash fails
    (that row was altered) instead of verification crashing."""
    record = dict(row._mapping)
    for name in _JSON_FIELDS:
        record[name] = stored_json(record[name])
    return record


def records(connection: Connection, *, after: int = 0, batch: int = 5000, incident_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every event in seq order, read in batches by keyset so memory stays flat at millions of events."""
    while True:
        query = core_select(_EVENT).where(_EVENT.c.seq > after).order_by(_EVENT.c.seq).limit(batch)
        if incident_id is not None:
            query = query.where(_EVENT.c.incident_id == incident_id)
        rows = connection.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield record_of(row)
        last = rows[-1].seq
        if not isinstance(last, int):
            return
        after = last


def matching(connection: Connection, *criteria: Any, after: int = 0, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """The events meeting every criterion (expressions on the event table's columns), in seq order,
    read in keyset batches like `records`: an export of 100,000 events holds one batch at a time.
    Each record also keeps the stored text of its JSON columns under `_stored` (origin, data,
    links), which chain.stored_hash hashes and an export copies without encoding them again.
    The columns are selected in that order (plain ones, seq first, then the JSON texts), so that
    a row splits into the two by position."""
    yield from map(lazy_record, matching_rows(connection, *criteria, after=after, batch=batch))


def matching_rows(connection: Connection, *criteria: Any, after: int = 0, batch: int = 5000) -> Iterator[Sequence[Any]]:
    """`matching`'s events as the rows it makes its records of (lazy_record): the columns chain.ROW
    names, in that order. For a reader of 100,000 events that needs a few columns, or checks a
    row as it is (chain.SubsetCheck.feed_row), without a record each."""
    raw = connection.dialect.name == "sqlite"
    while True:
        query = _MATCHING.where(_EVENT.c.seq > after, *criteria).limit(batch)
        result = connection.execute(query)
        # SQLite's rows from its driver's cursor as they are: no processing for these column types,
        # so the same values without a Row object each (an export reads 100,000).
        if raw:
            try:
                rows = result.cursor.fetchall()
            except sqlite3.Error as exc:  # as `stored` says a failing read: the file named where the file failed
                raise _failure(connection, exc, str(query)) from None
            finally:
                result.close()
        else:
            rows = result.fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]
        if len(rows) < batch or not isinstance(last, int):  # a short batch was the last: no query for nothing
            return
        after = last


def stored(connection: Connection, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every event in seq order as `matching` gives them (lazy records with their stored JSON
    text), for reading the whole log: on SQLite through the driver's own cursor in batches
    (fetchmany), one query and no row objects of SQLAlchemy's, memory flat at millions of events."""
    if connection.dialect.name != "sqlite":
        yield from matching(connection, batch=batch)
        return
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    try:
        try:
            cursor.execute(_ALL)
            rows = cursor.fetchmany(batch)
        except sqlite3.Error as exc:
            raise _failure(connection, exc) from None
        while rows:
            for row in rows:
                record = lazy_record(row)
                record["_body"] = row_body(row)  # laid out from the row itself: chain.walk hashes it
                yield record
            try:
                rows = cursor.fetchmany(batch)
            except sqlite3.Error as exc:
                raise _failure(connection, exc) from None
    finally:
        cursor.close()


def _failure(connection: Connection, exc: sqlite3.Error, sql: str = "", params: Any = ()) -> Exception:
    """What SQLAlchemy would have raised for an error of the driver's own cursor running `sql`: the
    file named where the file failed (engine.file_failure), SQLAlchemy's wrapper of the error otherwise."""
    failure = engine.file_failure(exc, str(connection.engine.url.database))
    return failure if failure is not None else DBAPIError.instance(sql or _ALL, params, exc, sqlite3.Error)


_PLAIN = tuple(c.name for c in _EVENT.columns if c.name not in _JSON_FIELDS)
_COLUMNS = (*_PLAIN, *_JSON_FIELDS)  # seq first; `matching` and `stored` select these, in this order
assert _COLUMNS == chain.ROW  # row_body takes a row as these columns give it (and records.lazy_record makes its records of)
row_body = chain.row_body
_ALL = f"SELECT {', '.join(_COLUMNS)} FROM event ORDER BY seq"  # our own column names
_MATCHING = core_select(*(_EVENT.c[name] for name in _COLUMNS)).order_by(_EVENT.c.seq)
