"""Running an incident: start it from a playbook, work its steps, move it through its lifecycle,
keep its decision log, and read it back. Each function is one use case in the caller's write
transaction; every change appends its event in that same transaction."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from warroom import durations, text
from warroom import words as shown_words
from warroom.clock import parse_iso
from warroom.config import Config, notified
from warroom.durations import span
from warroom.errors import BadInput, LogAltered
from warroom.i18n import N_, _
from warroom.playbooks.schema import Playbook
from warroom.services import limits, ongoing, owed, views
from warroom.services.actors import Actor

# The timeline's rule and read, in Core (the exports take them from there without this module); named here too.
from warroom.services.timelines import (  # noqa: F401
    TimelineQuery,
    involved_suppliers,
    merged,
    parse_snapshot,
    snapshot,
    summary,
    timeline_query,
)
from warroom.store import chain, derive, eventlog, statecheck
from warroom.store.models import Escalation, FallbackActivation, Incident, IncidentStep
from warroom.vocabulary import StepAction, transition_refusal, words

if TYPE_CHECKING:
    from warroom.services.reporting import Reported

_STAMPS = {"stabilised": "stabilised_at", "resolved": "resolved_at", "closed": "closed_at"}  # the rules: vocabulary.LIFECYCLE
# What a refusal says the actor wanted to do with a step, per action (one whole phrase each: the words differ in Dutch).
_STEP_DOING = {"start": N_("start a step"), "done": N_("done a step"), "skip": N_("skip a step")}


def _event(session: Session, incident: Incident, actor: Actor, now: datetime, event_kind: str, summary: str, obj: str = "", **data: Any) -> dict:
    return eventlog.append(
        session, at=now, kind=event_kind, actor=actor.user, origin=actor.origin, incident_id=incident.id,
        object=f"incident:{incident.id}{'/' + obj if obj else ''}", summary=summary, data=data,
    )


def get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise ongoing.no_incident(session.connection(), incident_id)
    return incident


def require_open(incident: Incident, doing: str) -> None:
    if incident.status == "closed":
        # TRANSLATORS: {doing} is a phrase like "start an incident", translated on its own.
        raise BadInput(_("cannot {doing}: incident #{id} is closed").format(doing=doing, id=incident.id))


MAX_SPEED = 3600.0  # an hour's scenario in a second: faster than the monitor can fire anything


def check_speed(speed: float, mode: str) -> float:
    if speed != 1 and mode != "drill":
        raise BadInput(_("--speed is for drills only: a live incident runs in real time (add --drill)"))
    if not (isinstance(speed, (int, float)) and math.isfinite(speed) and 1 <= speed <= MAX_SPEED):
        raise BadInput(_("--speed {speed}: a drill runs from 1 to {most:g} times faster than its playbook").format(speed=text.line(speed, 40), most=MAX_SPEED))
    return float(speed)


def scaled(incident: Incident, delta: timedelta) -> timedelta:
    """A playbook time as this incident runs it (a compressed drill runs it `speed` times faster)."""
    return durations.scaled(delta, incident.speed)


def start(session: Session, *, playbook: Playbook, mode: str, now: datetime, actor: Actor, speed: float = 1.0) -> Incident:
    actor.require(_("start an incident"))
    speed = check_speed(speed, mode)
    incident = Incident(
        playbook_id=playbook.id, playbook_version=playbook.version, mode=mode, title=playbook.title, status="open", speed=speed,
        playbook=json.dumps(playbook.model_dump(mode="json", by_alias=True), sort_keys=True),
        opened_by=actor.user, opened_at=now,
    )
    session.add(incident)
    session.flush()
    assert incident.id is not None  # given by the flush
    for position, step in enumerate(playbook.steps):
        session.add(IncidentStep(incident_id=incident.id, step_id=step.id, position=position, title=step.title, source="playbook",
                                 status="pending", due_at=now + scaled(incident, step.due) if step.due else None))
    for level, rung in enumerate(playbook.ladder(), start=1):
        session.add(Escalation(incident_id=incident.id, level=level, notify=json.dumps(rung.notify), message=rung.message,
                               due_at=now + scaled(incident, rung.after)))
    marker = "DRILL" if mode == "drill" else "LIVE"
    faster = f", {speed:g}× faster" if speed != 1 else ""
    extra: dict[str, Any] = {"speed": speed} if speed != 1 else {}  # what verify derives the row's speed and deadlines from
    _event(session, incident, actor, now, "incident.opened",
           f"{marker}: opened incident #{incident.id} from playbook {playbook.id} (v{playbook.version}{faster})",
           playbook=playbook.id, version=playbook.version, mode=mode, title=playbook.title,
           snapshot_sha256=derive.sha256(incident.playbook), **extra)  # the steps, ladder and decisions derive from it
    return incident


def step(session: Session, *, incident_id: int, step_id: str, action: str, note: str | None, now: datetime, actor: Actor) -> IncidentStep:
    actor.require(_("change a step"))
    limits.check_text(note, "the note")
    incident = get(session, incident_id)
    require_open(incident, _(_STEP_DOING[action]) if action in _STEP_DOING else _("change a step"))
    row = session.get(IncidentStep, (incident_id, step_id))
    if row is None:
        known = session.exec(select(IncidentStep.step_id).where(IncidentStep.incident_id == incident_id).order_by(col(IncidentStep.position))).all()
        raise BadInput(_("incident #{id} has no step {step!r} (steps: {steps})").format(id=incident_id, step=step_id, steps=", ".join(known)))
    if action not in words(StepAction):
        raise BadInput(_("{action!r} is not a step action ({actions})").format(action=action, actions=", ".join(words(StepAction))))
    target = StepAction(action).status
    if row.status in ("done", "skipped") or row.status == target:
        when = _("{span} ago").format(span=span(now - row.changed_at)) if row.changed_at else _("earlier")
        raise BadInput(_("step {step} is already {status} (by {who}, {when}); nothing was recorded").format(
            step=step_id, status=shown_words.shown(row.status, shown_words.STEP_STATUS), who=row.changed_by, when=when))
    row.status, row.changed_at, row.changed_by, row.note = target, now, actor.user, note or row.note
    session.add(row)
    late = ""
    if target == "done" and row.due_at and now > row.due_at:
        late = f" ({span(now - row.due_at)} after its due time)"
    _event(session, incident, actor, now, f"step.{target}", f"step {step_id} {target}{late}: {row.title}" + (f" — {note}" if note else ""),
           f"step:{step_id}", step=step_id, note=note)
    return row


def transition(session: Session, *, incident_id: int, to: str, now: datetime, actor: Actor, note: str | None = None) -> Incident:
    actor.require(_("mark an incident {status}").format(status=shown_words.shown(to, shown_words.INCIDENT_STATUS)))
    limits.check_text(note, "the note")
    if to not in _STAMPS:
        raise BadInput(transition_refusal("", to) or "")
    incident = get(session, incident_id)
    stamp = _STAMPS[to]
    refusal = transition_refusal(incident.status, to)
    if refusal:
        raise BadInput(_("cannot mark incident #{id} {status}: {refusal}").format(
            id=incident_id, status=shown_words.shown(to, shown_words.INCIDENT_STATUS), refusal=refusal))
    if to == "closed":  # a closed incident cannot be changed, so nothing may be left switched on
        active = session.exec(select(FallbackActivation.fallback_id).where(
            FallbackActivation.incident_id == incident_id, col(FallbackActivation.deactivated_at).is_(None))).all()
        if active:
            raise BadInput(_("cannot close incident #{id}: fallback {fallbacks} is still active (stand it down first, saying how it went)").format(
                id=incident_id, fallbacks=", ".join(active)))
    before = incident.status
    incident.status = to
    setattr(incident, stamp, now)
    session.add(incident)
    if to == "resolved":  # resolving stops the ladder: no one is paged for a solved problem
        for level in session.exec(select(Escalation).where(Escalation.incident_id == incident_id, col(Escalation.fired_at).is_(None))).all():
            level.cancelled = True
            session.add(level)
    data: dict[str, Any] = {"from": before, "to": str(to), "note": note}  # `from` is a keyword: spelled as a dict
    _event(session, incident, actor, now, f"incident.{to}", f"incident #{incident_id} {to} (was {before})" + (f" — {note}" if note else ""),
           **data)
    return incident


# ── read models ────────────────────────────────────────────────────────────────────────────────

def listing(session: Session) -> tuple[views.IncidentSummary, ...]:
    return tuple(summary(i) for i in session.exec(select(Incident).order_by(col(Incident.id).desc())).all())


def timeline(session: Session, incident: Incident, config: Config) -> list[dict[str, Any]]:
    """The incident's timeline (TimelineQuery), whole, in seq order."""
    connection = session.connection()
    query = timeline_query(incident, config).upto(eventlog.head(connection)[0])
    # Lazy records with their stored text: hashed as stored, their JSON parsed only when read.
    return list(merged(connection, query))


def show(session: Session, incident_id: int, config: Config, now: datetime) -> views.IncidentView:
    """The incident as `incident show` prints it: the export's shape plus its current state."""
    incident = get(session, incident_id)
    events = timeline(session, incident, config)
    broken = chain.check_stream_subset(events, complete={f"incident:{incident.id}"})
    # Sound events are not enough: the incident's rows must be the ones they derive.
    difference = None if broken else statecheck.incident_difference(session.connection(), incident_id, events)
    problem = str(broken) if broken else _differs(difference) if difference else None
    shown = tuple(_event_view(incident_id, e) for e in events)  # first: a time that is no instant is named as altered
    reported = _reporting().Reported()
    for e in events:
        reported.add(e)
    return _view(session, incident, config, now, shown, problem, reported)


def _differs(difference: Any) -> str:
    return _("the incident's tables differ from its events: {difference}").format(difference=difference)


class Following:
    """`show` for a screen that keeps one incident open while its log grows (the incident room: a
    war-room has twenty open, and the log grows by several entries a second): each read takes only
    the events appended since the one before, checks them as the continuation of what it checked,
    and feeds them to the same table check, where `show` reads, hashes and derives the whole
    timeline again (at 6,000 events, 150 ms of CPU a read and a screen). The few rows of steps,
    ladder, fallbacks and decisions are read whole, as `show` reads them.

    It starts again from the first event (as `show` does) when what it followed no longer holds:
    the newest event it read is gone or has another hash (a restore, a rewrite), or the incident's
    timeline rule changed (closed, reopened). An event altered in place, its hash kept, at or below
    the newest one read, is not seen so: `again()` starts over, and the room calls it now and then
    (tui/reader.ROOM_CHECK_SECONDS), so that such an event is named there too."""

    def __init__(self, incident_id: int):
        self.incident_id = incident_id
        self.again()

    def again(self) -> None:
        self._events: list[views.EventView] = []
        self._check = chain.SubsetCheck({f"incident:{self.incident_id}"})
        self._tables = statecheck.TableCheck()
        self._reported = _reporting().Reported()
        self._rule: tuple[Any, ...] | None = None
        self._last: tuple[int, str] | None = None  # (seq, hash) of the newest event read

    def view(self, session: Session, config: Config, now: datetime) -> views.IncidentView:
        try:
            return self._view(session, config, now)
        except BaseException:
            self.again()  # half a read taken in would be checked twice: the next starts from the first event
            raise

    def _view(self, session: Session, config: Config, now: datetime) -> views.IncidentView:
        incident = get(session, self.incident_id)
        query = timeline_query(incident, config)
        rule = (incident.opened_at, incident.closed_at, query.involved, query.drill)
        connection = session.connection()
        if rule != self._rule or (self._last is not None and eventlog.hash_at(connection, self._last[0]) != self._last[1]):
            self.again()
            self._rule = rule
        records = merged(connection, query.upto(eventlog.head(connection)[0]), after=self._last[0] if self._last else 0)
        self._tables.begin(connection)  # the derivation reads a playbook snapshot through it
        feed, tables_feed, report = self._check.feed, self._tables.feed, self._reported.add
        altered = None
        for record in records:
            try:
                shown = _event_view(self.incident_id, record)  # first: a time that is no instant is named as altered
            except LogAltered as exc:
                # Said as the chain's problem; what follows it waits here, and is read again next time.
                altered = str(exc)
                break
            feed(record)
            if record.get("incident_id") == self.incident_id:
                tables_feed(record)
            report(record)
            self._events.append(shown)
            self._last = (record["seq"], record["hash"])
        broken = self._check.broken
        difference = None
        if broken is None and altered is None:
            self._tables.end(self.incident_id)
            difference = self._tables.difference
        problem = str(broken) if broken else altered or (_differs(difference) if difference else None)
        return _view(session, incident, config, now, tuple(self._events), problem, self._reported)


def _view(session: Session, incident: Incident, config: Config, now: datetime, events: tuple[views.EventView, ...], problem: str | None,
          reported: Reported) -> views.IncidentView:
    """An incident's view from its events (already read, checked and shown), what they say of its
    reports and answered decisions (reporting.Reported), and its state rows."""
    incident_id = incident.id
    assert incident_id is not None
    playbook = snapshot(incident)
    steps = session.exec(select(IncidentStep).where(IncidentStep.incident_id == incident_id).order_by(col(IncidentStep.position))).all()
    activations = session.exec(select(FallbackActivation).where(FallbackActivation.incident_id == incident_id)).all()
    details = {st.id: st.details for st in playbook.steps}
    roles = {st.id: st.role for st in playbook.steps}
    register = config.fallbacks()
    involved = involved_suppliers(playbook, config)  # once: asked per supplier, it read the register 1,000 times a view (most of a TUI's CPU)
    live = incident.status in owed.LIVE
    return views.IncidentView(
        incident=summary(incident),
        events=events,
        chain=views.ChainState(head=events[-1].hash if events else None, verified=problem is None, problem=problem),
        steps=tuple(views.StepView(
            id=s.step_id, title=s.title, source=s.source, status=s.status, due_at=s.due_at,
            overdue=owed.is_late(s.status, s.due_at, now, live),
            changed_at=s.changed_at, changed_by=s.changed_by, note=s.note, details=details.get(s.step_id, "") if s.source == "playbook" else "",
            role=roles.get(s.step_id) if s.source == "playbook" else None,
        ) for s in steps),
        ladder=ladder(session, incident, config),
        fallbacks=tuple(views.IncidentFallback(
            id=f, title=register[f][1].title if f in register else f, needs_decision=register[f][1].needs_decision if f in register else False,
            active=any(a.fallback_id == f and a.deactivated_at is None for a in activations),
            activations=tuple(views.FallbackUse(activated_at=a.activated_at, by=a.activated_by, reason=a.reason,
                                                deactivated_at=a.deactivated_at, result=a.result) for a in activations if a.fallback_id == f),
            supplier=register[f][0].id if f in register else "", owner=register[f][1].owner if f in register else "",
            steps=tuple(register[f][1].steps) if f in register else (),
        ) for f in playbook.fallbacks),
        open_decisions=tuple(views.OpenDecision(id=o.decision.id, question=o.decision.question, due_at=o.due_at, overdue=o.overdue)
                             for o in owed.open_decisions(playbook, set(reported.taken),  # the answered ones, as owed.decided finds them
                                                          incident.opened_at, now, live, incident.speed)),
        suppliers=tuple(views.SupplierContacts(id=s.id, name=s.name, contacts=tuple(s.contacts))
                        for s in config.suppliers if s.id in involved),
        reporting=reported.clocks(playbook, config, incident, now),
    )


def ladder(session: Session, incident: Incident, config: Config) -> tuple[views.LevelView, ...]:
    """The escalation ladder as it stands; a drill's levels name only targets marked for drills (Config.reached)."""
    drill = incident.mode == "drill"
    levels = []
    for e in session.exec(select(Escalation).where(Escalation.incident_id == incident.id).order_by(col(Escalation.level))).all():
        reached = config.reached(json.loads(e.notify), drill=drill)
        levels.append(views.LevelView(
            level=e.level, notify=tuple(reached), message=e.message, due_at=e.due_at,
            state="cancelled" if e.cancelled else "acknowledged" if e.acked_at else "fired" if e.fired_at else "pending",
            fired_at=e.fired_at, late_seconds=e.late_seconds, acked_at=e.acked_at, acked_by=e.acked_by,
            contacts=tuple(_contact(config, t) for t in reached), who=notified(reached, drill=drill, shown=True)))
    return tuple(levels)


def _contact(config: Config, target: str) -> str:
    """A notify target as the one who must make the call needs it: name, phone, e-mail."""
    known = config.notify.get(target)
    if known is None:
        return target
    return " · ".join(x for x in (known.name, known.phone, known.email) if x)


def _reporting():
    from warroom.services import reporting  # it reads incidents' snapshots: imported late, one way round

    return reporting


def _event_view(incident_id: int, record: dict[str, Any]) -> views.EventView:
    try:
        at = parse_iso(record["at"])
    except (TypeError, ValueError):
        # Its time is hashed: a row whose time is not the stored spelling was written by hand.
        raise LogAltered(_("incident #{id}: event #{seq} has no readable time ({at!r}): the log was altered (warroom verify)").format(
            id=incident_id, seq=record["seq"], at=text.line(record["at"], 40))) from None
    return views.EventView(seq=record["seq"], at=at, kind=record["kind"], actor=record["actor"], summary=record["summary"],
                           data=record["data"], prev_hash=record["prev_hash"], hash=record["hash"], origin=record.get("origin"))
