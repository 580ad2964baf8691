"""Comparing the state tables with what the events say they hold (store/derive.py), naming the
first difference: table, row, column, stored and derived value.

`verify` feeds every event it walks to a TableCheck and compares in the same read transaction, so a
write landing meanwhile cannot look like tampering; `incident show` compares one incident. The
stored rows are streamed, never all held: memory stays with what the derivation holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from warroom import text as shown_text
from warroom.store import derive
from warroom.store.models import Escalation, FallbackActivation, Incident, IncidentStep, SupplierState

_MODELS = {"incident": Incident, "incident_step": IncidentStep, "escalation": Escalation,
           "fallback_activation": FallbackActivation, "supplier_state": SupplierState}
_ORDER = {"incident": "id", "incident_step": "incident_id, step_id", "escalation": "incident_id, level",
          "fallback_activation": "incident_id, id", "supplier_state": "supplier_id"}
_SHOWN = 120  # characters of a stored or derived value a message shows


@dataclass(frozen=True)
class Difference:
    table: str
    row: str  # the key, as the message names it
    column: str | None  # None: the whole row is missing or unexplained
    stored: Any = None
    derived: Any = None
    missing: bool = False

    def __str__(self) -> str:
        where = f"table {self.table}, row {self.row}"
        if self.column is None:
            return f"{where}: missing, though the events create it" if self.missing else f"{where}: stored, but no event explains it"
        stored = _show(self.stored)
        if isinstance(self.derived, derive.Sha256) and isinstance(self.stored, str):
            stored = f"text of sha256 {derive.sha256(self.stored)}"
        return f"{where}, column {self.column}: stored {stored}, derived from the events {_show(self.derived)}"


class TableCheck:
    """`begin` on the connection that walks the log, `feed` it every event walked, `end` in the same
    read transaction; then `difference` is the first, or None."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self.derivation = derive.Derivation(lambda incident_id: snapshot(self._connection, incident_id))
        self.difference: Difference | None = None
        self.feed: Callable[[dict[str, Any]], None] = self.derivation.feed  # called per event: no extra hop

    def begin(self, connection: Connection) -> None:
        self._connection = connection

    def end(self, incident_id: int | None = None) -> None:
        """Compare every state table (or only one incident's rows)."""
        tables = derive.TABLES if incident_id is None else derive.TABLES[:-1]  # a supplier belongs to no incident
        for table in tables:
            self.difference = _compare(self._connection, table, self.derivation, incident_id)
            if self.difference is not None:
                return

    def unchecked(self, incident_id: int | None = None) -> list[str]:
        return self.derivation.unchecked(incident_id)


def incident_difference(connection: Connection, incident_id: int, events: Iterable[dict[str, Any]]) -> Difference | None:
    """The first way one incident's rows contradict its own events (given in seq order)."""
    check = TableCheck()
    check.begin(connection)
    for record in events:
        if record.get("incident_id") == incident_id:
            check.feed(record)
    check.end(incident_id)
    return check.difference


def snapshot(connection: Connection, incident_id: int) -> str | None:
    value = connection.execute(text("SELECT playbook FROM incident WHERE id = :id"), {"id": incident_id}).scalar()
    return value if isinstance(value, str) else None


def _compare(connection: Connection, table: str, derivation: derive.Derivation, incident_id: int | None) -> Difference | None:
    """The difference with the smallest key in `table`: stored rows are read in any order (their
    collation is the database's), each compared at once; what is left derived is missing."""
    expected = derivation.rows(table, incident_id)
    columns = [c.name for c in _MODELS[table].__table__.columns]
    where = "" if incident_id is None else (" WHERE id = :incident" if table == "incident" else " WHERE incident_id = :incident")
    query = text(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {_ORDER[table]}")
    first: tuple[tuple, Difference] | None = None
    count: dict[Any, int] = {}  # fallback activations: the how-manieth of its incident this row is
    for values in connection.execute(query, {"incident": incident_id}):
        stored = dict(zip(columns, values, strict=True))
        key = _key(table, stored, count)
        if first is not None and _order(key) >= first[0]:
            expected.pop(key, None)
            continue
        derived = expected.pop(key, None)
        if derived is None:
            derived = derivation.unlisted(table, stored)
        if derived is None:
            difference: Difference | None = Difference(table, _name(table, key, stored), None)
        else:
            difference = next((Difference(table, _name(table, key, stored), c, stored[c], derived[c])
                               for c in columns if not derive.matches(derived[c], stored[c])), None)
        if difference is not None:
            first = (_order(key), difference)
    missing = min(expected, key=_order, default=None)
    if missing is not None and (first is None or _order(missing) < first[0]):
        return Difference(table, _name(table, missing, None), None, missing=True)
    return first[1] if first else None


def _key(table: str, stored: dict[str, Any], count: dict[Any, int]) -> tuple:
    if table == "incident":
        return (stored["id"],)
    if table == "incident_step":
        return (stored["incident_id"], stored["step_id"])
    if table == "escalation":
        return (stored["incident_id"], stored["level"])
    if table == "fallback_activation":
        n = count[stored["incident_id"]] = count.get(stored["incident_id"], 0) + 1
        return (stored["incident_id"], n)
    return (stored["supplier_id"],)


def _name(table: str, key: tuple, stored: dict[str, Any] | None) -> str:
    """The row as a message names it: its key columns."""
    if table == "fallback_activation":
        activation = f"activation {key[1]} of incident {_show(key[0])}"
        return f"id={_show(stored['id'])} ({activation})" if stored else activation
    names = {"incident": ("id",), "incident_step": ("incident_id", "step_id"), "escalation": ("incident_id", "level"),
             "supplier_state": ("supplier_id",)}[table]
    return " ".join(f"{n}={_show(v)}" for n, v in zip(names, key, strict=True))


def _order(key: tuple) -> tuple:
    """Keys sortable whatever a tampered row holds (SQLite keeps any value in any column)."""
    return tuple((0, v) if isinstance(v, (int, float)) else (1, v) if isinstance(v, str) else (2, repr(v)) for v in key)


def _show(value: Any) -> str:
    if isinstance(value, str):  # stored text is anyone's: one safe line, cut short
        return shown_text.line(repr(value if len(value) <= _SHOWN else value[:_SHOWN]) + ("…" if len(value) > _SHOWN else ""))
    return shown_text.line(repr(value))
