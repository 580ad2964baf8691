"""An incident's timeline read from a SQLite file through the standard library's sqlite3, without
SQLAlchemy: what a JSON or CSV export of 100,000 events reads (issue 13's benchmark: SQLAlchemy's
import and its engine are a fifth of such an export, measured).

`TimelineFile.open` opens the home's own file read-only (`mode=ro`: exporting never changes the
database), in one read transaction, and declines (None) rather than guess whenever the file is not
at the schema this warroom knows or cannot be opened at once: the caller then reads through the
store as ever, which migrates, waits or says what is wrong.

Each row is of chain.ROW's columns, as the event log reads them (eventlog.matching_rows), so the
chain check and the renders take them alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from warroom.store.chain import ROW
from warroom.store.eventreader import Clause
from warroom.store.glance import read_at_head  # the board's first look opens the file the same way

_BATCH = 5000
Params = dict[str, Any] | Sequence[Any]  # named (`:name`, a Clause's) or `?` parameters


class TimelineFile:
    """One read transaction on a SQLite event log, through the standard library: an
    eventreader.EventReader."""

    def __init__(self, connection: sqlite3.Connection, database: str, *, owned: bool):
        self._connection = connection
        self._database = database  # named when the file fails
        self._owned = owned

    @classmethod
    def open(cls, database: Path, *, wait: float) -> TimelineFile | None:
        """The file read-only, in a read transaction; None when it cannot be read now (a lock held
        longer than `wait` seconds, a file that is not there or not SQLite) or is at another schema."""
        if (connection := read_at_head(database, wait=wait)) is None:
            return None
        return cls(connection, str(database), owned=True)

    def close(self) -> None:
        if self._owned:
            self._connection.close()

    def __enter__(self) -> TimelineFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        try:
            return self._connection.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(exc, sql, params) from None

    def all(self, sql: str, params: Params = ()) -> list[Sequence[Any]]:
        try:
            return self._connection.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failure(exc, sql, params) from None

    def _failure(self, exc: sqlite3.Error, sql: str, params: Params) -> Exception:
        """What the store raises for the same failure (eventlog's reads): the file named where the
        file failed, SQLAlchemy's wrapper of the error otherwise. Imported only then."""
        from sqlalchemy.exc import DBAPIError

        from warroom.store.engine import file_failure

        failure = file_failure(exc, self._database)
        return failure if failure is not None else DBAPIError.instance(sql, params if isinstance(params, dict) else list(params), exc, sqlite3.Error)

    def head(self) -> int:
        """The newest event's seq; 0 for an empty log."""
        row = self.one("SELECT seq FROM event ORDER BY seq DESC LIMIT 1")
        return row[0] if row else 0

    def events(self, where: Clause, *, columns: Collection[str] | None = None, after: int = 0) -> Iterator[tuple[Any, ...]]:
        """The events meeting `where` after seq `after`, in seq order, each a row of chain.ROW's columns. `columns`:
        only these are read, the others None (a reader that takes a few columns of 100,000 events);
        such a row is for a reader of those columns only. Read with one statement, a batch at a time: memory
        stays flat."""
        picked = ", ".join(f'"{c}"' if columns is None or c in columns else "NULL" for c in ROW)
        if after:
            where = where.and_("event.seq > :after", after=after)
        sql, params = f"SELECT {picked} FROM event WHERE {where.sql} ORDER BY seq", where.params
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
