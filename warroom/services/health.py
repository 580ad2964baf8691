"""Recording check rounds and reading supplier health: the use cases of the monitor, `status` and
the board. Every state change is written with its `supplier.state` event in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy import CursorResult, String, case, delete, func, type_coerce
from sqlmodel import Session, col, select

from warroom import durations, symbols
from warroom.clock import iso
from warroom.config import Config, Supplier, notified
from warroom.health.states import Observation, confirm, failing_parent
from warroom.playbooks.schema import Playbook
from warroom.services import blast, drillmarks, drillrule, history, lease, owed, views
from warroom.store import eventlog
from warroom.store.models import Escalation, FallbackActivation, HealthSample, Incident, IncidentStep, SupplierState, WatchSpan
from warroom.vocabulary import Mode
from warroom.vocabulary import Status as IncidentStatus


@dataclass(frozen=True)
class Change:
    supplier: str
    before: str
    after: str
    via: str | None
    alarm: bool
    drill: int | None = None  # the drill whose fault caused it (services/drillmarks.py)


def record(
    session: Session,
    *,
    supplier: Supplier,
    observation: Observation,
    now: datetime,
    config: Config,
    playbooks: list[Playbook],
    holder: str,
    origin: dict[str, Any],
    marks: drillmarks.Marks | None = None,
) -> Change | None:
    """Record one round for one supplier: sample, confirmation, state change event, suggestions.
    Raises lease.NotLeader (and records nothing) unless `holder` holds the monitor lease. `marks`:
    who holds which supplier broken for a drill, read once for many rounds (the monitor's)."""
    return record_many(session, [(supplier, observation, now)], config=config, playbooks=playbooks, holder=holder, origin=origin,
                       marks=marks)[0]


def record_many(
    session: Session,
    observed: Sequence[tuple[Supplier, Observation, datetime]],
    *,
    config: Config,
    playbooks: list[Playbook],
    holder: str,
    origin: dict[str, Any],
    marks: drillmarks.Marks | None = None,
) -> list[Change | None]:
    """`record` for several suppliers' rounds in one transaction, in order (the monitor's group
    commit: monitor/recorder.py). The lease is checked once, against the latest round's time; the
    state rows of these suppliers and of their parents, and their newest watch spans, are read in a
    query each for all of them, and the rounds use those rows (a parent changed by an earlier round
    of the batch is seen changed, as it would be a transaction later); what the rounds change is
    written at the commit, like rows as one statement."""
    if not observed:
        return []
    lease.require(session, holder=holder, now=max(now for _, _, now in observed))
    ids = sorted({supplier.id for supplier, _, _ in observed} | {p for supplier, _, _ in observed for p in supplier.depends_on})
    rows = {row.supplier_id: row for row in session.exec(select(SupplierState).where(col(SupplierState.supplier_id).in_(ids))).all()}
    spans = history.newest_spans(session, sorted({supplier.id for supplier, _, _ in observed}))
    # Not flushed before each query of a round: no round queries the tables the rounds change
    # (its state rows and spans are the ones at hand; drill marks and the log read events and
    # incidents). A query added to a round that reads supplier_state, health_sample or watch_span
    # would miss the earlier rounds' changes.
    with session.no_autoflush:
        return [_record(session, rows, spans, supplier, observation, now, config, playbooks, origin, marks)
                for supplier, observation, now in observed]


def _record(session: Session, rows: dict[str, SupplierState], spans: dict[str, WatchSpan], supplier: Supplier, observation: Observation,
            now: datetime, config: Config, playbooks: list[Playbook], origin: dict[str, Any], marks: drillmarks.Marks | None) -> Change | None:
    session.add(HealthSample(supplier_id=supplier.id, at=now, state=observation.state, latency_ms=observation.latency_ms))
    spans[supplier.id] = history.watched(session, supplier=supplier, config=config, now=now, newest=spans.get(supplier.id))
    row = rows.get(supplier.id)
    first = row is None
    if row is None:
        row = rows[supplier.id] = SupplierState(supplier_id=supplier.id, state="unknown", since=now)
    parents = {p: (rows[p].state, rows[p].candidate) for p in supplier.depends_on if p in rows}
    via = failing_parent(supplier, parents) if observation.state == "down" else None
    step = confirm(row.state, row.candidate, row.streak, observation.state, config.settings.confirm, first=first)
    change = None
    drill = None
    if step.changed:
        # A drill's fault, not the supplier: marked, so that no live work counts it (drillmarks.py).
        drill, left = drillmarks.cause(session, supplier.id, None if first else row.since, marks, via)
        alarm = step.state in ("down", "degraded") and via is None and drill is None
        change = Change(supplier.id, row.state, step.state, via, alarm, drill)
        how = f"down via {via}" if via else step.state
        data: dict[str, Any] = {"supplier": supplier.id, "from": row.state, "to": step.state, "cause": observation.cause,
                                "detail": observation.detail, "via": via, "alarm": alarm, "latency_ms": observation.latency_ms,
                                "disagreement": observation.disagreement}
        if drill is not None:
            data["drill"] = drill
        if left:
            data["from_drill"] = True  # the state it leaves was a drill's: history counts the time before as exercised
        eventlog.append(
            session, at=now, kind="supplier.state", actor="system", origin=origin, object=f"supplier:{supplier.id}",
            summary=(f"[DRILL #{drill}] " if drill is not None else "")
            + f"{symbols.SUPPLIER[step.state]} {supplier.name} {how} ({observation.detail})",
            data=data,
        )
        row.state, row.since = step.state, now
    row.candidate, row.streak = step.candidate, step.streak
    row.detail, row.latency_ms, row.checked_at = observation.detail, observation.latency_ms, now
    row.via = _via(row, via, observation.state, step.changed)
    row.disagreement = observation.disagreement
    if observation.certificate_not_after is not None:  # a round that could not read it leaves what the last one read
        row.certificate_not_after = observation.certificate_not_after
    session.add(row)
    _suggest(session, supplier, row, now, playbooks, origin, drill if step.changed else UNREAD)
    return change


def _via(row: SupplierState, failing: str | None, observed: str, changed: bool) -> str | None:
    """Which parent a down supplier is down through, from the parents each round. A child whose
    check already answers again while it is still (unconfirmed) down keeps the parent that took it
    down: it is recovering with it, not down on its own (which would alarm and suggest its own
    playbook). Still failing once no parent fails is its own outage."""
    if row.state != "down":
        return None
    if observed == "down" or changed:
        return failing
    return row.via


class _Unread(Enum):
    UNREAD = "unread"


UNREAD = _Unread.UNREAD
"""A drill mark not read yet: the state was set by an earlier round, so its change's event says (drillmarks.current)."""


def _suggest(session: Session, supplier: Supplier, row: SupplierState, now: datetime, playbooks: list[Playbook], origin: dict,
             drill: int | Literal[_Unread.UNREAD] | None = UNREAD) -> None:
    """One `playbook.suggested` per episode: the key names the episode by when the state began.
    A supplier down via its parent suggests nothing of its own: the parent's playbook is the
    answer, as it raises no alarm of its own (DESIGN §3). Nor does a state a drill caused: a drill
    never proposes live work. `drill` is the mark of the change that set the state when this round
    recorded it (UNREAD: read it from that change's event, only once a trigger holds)."""
    if row.via:
        return
    for playbook in playbooks:
        trigger = playbook.trigger
        if not trigger or trigger.supplier != supplier.id or row.state != trigger.state or now - row.since < trigger.for_:
            continue
        if drill is UNREAD:
            drill = drillmarks.current(session, supplier.id, row.since)
        if drill is not None:
            return
        try:
            eventlog.append(
                session, at=now, kind="playbook.suggested", actor="system", origin=origin, object=f"playbook:{playbook.id}",
                summary=f'{supplier.name} {row.state} for {durations.format(now - row.since)}: playbook "{playbook.id}" suggested',
                data={"playbook": playbook.id, "supplier": supplier.id, "state": row.state, "since": iso(row.since)},
                key=f"suggest:{playbook.id}:{supplier.id}:{iso(row.since)}",
            )
        except eventlog.Duplicate:
            pass


def prune(session: Session, *, before: datetime) -> int:
    """Drop latency samples older than the retention; returns how many."""
    deleted = cast("CursorResult[Any]", session.execute(delete(HealthSample).where(col(HealthSample.at) < before)))  # a DML statement's result
    return deleted.rowcount or 0


def trends(session: Session, supplier_ids: list[str], now: datetime, minutes: int) -> dict[str, list[float | None]]:
    """Average latency per minute for each supplier: the last `minutes` full minutes, oldest first,
    then the minute under way. One indexed range read per supplier (the samples are stored as UTC
    text, so the first 16 characters name the minute); None where nothing answered."""
    current = now.astimezone(UTC).replace(second=0, microsecond=0)
    labels = [(current - timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M") for m in range(minutes, -1, -1)]
    minute = type_coerce(func.substr(HealthSample.at, 1, 16), String)
    query = (select(HealthSample.supplier_id, minute, func.avg(HealthSample.latency_ms))
             .where(col(HealthSample.supplier_id).in_(supplier_ids), col(HealthSample.at) >= current - timedelta(minutes=minutes))
             .group_by(HealthSample.supplier_id, minute))
    found = {(supplier, label): value for supplier, label, value in session.exec(query).all()}
    return {s: [found.get((s, label)) for label in labels] for s in supplier_ids}


def troubles(session: Session, supplier_ids: list[str], now: datetime, minutes: int) -> dict[str, list[str | None]]:
    """The worst failed check of each minute, in the shape of `trends`: "down" or "degraded"
    where a check of that minute failed, None where every check answered (or none ran). A
    sparkline of latency alone draws a 14-minute outage of fast HTTP 503s like a healthy row."""
    current = now.astimezone(UTC).replace(second=0, microsecond=0)
    labels = [(current - timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M") for m in range(minutes, -1, -1)]
    minute = type_coerce(func.substr(HealthSample.at, 1, 16), String)
    worst = func.max(case((col(HealthSample.state) == "down", 2), else_=1))
    query = (select(HealthSample.supplier_id, minute, worst)
             .where(col(HealthSample.supplier_id).in_(supplier_ids), col(HealthSample.at) >= current - timedelta(minutes=minutes),
                    col(HealthSample.state).in_(("down", "degraded")))
             .group_by(HealthSample.supplier_id, minute))
    found = {(supplier, label): "down" if value == 2 else "degraded" for supplier, label, value in session.exec(query).all()}
    return {s: [found.get((s, label)) for label in labels] for s in supplier_ids}


# What the board shows of each supplier's state row, as plain rows (blast.StateRow): a read of
# a thousand suppliers made a thousand ORM objects, tracked by the session, nearly half of a board
# read's CPU, taken in the TUI's watcher thread while a key waited for the interpreter (keytrace).
_SHOWN_STATE = sa.select(col(SupplierState.supplier_id), col(SupplierState.state), col(SupplierState.since), col(SupplierState.via),
                         col(SupplierState.detail), col(SupplierState.latency_ms), col(SupplierState.checked_at), col(SupplierState.disagreement))


def status(session: Session, config: Config, now: datetime) -> views.Status:
    """The blast-radius read model behind `warroom status` and the board. Built without checks or
    copies: the board reads it several times a second at a thousand suppliers."""
    rows = {r.supplier_id: r for r in session.execute(_SHOWN_STATE).all()}
    active = {a.supplier_id: a for a in session.exec(select(FallbackActivation).where(col(FallbackActivation.deactivated_at).is_(None))
                                                     .order_by(col(FallbackActivation.id))).all()}  # as the first look meets them
    suppliers, services = blast.build(suppliers=config.suppliers, services=config.services, interval=config.settings.interval, rows=rows,
                                      active=active, drills=drillmarks.states(session, drillrule.asked(rows)), now=now)
    return views.Status(at=now, suppliers=suppliers, services=services, incidents=_open_incidents(session, now, config))


def _open_incidents(session: Session, now: datetime, config: Config) -> tuple[views.OpenIncident, ...]:
    """Incidents not yet closed, each with its next escalation deadline and what it owes: levels
    fired and not acknowledged, late steps, overdue decisions (counted as the room counts them), and
    its most pressing legal report clock."""
    from warroom.services import reporting
    from warroom.services.incidents import snapshot

    incidents = session.exec(select(Incident).where(Incident.status != "closed").order_by(col(Incident.id))).all()
    if not incidents:
        return ()
    ids = [i.id for i in incidents]
    modes = {i.id: i.mode for i in incidents}
    nexts: dict[int, Escalation] = {}
    fired: dict[int, list[views.FiredLevel]] = {}
    for level in session.exec(select(Escalation).where(col(Escalation.incident_id).in_(ids), col(Escalation.cancelled).is_(False))
                              .order_by(col(Escalation.due_at).desc())).all():
        if level.fired_at is None:
            nexts[level.incident_id] = level  # ordered latest first: the earliest pending level wins
        elif level.acked_at is None:
            drill = modes[level.incident_id] == "drill"
            fired.setdefault(level.incident_id, []).insert(0, views.FiredLevel(
                level=level.level, fired_at=level.fired_at, notify=tuple(reached := config.reached(json.loads(level.notify), drill=drill)),
                who=notified(reached, drill=drill, shown=True)))
    late: dict[int, int] = {}
    for step in session.exec(select(IncidentStep).where(col(IncidentStep.incident_id).in_(ids), col(IncidentStep.status).in_(owed.UNFINISHED),
                                                        col(IncidentStep.due_at).is_not(None))).all():
        if owed.is_late(step.status, step.due_at, now, True):
            late[step.incident_id] = late.get(step.incident_id, 0) + 1
    answered = owed.decided(session, [i for i in ids if i is not None])
    reports = reporting.next_reports(session, incidents, config, now)
    out = []
    for incident in incidents:
        assert incident.id is not None  # read from the table
        nxt = nexts.get(incident.id)
        active = incident.status in owed.LIVE
        playbook = snapshot(incident)
        overdue = sum(1 for o in owed.open_decisions(playbook, answered[incident.id], incident.opened_at, now, active, incident.speed) if o.overdue)
        out.append(views.OpenIncident(id=incident.id, mode=Mode(incident.mode), title=incident.title, status=IncidentStatus(incident.status),
                                      opened_at=incident.opened_at,
                                      next_escalation=views.NextLevel(level=nxt.level, due_at=nxt.due_at) if nxt and active else None,
                                      opened_by=incident.opened_by,
                                      fired_unacknowledged=tuple(fired.get(incident.id, ())) if active else (),
                                      late_steps=late.get(incident.id, 0) if active else 0,
                                      overdue_decisions=overdue,
                                      supplier=playbook.trigger.supplier if playbook.trigger else None,
                                      ended_at=incident.resolved_at or incident.closed_at,
                                      next_report=reports.get(incident.id)))
    return tuple(out)
