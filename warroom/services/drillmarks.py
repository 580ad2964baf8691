"""Which supplier state changes a drill caused, so that a drill never leaks into live work (issue 12).

A drill's `fault` inject really breaks a simulated supplier, and the monitor really records the
fall. That `supplier.state` event then carries the drill's id in its data (`"drill": 12`) and its
summary says DRILL, so that every reader can tell it apart:

- the change is marked when a drill's recorded faults hold that supplier broken as it is recorded:
  a running (open or stabilised) drill whose last successful fault on it was not `up`, or an ended
  drill whose fault nothing has healed yet (the heal failed, or has not run);
- and so is the change right after, that ends a drill state (the recovery once the drill is healed,
  or its fault set `up` again): the change that set the supplier's current state was marked and
  did not go to `up`.

A fault holds its supplier from the moment its `drill.inject` event is recorded, which is before
the simulator is asked to set it (services/drills.py), so no fall can be confirmed in between
unmarked; a fault the simulator did not take is a `drill.inject_failed` event after it (or, in
events recorded before those existed, the inject's own `error`), and holds nothing from then on.

Both are read from the event log (`drill.inject`, `drill.inject_failed`, `drill.healed`, and the `supplier.state` event
that set the current state), never from a process's memory, so a restarted monitor marks alike.
They are read only when a change is about to be recorded, which is rare: a round that changes
nothing reads nothing here.

Readers use one rule, `belongs`: a change marked by a drill belongs to that drill only. A live
incident's timeline, export and report draft, the availability history, the risk score and the
playbook suggestions leave it out; the drill's own timeline, export and review keep it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from warroom.clock import iso
from warroom.services.drillrule import caused, mark_of, setting_at  # the rules over plain rows: the board's first look shares them
from warroom.store.models import Event, Incident

RUNNING = ("open", "stabilised")
INJECT_FAILED = "drill.inject_failed"


def heal_key(incident_id: int, supplier: str) -> str:
    return f"drill-heal:{incident_id}:{supplier}"


def belongs(data: Any, incident_id: int | None) -> bool:
    """Whether a `supplier.state` change belongs in this incident's timeline (of the suppliers it
    involves): every real change, and a drill's own marked ones; never another drill's."""
    drill = mark_of(data)
    return drill is None or drill == incident_id


def in_timeline(data: Any, involved: set[str] | frozenset[str], incident_id: int | None) -> bool:
    """Whether a `supplier.state` change is in this incident's timeline: a change of a supplier it
    involves that `belongs` to it, or one this drill caused (an ad-hoc fault's supplier too)."""
    if not isinstance(data, dict):
        return False
    drill = mark_of(data)
    return drill == incident_id if drill is not None else data.get("supplier") in involved


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


def faults(session: Session, incident_ids: set[int]) -> tuple[dict[int, dict[str, str]], set[str]]:
    """Each drill's simulated suppliers as its recorded faults last set them (a fault the simulator
    did not take sets nothing), and the heal keys taken."""
    broken: dict[int, dict[str, str]] = {}
    healed: set[str] = set()
    if not incident_ids:
        return broken, healed
    rows = [(e.seq, e.kind, e.incident_id, e.key, json.loads(e.data))
            for e in session.exec(select(Event).where(col(Event.kind).in_(("drill.inject", INJECT_FAILED, "drill.healed")),
                                                      col(Event.incident_id).in_(incident_ids)).order_by(col(Event.seq))).all()]
    failed = inject_errors((seq, kind, data) for seq, kind, _, _, data in rows)
    for seq, kind, incident_id, key, data in rows:
        if kind == "drill.healed":
            healed.add(key or "")
            continue
        fault = data.get("fault") if isinstance(data, dict) else None
        if kind == "drill.inject" and incident_id is not None and isinstance(fault, dict) and seq not in failed:
            broken.setdefault(incident_id, {})[str(fault.get("supplier"))] = str(fault.get("mode"))
    return broken, healed


def holders(session: Session) -> dict[str, int]:
    """supplier → the drill whose recorded faults hold it broken now: a running drill's last fault
    on it was not `up`, or an ended drill's fault on it is not healed yet. A running drill wins."""
    drills = {i: s for i, s in session.exec(select(Incident.id, Incident.status).where(Incident.mode == "drill")).all() if i is not None}
    if not drills:
        return {}
    broken, healed = faults(session, set(drills))
    out: dict[str, int] = {}
    for incident_id in sorted(broken, key=lambda i: (drills[i] in RUNNING, i)):  # a running drill, the latest, last: it wins
        for supplier, mode in broken[incident_id].items():
            if mode != "up" and (drills[incident_id] in RUNNING or heal_key(incident_id, supplier) not in healed):
                out[supplier] = incident_id
    return out


def _setting(session: Session, supplier_id: str, since: datetime) -> Any:
    """The data of the `supplier.state` event that set the supplier's current state (recorded at
    `since`, the row's): one read of the (kind, at) index."""
    found = session.exec(select(Event.data).where(Event.kind == "supplier.state", Event.at == iso(since),
                                                  Event.object == f"supplier:{supplier_id}").order_by(col(Event.seq).desc()).limit(1)).first()
    return json.loads(found) if found is not None else None


def cause(session: Session, supplier_id: str, since: datetime | None) -> int | None:
    """The drill to mark a change of this supplier with, as it is recorded: the drill holding it
    broken, or the drill whose marked change set its current state (at `since`), unless that state
    was already `up` again. None: a real change."""
    held = holders(session).get(supplier_id)
    if held is not None:
        return held
    if since is None:
        return None
    before = _setting(session, supplier_id, since)
    drill = mark_of(before)
    return drill if drill is not None and before.get("to") != "up" else None


def current(session: Session, supplier_id: str, since: datetime) -> int | None:
    """The drill whose marked change set the supplier's current state (recorded at `since`), if any."""
    return mark_of(_setting(session, supplier_id, since))


def states(session: Session, since: dict[str, datetime]) -> dict[str, int]:
    """supplier → drill, for each supplier (id → when its current state began) whose current state a
    drill caused. One read however many: the board asks several times a second, only about the
    suppliers that are not up (drillrule.asked)."""
    if not since:
        return {}
    wanted = setting_at(since)
    return caused(wanted, session.exec(select(Event.at, Event.object, Event.data)
                                       .where(Event.kind == "supplier.state", col(Event.at).in_(sorted(set(wanted.values()))))
                                       .order_by(col(Event.seq))).all())
