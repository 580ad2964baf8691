"""Availability history per supplier (24 h, 30 d, 90 d): the queries behind `status --json`, the
board's uptime column and the supplier screen. The arithmetic is warroom.health.availability's.

Three cheap reads whatever the log's size: the `supplier.state` events of the longest window
(index on kind and time; for a few suppliers, on object, kind and time), the spans in which the
monitor watched each supplier (index on their end), and the current states. The state at a
window's start is the `from` of the first change after it, so no event before the window is ever
read.

A change a drill's fault caused (drillmarks.py) starts time counted as "exercised", not as the
state the simulated supplier showed; the drill's recovery to `up` ends it. The recovery says it
left a drill's state (`from_drill`), so a window that begins mid-drill begins exercised too; and a
current state a drill set (drillmarks.states) is exercised when no change falls in the windows."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from warroom.clock import iso, parse_iso
from warroom.config import Config, Supplier
from warroom.health import states
from warroom.health.availability import EXERCISED, Availability, compute
from warroom.services import drillmarks, views
from warroom.store.models import Event, SupplierState, WatchSpan

WINDOWS = {"24h": timedelta(hours=24), "30d": timedelta(days=30), "90d": timedelta(days=90)}


def tolerance(supplier: Supplier, config: Config) -> timedelta:
    """How far apart two rounds may be and the time between them still count as watched: the
    board's "stale" rule (health/states.tolerance)."""
    return states.tolerance(supplier.interval or config.settings.interval)


def newest_spans(session: Session, supplier_ids: list[str]) -> dict[str, WatchSpan]:
    """Each supplier's newest watch span (the one `watched` extends), for many in one read."""
    newest = (select(WatchSpan.supplier_id, func.max(WatchSpan.last_at).label("last_at"))
              .where(col(WatchSpan.supplier_id).in_(supplier_ids)).group_by(WatchSpan.supplier_id).subquery())
    query = select(WatchSpan).join(newest, and_(col(WatchSpan.supplier_id) == newest.c.supplier_id, col(WatchSpan.last_at) == newest.c.last_at))
    return {span.supplier_id: span for span in session.exec(query).all()}


def watched(session: Session, *, supplier: Supplier, config: Config, now: datetime, newest: WatchSpan | None) -> WatchSpan:
    """Extend the supplier's newest watch span (`newest_spans`) to `now`, or start a new one after a
    gap; returns the newest span now. Called in the transaction that records a check round."""
    if newest is not None and newest.last_at <= now <= newest.last_at + tolerance(supplier, config):
        newest.last_at = now
        session.add(newest)
        return newest
    if newest is None or now > newest.last_at:
        span = WatchSpan(supplier_id=supplier.id, first_at=now, last_at=now)
        session.add(span)
        return span
    return newest  # a round older than the span's end (the clock set back) extends nothing


def availability(session: Session, config: Config, now: datetime, *, windows: dict[str, timedelta] = WINDOWS,
                 only: list[str] | None = None) -> dict[str, dict[str, Availability]]:
    """supplier id → window name → its availability ending now. With `only`, those suppliers' rows
    alone are read (their events by object, their spans by supplier), not the landscape's."""
    suppliers = [s for s in config.suppliers if only is None or s.id in only]
    if not suppliers:
        return {}
    ids = {s.id for s in suppliers}
    earliest = now - max(windows.values())
    changes: dict[str, list[tuple[datetime, str, str]]] = {}
    # In time order, which is the log's order for one monitor's events: ordered by seq, SQLite would
    # walk the kind index through the whole year instead of the (kind, at) index over the window.
    query = (select(Event.at, Event.data).where(Event.kind == "supplier.state", col(Event.at) >= iso(earliest))
             .order_by(col(Event.at), col(Event.seq)))
    if only is not None:  # a few suppliers (the supplier screen): their own changes, by the (object, kind, at) index
        query = query.where(col(Event.object).in_([f"supplier:{i}" for i in sorted(ids)]))
    for at, data in session.exec(query).all():
        fields = json.loads(data)
        supplier_id = fields.get("supplier")
        if supplier_id in ids:
            to, frm = str(fields.get("to")), str(fields.get("from"))
            marked = drillmarks.mark_of(fields) is not None
            if marked and to != "up":
                to = EXERCISED  # a drill's fault, not the supplier's outage: time apart (health/availability.py)
            if drillmarks.from_drill(fields):
                frm = EXERCISED  # it left a drill's state: a window starting before it starts exercised
            changes.setdefault(supplier_id, []).append((parse_iso(at), frm, to))
    rows = session.exec(select(SupplierState.supplier_id, SupplierState.state, SupplierState.since)
                        .where(col(SupplierState.supplier_id).in_(ids))).all()
    current = {supplier_id: state for supplier_id, state, _ in rows}
    # A state no change in the windows explains: a drill's when a drill's marked change set it (an
    # ended drill whose heal keeps failing), read only for those suppliers that are not up.
    quiet = {supplier_id: since for supplier_id, state, since in rows if supplier_id not in changes and state not in ("up", "unknown")}
    for supplier_id in drillmarks.states(session, quiet):
        current[supplier_id] = EXERCISED
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    # Columns, not WatchSpan objects: a year of a thousand suppliers is 90,000 rows, and building
    # ORM objects for them took most of the time.
    span_rows = select(WatchSpan.supplier_id, WatchSpan.first_at, WatchSpan.last_at).where(col(WatchSpan.last_at) >= earliest - timedelta(days=1))
    if only is not None:
        span_rows = span_rows.where(col(WatchSpan.supplier_id).in_(sorted(ids)))
    for supplier_id, first_at, last_at in session.exec(span_rows).all():
        if supplier_id in ids:
            spans.setdefault(supplier_id, []).append((first_at, last_at))
    out: dict[str, dict[str, Availability]] = {}
    for supplier in suppliers:
        slack = tolerance(supplier, config)
        own = spans.get(supplier.id, [])
        # The latest round vouches for the time since, up to the tolerance: the board calls that fresh.
        seen = [(a, now if b < now <= b + slack else b) for a, b in own]
        planned = [(w.start, w.end) for w in supplier.maintenance]
        history = changes.get(supplier.id, [])
        out[supplier.id] = {}
        for name, length in windows.items():
            since = now - length
            out[supplier.id][name] = compute(
                start_state=_state_at(since, history, current.get(supplier.id, "unknown")),
                changes=[(at, to) for at, _, to in history if at > since], watched=seen, maintenance=planned,
                since=since, until=now)
    return out


def _state_at(when: datetime, history: list[tuple[datetime, str, str]], current: str) -> str:
    before = [to for at, _, to in history if at <= when]
    if before:
        return before[-1]
    after = next((frm for at, frm, _ in history if at > when), None)
    return after if after is not None else current


def attach(session: Session, config: Config, view: views.Status) -> views.Status:
    """The status read model with every supplier's availability history filled in."""
    found = availability(session, config, view.at)
    return dataclasses.replace(view, suppliers=tuple(dataclasses.replace(s, availability=found.get(s.id)) for s in view.suppliers))
