"""A first look at the suppliers' states, their active fallbacks and the events that set those
states (where a drill's mark is read), through the standard library's sqlite3, read-only: what the
board shows in its first frame, before SQLAlchemy is imported (about a second on two cores).

It is a real read of the file as it is now (never a saved snapshot), and it is only a first look:
the app's watcher takes over with its full read. It declines (None), rather than guess, whenever
the file is not at the schema this warroom knows, or cannot be read at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from warroom.clock import parse_iso
from warroom.store.migrate import HEAD


# NamedTuples, not frozen dataclasses: made while the board starts, where Python 3.11 takes ~0.6 ms
# of two cores to make each frozen dataclass (it compiles every generated method) and ~0.1 ms a NamedTuple.
class StateRow(NamedTuple):
    state: str
    since: datetime
    via: str | None
    detail: str
    latency_ms: float | None
    checked_at: datetime | None
    disagreement: str | None


class ActiveRow(NamedTuple):
    fallback_id: str
    activated_at: datetime
    incident_id: int
    mode: str


def read_at_head(database: Path, *, wait: float) -> sqlite3.Connection | None:
    """The file opened read-only (`mode=ro`: a look never changes it) in a read transaction, so every
    statement sees one moment; None when it cannot be opened within `wait` seconds or is not at
    the schema this warroom knows (the caller then reads through the store, which migrates, waits
    or says what is wrong). The board's first look and an export's read of the file (timelinefile)."""
    try:
        connection = sqlite3.connect(f"file:{quote(str(database))}?mode=ro", uri=True, timeout=wait, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if version is not None and version[0] == HEAD:
            return connection
    except sqlite3.Error:
        pass
    connection.close()
    return None


def states(database: Path, asked: Callable[[Mapping[str, StateRow]], Mapping[str, str]], *, wait: float,
           ) -> tuple[dict[str, StateRow], dict[str, ActiveRow], list[tuple[str, str, str]], Mapping[str, str]] | None:
    """Each supplier's recorded state, its active fallback, the `supplier.state` events (at,
    object, data) recorded at the instants `asked` names from the states (event object → stored
    instant: where services/drillrule reads a drill's mark), in log order, and that mapping itself,
    all in one read transaction; None when the file cannot be read now (a lock held longer than
    `wait` seconds: the full read waits its full time) or is at another schema."""
    if (connection := read_at_head(database, wait=wait)) is None:
        return None
    try:
        rows = {
            r[0]: StateRow(r[1], parse_iso(r[2]), r[3], r[4], r[5], parse_iso(r[6]) if r[6] is not None else None, r[7])
            for r in connection.execute("SELECT supplier_id, state, since, via, detail, latency_ms, checked_at, disagreement FROM supplier_state")
        }
        active = {
            r[0]: ActiveRow(r[1], parse_iso(r[2]), r[3], r[4])
            for r in connection.execute("SELECT supplier_id, fallback_id, activated_at, incident_id, mode FROM fallback_activation "
                                        "WHERE deactivated_at IS NULL ORDER BY id")  # as the full read meets them
        }
        wanted = asked(rows)
        instants = sorted(set(wanted.values()))
        events = connection.execute("SELECT at, object, data FROM event WHERE kind = 'supplier.state' "  # the (kind, at) index
                                    f"AND at IN ({','.join('?' * len(instants))}) ORDER BY seq", instants).fetchall() if instants else []
        return rows, active, events, wanted
    except (sqlite3.Error, ValueError):
        return None
    finally:
        connection.close()
