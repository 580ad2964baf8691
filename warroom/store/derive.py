"""What the state tables must hold, derived from the events alone: events in, expected rows out.

The event log is the truth (DESIGN §4). `incident`, `incident_step`, `escalation`,
`fallback_activation` and the confirmed state in `supplier_state` are what the services keep beside
it, every change written in the transaction of the event that explains it; so each of their rows
can be rebuilt from the events, and `verify` compares the rebuild with the tables
(store/statecheck.py). The export can use the same rows.

An incident's steps and ladder come from the playbook snapshot its row keeps, which
`incident.opened` binds by its SHA-256; the snapshot text itself is read through `snapshot_of`.

A row is a dict of column → value in its stored spelling (instants as clock.iso text). What the
events cannot fix is UNCHECKED, and `unchecked()` says where that is:
- always: supplier_state's per-round fields (detail, latency_ms, checked_at, candidate, streak,
  via, disagreement, certificate_not_after). Every check round rewrites them; only a change of the confirmed state (state,
  since) is an event.
- in logs written before the events carried it: the playbook snapshot (unbound before
  `snapshot_sha256`: the steps and ladder are then derived from the stored snapshot as it is), and
  the step titles, step positions and row ids of fallback activations (before `steps` and
  `activation`). Everything else in those rows is still compared.

Not derived at all: `lease`, `health_sample`, `outbox` and `stream_head` are operational (who runs
the monitor, latency history, webhook delivery, an append cache); their changes are not events.

Memory grows with incidents, steps and activations, never with events: verify feeds millions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from warroom import durations
from warroom.clock import iso, parse_iso
from warroom.playbooks.schema import Playbook

TABLES = ("incident", "incident_step", "escalation", "fallback_activation", "supplier_state")
STEP_STATUS = {"step.started": "started", "step.done": "done", "step.skipped": "skipped"}
STAMPS = {"stabilised": "stabilised_at", "resolved": "resolved_at", "closed": "closed_at"}


class _Unchecked:
    def __repr__(self) -> str:
        return "unchecked"


UNCHECKED: Any = _Unchecked()


@dataclass(frozen=True)
class Sha256:
    """A stored text bound by its SHA-256 in an event (the playbook snapshot)."""

    hexdigest: str

    def matches(self, stored: object) -> bool:
        return isinstance(stored, str) and sha256(stored) == self.hexdigest

    def __repr__(self) -> str:
        return f"text of sha256 {self.hexdigest}"


class _NotAPlaybook:
    """What an unbound snapshot must at least be: a readable playbook. Never matches."""

    def matches(self, stored: object) -> bool:
        return False

    def __repr__(self) -> str:
        return "a readable playbook snapshot"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matches(expected: object, stored: object) -> bool:
    """Whether a stored value is the one derived: same value and kind (SQLite keeps any value in any
    column, so '1' is not 1), booleans as SQLite keeps them (0 and 1)."""
    if expected is UNCHECKED:
        return True
    if isinstance(expected, (Sha256, _NotAPlaybook)):
        return expected.matches(stored)
    if isinstance(expected, bool):
        return stored in (0, 1) and bool(stored) is expected
    if isinstance(expected, (int, float)):
        return isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored == expected
    return type(stored) is type(expected) and stored == expected


@dataclass
class _Incident:
    row: dict[str, Any]
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    levels: dict[int, dict[str, Any]] = field(default_factory=dict)
    activations: list[dict[str, Any]] = field(default_factory=list)
    unbound: bool = False  # incident.opened did not bind the snapshot (written before it did)
    unlisted: set[str] = field(default_factory=set)  # fallbacks activated without their step titles


class Derivation:
    """Feed it every event in seq order (or one incident's); then read the rows it expects."""

    def __init__(self, snapshot_of: Callable[[int], str | None]):
        self._snapshot_of = snapshot_of
        self._incidents: dict[int, _Incident] = {}
        self._suppliers: dict[str, dict[str, Any]] = {}
        self._handlers = {
            "incident.opened": self._opened,
            "incident.stabilised": self._moved, "incident.resolved": self._moved, "incident.closed": self._moved,
            "step.started": self._step, "step.done": self._step, "step.skipped": self._step,
            "escalation.due": self._fired, "escalation.acknowledged": self._acked,
            "fallback.activated": self._activated, "fallback.deactivated": self._deactivated,
            "supplier.state": self._supplier,
        }

    def feed(self, record: dict[str, Any]) -> None:
        handler = self._handlers.get(record["kind"])
        if handler is not None:  # most events change no state table: one lookup each
            data = record["data"]
            if isinstance(data, dict):
                handler(record, data)

    # ── the events ────────────────────────────────────────────────────────────────────────────

    def _incident(self, record: dict[str, Any]) -> _Incident | None:
        # Events of an incident whose opening is not in what was fed explain no row here.
        return self._incidents.get(record.get("incident_id"))

    def _opened(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident_id = record.get("incident_id")
        if not isinstance(incident_id, int) or incident_id in self._incidents:
            return
        opened_at = record["at"]
        speed = data.get("speed", 1)  # a compressed drill (written before drills had a speed: 1)
        speed = speed if isinstance(speed, (int, float)) and not isinstance(speed, bool) and speed > 0 else UNCHECKED
        text = self._snapshot_of(incident_id)
        bound = data.get("snapshot_sha256")
        playbook = _playbook(text)
        if isinstance(bound, str):
            snapshot: Any = Sha256(bound)
        else:
            snapshot = UNCHECKED if playbook is not None or text is None else _NotAPlaybook()
        incident = _Incident(row={
            "id": incident_id, "playbook_id": data.get("playbook"), "playbook_version": data.get("version"), "playbook": snapshot,
            "mode": data.get("mode"), "title": data.get("title"), "status": "open", "opened_by": record["actor"],
            "opened_at": opened_at, "stabilised_at": None, "resolved_at": None, "closed_at": None, "speed": speed,
        }, unbound=not isinstance(bound, str))
        self._incidents[incident_id] = incident
        if playbook is None or speed is UNCHECKED:
            return  # no steps or ladder can be derived: the incident row's snapshot (or speed) differs first
        for position, step in enumerate(playbook.steps):
            incident.steps[step.id] = _step_row(incident_id, step.id, position, step.title, "playbook", _after(opened_at, step.due, speed))
        for level, rung in enumerate(playbook.ladder(), start=1):
            incident.levels[level] = {
                "incident_id": incident_id, "level": level, "notify": json.dumps(rung.notify), "message": rung.message,
                "due_at": _after(opened_at, rung.after, speed), "fired_at": None, "late_seconds": None, "acked_at": None, "acked_by": None,
                "cancelled": False,
            }

    def _moved(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        if incident is None:
            return
        to = record["kind"].removeprefix("incident.")
        incident.row["status"] = to
        incident.row[STAMPS[to]] = record["at"]
        if to == "resolved":  # resolving cancels every level that has not fired
            for level in incident.levels.values():
                if level["fired_at"] is None:
                    level["cancelled"] = True

    def _step(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        step_id = data.get("step")
        if incident is None or not isinstance(step_id, str):
            return
        row = incident.steps.get(step_id)
        if row is None:
            fallback = _fallback_of(step_id, incident.unlisted)
            if fallback is None:
                return  # a step no event created: the stored row, if any, is reported unexplained
            row = incident.steps[step_id] = _unlisted_step(record["incident_id"], step_id, fallback)
        note = data.get("note")
        row.update(status=STEP_STATUS[record["kind"]], changed_at=record["at"], changed_by=record["actor"], note=note or row["note"])

    def _fired(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        level = incident.levels.get(data.get("level")) if incident else None
        if level is not None:
            level.update(fired_at=record["at"], late_seconds=data.get("late_seconds"))

    def _acked(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        level = incident.levels.get(data.get("level")) if incident else None
        if level is not None:
            level.update(acked_at=record["at"], acked_by=record["actor"])

    def _activated(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        fallback = data.get("fallback")
        if incident is None or not isinstance(fallback, str):
            return
        incident.activations.append({
            "id": data.get("activation", UNCHECKED), "fallback_id": fallback, "supplier_id": data.get("supplier"),
            "incident_id": incident.row["id"], "mode": incident.row["mode"], "reason": data.get("reason"),
            "activated_at": record["at"], "activated_by": record["actor"], "deactivated_at": None, "deactivated_by": None, "result": None,
        })
        titles = data.get("steps")
        if not isinstance(titles, list) or incident.unlisted:
            # Written before the event named its steps, or after such an activation: which steps
            # exist, and where, the events cannot say.
            incident.unlisted.add(fallback)
            return
        last = max((s["position"] for s in incident.steps.values()), default=0)
        for n, title in enumerate(titles, start=1):
            step_id = f"{fallback}-{n}"
            if step_id not in incident.steps:  # activated before in this incident: its checklist is there already
                incident.steps[step_id] = _step_row(incident.row["id"], step_id, last + n, title, f"fallback:{fallback}", None)

    def _deactivated(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        incident = self._incident(record)
        if incident is None:
            return
        for activation in reversed(incident.activations):
            if activation["fallback_id"] == data.get("fallback") and activation["deactivated_at"] is None:
                activation.update(deactivated_at=record["at"], deactivated_by=record["actor"], result=data.get("result"))
                return

    def _supplier(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        supplier = data.get("supplier")
        if isinstance(supplier, str):
            self._suppliers[supplier] = _supplier_row(supplier, data.get("to"), record["at"])

    # ── the rows ──────────────────────────────────────────────────────────────────────────────

    def rows(self, table: str, incident_id: int | None = None) -> dict[tuple, dict[str, Any]]:
        """The rows `table` must hold, by key: incident (id), incident_step (incident_id, step_id),
        escalation (incident_id, level), fallback_activation (incident_id, n: its n-th activation
        in order), supplier_state (supplier_id). With `incident_id`, only that incident's."""
        if table == "supplier_state":
            return {(s,): dict(row) for s, row in self._suppliers.items()}
        out: dict[tuple, dict[str, Any]] = {}
        for i, incident in self._incidents.items():
            if incident_id is not None and i != incident_id:
                continue
            if table == "incident":
                out[(i,)] = dict(incident.row)
            elif table == "incident_step":
                out.update({(i, s): dict(row) for s, row in incident.steps.items()})
            elif table == "escalation":
                out.update({(i, n): dict(row) for n, row in incident.levels.items()})
            elif table == "fallback_activation":
                out.update({(i, n): dict(row) for n, row in enumerate(incident.activations, start=1)})
        return out

    def unlisted(self, table: str, stored: dict[str, Any]) -> dict[str, Any] | None:
        """What a stored row that no event names must be, where the events allow such rows: a
        supplier never confirmed in any state, or a step of a fallback activated before the events
        named its steps. None: the row must not exist."""
        if table == "supplier_state":
            return _supplier_row(stored.get("supplier_id"), "unknown", UNCHECKED)
        if table == "incident_step":
            incident = self._incidents.get(stored.get("incident_id"))
            step_id = stored.get("step_id")
            fallback = _fallback_of(step_id, incident.unlisted) if incident and isinstance(step_id, str) else None
            if fallback is not None:
                return _unlisted_step(incident.row["id"], step_id, fallback)
        return None

    def unchecked(self, incident_id: int | None = None) -> list[str]:
        """What these events could not check, one sentence each."""
        chosen = {i: c for i, c in self._incidents.items() if incident_id is None or i == incident_id}
        unbound = sorted(i for i, c in chosen.items() if c.unbound)
        unlisted = sorted(i for i, c in chosen.items() if c.unlisted or any(a["id"] is UNCHECKED for a in c.activations))
        out = []
        if unbound:
            out.append(f"the playbook snapshot of {_incidents(unbound)} (opened before incident.opened bound it): "
                       "steps and ladder were compared with the stored snapshot as it is")
        if unlisted:
            out.append(f"the row ids of fallback activations and the titles and positions of their steps in {_incidents(unlisted)} "
                       "(activated before fallback.activated named them)")
        return out


def _playbook(text: str | None) -> Playbook | None:
    return None if text is None else _parse(text)


@lru_cache(maxsize=256)
def _parse(text: str) -> Playbook | None:
    # `incident show` compares on every read of the room: parse each snapshot once (Playbook is frozen).
    try:
        return Playbook.model_validate(json.loads(text))
    except ValueError:  # json and pydantic errors alike
        return None


def _after(at: str, delta: timedelta | None, speed: float = 1) -> Any:
    if delta is None:
        return None
    try:
        return iso(parse_iso(at) + durations.scaled(delta, speed))
    except ValueError:  # an event not written by our clock (hand-made logs): nothing to derive from
        return UNCHECKED


def _step_row(incident_id: int, step_id: str, position: Any, title: Any, source: str, due_at: str | None) -> dict[str, Any]:
    return {"incident_id": incident_id, "step_id": step_id, "position": position, "title": title, "source": source, "status": "pending",
            "due_at": due_at, "changed_at": None, "changed_by": None, "note": None}


def _unlisted_step(incident_id: int, step_id: str, fallback: str) -> dict[str, Any]:
    return _step_row(incident_id, step_id, UNCHECKED, UNCHECKED, f"fallback:{fallback}", None)


def _fallback_of(step_id: str, unlisted: set[str]) -> str | None:
    """The fallback among `unlisted` whose steps are named `{fallback}-{n}` like this one."""
    fallback, _, n = step_id.rpartition("-")
    return fallback if fallback in unlisted and n.isdigit() else None


def _supplier_row(supplier: Any, state: Any, since: Any) -> dict[str, Any]:
    return {"supplier_id": supplier, "state": state, "since": since, "detail": UNCHECKED, "latency_ms": UNCHECKED,
            "checked_at": UNCHECKED, "candidate": UNCHECKED, "streak": UNCHECKED, "via": UNCHECKED, "disagreement": UNCHECKED,
            "certificate_not_after": UNCHECKED}


def _incidents(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return f"incident{'s' if len(ids) > 1 else ''} {shown}"
