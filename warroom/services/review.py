"""The after-action review (HSEEP AAR/IP): what the event log says the team did, measured against
the playbook's targets, with the evaluators' observations and the corrective actions of the
improvement plan, which are events too.

Every number is read from the event log (the incident's own events that _MEASURED names, and its
trigger supplier's last change before the opening, by the timeline's rule drillmarks.in_timeline), never
from the state tables, so a review can be recomputed from an export. Only the events it measures are
read, once, in seq order: a 100,000-event drill is mostly log entries and reminders it never looks at. Times are measured in wall-clock
seconds and reported in scenario time too (wall-clock × the drill's speed): a target of `10m` in a
drill run 10× faster is met by an acknowledgement within one wall-clock minute."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from warroom import clock, durations, text
from warroom.clock import iso, parse_iso
from warroom.config import Config
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.services import drillmarks, incidents, limits, owed
from warroom.services.actors import Actor
from warroom.store import eventlog, tables
from warroom.store.models import Event, Incident
from warroom.vocabulary import ActionStatus, words

OBSERVATION_KINDS = ("strength", "improvement")
ACTION_STATUSES = tuple(words(ActionStatus))
TARGETS = ("acknowledge_within", "fallback_within", "stabilise_within", "resolve_within")
LATE_AFTER_SECONDS = 2  # a deadline the monitor fired within this is on time (as escalation.fire says)
# What counts as the team answering: a person doing something in the incident (not the monitor,
# not the facilitator's script, not the evaluators).
RESPONSES = ("step.", "decision.logged", "escalation.acknowledged", "fallback.", "incident.stabilised", "incident.resolved")
_EVENT = tables.EVENT  # the Core table the Event model is mapped onto
# The events a review measures, of all an incident holds (a long drill's log entries and monitor
# reminders are most of them): the SQL only narrows, _Seen.add decides as the review always did.
# Free log entries and the monitor's deadlines without a level are never read (the spelling is
# eventlog's canonical JSON).
_MEASURED = or_(
    _EVENT.c.kind.in_(("escalation.acknowledged", "fallback.activated", "incident.stabilised", "incident.resolved", "drill.inject",
                       drillmarks.INJECT_FAILED, "review.observation", "review.action", "review.action.status")),
    and_(_EVENT.c.kind.startswith("step.", autoescape=True), _EVENT.c.kind != "step.overdue"),
    owed.may_answer(_EVENT.c.kind, _EVENT.c.data),
    and_(_EVENT.c.kind == "escalation.due", _EVENT.c.data.contains('"level"', autoescape=True)),
)
_RESPONDED = and_(_EVENT.c.actor != "system", or_(*(_EVENT.c.kind.startswith(r, autoescape=True) for r in RESPONSES)))


@dataclass(frozen=True, slots=True)
class Measure:
    name: str  # open | acknowledge | fallback:ID | stabilise | resolve
    target: str | None  # the playbook's target field, when one applies
    at: datetime | None
    seconds: float | None  # wall-clock, from the opening (open: from the supplier.state change)
    scenario_seconds: float | None
    target_seconds: float | None  # scenario time, as the playbook says
    result: str  # met | missed | not reached (the drill ended first) | pending | no target | not measured
    by_seconds: float | None  # scenario seconds under (met) or over (missed) the target
    source: int | None  # the seq measured to (or from, for open)


@dataclass(frozen=True, slots=True)
class StepResult:
    id: str
    title: str
    due_at: datetime | None
    result: str  # on time | late | done | skipped | started | untouched
    at: datetime | None
    late_seconds: float | None


@dataclass(frozen=True, slots=True)
class DecisionResult:
    id: str
    question: str
    due_at: datetime | None
    made: bool
    at: datetime | None
    late_seconds: float | None
    seq: int | None


@dataclass(frozen=True, slots=True)
class InjectResult:
    seq: int
    n: int | None
    at: datetime
    message: str | None
    fault: str | None
    late_seconds: float | None
    error: str | None
    first_response_seconds: float | None
    first_response_seq: int | None
    expect: str | None
    expect_seconds: float | None  # until the step was done or the decision logged
    expect_seq: int | None


@dataclass(frozen=True, slots=True)
class EscalationResult:
    level: int
    due_at: datetime | None
    fired_at: datetime | None
    late_seconds: float | None
    late: bool
    acked_at: datetime | None
    acked_by: str | None
    ack_seconds: float | None


@dataclass(frozen=True, slots=True)
class Observation:
    seq: int
    at: datetime
    by: str
    kind: str  # strength | improvement
    text: str
    target: str | None
    step: str | None


@dataclass(frozen=True, slots=True)
class Action:
    seq: int  # its id: what `review ID action-status` names
    incident: int
    at: datetime
    by: str
    text: str
    owner: str
    due: str  # a date, YYYY-MM-DD
    status: str


@dataclass(frozen=True, slots=True)
class Review:
    incident: int
    playbook: str
    mode: str
    title: str
    status: str
    speed: float
    opened_at: datetime
    ended_at: datetime | None  # resolved (or closed)
    wall_seconds: float  # opening to resolution (or to now, while it runs)
    scenario_seconds: float
    measures: tuple[Measure, ...]
    steps: tuple[StepResult, ...]
    decisions: tuple[DecisionResult, ...]
    injects: tuple[InjectResult, ...]
    escalations: tuple[EscalationResult, ...]
    observations: tuple[Observation, ...]
    actions: tuple[Action, ...]
    targets_met: int
    targets_total: int


def _seconds(a: datetime, b: datetime) -> float:
    return round((b - a).total_seconds(), 3)


def _data(event: dict) -> dict:
    return event["data"] if isinstance(event["data"], dict) else {}


def review(session: Session, incident_id: int, config: Config, now: datetime) -> Review:
    incident = incidents.get(session, incident_id)
    return _review(session, incident, config, now)


def _review(session: Session, incident: Incident, config: Config, now: datetime) -> Review:
    assert incident.id is not None
    playbook = incidents.snapshot(incident)
    speed = incident.speed
    opened = incident.opened_at
    ended = incident.resolved_at or incident.closed_at
    running = ended is None
    clock_end = ended or now

    def measure(name: str, target: str | None, at: datetime | None, source: int | None, start: datetime = opened) -> Measure:
        limit = getattr(playbook.targets, target) if target else None
        seconds = _seconds(start, at) if at else None
        scenario = round(seconds * speed, 3) if seconds is not None else None
        limit_s = limit.total_seconds() if limit is not None else None
        if limit_s is None:
            result, by = ("no target" if at else "not measured"), None
        elif scenario is not None:
            result, by = ("met" if scenario <= limit_s else "missed"), round(abs(limit_s - scenario), 3)
        elif running and _seconds(start, now) * speed <= limit_s:
            result, by = "pending", None
        elif running:
            result, by = "missed", None  # its time passed while the drill runs
        else:
            result, by = "not reached", None  # the drill ended before it happened: no time to measure
        return Measure(name, target, at, seconds, scenario, limit_s, result, by, source)

    seen = _Seen(playbook, incident.id)
    for e in eventlog.matching(session.connection(), _EVENT.c.incident_id == incident.id, _MEASURED):
        seen.add(e)
    measures = [_open_measure(session, incident, playbook, measure)]
    ack = seen.ack
    measures.append(measure("acknowledge", "acknowledge_within", ack[0] if ack else None, ack[1] if ack else None))
    for fallback, (when, seq) in seen.fallbacks.items():
        measures.append(measure(f"fallback:{fallback}", "fallback_within", when, seq))
    if not seen.fallbacks:
        measures.append(measure("fallback", "fallback_within", None, None))
    stable, resolved = seen.stable, seen.resolved
    measures.append(measure("stabilise", "stabilise_within", stable[0] if stable else None, stable[1] if stable else None))
    measures.append(measure("resolve", "resolve_within", resolved[0] if resolved else None, resolved[1] if resolved else None))

    steps = tuple(_step(s, seen, opened, speed) for s in playbook.steps)
    decisions = tuple(_decision(d, seen.taken.get(d.id), opened, speed) for d in playbook.decisions)
    responses = _responses(session, incident.id, [i.seq for i in seen.injects])
    failed = drillmarks.inject_errors(seen.failures)
    injects = tuple(_inject(i, responses[i.seq], failed.get(i.seq)) for i in seen.injects)
    escalations = _escalations(seen, playbook, opened, speed)
    judged = [m for m in measures if m.result in ("met", "missed", "not reached")]
    wall = _seconds(opened, clock_end)
    return Review(
        incident=incident.id, playbook=incident.playbook_id, mode=incident.mode, title=incident.title, status=incident.status, speed=speed,
        opened_at=opened, ended_at=ended, wall_seconds=wall, scenario_seconds=round(wall * speed, 3), measures=tuple(measures),
        steps=steps, decisions=decisions, injects=injects, escalations=escalations, observations=tuple(seen.observations),
        actions=tuple(Action(**a) for a in seen.actions.values()), targets_met=sum(m.result == "met" for m in judged), targets_total=len(judged),
    )


def _open_measure(session: Session, incident: Incident, playbook, measure) -> Measure:
    """From the supplier.state change the playbook's trigger matches (the latest one at or before
    the opening) to the opening. A drill opened before its fault has none: not measured."""
    trigger = playbook.trigger
    if trigger is None:
        return Measure("open", None, incident.opened_at, None, None, None, "not measured", None, None)
    table = _EVENT
    query = core_select(table).where(table.c.kind == "supplier.state", table.c.incident_id.is_(None),
                                     table.c.at <= iso(incident.opened_at)).order_by(table.c.seq.desc()).limit(500)
    for row in session.connection().execute(query):
        record = eventlog.record_of(row)
        data = record["data"] if isinstance(record["data"], dict) else {}
        if data.get("supplier") != trigger.supplier or not drillmarks.in_timeline(data, {trigger.supplier}, incident.id):
            continue  # another drill's fault opens no incident of this one
        if data.get("to") == trigger.state:
            found = measure("open", None, incident.opened_at, record["seq"], start=parse_iso(record["at"]))
            return found
        break  # its latest change is not the trigger's: nothing matched since
    return Measure("open", None, incident.opened_at, None, None, None, "not measured", None, None)



@dataclass(slots=True)
class _Inject:
    seq: int
    when: datetime
    data: dict
    answer: tuple[str, datetime, dict, int] | None = None  # the step done or decision logged its `expect` names: kind, when, data, seq


class _Seen:
    """What the review keeps of the incident's events, read once in seq order: the first of each
    thing it measures, the last of each step, and what it lists (injects, observations, actions)."""

    def __init__(self, playbook, incident_id: int) -> None:
        self.incident_id = incident_id
        self.steps = {s.id for s in playbook.steps}
        self.decisions = {d.id for d in playbook.decisions}
        self.ack: tuple[datetime, int] | None = None
        self.acked: dict[object, dict] = {}  # level → the first acknowledgement of it
        self.fired: dict[object, dict] = {}  # level → the first escalation.due of it
        self.fallbacks: dict[str, tuple[datetime, int]] = {}  # the first activation of each, in order
        self.stable: tuple[datetime, int] | None = None
        self.resolved: tuple[datetime, int] | None = None
        self.step_last: dict[str, datetime] = {}
        self.step_final: dict[str, tuple[str, datetime]] = {}  # the last done or skipped
        # When each expected decision was taken (a decision by phone, logged later with --at): owed's rule, as reporting reads it.
        self.taken: dict[str, tuple[datetime, int]] = {}
        self.injects: list[_Inject] = []
        self.awaiting: dict[str, list[_Inject]] = {}  # expect → injects not yet answered
        self.observations: list[Observation] = []
        self.actions: dict[int, dict] = {}
        self.failures: list[tuple[int, str, object]] = []  # what drillmarks.inject_errors reads

    def add(self, e: dict) -> None:
        kind = e["kind"]
        data = _data(e)
        when = parse_iso(e["at"])
        if kind == "escalation.acknowledged":
            self.ack = self.ack or (when, e["seq"])
            self.acked.setdefault(_level(data), {"when": when, "actor": e["actor"]})
        elif kind == "escalation.due":
            self.fired.setdefault(_level(data), {"when": when, "data": data})
        elif kind == "fallback.activated":
            fallback = data.get("fallback")
            if isinstance(fallback, str) and fallback not in self.fallbacks:
                self.fallbacks[fallback] = (when, e["seq"])
        elif kind in ("incident.stabilised", "incident.resolved"):
            self.stable = self.stable or (when, e["seq"])
            if kind == "incident.resolved":
                self.resolved = self.resolved or (when, e["seq"])
        elif kind == drillmarks.INJECT_FAILED:
            self.failures.append((e["seq"], kind, data))
        elif kind == "drill.inject":
            self.failures.append((e["seq"], kind, data))  # an inject recorded before failures were events of their own
            inject = _Inject(e["seq"], when, data)
            self.injects.append(inject)
            if isinstance(data.get("expect"), str):
                self.awaiting.setdefault(data["expect"], []).append(inject)
        elif kind == "review.observation":
            self.observations.append(Observation(e["seq"], when, e["actor"], data.get("kind", ""), data.get("text", ""), data.get("target"),
                                                 data.get("step")))
        elif kind == "review.action":
            self.actions[e["seq"]] = {"seq": e["seq"], "incident": self.incident_id, "at": when, "by": e["actor"], "text": data.get("text", ""),
                                      "owner": data.get("owner", ""), "due": data.get("due", ""), "status": data.get("status", "open")}
        elif kind == "review.action.status" and data.get("action") in self.actions:
            action = self.actions[data["action"]]
            action["status"] = _moved(action["status"], action["seq"], data)
        elif kind.startswith("step.") and kind != "step.overdue":
            step = data.get("step")
            if isinstance(step, str) and step in self.steps:
                self.step_last[step] = when
                if kind in ("step.done", "step.skipped"):
                    self.step_final[step] = (kind, when)
            if kind == "step.done" and isinstance(step, str):
                self._answer(step, kind, when, data, e["seq"])
        elif kind == "decision.logged":
            decision = owed.decision_of(e["data"])
            if decision in self.decisions:
                owed.earliest(self.taken, when, e["data"], e["seq"])
            if decision is not None:
                self._answer(decision, kind, when, data, e["seq"])

    def _answer(self, expected: str, kind: str, when: datetime, data: dict, seq: int) -> None:
        for inject in self.awaiting.pop(expected, ()):
            inject.answer = (kind, when, data, seq)


def _level(data: dict) -> object:
    """An escalation event's level as the review compares it (`== level`): unhashable values, from an altered row, match none."""
    level = data.get("level")
    try:
        hash(level)
    except TypeError:
        return None
    return level


def _step(step, seen: _Seen, opened: datetime, speed: float) -> StepResult:
    due = opened + durations.scaled(step.due, speed) if step.due else None
    final = seen.step_final.get(step.id)
    if final is None:
        last = seen.step_last.get(step.id)
        return StepResult(step.id, step.title, due, "started" if last else "untouched", last, None)
    kind, when = final
    if kind == "step.skipped":
        return StepResult(step.id, step.title, due, "skipped", when, None)
    if due is None:
        return StepResult(step.id, step.title, due, "done", when, None)
    late = _seconds(due, when)
    return StepResult(step.id, step.title, due, "late" if late > 0 else "on time", when, late if late > 0 else None)


def _decision(decision, taken: tuple[datetime, int] | None, opened: datetime, speed: float) -> DecisionResult:
    due = opened + durations.scaled(decision.by, speed) if decision.by else None
    if taken is None:
        return DecisionResult(decision.id, decision.question, due, False, None, None, None)
    when, seq = taken
    late = _seconds(due, when) if due else None
    return DecisionResult(decision.id, decision.question, due, True, when, late if late and late > 0 else None, seq)


def _responses(session: Session, incident_id: int, injects: list[int]) -> dict[int, tuple[datetime, int] | None]:
    """The team's first response after each inject (seqs ascending): what a person did next in the
    incident. One indexed look-up at most per inject, each starting where the last one's answer
    lies beyond: an inject before that answer has the same one, and none after an unanswered one."""
    connection = session.connection()
    out: dict[int, tuple[datetime, int] | None] = {}
    found: tuple[datetime, int] | None = None
    for seq in injects:
        if out and (found is None or found[1] > seq):
            out[seq] = found
            continue
        found, after = None, seq
        while found is None:
            row = connection.execute(core_select(_EVENT.c.seq, _EVENT.c.at, _EVENT.c.kind, _EVENT.c.actor).where(
                _EVENT.c.incident_id == incident_id, _EVENT.c.seq > after, _RESPONDED).order_by(_EVENT.c.seq).limit(1)).first()
            if row is None:
                break
            if row.actor != "system" and row.kind.startswith(RESPONSES):  # LIKE may ignore case: the kind decides
                found = (parse_iso(row.at), row.seq)
            after = row.seq
        out[seq] = found
    return out


def _inject(inject: _Inject, response: tuple[datetime, int] | None, error: str | None) -> InjectResult:
    data = inject.data
    expect = data.get("expect")
    answered: datetime | None = None
    if inject.answer is not None:  # a decision counts from when it was taken (--at), never before the inject
        kind, when, answer_data, _rest = inject.answer
        answered = max(inject.when, owed.taken_at(answer_data, when)) if kind == "decision.logged" else when
    fault = data.get("fault")
    return InjectResult(
        seq=inject.seq, n=data.get("inject"), at=inject.when, message=data.get("message"),
        fault=f"{fault.get('supplier')}={fault.get('mode')}" if isinstance(fault, dict) else None,
        late_seconds=data.get("late_seconds"), error=error,
        first_response_seconds=_seconds(inject.when, response[0]) if response else None,
        first_response_seq=response[1] if response else None,
        expect=expect, expect_seconds=_seconds(inject.when, answered) if answered else None,
        expect_seq=inject.answer[3] if inject.answer else None,
    )


def _escalations(seen: _Seen, playbook, opened: datetime, speed: float) -> tuple[EscalationResult, ...]:
    out = []
    for level, rung in enumerate(playbook.ladder(), start=1):
        fired = seen.fired.get(level)
        acked = seen.acked.get(level)
        late = fired["data"].get("late_seconds") if fired else None
        out.append(EscalationResult(
            level=level, due_at=opened + durations.scaled(rung.after, speed), fired_at=fired["when"] if fired else None,
            late_seconds=late, late=isinstance(late, (int, float)) and late >= LATE_AFTER_SECONDS,
            acked_at=acked["when"] if acked else None, acked_by=acked["actor"] if acked else None,
            ack_seconds=_seconds(fired["when"], acked["when"]) if fired and acked else None,
        ))
    return tuple(out)


# ── the evaluators' record: observations and the improvement plan ──────────────────────────────

def observe(session: Session, *, incident_id: int, kind: str, text_: str, target: str | None, step: str | None,
            now: datetime, actor: Actor) -> dict:
    actor.require(_("add an observation"))
    limits.check_text(text_, _("the observation"))
    incident = incidents.get(session, incident_id)
    if kind not in OBSERVATION_KINDS:
        raise BadInput(_("{kind!r} is not an observation kind ({kinds})").format(kind=text.line(kind, 40), kinds=", ".join(OBSERVATION_KINDS)))
    if not text_.strip():
        raise BadInput(_("the observation is empty"))
    if (target is None) == (step is None):
        raise BadInput(_("tie the observation to one target (--target) or one step (--step)"))
    playbook = incidents.snapshot(incident)
    if target is not None and target not in TARGETS:
        raise BadInput(_("--target {target!r} is not a target ({targets})").format(target=text.line(target, 40), targets=", ".join(TARGETS)))
    targets = set_targets(playbook)
    if target is not None and target not in targets:
        raise BadInput(_("--target: playbook {playbook} of incident #{id} sets no {target} (its targets: {targets})").format(
            playbook=incident.playbook_id, id=incident_id, target=target, targets=", ".join(targets) or _("none")))
    steps = [s.id for s in playbook.steps]
    if step is not None and step not in steps:
        raise BadInput(_("--step: incident #{id} has no step {step!r} (steps: {steps})").format(id=incident_id, step=text.line(step, 40), steps=", ".join(steps)))
    about = f"target {target}" if target else f"step {step}"
    return eventlog.append(session, at=now, kind="review.observation", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/review", summary=f"review: {kind} ({about}): {text_}",
                           data={"kind": kind, "text": text_, "target": target, "step": step})


def set_targets(playbook) -> list[str]:
    """The targets a playbook sets (what an observation can be tied to), in TARGETS order."""
    return [t for t in TARGETS if getattr(playbook.targets, t) is not None]


def add_action(session: Session, *, incident_id: int, text_: str, owner: str, due: str, now: datetime, actor: Actor,
               config: Config) -> dict:
    """A corrective action, owned by a person of [people] (anyone when [people] is empty, as for a
    fallback's owner), due on a date (YYYY-MM-DD, in the war-room's zone) not before the incident began."""
    actor.require(_("add a corrective action"))
    limits.check_text(text_, _("the action"))
    limits.check_text(owner, _("the owner"))
    incident = incidents.get(session, incident_id)
    if not text_.strip():
        raise BadInput(_("the corrective action is empty"))
    if not owner.strip():
        raise BadInput(_("--owner is empty: every corrective action has someone responsible"))
    if config.people and owner not in config.people:
        raise BadInput(_("--owner {owner!r} is not in [people] of warroom.toml (people: {people})").format(
            owner=text.line(owner, 40), people=", ".join(sorted(config.people))))
    day = due_day(due)
    began = clock.today(incident.opened_at, config.settings.timezone)
    if day < began:
        raise BadInput(_("due date {day} is before incident #{id} began ({began})").format(day=day.isoformat(), id=incident_id, began=began.isoformat()))
    return eventlog.append(session, at=now, kind="review.action", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/review", summary=f"corrective action for {owner}, due {day.isoformat()}: {text_}",
                           data={"text": text_, "owner": owner, "due": day.isoformat(), "status": "open"})


def due_day(due: str) -> date:
    """A corrective action's due date, `YYYY-MM-DD` exactly: strptime alone took `2026-1-5`, and
    fromisoformat takes `20260105`. The message names the due date, not a face's flag or field."""
    try:
        return clock.parse_day(due)
    except ValueError:
        raise BadInput(_("due date {due!r} is not a date (write YYYY-MM-DD, like 2026-12-15)").format(due=text.line(due, 40))) from None


def set_action_status(session: Session, *, incident_id: int, action: int, status: str, now: datetime, actor: Actor) -> dict:
    actor.require(_("change a corrective action"))
    incident = incidents.get(session, incident_id)
    if status not in ACTION_STATUSES:
        raise BadInput(_("{status!r} is not an action status ({statuses})").format(status=text.line(status, 40), statuses=", ".join(ACTION_STATUSES)))
    row = session.get(Event, action)
    if row is None or row.incident_id != incident_id or row.kind != "review.action":
        raise BadInput(_("#{action} is not a corrective action of incident #{id} (warroom review {id} lists them)").format(action=action, id=incident_id))
    if status == (now_is := _action_status(session, incident_id, action, row)):
        raise BadInput(_("corrective action #{action} is {status} already: nothing to change").format(action=action, status=now_is))
    return eventlog.append(session, at=now, kind="review.action.status", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/review", summary=f"corrective action #{action}: {status}",
                           data={"action": action, "status": status})


def _action_status(session: Session, incident_id: int, action: int, row: Event) -> str:
    """Where a corrective action stands now: its own status, moved by its latest review.action.status."""
    status = json.loads(row.data).get("status", "open")
    for e in session.exec(select(Event).where(Event.incident_id == incident_id, Event.kind == "review.action.status", col(Event.seq) > action)
                          .order_by(col(Event.seq))).all():
        status = _moved(status, action, json.loads(e.data))
    return status


def _moved(status: str, action: int, data: object) -> str:
    """A corrective action's status after one `review.action.status` event: the review and a change
    replay them alike. One about another action, or an altered row naming no status, leaves it."""
    if isinstance(data, dict) and data.get("action") == action:
        return data.get("status", status)
    return status


# ── improvement over time: every drill of a playbook ───────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class Compared:
    """One measure of one drill in the comparison: both clocks, since drills run at different speeds."""

    incident: int
    speed: float
    wall_seconds: float | None
    scenario_seconds: float | None
    result: str | None  # None: the drill has no such measure (a fallback it never named)


@dataclass(frozen=True, slots=True)
class ComparedMeasure:
    name: str
    drills: tuple[Compared, ...]  # one a drill, in the comparison's order


@dataclass(frozen=True, slots=True)
class Comparison:
    playbook: str
    drills: tuple[Review, ...]  # oldest first
    measures: tuple[ComparedMeasure, ...]  # each measure across the drills, wall-clock and scenario time
    open_actions: tuple[Action, ...]  # corrective actions of every drill but the latest not yet done


def compare(session: Session, playbook_id: str, config: Config, now: datetime) -> Comparison:
    drills = session.exec(select(Incident).where(Incident.playbook_id == playbook_id, Incident.mode == "drill")
                          .order_by(col(Incident.id))).all()
    if not drills:
        known = sorted(set(session.exec(select(Incident.playbook_id).where(Incident.mode == "drill")).all()))
        raise BadInput(_("no drill of playbook {playbook!r} (drilled playbooks: {known})").format(playbook=text.line(playbook_id, 64), known=", ".join(known) or _("none")))
    reviews = tuple(_review(session, d, config, now) for d in drills)
    names: list[str] = []
    for r in reviews:
        names += [m.name for m in r.measures if m.name not in names]
    measures = []
    for name in names:
        cells = []
        for r in reviews:
            m = next((m for m in r.measures if m.name == name), None)
            cells.append(Compared(r.incident, r.speed, m.seconds if m else None, m.scenario_seconds if m else None, m.result if m else None))
        measures.append(ComparedMeasure(name, tuple(cells)))
    still = tuple(a for r in reviews[:-1] for a in r.actions if a.status != "done")
    return Comparison(playbook_id, reviews, tuple(measures), still)
