"""Which supplier state changes a drill caused, so that a drill never leaks into live work (issue 12).

A drill's `fault` inject really breaks a simulated supplier, and the monitor really records the
fall. That `supplier.state` event then carries the drill's id in its data (`"drill": 12`) and its
summary says DRILL (vocabulary.says_drill), so that every reader can tell it apart:

- the change is marked when a drill holds that supplier broken as it is recorded (`Drills.holds`,
  the one rule, which healing uses too): its last successful fault on it was not `up`, and the
  drill is running (open or stabilised) or nothing has healed that fault yet;
- and so is each change after it until the supplier is `up` again (the recovery once the drill is
  healed, or its fault set `up` again): the change that set the supplier's current state was
  marked and did not go to `up`. The recovery's data also says it left a drill's state, `from_drill`,
  so that a reader of the recovery alone knows the time before it was the drill's.

A fault holds its supplier from the moment its `drill.inject` event is recorded, which is before
the simulator is asked to set it (services/drills.py), so no fall can be confirmed in between
unmarked; a fault the simulator did not take is a `drill.inject_failed` event after it (or, in
events recorded before those existed, the inject's own `error`), and holds nothing from then on,
unless the call went out and no answer came (`maybe_set`): then it may have landed, and the drill
holds the supplier as if it had, until its end heals it.

Both are read from the event log (`drill.inject`, `drill.inject_failed`, `drill.healed`, and the `supplier.state` event
that set the current state), never from a process's memory, so a restarted monitor marks alike.
Who holds what is read once and reused (`Marks`) until a drill event is written or a drill's
status changes; drills ended and healed are not read again.

Readers decide with `in_timeline`: a change marked by a drill belongs to that drill only. A live
incident's timeline, export, report draft and review leave it out; the drill's own keep it. The
availability history (`mark_of`, `from_drill`) counts a drill's time as exercised, and the board
and the playbook suggestions (`states`, `current`) ask whether a drill set a current state."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select  # five columns: more than sqlmodel's select types
from sqlmodel import Session, col, select

from warroom.clock import iso
from warroom.services import owed
from warroom.services.drillrule import caused, in_timeline, mark_of, setting_at  # the rules over plain rows: the board's first look and the exports share them
from warroom.store.models import Event, Incident

__all__ = ["Drills", "Marks", "cause", "current", "from_drill", "heal_key", "in_timeline", "mark_of", "read", "states"]

INJECT_FAILED = "drill.inject_failed"
_DRILL_EVENTS = ("drill.inject", INJECT_FAILED, "drill.healed")


def heal_key(incident_id: int, supplier: str) -> str:
    return f"drill-heal:{incident_id}:{supplier}"


def not_taken(events: Iterable[tuple[int, str, Any]]) -> set[int]:
    """The seqs of injects whose fault surely did not reach the simulator (refused, or never sent),
    from (seq, kind, data): those hold nothing. A call that went out and got no answer may have set
    the fault (`maybe_set`): the drill holds that supplier as if it had, and heals it when it ends."""
    out: set[int] = set()
    for seq, kind, data in events:
        if not isinstance(data, dict):
            continue
        if kind == "drill.inject" and isinstance(data.get("error"), str) and data["error"]:
            out.add(seq)  # recorded before failures were events of their own
        elif kind == INJECT_FAILED and isinstance(data.get("inject_seq"), int) and data.get("maybe_set") is not True:
            out.add(data["inject_seq"])
    return out


def from_drill(data: Any) -> bool:
    """Whether this `supplier.state` change left a state a drill caused (its `from` was a drill's)."""
    return isinstance(data, dict) and data.get("from_drill") is True


def inject_errors(events: Iterable[tuple[int, str, Any]]) -> dict[int, str]:
    """inject seq → why the simulator did not take its fault, from (seq, kind, data) of a drill's
    events: its `drill.inject_failed` event, or the inject's own `error` (recorded so before the
    failure was an event of its own)."""
    out: dict[int, str] = {}
    for seq, kind, data in events:
        if not isinstance(data, dict):
            continue
        error = data.get("error")
        if kind == "drill.inject" and isinstance(error, str) and error:
            out[seq] = error
        elif kind == INJECT_FAILED and isinstance(data.get("inject_seq"), int) and isinstance(error, str):
            out[data["inject_seq"]] = error
    return out


@dataclass(frozen=True, slots=True)
class Drills:
    """The drills that may hold a simulated supplier broken, as their recorded faults left them."""
    running: frozenset[int]
    ended: dict[int, datetime]  # drill → when it ended (those not settled before)
    broken: dict[int, dict[str, str]]  # drill → supplier → the mode its last successful fault set
    healed: frozenset[str]  # heal keys taken

    def holds(self, incident_id: int, supplier: str) -> bool:
        """The rule: the drill's last fault on the supplier was not `up`, and the drill is running
        or that fault is not healed yet."""
        mode = self.broken.get(incident_id, {}).get(supplier)
        return mode is not None and mode != "up" and (incident_id in self.running or heal_key(incident_id, supplier) not in self.healed)

    def holders(self) -> dict[str, int]:
        """supplier → the drill holding it broken. A running drill, the latest, wins."""
        out: dict[str, int] = {}
        for incident_id in sorted(self.broken, key=lambda i: (i in self.running, i)):
            for supplier in self.broken[incident_id]:
                if self.holds(incident_id, supplier):
                    out[supplier] = incident_id
        return out

    def held_by_running(self) -> set[str]:
        return {s for i in self.running for s in self.broken.get(i, {}) if self.holds(i, s)}

    def unhealed(self) -> list[tuple[int, str]]:
        """(ended drill, supplier) for each fault an ended drill holds, oldest drill first."""
        return [(i, s) for i in sorted(self.ended) for s in sorted(self.broken.get(i, {})) if self.holds(i, s)]

    def settled(self) -> set[tuple[int, datetime]]:
        """The ended drills that hold nothing: never read again (keyed by when they ended, so one
        reopened and ended again is looked at afresh)."""
        waiting = {i for i, _ in self.unhealed()}
        return {(i, end) for i, end in self.ended.items() if i not in waiting}


def read(session: Session, settled: Iterable[tuple[int, datetime]] = frozenset(), *, ended: bool = True) -> Drills:
    """The running drills and (with `ended`) the ended ones not `settled`, with their faults: columns,
    not rows, of those drills' `drill.inject` and `drill.healed` events only."""
    skip = set(settled)
    running: set[int] = set()
    over: dict[int, datetime] = {}
    query = core_select(col(Incident.id), col(Incident.status), col(Incident.resolved_at), col(Incident.closed_at), col(Incident.opened_at)).where(
        col(Incident.mode) == "drill")
    if not ended:
        query = query.where(col(Incident.status).in_(owed.LIVE))
    for incident_id, status, resolved_at, closed_at, opened_at in session.execute(query).all():
        if incident_id is None:
            continue
        if status in owed.LIVE:
            running.add(incident_id)
        elif (incident_id, end := resolved_at or closed_at or opened_at) not in skip:
            over[incident_id] = end
    broken: dict[int, dict[str, str]] = {}
    healed: set[str] = set()
    wanted = running | set(over)
    if wanted:
        rows = session.exec(select(Event.seq, Event.incident_id, Event.kind, Event.key, Event.data)
                            .where(col(Event.incident_id).in_(sorted(wanted)), col(Event.kind).in_(_DRILL_EVENTS)).order_by(col(Event.seq))).all()
        decoded = [(seq, incident_id, kind, key, json.loads(data)) for seq, incident_id, kind, key, data in rows]
        refused = not_taken((seq, kind, data) for seq, _, kind, _, data in decoded)
        for seq, incident_id, kind, key, fields in decoded:
            if kind == "drill.healed":
                healed.add(key or "")
                continue
            fault = fields.get("fault") if isinstance(fields, dict) else None
            if kind == "drill.inject" and incident_id is not None and isinstance(fault, dict) and seq not in refused:
                broken.setdefault(incident_id, {})[str(fault.get("supplier"))] = str(fault.get("mode"))
    return Drills(frozenset(running), over, broken, frozenset(healed))


@dataclass
class Marks:
    """Who holds which supplier broken, read once and reused until it can have changed: a new
    `drill.inject` or `drill.healed` event, or a drill's status. The monitor keeps one for its
    life; one made for a single call reads once. Safe to share between threads."""
    _token: tuple | None = None
    _held: dict[str, int] = field(default_factory=dict)
    _settled: set[tuple[int, datetime]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def holders(self, session: Session) -> dict[str, int]:
        # The newest of each kind apart: a read of that kind's entries in the (kind, at) index, which
        # the drill kinds keep few (a drill's injects); no index of its own is written by every append (0009).
        newest = [select(func.max(Event.seq)).where(Event.kind == kind).scalar_subquery() for kind in _DRILL_EVENTS]
        token = (tuple(session.exec(select(*newest)).one()),
                 tuple(session.exec(select(Incident.id, Incident.status).where(Incident.mode == "drill", col(Incident.status).in_(owed.LIVE))
                                    .order_by(col(Incident.id))).all()))
        with self._lock:
            if token == self._token:
                return self._held
            settled = set(self._settled)
        drills = read(session, settled)
        held = drills.holders()
        with self._lock:
            self._token, self._held = token, held
            self._settled |= drills.settled()
        return held


def _setting(session: Session, supplier_id: str, since: datetime) -> Any:
    """The data of the `supplier.state` event that set the supplier's current state (recorded at
    `since`, the row's): one read of the (object, kind, at) index."""
    found = session.exec(select(Event.data).where(Event.object == f"supplier:{supplier_id}", Event.kind == "supplier.state",
                                                  Event.at == iso(since)).order_by(col(Event.seq).desc()).limit(1)).first()
    return json.loads(found) if found is not None else None


def cause(session: Session, supplier_id: str, since: datetime | None, marks: Marks | None = None,
          via: str | None = None) -> tuple[int | None, bool]:
    """As a change of this supplier is recorded: the drill to mark it with (the drill holding it
    broken, or holding broken the parent it is down `via` — a drill's fault takes its dependants
    down with it —, or the drill whose marked change set its current state at `since`, unless that
    state was `up`; None: a real change), and whether the state it leaves was a drill's."""
    before = _setting(session, supplier_id, since) if since is not None else None
    left = isinstance(before, dict) and mark_of(before) is not None and before.get("to") != "up"
    holders = (marks or Marks()).holders(session)
    held = holders.get(supplier_id, holders.get(via) if via is not None else None)
    if held is not None:
        return held, left
    return (mark_of(before) if left else None), left


def current(session: Session, supplier_id: str, since: datetime) -> int | None:
    """The drill whose marked change set the supplier's current state (recorded at `since`), if any."""
    return mark_of(_setting(session, supplier_id, since))


def states(session: Session, since: dict[str, datetime]) -> dict[str, int]:
    """supplier → drill, for each supplier (id → when its current state began) whose current state a
    drill caused. One read however many, on the (object, kind, at) index: the board asks several
    times a second, only about the suppliers that are not up (drillrule.asked)."""
    if not since:
        return {}
    wanted = setting_at(since)
    # Ordered here, not in SQL: ORDER BY seq would walk the kind index through every change ever recorded.
    found = session.exec(select(Event.seq, Event.at, Event.object, Event.data)
                         .where(col(Event.object).in_(sorted(wanted)), Event.kind == "supplier.state",
                                col(Event.at).in_(sorted(set(wanted.values()))))).all()
    return caused(wanted, ((at, obj, data) for _, at, obj, data in sorted(found)))
