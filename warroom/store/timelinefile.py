"""An incident's timeline read from a SQLite file through the standard library's sqlite3, without
SQLAlchemy: what an export of 100,000 events reads (issue 13's benchmark: SQLAlchemy's import is a
sixth of such an export, its statement machinery around the read another tenth).

`TimelineFile.open` opens the home's own file read-only (`mode=ro`: exporting never changes the
database), in one read transaction, and declines (None) rather than guess whenever the file is not
at the schema this warroom knows or cannot be opened at once: the caller then reads through the
store as ever, which migrates, waits or says what is wrong. `TimelineFile.within` reads on the
driver connection of a transaction the store has begun (the formats that also read the state now).

Each row is of chain.ROW's columns, and after them (chain.IN_BODY) the body its hash covers as
UTF-8, laid out by SQLite from the row's own columns (json_quote spells a string as the encoder
chain.row_body uses does) where each column has the type row_body takes, else NULL: the chain
check hashes those bytes, and lays out the body itself whenever they do not hold."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from warroom.store.chain import ROW, SCHEMES
from warroom.store.migrate import HEAD

_TEXT = ("at", "kind", "actor", "object", "result", "prev_hash", "origin", "data", "links")
_TEXT_OR_NULL = ("summary", "key")
_BODY = (
    "CASE WHEN typeof(seq) = 'integer' AND typeof(incident_id) IN ('integer', 'null')"
    f" AND (scheme IS NULL OR (typeof(scheme) = 'integer' AND scheme IN ({', '.join(map(str, SCHEMES))})))"
    + "".join(f' AND typeof("{c}") = \'text\'' for c in _TEXT)
    + "".join(f' AND typeof("{c}") IN (\'text\', \'null\')' for c in _TEXT_OR_NULL)
    + " THEN CAST('{\"actor\":' || json_quote(actor) || ',\"at\":' || json_quote(at) || ',\"data\":' || data"
    " || ',\"incident_id\":' || coalesce(incident_id, 'null') || ',\"key\":' || coalesce(json_quote(\"key\"), 'null')"
    " || ',\"kind\":' || json_quote(kind) || ',\"links\":' || links || ',\"object\":' || json_quote(object)"
    " || ',\"origin\":' || origin || ',\"prev_hash\":' || json_quote(prev_hash) || ',\"result\":' || json_quote(result) || ','"
    " || CASE WHEN scheme IS NULL OR scheme = 1 THEN '' ELSE '\"scheme\":' || scheme || ',' END"
    " || '\"seq\":' || seq || ',\"summary\":' || coalesce(json_quote(summary), 'null') || '}' AS BLOB) END"
)
"""chain.row_body in SQL: the same text for a row of the types it lays out (NULL otherwise), as UTF-8."""
_BATCH = 5000


class TimelineFile:
    """One read transaction on a SQLite event log, through the standard library."""

    def __init__(self, connection: sqlite3.Connection, database: str, *, owned: bool):
        self._connection = connection
        self._database = database  # named when the file fails
        self._owned = owned

    @classmethod
    def open(cls, database: Path, *, wait: float) -> TimelineFile | None:
        """The file read-only, in a read transaction; None when it cannot be read now (a lock held
        longer than `wait` seconds, a file that is not there or not SQLite) or is at another schema."""
        try:
            connection = sqlite3.connect(f"file:{quote(str(database))}?mode=ro", uri=True, timeout=wait, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            connection.execute("BEGIN")  # every statement from one moment
            version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if version is None or version[0] != HEAD:
                connection.close()
                return None
        except sqlite3.Error:
            connection.close()
            return None
        return cls(connection, str(database), owned=True)

    @classmethod
    def within(cls, driver_connection: sqlite3.Connection, database: str) -> TimelineFile:
        """Reads in the transaction a store's connection has begun on this driver connection."""
        return cls(driver_connection, database, owned=False)

    def close(self) -> None:
        if self._owned:
            self._connection.close()

    def __enter__(self) -> TimelineFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        try:
            return self._connection.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(exc, sql, params) from None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._connection.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failure(exc, sql, params) from None

    def _failure(self, exc: sqlite3.Error, sql: str, params: Sequence[Any]) -> Exception:
        """What the store raises for the same failure (eventlog's reads): the file named where the
        file failed, SQLAlchemy's wrapper of the error otherwise. Imported only then."""
        from sqlalchemy.exc import DBAPIError

        from warroom.store.engine import file_failure

        failure = file_failure(exc, self._database)
        return failure if failure is not None else DBAPIError.instance(sql, list(params), exc, sqlite3.Error)

    def head(self) -> int:
        """The newest event's seq; 0 for an empty log."""
        row = self.one("SELECT seq FROM event ORDER BY seq DESC LIMIT 1")
        return row[0] if row else 0

    def events(self, where: str, params: Sequence[Any], *, columns: Collection[str] | None = None, body: bool = True) -> Iterator[tuple[Any, ...]]:
        """The events meeting `where` (SQL on the event table, `?` parameters), in seq order, each a
        row of chain.ROW's columns and (`body`) the body at chain.IN_BODY. `columns`: only these are
        read, the others None (a reader that takes a few columns of 100,000 events); a row read so
        is made whole by `event`. Read with one statement, a batch at a time: memory stays flat."""
        picked = ", ".join(f'"{c}"' if columns is None or c in columns else "NULL" for c in ROW)
        sql = f"SELECT {picked}{', ' + _BODY if body else ''} FROM event WHERE {where} ORDER BY seq"
        cursor = self._connection.cursor()
        try:
            try:
                cursor.execute(sql, params)
                rows = cursor.fetchmany(_BATCH)
            except sqlite3.Error as exc:
                raise self._failure(exc, sql, params) from None
            while rows:
                yield from rows
                try:
                    rows = cursor.fetchmany(_BATCH)
                except sqlite3.Error as exc:
                    raise self._failure(exc, sql, params) from None
        finally:
            cursor.close()

    def event(self, seq: int) -> tuple[Any, ...] | None:
        """The event at `seq`, every column of chain.ROW (and no body)."""
        return self.one(f"SELECT {', '.join(chr(34) + c + chr(34) for c in ROW)} FROM event WHERE seq = ?", (seq,))
