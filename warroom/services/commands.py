"""Every action a person can take, defined once: its arguments, the service function it calls and
what it tells the person. The CLI builds these from its options, the TUI from keys and dialogs;
both run them through `execute`, so the two faces cannot drift apart (DESIGN §4).

A command reads what it needs from files in `prepare`, before the write lock is taken (a playbook
library is read and validated there, not while every other writer waits), which gives the
command to run; that does its one transaction in `run`: in an ORM session, or, for a command whose
`core` is true, in a Core connection (Store.write_core), so that it never loads the ORM.

This module is light to import (the services it calls are imported when a command runs): the TUI's
screens build commands before its first frame is painted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from warroom import i18n, words
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.vocabulary import FallbackResult, LogKind, Mode, Status, StepAction

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlmodel import Session

    from warroom.clock import Clock
    from warroom.config import Config
    from warroom.home import Home
    from warroom.playbooks.schema import Playbook
    from warroom.services.actors import Actor
    from warroom.store.engine import Store


class Context:
    """Who acts, when, and in which war-room: what every command needs besides its arguments.

    `config` is the home's checked warroom.toml. A context made from the record of a config checked
    before (`writing`, for a log entry) has only who acts and the time zone: a command that reads
    the config from it is a programming error, said at once, never a config loaded late (inside the
    writers' lock, perhaps another version of the file than the one who acts came from)."""

    def __init__(self, home: Home, config: Config | None, actor: Actor, now: datetime, clock: Clock | None = None,
                 *, timezone: str | None = None) -> None:
        if config is None and timezone is None:
            raise ValueError("a context needs the config or, from a checked config's record, its time zone")
        self.home, self._config, self.actor, self.now = home, config, actor, now
        self.clock = clock  # for what is recorded after a call outside the store (None: at `now`)
        self._timezone = timezone

    @property
    def config(self) -> Config:
        if self._config is None:
            raise RuntimeError("a context made from a checked config's record (commands.writing) has no config: use commands.context")
        return self._config

    @property
    def timezone(self) -> str:
        """The zone a person's times are read in ([settings] timezone)."""
        return self._timezone if self._timezone is not None else self.config.settings.timezone

    def later(self) -> datetime:
        return self.clock.now() if self.clock is not None else self.now


@dataclass(frozen=True)
class Outcome:
    """What happened: a line for a person, and the value a script prints (an id, a seq)."""

    message: str
    value: int | str | None = None
    error: str | None = None  # recorded, but it failed at run time (a simulator that did not answer): exit 1
    notice: bool = False  # the message matters beside the value a script reads (the CLI says it on stderr)
    event: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # what `run` recorded, for `after`


class Command(Protocol):
    name: ClassVar[str]
    core: ClassVar[bool]  # true: `run` is given a Core connection (Store.write_core), not an ORM session

    def prepare(self, ctx: Context) -> Command: ...

    def run(self, session: Session, ctx: Context) -> Outcome: ...

    def after(self, store: Store, ctx: Context, outcome: Outcome) -> Outcome: ...


class _Plain:
    """What most commands are: run in an ORM session, nothing to do after it."""

    core: ClassVar[bool] = False

    def after(self, store: Store, ctx: Context, outcome: Outcome) -> Outcome:
        return outcome


class _NoPreparation(_Plain):
    def prepare(self, ctx: Context) -> Command:
        return self  # type: ignore[return-value]


def execute(store: Store, command: Command, ctx: Context) -> Outcome:
    """Prepare outside the lock, then one write transaction; then, outside it again, whatever the
    recorded action still has to do outside the store (`after`: a drill's fault set in the
    simulator, only once its inject is in the log)."""
    ready = command.prepare(ctx)
    with store.write_core() if ready.core else store.write() as session:
        outcome = ready.run(session, ctx)  # type: ignore[arg-type]  # a `core` command's run takes the Core connection write_core gives
    return ready.after(store, ctx, outcome)


def context(home: Home, config: Config, now: datetime, clock: Clock | None = None) -> Context:
    """The context of whoever runs this process: the OS user, as [people] maps them."""
    from warroom.services import actors

    return Context(home, config, actors.current(config), now, clock)


def writing(home: Home, now: datetime, clock: Clock | None = None) -> Context:
    """The context of a command run from the command line: who acts from the trusted record of the
    home's warroom.toml as it is now, checked before (warroom.checkedconfig), without loading the
    config's models; else from the config checked in full now, which leaves that record for the
    next command (and says what is wrong with a bad config, exit 2, as ever)."""
    from warroom import checkedconfig, identity
    from warroom.services import actors

    known = checkedconfig.recall(home)
    if known is None:
        from warroom.services import library

        return context(home, library.config(home, remember=True), now, clock)
    return Context(home, None, actors.among(known.people, identity.os_user()), now, clock, timezone=known.timezone)


@dataclass(frozen=True)
class StartIncident(_Plain):
    """Start an incident from a playbook of the home's library, by id."""

    name: ClassVar[str] = "start"
    playbook_id: str
    mode: Mode
    speed: float = 1.0

    def prepare(self, ctx: Context) -> Command:
        from warroom.services import incidents, library

        incidents.check_speed(self.speed, self.mode)  # before the library is read: a bad --speed is the first thing said
        return StartFromPlaybook(library.find(ctx.home, ctx.config, self.playbook_id), self.mode, self.speed)

    def run(self, session: Session, ctx: Context) -> Outcome:
        return self.prepare(ctx).run(session, ctx)


@dataclass(frozen=True)
class StartFromPlaybook(_NoPreparation):
    """Start an incident from a playbook already read and validated."""

    name: ClassVar[str] = "start"
    playbook: Playbook
    mode: Mode
    speed: float = 1.0

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        created = incidents.start(session, playbook=self.playbook, mode=self.mode, now=ctx.now, actor=ctx.actor, speed=self.speed)
        mode = words.shown(self.mode, words.MODE).upper()
        said = (_("incident #{id} started ({mode}, {speed}× faster)") if self.speed != 1 else _("incident #{id} started ({mode})"))
        return Outcome(said.format(id=created.id, mode=mode, speed=i18n.figure(self.speed)), created.id)


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
        return Outcome(_("step {step} {status}").format(step=row.step_id, status=words.shown(row.status, words.STEP_STATUS)))


@dataclass(frozen=True)
class Transition(_NoPreparation):
    name: ClassVar[str] = "transition"
    incident_id: int
    to: Status
    note: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import incidents

        incidents.transition(session, incident_id=self.incident_id, to=self.to, now=ctx.now, actor=ctx.actor, note=self.note)
        return Outcome(_("incident #{id} {status}").format(id=self.incident_id, status=words.shown(self.to, words.INCIDENT_STATUS)))


@dataclass(frozen=True)
class LogEntry(_Plain):
    name: ClassVar[str] = "log"
    core: ClassVar[bool] = True  # Core only: `warroom log` answers without importing the ORM
    incident_id: int
    text: str
    kind: LogKind = LogKind.DECISION
    rationale: str | None = None
    decision: str | None = None
    corrects: int | None = None
    occurred_at: datetime | None = None

    def prepare(self, ctx: Context) -> Command:
        # The service and the event log's modules are read now, not under the writers' lock (~5 ms
        # of a process's first entry that every other writer would wait).
        from warroom.services import logbook  # noqa: F401

        return self

    def run(self, session: Session | Connection, ctx: Context) -> Outcome:
        from warroom.services import logbook

        event = logbook.log(session, incident_id=self.incident_id, text=self.text, kind=self.kind, now=ctx.now, actor=ctx.actor,
                              rationale=self.rationale, decision=self.decision, corrects=self.corrects, occurred_at=self.occurred_at)
        kind = words.shown(LogKind(self.kind).value, words.LOG_KIND)
        # The event's number, not `#n`: `#1` is how the war-room names an incident.
        said = _("{kind} logged (event {seq}), answers {decision}") if self.decision else _("{kind} logged (event {seq})")
        return Outcome(said.format(kind=kind, seq=event["seq"], decision=self.decision), event["seq"])


@dataclass(frozen=True)
class AcknowledgeEscalation(_NoPreparation):
    name: ClassVar[str] = "ack"
    incident_id: int
    level: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import escalation

        escalation.acknowledge(session, incident_id=self.incident_id, level=self.level, now=ctx.now, actor=ctx.actor,
                               zone=ctx.config.settings.timezone)
        return Outcome(_("level {level} acknowledged").format(level=self.level))


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
        said = _("fallback {fallback} active; decision {decision} logged") if self.decision else _("fallback {fallback} active")
        return Outcome(said.format(fallback=self.fallback_id, decision=self.decision))


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
        said = _("fallback {fallback} stood down ({result})") if self.result else _("fallback {fallback} stood down")
        return Outcome(said.format(fallback=self.fallback_id, result=words.shown(self.result, words.FALLBACK_RESULT) if self.result else ""))


def _read(ctx: Context, use):
    """A read transaction of the home's store, for a command's checks before it acts outside one."""
    store = ctx.home.open_store()
    try:
        with store.read() as session:
            return use(session)
    finally:
        store.dispose()


@dataclass(frozen=True)
class FireInject(_Plain):
    """An ad-hoc inject into a running drill (`drill inject`; the board's break/heal key in a
    drill): checked, recorded, then its fault set in the simulator outside any transaction."""

    name: ClassVar[str] = "inject"
    incident_id: int
    message: str | None = None
    fault: str | None = None  # SUPPLIER=MODE

    def prepare(self, ctx: Context) -> Command:
        from warroom.services import drills

        plan = _read(ctx, lambda s: drills.adhoc(s, incident_id=self.incident_id, message=self.message, fault=self.fault,
                                                  config=ctx.config, actor=ctx.actor))
        return _RecordInject(plan)

    def run(self, session: Session, ctx: Context) -> Outcome:
        return self.prepare(ctx).run(session, ctx)


@dataclass(frozen=True)
class FireScripted(_Plain):
    """Fire scripted inject N of a drill now (held, or early): the facilitator's `drill fire`."""

    name: ClassVar[str] = "fire"
    incident_id: int
    n: int

    def prepare(self, ctx: Context) -> Command:
        from warroom.services import drills

        def plan(session):
            drills.choose(session, incident_id=self.incident_id, n=self.n, actor=ctx.actor, doing="fire")
            return drills.scripted(session, self.incident_id, self.n, held_too=True)

        return _RecordInject(_read(ctx, plan))

    def run(self, session: Session, ctx: Context) -> Outcome:
        return self.prepare(ctx).run(session, ctx)


@dataclass(frozen=True)
class _RecordInject(_NoPreparation):
    """The inject's event first (it claims the inject, and from then on its drill holds the fault's
    supplier), the simulator after (`after`): a fall the monitor sees is always the drill's."""

    name: ClassVar[str] = "inject"
    plan: object  # drills.Plan, or None: fired, skipped or ended before it was read

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import drills

        event = drills.record(session, self.plan, now=ctx.now, actor=ctx.actor, by_monitor=False) if self.plan is not None else None  # type: ignore[arg-type]
        if event is None:
            if self.plan is not None and self.plan.n is not None:  # type: ignore[attr-defined]
                said = _("inject {n} was fired or skipped meanwhile, or the drill ended; nothing was recorded").format(n=self.plan.n)  # type: ignore[attr-defined]
            else:
                said = _("the inject was fired or skipped meanwhile, or the drill ended; nothing was recorded")
            raise BadInput(said)
        return Outcome(_("inject fired: #{seq}").format(seq=event["seq"]), event["seq"], event=event)

    def after(self, store: Store, ctx: Context, outcome: Outcome) -> Outcome:
        from warroom.services import drills

        event = outcome.event
        assert event is not None  # run recorded it, or raised
        done = drills.carry_out(store, self.plan, event, ctx.config, now=ctx.later, actor=ctx.actor, by_monitor=False)  # type: ignore[arg-type]
        if done.error:
            return Outcome(_("inject recorded as #{seq}, but its fault failed: {error}").format(seq=event["seq"], error=done.error), event["seq"], error=done.error)
        if done.healed is not None:
            said = (_("{message}, but the drill ended meanwhile: simulated {supplier} set up again") if done.heal_error is None
                    else _("{message}, but the drill ended meanwhile: simulated {supplier} could NOT be set up again ({error}): heal it by hand"))
            return Outcome(said.format(message=outcome.message, supplier=done.healed, error=done.heal_error), outcome.value, error=done.heal_error, notice=True)
        return outcome


@dataclass(frozen=True)
class HoldInject(_NoPreparation):
    name: ClassVar[str] = "hold"
    incident_id: int
    n: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import drills

        event = drills.hold(session, incident_id=self.incident_id, n=self.n, now=ctx.now, actor=ctx.actor)
        return Outcome(_("inject {n} held: it fires only when you fire it").format(n=self.n), event["seq"])


@dataclass(frozen=True)
class SkipInject(_NoPreparation):
    name: ClassVar[str] = "skip"
    incident_id: int
    n: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import drills

        event = drills.skip(session, incident_id=self.incident_id, n=self.n, now=ctx.now, actor=ctx.actor)
        return Outcome(_("inject {n} skipped").format(n=self.n), event["seq"])


@dataclass(frozen=True)
class Observe(_NoPreparation):
    """An evaluator's observation in the after-action review."""

    name: ClassVar[str] = "observe"
    incident_id: int
    kind: str
    text: str
    target: str | None = None
    step: str | None = None

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import review

        event = review.observe(session, incident_id=self.incident_id, kind=self.kind, text_=self.text, target=self.target, step=self.step,
                               now=ctx.now, actor=ctx.actor)
        return Outcome(_("observation recorded as #{seq}").format(seq=event["seq"]), event["seq"])


@dataclass(frozen=True)
class AddAction(_NoPreparation):
    """A corrective action of the improvement plan."""

    name: ClassVar[str] = "action"
    incident_id: int
    text: str
    owner: str
    due: str

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import review

        event = review.add_action(session, incident_id=self.incident_id, text_=self.text, owner=self.owner, due=self.due, now=ctx.now,
                                  actor=ctx.actor, config=ctx.config)
        return Outcome(_("corrective action #{seq} recorded").format(seq=event["seq"]), event["seq"])


@dataclass(frozen=True)
class SetActionStatus(_NoPreparation):
    name: ClassVar[str] = "action-status"
    incident_id: int
    action: int
    status: str

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import review

        review.set_action_status(session, incident_id=self.incident_id, action=self.action, status=self.status, now=ctx.now, actor=ctx.actor)
        return Outcome(_("corrective action #{action}: {status}").format(action=self.action, status=self.status))


@dataclass(frozen=True)
class DismissSuggestion(_NoPreparation):
    name: ClassVar[str] = "dismiss"
    suggestion: int

    def run(self, session: Session, ctx: Context) -> Outcome:
        from warroom.services import suggestions

        suggestions.dismiss(session, suggestion=self.suggestion, now=ctx.now, actor=ctx.actor)
        return Outcome(_("suggestion #{seq} dismissed").format(seq=self.suggestion))


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
        return Outcome(_("report {obligation} recorded as sent (#{seq})").format(obligation=self.obligation, seq=event["seq"]), event["seq"])


__all__ = [
    "AcknowledgeEscalation", "ActivateFallback", "AddAction", "Command", "Context", "DeactivateFallback",
    "DismissSuggestion", "FireInject", "FireScripted", "HoldInject", "LogEntry", "MarkStep", "Observe", "Outcome",
    "RecordReportSent", "SetActionStatus", "SkipInject", "StartFromPlaybook", "StartIncident", "Transition", "context", "execute",
]
