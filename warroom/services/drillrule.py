"""The drill-mark rules that need no database session, over plain values: what a `supplier.state`
event's data says, and which drill caused each supplier's current state, from the rows that say so.

services/drillmarks.py reads those rows through the ORM (the board's full read), store/glance.py
through the standard library's sqlite3 (the board's first look, before SQLAlchemy is imported):
both decide here, so the first frame and the full read mark a drill's state alike. This module
imports neither SQLAlchemy nor pydantic."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.clock import iso

if TYPE_CHECKING:
    from warroom.services.blast import StateRow  # the one protocol of a recorded state


def mark_of(data: Any) -> int | None:
    """The drill that caused this `supplier.state` change, from its data; None: a real change."""
    drill = data.get("drill") if isinstance(data, dict) else None
    return drill if isinstance(drill, int) and not isinstance(drill, bool) else None


def in_timeline(data: Any, involved: set[str] | frozenset[str], incident_id: int | None) -> bool:
    """Whether a `supplier.state` change is in this incident's timeline: a real change of a supplier
    it involves, or one this drill caused (an ad-hoc fault's supplier too); never another drill's."""
    if not isinstance(data, dict):
        return False
    drill = mark_of(data)
    return drill == incident_id if drill is not None else data.get("supplier") in involved


def asked(rows: Mapping[str, StateRow]) -> dict[str, datetime]:
    """supplier → when its current state began, for the suppliers whose state the board asks a
    drill mark of: only a state that is not up (nor unknown) can be a drill's. An up state that a
    drill's marked recovery set is the supplier back in service, shown as such."""
    return {supplier: row.since for supplier, row in rows.items() if row.state not in ("up", "unknown")}


def setting_at(since: Mapping[str, datetime]) -> dict[str, str]:
    """Event object → the stored instant of the `supplier.state` event that set that supplier's
    current state (recorded at `since`, the state row's): where its mark is read."""
    return {f"supplier:{supplier}": iso(at) for supplier, at in since.items()}


def caused(wanted: Mapping[str, str], events: Iterable[tuple[str, str, str]]) -> dict[str, int]:
    """supplier → drill, for each supplier whose current state a drill caused, from the
    `supplier.state` events (at, object, data as stored) recorded at the `wanted` instants, in log
    order: the last one of a supplier at its instant is the change that set the state."""
    out: dict[str, int] = {}
    for at, obj, data in events:
        if wanted.get(obj) == at:
            drill = mark_of(json.loads(data))
            supplier = obj.removeprefix("supplier:")
            if drill is None:
                out.pop(supplier, None)
            else:
                out[supplier] = drill
    return out

