"""The read models: what the war-room looks like at one moment, as frozen typed values.

The TUI's screens, the CLI's tables and its `--json`, and the exports all render these, so each
shows the same thing under the same name, and a type checker sees a misspelt field. Instants are
aware datetimes here; `to_json` writes them in the stored spelling (UTC, ISO 8601, `Z`), which is
what scripts and the JSON contract of DESIGN §6 rely on."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any

from warroom.clock import iso
from warroom.vocabulary import Mode
from warroom.vocabulary import Status as IncidentStatus

OMITTED_WHEN_NONE = {"omitted_when_none": True}
"""Field metadata: `to_json` leaves the field out while it is None (a key whose presence means something)."""


def to_json(value: Any) -> Any:
    """A view (or a list or dict of them) as plain JSON values, field names as they are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (f.metadata.get("omitted_when_none") and getattr(value, f.name) is None)}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


_view = dataclasses.dataclass(frozen=True, slots=True)


# ── suppliers and the services they carry ─────────────────────────────────────────────────────

@_view
class ActiveFallback:
    id: str
    since: datetime
    incident: int
    mode: str


@_view
class SupplierView:
    id: str
    name: str
    criticality: str
    state: str  # up | degraded | down | maintenance | unknown
    since: datetime | None
    via: str | None  # the parent it is down through
    detail: str  # the cause, as the last check saw it
    latency_ms: float | None
    checked_at: datetime | None
    stale: bool  # no check for three intervals: the state shown may be old
    maintenance: bool
    disagreement: str | None  # what its status page says that the probe contradicts
    services: tuple[str, ...]  # crucial services that depend on it directly
    fallback: ActiveFallback | None


@_view
class Through:
    supplier: str
    state: str
    via: str | None


@_view
class ServiceView:
    id: str
    name: str
    sector: str
    state: str
    through: tuple[Through, ...]  # the failing suppliers it depends on


@_view
class NextLevel:
    level: int
    due_at: datetime


@_view
class OpenIncident:
    id: int
    mode: Mode
    title: str
    status: IncidentStatus
    opened_at: datetime
    next_escalation: NextLevel | None


@_view
class Status:
    at: datetime
    suppliers: tuple[SupplierView, ...]
    services: tuple[ServiceView, ...]
    incidents: tuple[OpenIncident, ...]


# ── the fallback register ──────────────────────────────────────────────────────────────────────

@_view
class Activation:
    incident: int
    since: datetime
    mode: str
    by: str


@_view
class Exercise:
    at: datetime
    mode: str
    incident: int
    result: str | None


@_view
class RegisterEntry:
    id: str
    title: str
    supplier: str
    kind: str
    owner: str
    needs_decision: bool
    active: Activation | None
    last_exercised: Exercise | None
    never_exercised: bool
    overdue: bool


# ── suggestions and the board ──────────────────────────────────────────────────────────────────

@_view
class Suggestion:
    seq: int
    at: datetime
    playbook: str
    supplier: str
    summary: str


@_view
class Board:
    """One consistent moment for the board and the wall: health, incidents, register, suggestions."""

    status: Status
    fallbacks: tuple[RegisterEntry, ...]
    suggestions: tuple[Suggestion, ...]


# ── one round of checks (`check --once`) ───────────────────────────────────────────────────────

@_view
class CheckRow:
    """One supplier as one round of its checks saw it, unconfirmed and not recorded."""

    id: str
    state: str
    latency_ms: float | None
    detail: str
    checked_at: datetime
    disagreement: str | None
    via: str | None


# ── an incident ────────────────────────────────────────────────────────────────────────────────

@_view
class IncidentSummary:
    id: int
    playbook: str
    playbook_version: int
    mode: Mode
    title: str
    status: IncidentStatus
    opened_by: str
    opened_at: datetime
    stabilised_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


@_view
class EventView:
    """One event of the incident's timeline, with the fields its export and hash check need."""

    seq: int
    at: datetime
    kind: str
    actor: str
    summary: str
    data: Any  # as logged: a dict, language-neutral (an altered row may hold anything)
    prev_hash: str
    hash: str


@_view
class ChainState:
    head: str | None  # the newest event's hash
    verified: bool
    problem: str | None = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)


@_view
class StepView:
    id: str
    title: str
    source: str  # playbook | fallback:ID
    status: str  # pending | started | done | skipped
    due_at: datetime | None
    overdue: bool
    changed_at: datetime | None
    changed_by: str | None
    note: str | None


@_view
class LevelView:
    """A level of the escalation ladder."""

    level: int
    notify: tuple[str, ...]
    message: str
    due_at: datetime
    state: str  # pending | fired | acknowledged | cancelled
    fired_at: datetime | None
    late_seconds: float | None
    acked_at: datetime | None
    acked_by: str | None


@_view
class FallbackUse:
    """One activation of a fallback in this incident."""

    activated_at: datetime
    by: str
    reason: str
    deactivated_at: datetime | None
    result: str | None


@_view
class IncidentFallback:
    """A fallback the incident's playbook may use."""

    id: str
    title: str
    needs_decision: bool
    active: bool
    activations: tuple[FallbackUse, ...]


@_view
class OpenDecision:
    id: str
    question: str
    due_at: datetime | None
    overdue: bool


@_view
class IncidentView:
    """`incident show`: the export's shape (incident, events, chain) plus the current state."""

    incident: IncidentSummary
    events: tuple[EventView, ...]
    chain: ChainState
    steps: tuple[StepView, ...]
    ladder: tuple[LevelView, ...]
    fallbacks: tuple[IncidentFallback, ...]
    open_decisions: tuple[OpenDecision, ...]
