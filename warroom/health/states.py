"""From check results to a supplier's state: pure functions, no I/O, no clock of their own.

- A supplier's observed state is the worst of its probes (http, tcp, tls). Its own status page
  can only make it worse (the supplier admits an outage our probes cannot see); an unreadable
  status page says nothing.
- A failure inside a maintenance window (configured, or announced on the status page) shows as
  maintenance, not as an outage.
- The confirmed state changes only after `confirm` consecutive rounds agree: no flapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from warroom.config import Supplier

RANK = {"up": 0, "maintenance": 1, "unknown": 2, "degraded": 3, "down": 4}
FAILING = ("degraded", "down", "unknown")


@dataclass(frozen=True)
class Result:
    """One check's outcome. `state` is up, degraded, down, maintenance or unknown."""

    kind: str
    state: str
    latency_ms: float | None
    detail: str
    cause: str  # machine-readable: ok, http-status, timeout, refused, reset, tls, dns, protocol, slow, statuspage, …
    not_after: datetime | None = None  # a tls check's certificate end, when it could read the certificate


def worst(states: Iterable[str]) -> str:
    return max(states, key=RANK.__getitem__, default="unknown")


@dataclass(frozen=True)
class Observation:
    """One round's verdict on one supplier."""

    state: str
    latency_ms: float | None
    detail: str
    cause: str
    disagreement: str | None = None
    certificate_not_after: datetime | None = None  # the earliest end of the certificates its tls checks read


class Window(Protocol):
    """A span of planned unavailability (config.Maintenance, or the first look's plain reading of one)."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


class Planned(Protocol):
    """What has maintenance windows: a config.Supplier, or the board's first look's plain reading
    of one (services/glance.py, before the config's models are imported)."""

    @property
    def maintenance(self) -> Sequence[Window]: ...


def in_maintenance(supplier: Planned, now: datetime) -> bool:
    return any(window.start <= now < window.end for window in supplier.maintenance)


def tolerance(interval: timedelta) -> timedelta:
    """How far apart two rounds of a supplier checked every `interval` may be and the time between
    them still count as watched: the board's "stale" rule (three intervals and ten seconds of slack)."""
    return 3 * interval + timedelta(seconds=10)


def observe(results: list[Result], *, maintenance_window: bool = False) -> Observation:
    probes = [r for r in results if r.kind != "statuspage"]
    pages = [r for r in results if r.kind == "statuspage" and r.state != "unknown"]
    page = max(pages, key=lambda r: RANK[r.state]) if pages else None
    if probes:
        deciding = max(probes, key=lambda r: RANK[r.state])
        if page and page.state in ("degraded", "down") and RANK[page.state] > RANK[deciding.state]:
            deciding = page
    elif page:
        deciding = page
    else:
        deciding = next(iter(results), None) or Result("none", "unknown", None, "no checks configured", "none")
    state, detail = deciding.state, deciding.detail
    latencies = [r.latency_ms for r in probes if r.latency_ms is not None]
    latency = max(latencies) if latencies else None
    disagreement = None
    if probes and page:
        probe_state = worst(r.state for r in probes)
        if probe_state == "down" and page.state == "up":
            disagreement = f"its status page says operational; our probe sees it down ({deciding.detail})"
        elif probe_state == "up" and page.state in ("degraded", "down"):
            disagreement = f"its {page.detail}; our probe sees it up"
    announced = page is not None and page.state == "maintenance"
    if (maintenance_window or announced) and state in FAILING:
        state, detail = "maintenance", f"maintenance ({detail})"
    elif announced and state == "up":
        detail = f"{detail}; maintenance announced"
    ends = [r.not_after for r in results if r.not_after is not None]
    return Observation(state, latency, detail, deciding.cause, disagreement, min(ends, default=None))


@dataclass(frozen=True)
class Confirmation:
    state: str  # the confirmed state after this round
    changed: bool
    candidate: str | None  # a different state the latest rounds agree on, not yet confirmed
    streak: int


def confirm(current: str, candidate: str | None, streak: int, observed: str, needed: int, *, first: bool = False) -> Confirmation:
    """Advance the confirmation of one supplier by one round. The very first observation of a
    supplier is taken at once: there is no earlier state for it to flap against."""
    if observed == current:
        return Confirmation(current, False, None, 0)
    if first:
        return Confirmation(observed, True, None, 0)
    streak = streak + 1 if observed == candidate else 1
    if streak >= needed:
        return Confirmation(observed, True, None, 0)
    return Confirmation(current, False, observed, streak)


def failing_parent(supplier: Supplier, parents: dict[str, tuple[str, str | None]]) -> str | None:
    """The first parent (depends_on) that is down or on its way down, given each parent's
    (confirmed state, candidate state)."""
    for parent in supplier.depends_on:
        state, candidate = parents.get(parent, ("unknown", None))
        if state == "down" or candidate == "down":
            return parent
    return None
