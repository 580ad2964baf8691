"""The blast-radius read model from plain values: each supplier as the board shows it (its recorded
state, stale or not, in maintenance or not, its active fallback, the drill that caused its state)
and each crucial service with the failing suppliers that hit it.

It is the one builder of both reads of the board: the full read (services/health.status: the
ORM's rows and the config's models) and the first look (services/glance.py: sqlite3's rows and
warroom.toml's plain tables, before SQLAlchemy and pydantic are imported). So it imports neither;
what it is given needs only the attributes the protocols below name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from warroom.health.states import Planned, in_maintenance, tolerance, worst
from warroom.services import views

HITTING = ("down", "degraded", "maintenance")  # a supplier in one of these states hits the services on it


class SupplierEntry(Planned, Protocol):
    """A supplier of warroom.toml (config.Supplier, or the first look's plain reading of it)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def criticality(self) -> str: ...
    @property
    def interval(self) -> timedelta | None: ...


class ServiceEntry(Protocol):
    """A crucial service of warroom.toml (config.Service, or the first look's plain reading of it)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def sector(self) -> str: ...
    @property
    def depends_on(self) -> Sequence[str]: ...


class StateRow(Protocol):
    """A supplier's recorded state (a row of health.status's read, or store/glance.StateRow)."""

    @property
    def state(self) -> str: ...
    @property
    def since(self) -> datetime: ...
    @property
    def via(self) -> str | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def latency_ms(self) -> float | None: ...
    @property
    def checked_at(self) -> datetime | None: ...
    @property
    def disagreement(self) -> str | None: ...


class ActiveRow(Protocol):
    """A fallback switched on and not yet off (the ORM's FallbackActivation, or store/glance.ActiveRow)."""

    @property
    def fallback_id(self) -> str: ...
    @property
    def activated_at(self) -> datetime: ...
    @property
    def incident_id(self) -> int: ...
    @property
    def mode(self) -> str: ...


def build(*, suppliers: Sequence[SupplierEntry], services: Sequence[ServiceEntry], interval: timedelta, rows: Mapping[str, StateRow],
          active: Mapping[str, ActiveRow], drills: Mapping[str, int], now: datetime,
          ) -> tuple[tuple[views.SupplierView, ...], tuple[views.ServiceView, ...]]:
    """The suppliers in the config's order and the services they carry. `interval` is the
    settings' default between checks; `rows`, `active` and `drills` (services/drillrule.caused)
    are keyed by supplier id. A service naming a supplier that is not in `suppliers` raises KeyError."""
    hits: dict[str, list[str]] = {}
    for v in services:
        for d in v.depends_on:
            hits.setdefault(d, []).append(v.id)
    shown = []
    for s in suppliers:
        row = rows.get(s.id)
        checked = row.checked_at if row else None
        fallback = active.get(s.id)
        shown.append(views.SupplierView(
            id=s.id, name=s.name, criticality=s.criticality,
            state=row.state if row else "unknown",
            since=row.since if row else None,
            via=row.via if row else None,
            detail=row.detail if row else "never checked",
            latency_ms=row.latency_ms if row else None,
            checked_at=checked,
            stale=checked is None or now - checked > tolerance(s.interval or interval),  # as unwatched in the availability
            maintenance=in_maintenance(s, now) or (row is not None and row.state == "maintenance"),
            disagreement=row.disagreement if row else None,
            services=tuple(hits.get(s.id, ())),
            fallback=views.ActiveFallback(id=fallback.fallback_id, since=fallback.activated_at, incident=fallback.incident_id,
                                          mode=fallback.mode) if fallback else None,
            drill=drills.get(s.id),
        ))
    by_id = {s.id: s for s in shown}
    carried = []
    for v in services:
        through = tuple(views.Through(supplier=d, state=by_id[d].state, via=by_id[d].via, drill=by_id[d].drill) for d in v.depends_on if by_id[d].state in HITTING)
        carried.append(views.ServiceView(
            id=v.id, name=v.name, sector=v.sector,
            state=worst(t.state for t in through) if through
            else "unknown" if any(by_id[d].state == "unknown" for d in v.depends_on) else "up",
            through=through,
        ))
    return tuple(shown), tuple(carried)
