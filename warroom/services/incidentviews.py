"""The read models of one incident (its summary, timeline, steps, levels, fallbacks, contacts,
decisions, report clocks, the room's whole view) and of a drill's script: `views` holds the rest
and gives these under their names too (`views.IncidentView`).

They are a module of their own so the board's first frame does not wait for them: each frozen,
slotted dataclass costs Python ~0.7 ms of two cores to make, and the board needs none of these
until a room is opened (issue 16)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.services.views import OMITTED_WHEN_NONE, age
from warroom.vocabulary import Mode
from warroom.vocabulary import Status as IncidentStatus

# ── an incident ────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
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
    speed: float = 1.0  # a compressed drill runs its playbook's times this many times faster

    @property
    def ended_at(self) -> datetime | None:
        """When its clock stopped: resolved (or closed without that), else None."""
        return self.resolved_at or self.closed_at

    def age(self, now: datetime) -> timedelta:
        return age(self.opened_at, self.ended_at, now)


@dataclass(frozen=True, slots=True)
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
    origin: Any = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)  # where it was done from: host, terminal, SSH client

    def said(self, incident_id: int) -> str:
        """The summary as people read it in the chosen language (eventtext): the stored one in English."""
        from warroom import eventtext
        from warroom.clock import iso

        return eventtext.summary({"kind": self.kind, "summary": self.summary, "data": self.data, "at": iso(self.at), "incident_id": incident_id})


@dataclass(frozen=True, slots=True)
class ChainState:
    head: str | None  # the newest event's hash
    verified: bool
    problem: str | None = dataclasses.field(default=None, metadata=OMITTED_WHEN_NONE)


@dataclass(frozen=True, slots=True)
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
    details: str = ""  # how to do it, as the playbook says (a fallback's steps have none)
    role: str | None = None  # who should do it, as the playbook says


@dataclass(frozen=True, slots=True)
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
    contacts: tuple[str, ...] = ()  # each notify target as the config names it, with phone and e-mail
    who: str = ""  # the notify targets as shown, or what a level that reaches no one says (config.notified)


@dataclass(frozen=True, slots=True)
class FallbackUse:
    """One activation of a fallback in this incident."""

    activated_at: datetime
    by: str
    reason: str
    deactivated_at: datetime | None
    result: str | None


@dataclass(frozen=True, slots=True)
class IncidentFallback:
    """A fallback the incident's playbook may use."""

    id: str
    title: str
    needs_decision: bool
    active: bool
    activations: tuple[FallbackUse, ...]
    supplier: str = ""  # the supplier it stands in for
    owner: str = ""
    steps: tuple[str, ...] = ()  # its activation checklist, as the register says


@dataclass(frozen=True, slots=True)
class SupplierContacts:
    """A supplier the incident involves, with whoever the team must call."""

    id: str
    name: str
    contacts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenDecision:
    id: str
    question: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class ReportClock:
    """One legal reporting obligation of an incident and its deadline (services/reporting.py)."""

    id: str
    title: str
    recipient: str
    content: tuple[str, ...]  # what the report must contain
    starts: str  # "opening", or "decision ID": what starts the clock
    started_at: datetime | None  # None: the significance decision is not logged yet
    due_at: datetime | None
    state: str  # waiting | pending | overdue | sent
    sent_at: datetime | None
    sent_by: str | None
    escalated_at: datetime | None  # when report.overdue fired
    drill: bool
    running: bool  # counting down (or past due) on an open incident


@dataclass(frozen=True, slots=True)
class IncidentView:
    """`incident show`: the export's shape (incident, events, chain) plus the current state."""

    incident: IncidentSummary
    events: tuple[EventView, ...]
    chain: ChainState
    steps: tuple[StepView, ...]
    ladder: tuple[LevelView, ...]
    fallbacks: tuple[IncidentFallback, ...]
    open_decisions: tuple[OpenDecision, ...]
    suppliers: tuple[SupplierContacts, ...] = ()  # trigger, fallbacks' and faults' suppliers, in config order
    reporting: tuple[ReportClock, ...] = ()  # the legal reporting clocks (NIS2, CER), services/reporting.py


# ── a drill's script (the facilitator's MSEL) ──────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class MselRow:
    """One inject: scripted (n, its `at` in scenario time and planned wall-clock time) or ad hoc."""

    n: int | None
    at: timedelta | None
    planned_at: datetime | None
    message: str
    fault: str | None  # SUPPLIER=MODE
    expect: str | None
    state: str  # upcoming | held | fired | skipped
    actual_at: datetime | None
    late_seconds: float | None
    error: str | None  # why the simulator did not take its fault


@dataclass(frozen=True, slots=True)
class Msel:
    incident: int
    speed: float
    opened_at: datetime
    now: datetime
    injects: tuple[MselRow, ...]
