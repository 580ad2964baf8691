"""The read models: what the war-room looks like at one moment, as frozen typed values.

The TUI's screens, the CLI's tables and its `--json`, and the exports all render these, so each
shows the same thing under the same name, and a type checker sees a misspelt field. Instants are
aware datetimes here; `to_json` writes them in the stored spelling (UTC, ISO 8601, `Z`), which is
what scripts and the JSON contract of DESIGN §6 rely on."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from warroom.clock import iso
from warroom.health.availability import Availability
from warroom.vocabulary import Mode
from warroom.vocabulary import Status as IncidentStatus

OMITTED_WHEN_NONE = {"omitted_when_none": True}
"""Field metadata: `to_json` leaves the field out while it is None (a key whose presence means something)."""
SHOWN_ONLY = {"shown_only": True}
"""Field metadata: text for a person in the reader's language, never in `to_json` (the JSON contract is one language)."""


def to_json(value: Any) -> Any:
    """A view (or a list or dict of them) as plain JSON values, field names as they are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (f.metadata.get("omitted_when_none") and getattr(value, f.name) is None) and not f.metadata.get("shown_only")}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, timedelta):  # a playbook time, as its author wrote it
        from warroom import durations

        return durations.format(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


# Every view: `@dataclass(frozen=True, slots=True)`, spelled out so a type checker knows the fields.
# Frozen, so a screen cannot change what the database said; slotted and without validation, so
# building a thousand of them several times a second stays cheap.


# ── suppliers and the services they carry ─────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class ActiveFallback:
    id: str
    since: datetime
    incident: int
    mode: str


@dataclass(frozen=True, slots=True)
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
    # Window ("24h", "30d", "90d") → uptime, outages, MTTR: read only where asked (`status`, the
    # supplier screen), never on the board's several reads a second.
    availability: dict[str, Availability] | None = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)
    # The drill whose fault caused the state shown (a DRILL state, not an outage); only when one did.
    drill: int | None = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)


# What a screen shows of a supplier: everything but its latest check's figures (latency, when),
# which change at every check, while the screens show latency per minute (the trends). Compared,
# not hashed: a board read of 1,000 suppliers asks it of each, several times a second.
supplier_shown = operator.attrgetter(*(f.name for f in dataclasses.fields(SupplierView) if f.name not in ("latency_ms", "checked_at")))


@dataclass(frozen=True, slots=True)
class Through:
    supplier: str
    state: str
    via: str | None
    # The drill whose fault holds that supplier in this state (SupplierView.drill): a drill's hit, not an outage.
    drill: int | None = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)


@dataclass(frozen=True, slots=True)
class ServiceView:
    id: str
    name: str
    sector: str
    state: str
    through: tuple[Through, ...]  # the failing suppliers it depends on


@dataclass(frozen=True, slots=True)
class NextLevel:
    level: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class NextReport:
    """An incident's most pressing legal report (services/reporting.py): the earliest overdue one,
    else the next one due."""

    obligation: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class FiredLevel:
    """A level of the ladder that fired and nobody has acknowledged: owed, so on every face."""

    level: int
    fired_at: datetime
    notify: tuple[str, ...]
    who: str = ""  # the notify targets as shown, or what a level that reaches no one says (config.notified)


def age(opened_at: datetime, ended_at: datetime | None, now: datetime) -> timedelta:
    """How long an incident has run: until it ended, not until now (a resolved one does not age)."""
    return (ended_at or now) - opened_at


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: int
    mode: Mode
    title: str
    status: IncidentStatus
    opened_at: datetime
    next_escalation: NextLevel | None
    # Added (DESIGN §6: fields are added, never renamed): what is owed, as the room counts it.
    opened_by: str = ""
    fired_unacknowledged: tuple[FiredLevel, ...] = ()
    late_steps: int = 0
    overdue_decisions: int = 0
    supplier: str | None = None  # the supplier whose trigger the playbook answers, if it has one
    next_report: NextReport | None = None  # the legal report clock to watch (overdue first), if one runs
    ended_at: datetime | None = None  # resolved (or closed without that): its clock stops there

    def age(self, now: datetime) -> timedelta:
        return age(self.opened_at, self.ended_at, now)


@dataclass(frozen=True, slots=True)
class Status:
    at: datetime
    suppliers: tuple[SupplierView, ...]
    services: tuple[ServiceView, ...]
    incidents: tuple[OpenIncident, ...]


# ── the fallback register ──────────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class Activation:
    incident: int
    since: datetime
    mode: str
    by: str


@dataclass(frozen=True, slots=True)
class Exercise:
    at: datetime
    mode: str
    incident: int
    result: str | None  # worked | partial | failed, as said when it was stood down (None: still active, or not said)
    note: str | None = None  # what was said then


@dataclass(frozen=True, slots=True)
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
    due_at: datetime | None = None  # when it should be exercised next (test_every after the last time); None: no test_every


# ── suggestions and the board ──────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class Suggestion:
    seq: int
    at: datetime
    playbook: str
    supplier: str
    summary: str
    said: str = dataclasses.field(default="", metadata=SHOWN_ONLY)  # the summary in the reader's language (eventtext)


@dataclass(frozen=True, slots=True)
class InjectNote:
    """A drill inject that has fired: what every coordinator is told, on any screen."""

    seq: int
    incident: int
    at: datetime
    summary: str
    kind: str = "drill.inject"
    data: Any = None  # as logged, to say it in the reader's language (said)

    def said(self) -> str:
        """The inject as people read it in the chosen language (eventtext): the stored summary in English."""
        from warroom import eventtext
        from warroom.clock import iso

        return eventtext.summary({"kind": self.kind, "summary": self.summary, "data": self.data, "at": iso(self.at), "incident_id": self.incident})


@dataclass(frozen=True, slots=True)
class Board:
    """One consistent moment for the board and the wall: health, incidents, register, suggestions."""

    status: Status
    fallbacks: tuple[RegisterEntry, ...]
    suggestions: tuple[Suggestion, ...]
    injects: tuple[InjectNote, ...] = ()  # the newest fired injects of running drills


# ── one round of checks (`check --once`) ───────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class CheckRow:
    """One supplier as one round of its checks saw it, unconfirmed and not recorded."""

    id: str
    state: str
    latency_ms: float | None
    detail: str
    checked_at: datetime
    disagreement: str | None
    via: str | None


# ── an incident, a drill's script: warroom/services/incidentviews.py ───────────────────────────

_INCIDENT_VIEWS = frozenset(("IncidentSummary", "EventView", "ChainState", "StepView", "LevelView", "FallbackUse", "IncidentFallback",
                             "SupplierContacts", "OpenDecision", "ReportClock", "IncidentView", "MselRow", "Msel"))

if TYPE_CHECKING:  # the names as a type checker sees them
    from warroom.services.incidentviews import (
        ChainState as ChainState,
    )
    from warroom.services.incidentviews import (
        EventView as EventView,
    )
    from warroom.services.incidentviews import (
        FallbackUse as FallbackUse,
    )
    from warroom.services.incidentviews import (
        IncidentFallback as IncidentFallback,
    )
    from warroom.services.incidentviews import (
        IncidentSummary as IncidentSummary,
    )
    from warroom.services.incidentviews import (
        IncidentView as IncidentView,
    )
    from warroom.services.incidentviews import (
        LevelView as LevelView,
    )
    from warroom.services.incidentviews import (
        Msel as Msel,
    )
    from warroom.services.incidentviews import (
        MselRow as MselRow,
    )
    from warroom.services.incidentviews import (
        OpenDecision as OpenDecision,
    )
    from warroom.services.incidentviews import (
        ReportClock as ReportClock,
    )
    from warroom.services.incidentviews import (
        StepView as StepView,
    )
    from warroom.services.incidentviews import (
        SupplierContacts as SupplierContacts,
    )


def __getattr__(name: str) -> Any:
    """An incident's read models, made the first time one is asked for (incidentviews)."""
    if name in _INCIDENT_VIEWS:
        from warroom.services import incidentviews

        return getattr(incidentviews, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
