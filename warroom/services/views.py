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


def to_json(value: Any) -> Any:
    """A view (or a list or dict of them) as plain JSON values, field names as they are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
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
    mode: str
    title: str
    status: str
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
