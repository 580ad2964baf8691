"""Reading the event log by SQL conditions that both SQLAlchemy and the standard library's sqlite3
take: an incident's timeline is read from the store (CoreEvents, on any database the store runs
on) or, for an export, from the home's SQLite file itself (timelinefile.TimelineFile, without
SQLAlchemy), by the same words (services/timelines.py spells the rule once).

Rows are of chain.ROW's columns, in seq order, as eventlog.matching_rows reads them."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True, slots=True)
class Clause:
    """A condition on the event table in SQL, with named parameters (`:name`): the spelling both
    SQLAlchemy's text() and the standard library's sqlite3 take, so that the store and a reader of
    the file itself (store/timelinefile.py) read the timeline by the same words."""

    sql: str
    params: dict[str, Any]

    def and_(self, sql: str, **params: Any) -> Clause:
        """This and `sql`, whose parameter names are not this one's."""
        assert not params.keys() & self.params.keys(), "a parameter named twice"
        return Clause(f"{self.sql} AND {sql}", {**self.params, **params})

    def kinds(self, kinds: Collection[str]) -> Clause:
        """This, of events of these kinds only."""
        named = {f"kind{n}": kind for n, kind in enumerate(sorted(kinds))}
        return self.and_(f"event.kind IN ({', '.join(':' + name for name in named)})", **named)

    def core(self) -> Any:
        """As a criterion of a SQLAlchemy select."""
        from sqlalchemy import text as sql

        return sql(self.sql).bindparams(**self.params)


class EventReader(Protocol):
    """What reads the timeline: the store's connection (CoreEvents) or the file itself
    (store/timelinefile.TimelineFile). Rows of chain.ROW's columns, in seq order."""

    def events(self, where: Clause, *, columns: Collection[str] | None = None, after: int = 0) -> Iterator[Sequence[Any]]: ...

    def one(self, sql: str, params: dict[str, Any]) -> Sequence[Any] | None: ...

    def all(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]: ...

    def head(self) -> int: ...


class CoreEvents:
    """EventReader through a SQLAlchemy connection: any database the store runs on."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def events(self, where: Clause, *, columns: Collection[str] | None = None, after: int = 0) -> Iterator[Sequence[Any]]:
        from warroom.store import eventlog  # SQLAlchemy: not for a reader of the file

        return eventlog.matching_rows(self.connection, where.core(), after=after)

    def one(self, sql: str, params: dict[str, Any]) -> Sequence[Any] | None:
        from sqlalchemy import text

        return self.connection.execute(text(sql), params).first()

    def all(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        from sqlalchemy import text

        return list(self.connection.execute(text(sql), params).all())

    def head(self) -> int:
        from warroom.store import eventlog  # SQLAlchemy: not for a reader of the file

        return eventlog.head(self.connection)[0]
