"""The after-action review (HSEEP AAR/IP): what the event log says the team did, measured against
the playbook's targets, with the evaluators' observations and the corrective actions of the
improvement plan, which are events too.

Every number is read from the incident's timeline (services/incidents.timeline), never from the
state tables, so a review can be recomputed from an export. Times are measured in wall-clock
seconds and reported in scenario time too (wall-clock × the drill's speed): a target of `10m` in a
drill run 10× faster is met by an acknowledgement within one wall-clock minute."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from warroom import durations, text
from warroom.clock import iso, parse_iso
from warroom.config import Config
from warroom.errors import BadInput
from warroom.services import drillmarks, incidents, limits, owed
from warroom.services.actors import Actor
from warroom.store import eventlog
from warroom.store.models import Event, Incident
from warroom.vocabulary import ActionStatus

OBSERVATION_KINDS = ("strength", "improvement")
ACTION_STATUSES = tuple(ActionStatus)
TARGETS = ("acknowledge_within", "fallback_within", "stabilise_within", "resolve_within")
LATE_AFTER_SECONDS = 2  # a deadline the monitor fired within this is on time (as escalation.fire says)
# What counts as the team answering: a person doing something in the incident (not the monitor,
# not the facilitator's script, not the evaluators).
RESPONSES = ("step.", "decision.logged", "escalation.acknowledged", "fallback.", "incident.stabilised", "incident.resolved")


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
    events = incidents.timeline(session, incident, config)
    opened = incident.opened_at
    own = [e for e in events if e.get("incident_id") == incident.id]
    for e in own:
        e["when"] = parse_iso(e["at"])
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

    measures = [_open_measure(session, incident, playbook, measure)]
    ack = next((e for e in own if e["kind"] == "escalation.acknowledged"), None)
    measures.append(measure("acknowledge", "acknowledge_within", ack["when"] if ack else None, ack["seq"] if ack else None))
    seen: set[str] = set()
    for e in own:
        fallback = _data(e).get("fallback")
        if e["kind"] == "fallback.activated" and isinstance(fallback, str) and fallback not in seen:
            seen.add(fallback)
            measures.append(measure(f"fallback:{fallback}", "fallback_within", e["when"], e["seq"]))
    if not seen:
        measures.append(measure("fallback", "fallback_within", None, None))
    stable = next((e for e in own if e["kind"] in ("incident.stabilised", "incident.resolved")), None)
    measures.append(measure("stabilise", "stabilise_within", stable["when"] if stable else None, stable["seq"] if stable else None))
    resolved = next((e for e in own if e["kind"] == "incident.resolved"), None)
    measures.append(measure("resolve", "resolve_within", resolved["when"] if resolved else None, resolved["seq"] if resolved else None))

    steps = tuple(_step(s, own, opened, speed) for s in playbook.steps)
    decisions = tuple(_decision(d, own, opened, speed) for d in playbook.decisions)
    injects = tuple(_inject(e, own) for e in own if e["kind"] == "drill.inject")
    escalations = _escalations(own, playbook, opened, speed)
    observations = tuple(Observation(e["seq"], e["when"], e["actor"], _data(e).get("kind", ""), _data(e).get("text", ""),
                                     _data(e).get("target"), _data(e).get("step")) for e in own if e["kind"] == "review.observation")
    actions = _actions(own, incident.id)
    judged = [m for m in measures if m.result in ("met", "missed", "not reached")]
    wall = _seconds(opened, clock_end)
    return Review(
        incident=incident.id, playbook=incident.playbook_id, mode=incident.mode, title=incident.title, status=incident.status, speed=speed,
        opened_at=opened, ended_at=ended, wall_seconds=wall, scenario_seconds=round(wall * speed, 3), measures=tuple(measures),
        steps=steps, decisions=decisions, injects=injects, escalations=escalations, observations=observations, actions=actions,
        targets_met=sum(m.result == "met" for m in judged), targets_total=len(judged),
    )


def _open_measure(session: Session, incident: Incident, playbook, measure) -> Measure:
    """From the supplier.state change the playbook's trigger matches (the latest one at or before
    the opening) to the opening. A drill opened before its fault has none: not measured."""
    trigger = playbook.trigger
    if trigger is None:
        return Measure("open", None, incident.opened_at, None, None, None, "not measured", None, None)
    table = Event.__table__  # type: ignore[attr-defined]
    query = core_select(table).where(table.c.kind == "supplier.state", table.c.incident_id.is_(None),
                                     table.c.at <= iso(incident.opened_at)).order_by(table.c.seq.desc()).limit(500)
    for row in session.connection().execute(query):
        record = eventlog.record_of(row)
        data = record["data"] if isinstance(record["data"], dict) else {}
        if data.get("supplier") != trigger.supplier or not drillmarks.belongs(data, incident.id):
            continue  # another drill's fault opens no incident of this one
        if data.get("to") == trigger.state:
            found = measure("open", None, incident.opened_at, record["seq"], start=parse_iso(record["at"]))
            return found
        break  # its latest change is not the trigger's: nothing matched since
    return Measure("open", None, incident.opened_at, None, None, None, "not measured", None, None)


def _step(step, own: list[dict], opened: datetime, speed: float) -> StepResult:
    due = opened + durations.scaled(step.due, speed) if step.due else None
    mine = [e for e in own if e["kind"].startswith("step.") and e["kind"] != "step.overdue" and _data(e).get("step") == step.id]
    final = next((e for e in reversed(mine) if e["kind"] in ("step.done", "step.skipped")), None)
    if final is None:
        return StepResult(step.id, step.title, due, "started" if mine else "untouched", mine[-1]["when"] if mine else None, None)
    if final["kind"] == "step.skipped":
        return StepResult(step.id, step.title, due, "skipped", final["when"], None)
    if due is None:
        return StepResult(step.id, step.title, due, "done", final["when"], None)
    late = _seconds(due, final["when"])
    return StepResult(step.id, step.title, due, "late" if late > 0 else "on time", final["when"], late if late > 0 else None)


def _decision(decision, own: list[dict], opened: datetime, speed: float) -> DecisionResult:
    due = opened + durations.scaled(decision.by, speed) if decision.by else None
    # When it was taken (a decision by phone, logged later with --at): owed's rule, as reporting reads it.
    taken = owed.decided_at((e["when"], e["data"], e["seq"]) for e in own if e["kind"] == "decision.logged").get(decision.id)
    if taken is None:
        return DecisionResult(decision.id, decision.question, due, False, None, None, None)
    when, seq = taken
    late = _seconds(due, when) if due else None
    return DecisionResult(decision.id, decision.question, due, True, when, late if late and late > 0 else None, seq)


def _inject(event: dict, own: list[dict]) -> InjectResult:
    data = _data(event)
    after = [e for e in own if e["seq"] > event["seq"]]
    response = next((e for e in after if e["actor"] != "system" and e["kind"].startswith(RESPONSES)), None)
    expect = data.get("expect")
    answer = None
    answered: datetime | None = None
    if isinstance(expect, str):
        answer = next((e for e in after if (e["kind"] == "step.done" and _data(e).get("step") == expect)
                       or (e["kind"] == "decision.logged" and owed.decision_of(e["data"]) == expect)), None)
        if answer is not None:  # a decision counts from when it was taken (--at), never before the inject
            answered = max(event["when"], owed.taken_at(answer["data"], answer["when"])) if answer["kind"] == "decision.logged" else answer["when"]
    fault = data.get("fault")
    return InjectResult(
        seq=event["seq"], n=data.get("inject"), at=event["when"], message=data.get("message"),
        fault=f"{fault.get('supplier')}={fault.get('mode')}" if isinstance(fault, dict) else None,
        late_seconds=data.get("late_seconds"), error=data.get("error"),
        first_response_seconds=_seconds(event["when"], response["when"]) if response else None,
        first_response_seq=response["seq"] if response else None,
        expect=expect, expect_seconds=_seconds(event["when"], answered) if answered else None, expect_seq=answer["seq"] if answer else None,
    )


def _escalations(own: list[dict], playbook, opened: datetime, speed: float) -> tuple[EscalationResult, ...]:
    out = []
    for level, rung in enumerate(playbook.ladder(), start=1):
        fired = next((e for e in own if e["kind"] == "escalation.due" and _data(e).get("level") == level), None)
        acked = next((e for e in own if e["kind"] == "escalation.acknowledged" and _data(e).get("level") == level), None)
        late = _data(fired).get("late_seconds") if fired else None
        out.append(EscalationResult(
            level=level, due_at=opened + durations.scaled(rung.after, speed), fired_at=fired["when"] if fired else None,
            late_seconds=late, late=isinstance(late, (int, float)) and late >= LATE_AFTER_SECONDS,
            acked_at=acked["when"] if acked else None, acked_by=acked["actor"] if acked else None,
            ack_seconds=_seconds(fired["when"], acked["when"]) if fired and acked else None,
        ))
    return tuple(out)


def _actions(own: list[dict], incident_id: int) -> tuple[Action, ...]:
    actions: dict[int, dict] = {}
    for e in own:
        data = _data(e)
        if e["kind"] == "review.action":
            actions[e["seq"]] = {"seq": e["seq"], "incident": incident_id, "at": e["when"], "by": e["actor"], "text": data.get("text", ""),
                                 "owner": data.get("owner", ""), "due": data.get("due", ""), "status": data.get("status", "open")}
        elif e["kind"] == "review.action.status" and data.get("action") in actions:
            actions[data["action"]]["status"] = data.get("status", "open")
    return tuple(Action(**a) for a in actions.values())


# ── the evaluators' record: observations and the improvement plan ──────────────────────────────

def observe(session: Session, *, incident_id: int, kind: str, text_: str, target: str | None, step: str | None,
            now: datetime, actor: Actor) -> dict:
    actor.require("add an observation")
    limits.check_text(text_, "the observation")
    incident = incidents.get(session, incident_id)
    if kind not in OBSERVATION_KINDS:
        raise BadInput(f"{text.line(kind, 40)!r} is not an observation kind ({', '.join(OBSERVATION_KINDS)})")
    if not text_.strip():
        raise BadInput("the observation is empty")
    if (target is None) == (step is None):
        raise BadInput("tie the observation to one target (--target) or one step (--step)")
    playbook = incidents.snapshot(incident)
    if target is not None and target not in TARGETS:
        raise BadInput(f"--target {text.line(target, 40)!r} is not a target ({', '.join(TARGETS)})")
    targets = set_targets(playbook)
    if target is not None and target not in targets:
        raise BadInput(f"--target: playbook {incident.playbook_id} of incident #{incident_id} sets no {target} "
                       f"(its targets: {', '.join(targets) or 'none'})")
    steps = [s.id for s in playbook.steps]
    if step is not None and step not in steps:
        raise BadInput(f"--step: incident #{incident_id} has no step {text.line(step, 40)!r} (steps: {', '.join(steps)})")
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
    actor.require("add a corrective action")
    limits.check_text(text_, "the action")
    limits.check_text(owner, "the owner")
    incident = incidents.get(session, incident_id)
    if not text_.strip():
        raise BadInput("the corrective action is empty")
    if not owner.strip():
        raise BadInput("--owner is empty: every corrective action has someone responsible")
    if config.people and owner not in config.people:
        raise BadInput(f"--owner {text.line(owner, 40)!r} is not in [people] of warroom.toml (people: {', '.join(sorted(config.people))})")
    day = due_day(due)
    began = incident.opened_at.astimezone(ZoneInfo(config.settings.timezone)).date()
    if day < began:
        raise BadInput(f"due date {day.isoformat()} is before incident #{incident_id} began ({began.isoformat()})")
    return eventlog.append(session, at=now, kind="review.action", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/review", summary=f"corrective action for {owner}, due {day.isoformat()}: {text_}",
                           data={"text": text_, "owner": owner, "due": day.isoformat(), "status": "open"})


def due_day(due: str) -> date:
    """A corrective action's due date, `YYYY-MM-DD` exactly: strptime alone took `2026-1-5`, and
    fromisoformat takes `20260105`. The message names the due date, not a face's flag or field."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", due) is None:
            raise ValueError
        return date.fromisoformat(due)
    except ValueError:
        raise BadInput(f"due date {text.line(due, 40)!r} is not a date (write YYYY-MM-DD, like 2026-12-15)") from None


def set_action_status(session: Session, *, incident_id: int, action: int, status: str, now: datetime, actor: Actor) -> dict:
    actor.require("change a corrective action")
    incident = incidents.get(session, incident_id)
    if status not in ACTION_STATUSES:
        raise BadInput(f"{text.line(status, 40)!r} is not an action status ({', '.join(ACTION_STATUSES)})")
    row = session.get(Event, action)
    if row is None or row.incident_id != incident_id or row.kind != "review.action":
        raise BadInput(f"#{action} is not a corrective action of incident #{incident_id} (warroom review {incident_id} lists them)")
    return eventlog.append(session, at=now, kind="review.action.status", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/review", summary=f"corrective action #{action}: {status}",
                           data={"action": action, "status": status})


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
        raise BadInput(f"no drill of playbook {text.line(playbook_id, 64)!r} (drilled playbooks: {', '.join(known) or 'none'})")
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
