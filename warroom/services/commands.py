"""Every action a person can take, defined once: its arguments, the service function it calls and
what it tells the person. The CLI builds these from its options, the TUI from keys and dialogs;
both run them through `execute`, so the two faces cannot drift apart (DESIGN §4).

A command reads what it needs from files in `prepare`, before the write lock is taken (a playbook
library is read and validated there, not while every other writer waits), which gives the
command to run; that does its one transaction in `run`.

This module is light to import (the services it calls are imported when a command runs): the TUI's
screens build commands before its first frame is painted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from warroom.vocabulary import FallbackResult, LogKind, Mode, Status, StepAction

if TYPE_CHECKING:
    from sqlmodel import Session

    from warroom.config import Config
    from warroom.home import Home
    from warroom.playbooks.schema import Playbook
    from warroom.services.actors import Actor
    from warroom.store.engine import Store


@dataclass(frozen=True)
class Context:
    """Who acts, when, and in which war-room: what every command needs besides its arguments."""

    home: Home
    config: Config
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class Outcome:
    """What happened: a line for a person, and the value a script prints (an id, a seq)."""

    message: str
    value: int | str | None = None


class Command(Protocol):
    name: ClassVar[str]

    def prepare(self, ctx: Context) -> Command: ...

    def run(self, session: Session, ctx: Context) -> Outcome: ...


class _NoPreparation:
    def prepare(self, ctx: Context) -> Command:
        return self  # type: ignore[return-value]


def execute(store: Store, command: Command, ctx: Context) -> Outcome:
    """Prepare outside the lock, then one write transaction."""
    ready = command.prepare(ctx)
    with store.write() as session:
        return ready.run(session, ctx)


def context(home: Home, config: Config, now: datetime) -> Context:
    """The context of whoever runs this process: the OS user, as [people] maps them."""
    from warroom.services import actors

    return Context(home, config, actors.current(config), now)


@dataclass(frozen=True)
class StartIncident:
    """Start an incident from a playbook of the home's library, by id."""

    name: ClassVar[str] = "start"
    playbook_id: str
    mode: Mode

    def prepare(self, ctx: Context) -> Command:
        from warroom.services import library

        return StartFromPlaybook(library.find(ctx.home, ctx.config, self.playbook_id), self.mode)

    def run(self, session: Session, ctx: Context) -> Outcome:
        return self.prepare(ctx).run(session, ctx)


@dataclass(frozen=True)
class StartFromPlaybook(_NoPreparation):
    """Start an incident from a playbook already read and validated."""

    name: ClassVar[str] = "start"
    playbook: Playbook
    mode: Mode

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        created = incidents.start(session, playbook=self.playbook, mode=self.mode, now=ctx.now, actor=ctx.actor)
        return Outcome(f"incident #{created.id} started ({self.mode.upper()})", created.id)


@dataclass(frozen=True)
class MarkStep(_NoPreparation):
    name: ClassVar[str] = "step"
    incident_id: int
    step_id: str
    action: StepAction
    note: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        row = incidents.step(session, incident_id=self.incident_id, step_id=self.step_id, action=self.action, note=self.note,
                             now=ctx.now, actor=ctx.actor)
        return Outcome(f"step {row.step_id} {row.status}")


@dataclass(frozen=True)
class Transition(_NoPreparation):
    name: ClassVar[str] = "transition"
    incident_id: int
    to: Status
    note: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        incidents.transition(session, incident_id=self.incident_id, to=self.to, now=ctx.now, actor=ctx.actor, note=self.note)
        return Outcome(f"incident #{self.incident_id} {self.to}")


@dataclass(frozen=True)
class LogEntry(_NoPreparation):
    name: ClassVar[str] = "log"
    incident_id: int
    text: str
    kind: LogKind = LogKind.DECISION
    rationale: str | None = None
    decision: str | None = None
    corrects: int | None = None
    occurred_at: datetime | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        event = incidents.log(session, incident_id=self.incident_id, text=self.text, kind=self.kind, now=ctx.now, actor=ctx.actor,
                              rationale=self.rationale, decision=self.decision, corrects=self.corrects, occurred_at=self.occurred_at)
        return Outcome(f"logged as #{event['seq']}", event["seq"])


@dataclass(frozen=True)
class AcknowledgeEscalation(_NoPreparation):
    name: ClassVar[str] = "ack"
    incident_id: int
    level: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import escalation

        escalation.acknowledge(session, incident_id=self.incident_id, level=self.level, now=ctx.now, actor=ctx.actor,
                               zone=ctx.config.settings.timezone)
        return Outcome(f"level {self.level} acknowledged")


@dataclass(frozen=True)
class ActivateFallback(_NoPreparation):
    name: ClassVar[str] = "activate"
    incident_id: int
    fallback_id: str
    reason: str | None = None
    decision: str | None = None  # the expected decision the activation answers (and closes)

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import fallbacks

        fallbacks.activate(session, incident_id=self.incident_id, fallback_id=self.fallback_id, reason=self.reason, now=ctx.now,
                           actor=ctx.actor, config=ctx.config, decision=self.decision)
        return Outcome(f"fallback {self.fallback_id} active" + (f"; decision {self.decision} logged" if self.decision else ""))


@dataclass(frozen=True)
class DeactivateFallback(_NoPreparation):
    name: ClassVar[str] = "deactivate"
    incident_id: int
    fallback_id: str
    result: FallbackResult | None = None
    reason: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import fallbacks

        fallbacks.deactivate(session, incident_id=self.incident_id, fallback_id=self.fallback_id, reason=self.reason, result=self.result,
                             now=ctx.now, actor=ctx.actor)
        return Outcome(f"fallback {self.fallback_id} stood down" + (f" ({self.result})" if self.result else ""))


@dataclass(frozen=True)
class DismissSuggestion(_NoPreparation):
    name: ClassVar[str] = "dismiss"
    suggestion: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import suggestions

        suggestions.dismiss(session, suggestion=self.suggestion, now=ctx.now, actor=ctx.actor)
        return Outcome(f"suggestion #{self.suggestion} dismissed")


@dataclass(frozen=True)
class RecordReportSent(_NoPreparation):
    """A legal report (NIS2, CER) was sent: its clock stops (services/reporting.py)."""

    name: ClassVar[str] = "report-sent"
    incident_id: int
    obligation: str
    note: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import reporting

        event = reporting.mark_sent(session, incident_id=self.incident_id, obligation_id=self.obligation, note=self.note, now=ctx.now,
                                    actor=ctx.actor, config=ctx.config)
        return Outcome(f"report {self.obligation} recorded as sent (#{event['seq']})", event["seq"])


__all__ = [
    "AcknowledgeEscalation", "ActivateFallback", "Command", "Context", "DeactivateFallback", "DismissSuggestion", "LogEntry",
    "MarkStep", "Outcome", "RecordReportSent", "StartFromPlaybook", "StartIncident", "Transition", "context", "execute",
]
