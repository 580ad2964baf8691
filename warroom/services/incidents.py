"""Running an incident: start it from a playbook, work its steps, move it through its lifecycle,
keep its decision log, and read it back. Each function is one use case in the caller's write
transaction; every change appends its event in that same transaction."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from warroom import durations, text
from warroom import words as shown_words
from warroom.clock import iso, parse_iso
from warroom.config import Config, notified
from warroom.durations import span
from warroom.errors import BadInput, LogAltered
from warroom.i18n import N_, _
from warroom.playbooks.schema import Playbook
from warroom.services import drillmarks, limits, ongoing, owed, views
from warroom.services.actors import Actor
from warroom.store import chain, derive, eventlog, statecheck, tables
from warroom.store.models import Escalation, FallbackActivation, Incident, IncidentStep
from warroom.vocabulary import Mode, StepAction, transition_refusal, words
from warroom.vocabulary import Status as IncidentStatus

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from warroom.services.reporting import Reported

_STAMPS = {"stabilised": "stabilised_at", "resolved": "resolved_at", "closed": "closed_at"}  # the rules: vocabulary.LIFECYCLE
# What a refusal says the actor wanted to do with a step, per action (one whole phrase each: the words differ in Dutch).
_STEP_DOING = {"start": N_("start a step"), "done": N_("done a step"), "skip": N_("skip a step")}


def _event(session: Session, incident: Incident, actor: Actor, now: datetime, event_kind: str, summary: str, obj: str = "", **data: Any) -> dict:
    return eventlog.append(
        session, at=now, kind=event_kind, actor=actor.user, origin=actor.origin, incident_id=incident.id,
        object=f"incident:{incident.id}{'/' + obj if obj else ''}", summary=summary, data=data,
    )


def snapshot(incident: Incident) -> Playbook:
    """The playbook as the incident ran it (not as the file says today)."""
    return parse_snapshot(incident.playbook)


@lru_cache(maxsize=4096)
def parse_snapshot(text: str) -> Playbook:
    # A snapshot never changes and Playbook is frozen: parse each once, not on every deadline sync.
    return Playbook.model_validate(json.loads(text))


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

def summary(incident: Incident) -> views.IncidentSummary:
    assert incident.id is not None  # read from the table
    return views.IncidentSummary(
        id=incident.id, playbook=incident.playbook_id, playbook_version=incident.playbook_version, mode=Mode(incident.mode),
        title=incident.title, status=IncidentStatus(incident.status), opened_by=incident.opened_by, opened_at=incident.opened_at,
        stabilised_at=incident.stabilised_at, resolved_at=incident.resolved_at, closed_at=incident.closed_at, speed=incident.speed,
    )


def listing(session: Session) -> tuple[views.IncidentSummary, ...]:
    return tuple(summary(i) for i in session.exec(select(Incident).order_by(col(Incident.id).desc())).all())


def involved_suppliers(playbook: Playbook, config: Config) -> set[str]:
    """Suppliers whose state changes belong in this incident's timeline: trigger, fallbacks, faults."""
    register = config.fallbacks()
    involved = {playbook.trigger.supplier} if playbook.trigger else set()
    involved |= {register[f][0].id for f in playbook.fallbacks if f in register}
    involved |= {i.fault.supplier for i in playbook.drill.injects if i.fault}
    return involved


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    """The one rule of an incident's timeline (DESIGN §6): its own events, and the supplier.state
    changes of the suppliers its playbook involves between its opening and its closing; a change a
    drill caused only in that drill's (drillmarks.in_timeline). `incident show` reads it here, the
    exports through services/exports.py (which cut a window of it)."""

    own: tuple[Any, ...]  # criteria on the event table
    suppliers: tuple[Any, ...]
    involved: frozenset[str]
    incident_id: int | None
    drill: bool

    def keeps(self, data: Any) -> bool:
        """Whether a supplier.state change the `suppliers` criteria found is in the timeline."""
        return drillmarks.in_timeline(data, self.involved, self.incident_id)


def timeline_query(incident: Incident, config: Config) -> TimelineQuery:
    table = tables.EVENT
    closing = iso(incident.closed_at) if incident.closed_at else "9999"
    return TimelineQuery(own=(table.c.incident_id == incident.id,),
                         suppliers=(table.c.kind == "supplier.state", table.c.incident_id.is_(None),
                                    table.c.at >= iso(incident.opened_at), table.c.at <= closing),
                         involved=frozenset(involved_suppliers(snapshot(incident), config)), incident_id=incident.id,
                         drill=incident.mode == "drill")


def timeline(session: Session, incident: Incident, config: Config) -> list[dict[str, Any]]:
    """The incident's timeline (TimelineQuery), whole, in seq order."""
    connection = session.connection()
    query = timeline_query(incident, config)
    bound = upto(connection)
    # Lazy records with their stored text: hashed as stored, their JSON parsed only when read.
    return list(merged(connection, query, (*query.own, bound), (*query.suppliers, bound)))


def merged(connection: Connection, query: TimelineQuery, own: Sequence[Any], suppliers: Sequence[Any] | None, *,
           after: int = 0) -> Iterator[dict[str, Any]]:
    """The events matching `own`, and the supplier changes matching `suppliers` that the timeline
    keeps, after seq `after`, as one run in seq order. No supplier change is read where the rule can
    keep none (no supplier involved, no drill) or `suppliers` is None."""
    mine = eventlog.matching(connection, *own, after=after)
    if suppliers is None or not (query.involved or query.drill):
        return mine
    return by_seq(mine, (r for r in eventlog.matching(connection, *suppliers, after=after) if query.keeps(r["data"])))


def by_seq(mine: Iterator[dict[str, Any]], theirs: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Two runs of events in seq order as one, as heapq.merge keyed on seq gives them (on a tie, the
    incident's own first), at one comparison an event: an incident's own are nearly all of them."""
    get = dict.get
    their = next(theirs, None)
    if their is None:
        yield from mine
        return
    bound: Any = get(their, "seq")
    for own in mine:
        if get(own, "seq") > bound:
            while their is not None and get(own, "seq") > bound:
                yield their
                their = next(theirs, None)
                bound = get(their, "seq") if their is not None else None
            if their is None:
                yield own
                yield from mine
                return
        yield own
    if their is not None:
        yield their
        yield from theirs




def upto(connection: Any) -> Any:
    """The log as it stands now, for a read in several statements: on PostgreSQL (read committed)
    each statement sees the commits made since the one before, and a supplier's change committed
    between the two queries of a timeline would be missing from it while a later entry is there.
    Appends are serialised and numbered in commit order, so every event up to the head read here
    is committed, and each query sees the same ones."""
    return tables.EVENT.c.seq <= eventlog.head(connection)[0]


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
        bound = upto(connection)
        records = merged(connection, query, (*query.own, bound), (*query.suppliers, bound), after=self._last[0] if self._last else 0)
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
