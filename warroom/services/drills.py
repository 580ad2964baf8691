"""Running a drill: its scripted injects (the MSEL), fired by the monitor at their time exactly once,
held, skipped or fired early by the facilitator; ad-hoc injects; and healing, when the drill ends,
the simulated suppliers its faults broke.

An inject's time is the drill's opening plus its `at`, compressed by the drill's speed: both are
stored when the drill starts (the incident row and its snapshot), as a decision's deadline is, so
a monitor restarted mid-drill finds every inject that is due and fires the late ones late, saying
how late. Firing, skipping and holding each claim a unique event key, so an inject fires once
however many monitors or facilitators act at once.

Breaking a supplier is a call to the simulator (services/simulator.py), which may not answer: it
is made outside any transaction, with a short timeout, and never holds the drill. The inject's
event is recorded FIRST (`record`: it claims the inject's key and names the fault), the simulator
is called after (`deliver`), and a call that failed is an event of its own after that
(`record_failed`, `drill.inject_failed`). So the log holds the fault before the supplier can fall,
and the monitor marks the fall as the drill's however slow the call or the writes (drillmarks); a
process killed in between leaves a recorded fault that either took (its fall marked) or did not
(harmless: healing when the drill ends sets the supplier up, which it already is).

Players never read the script: only `msel()` shows injects that have not fired, and it refuses
anyone but a facilitator."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from warroom import i18n, text
from warroom import words as shown_words
from warroom.clock import iso, parse_iso
from warroom.config import Config
from warroom.errors import BadInput
from warroom.i18n import N_, _
from warroom.playbooks.schema import Inject
from warroom.services import drillmarks, lease, owed, views
from warroom.services.actors import Actor
from warroom.services.incidents import get, scaled, snapshot, span
from warroom.store import eventlog
from warroom.store.models import Event, Incident
from warroom.vocabulary import SimulatorMode, words

if TYPE_CHECKING:
    from warroom.store.engine import Store

SYSTEM = "system"
LATE_AFTER_SECONDS = 2  # as escalation deadlines: within this, the monitor fired it on time


def due_key(incident_id: int, n: int) -> str:
    """Claimed by firing or skipping scripted inject n: whichever comes first, once."""
    return f"inject-due:{incident_id}:{n}"


# What a refusal says the facilitator wanted to do with a scripted inject (one whole phrase each).
_INJECT_DOING = {"fire": N_("fire an inject"), "hold": N_("hold an inject"), "skip": N_("skip an inject")}


def hold_key(incident_id: int, n: int) -> str:
    return f"inject-hold:{incident_id}:{n}"


def planned_at(incident: Incident, inject: Inject) -> datetime:
    return incident.opened_at + scaled(incident, inject.at)


def is_facilitator(actor: Actor, incident: Incident) -> bool:
    """The drill's facilitator: a person with the facilitator role, or whoever started the drill."""
    return actor.role == "facilitator" or actor.user == incident.opened_by


def require_facilitator(actor: Actor, incident: Incident, doing: str) -> None:
    if not is_facilitator(actor, incident):
        # TRANSLATORS: {doing} is a phrase like "fire an inject"; {role} is the role word of warroom.toml, as written there.
        said = (_("only the drill's facilitator can {doing}: {user} is an {role} (the facilitator is whoever started drill #{id}, {opener}, or a facilitator in [people])")
                if actor.role[:1] in "aeiou" else  # an observer, a coordinator
                _("only the drill's facilitator can {doing}: {user} is a {role} (the facilitator is whoever started drill #{id}, {opener}, or a facilitator in [people])"))
        raise BadInput(said.format(doing=doing, user=actor.user, role=actor.role, id=incident.id, opener=incident.opened_by))


def require_drill(incident: Incident, doing: str) -> None:
    if incident.mode != "drill":
        raise BadInput(_("cannot {doing}: incident #{id} is live, not a drill (injects are for drills only)").format(doing=doing, id=incident.id))
    if incident.status not in owed.LIVE:
        raise BadInput(_("cannot {doing}: drill #{id} is {status}").format(
            doing=doing, id=incident.id, status=shown_words.shown(incident.status, shown_words.INCIDENT_STATUS)))


def parse_fault(spec: str, config: Config) -> tuple[str, str]:
    """`SUPPLIER=MODE`, both checked: BadInput names what is wrong."""
    supplier, sep, mode = spec.partition("=")
    supplier, mode = supplier.strip(), mode.strip()
    if not sep or not supplier or not mode:
        raise BadInput(_("--fault {spec!r}: write SUPPLIER=MODE, like nlcloud=down").format(spec=text.line(spec, 60)))
    known = [s.id for s in config.suppliers]
    if supplier not in known:
        shown = ", ".join(known[:12]) + (_(", … ({n} in all)").format(n=len(known)) if len(known) > 12 else "")
        raise BadInput(_("--fault: no supplier {supplier!r} in warroom.toml (suppliers: {known})").format(
            supplier=text.line(supplier, 60), known=shown or _("none")))
    if mode not in words(SimulatorMode):
        raise BadInput(_("--fault: {mode!r} is not a simulator mode ({modes})").format(mode=text.line(mode, 40), modes=", ".join(words(SimulatorMode))))
    return supplier, mode


# ── what is due, and what has happened to each inject ──────────────────────────────────────────

@dataclass(frozen=True)
class Plan:
    """One inject to deliver: scripted (n) or ad hoc (n None)."""

    incident_id: int
    n: int | None
    message: str
    fault: tuple[str, str] | None  # supplier, mode
    expect: str | None
    planned_at: datetime | None


def _keys(session: Session, incident_id: int) -> dict[str, Event]:
    rows = session.exec(select(Event).where(Event.incident_id == incident_id, col(Event.key).is_not(None),
                                            col(Event.kind).startswith("drill."))).all()
    return {e.key: e for e in rows if e.key}


def pending(incidents: list[Incident], claimed: set[str]) -> list[tuple[int, int, datetime]]:
    """(incident, n, time) of every scripted inject of these active drills not fired, skipped or held."""
    out = []
    for incident in incidents:
        if incident.mode != "drill":
            continue
        assert incident.id is not None
        for n, inject in enumerate(snapshot(incident).drill.injects, start=1):
            if due_key(incident.id, n) not in claimed and hold_key(incident.id, n) not in claimed:
                out.append((incident.id, n, planned_at(incident, inject)))
    return out


def scripted(session: Session, incident_id: int, n: int, *, held_too: bool = False) -> Plan | None:
    """Scripted inject n of a drill, when it may still fire (None: fired, skipped, the drill ended,
    or held, unless `held_too`: the facilitator firing a held inject)."""
    incident = session.get(Incident, incident_id)
    if incident is None or incident.mode != "drill" or incident.status not in owed.LIVE:
        return None
    injects = snapshot(incident).drill.injects
    keys = _keys(session, incident_id)
    if not 1 <= n <= len(injects) or due_key(incident_id, n) in keys or (hold_key(incident_id, n) in keys and not held_too):
        return None
    inject = injects[n - 1]
    fault = (inject.fault.supplier, str(inject.fault.mode)) if inject.fault else None
    return Plan(incident_id, n, inject.message, fault, inject.expect, planned_at(incident, inject))


def record(session: Session, plan: Plan, *, now: datetime, actor: Actor, by_monitor: bool, holder: str | None = None) -> dict | None:
    """The inject's `drill.inject` event, BEFORE its fault (if any) is set (`deliver`): from here on
    the drill holds that supplier broken. None, and nothing is to be set, when the drill ended or
    a scripted inject was fired, skipped or (for the monitor) held meanwhile."""
    if holder is not None:
        lease.require(session, holder=holder, now=now)
    incident = get(session, plan.incident_id)
    if incident.status not in owed.LIVE:
        return None
    if by_monitor and plan.n is not None and hold_key(plan.incident_id, plan.n) in _keys(session, plan.incident_id):
        return None  # held since the monitor read it: only the facilitator fires it now
    late = round((now - plan.planned_at).total_seconds(), 1) if plan.planned_at else None
    parts = []
    if plan.n is not None:
        what = f"inject {plan.n}"
        if by_monitor and late is not None and late >= LATE_AFTER_SECONDS:
            what += f" (fired {span(timedelta(seconds=round(late)))} late)"
        elif not by_monitor:
            what += f" (fired by {actor.name}" + (f", {span(timedelta(seconds=round(-late)))} early)" if late is not None and late <= -1 else ")")
    else:
        what = f"ad-hoc inject by {actor.name}"
    if plan.message:
        parts.append(plan.message)
    if plan.fault:
        supplier, mode = plan.fault
        parts.append(f"sets simulated {supplier} {mode}")
    # No `error`: whether the simulator took the fault is known only after this is recorded (record_failed).
    data: dict[str, Any] = {"inject": plan.n, "message": plan.message or None,
                            "fault": {"supplier": plan.fault[0], "mode": plan.fault[1]} if plan.fault else None,
                            "expect": plan.expect, "planned_at": iso(plan.planned_at) if plan.planned_at else None,
                            "late_seconds": late}
    try:
        return eventlog.append(session, at=now, kind="drill.inject", actor=actor.user if not by_monitor else SYSTEM, origin=actor.origin,
                               incident_id=incident.id, object=_object(plan), summary=f"[DRILL] {what}: " + " — ".join(parts), data=data,
                               key=due_key(plan.incident_id, plan.n) if plan.n is not None else None)
    except eventlog.Duplicate:
        return None


def _object(plan: Plan) -> str:
    return f"incident:{plan.incident_id}/inject:{plan.n or 'ad-hoc'}"


def failed_key(inject_seq: int) -> str:
    return f"drill-inject-failed:{inject_seq}"


def record_failed(session: Session, plan: Plan, inject: dict, *, error: str, now: datetime, actor: Actor, by_monitor: bool,
                  maybe_set: bool = False) -> dict | None:
    """The simulator did not take the fault of `inject` (its recorded event): from here on the
    drill holds nothing broken by it, unless it `maybe_set` it (no answer came: drillmarks.not_taken). Recorded whatever became of the drill or the lease since:
    it is what happened to an inject already in the log. Once per inject (its key)."""
    assert plan.fault is not None
    supplier, mode = plan.fault
    what = f"inject {plan.n}" if plan.n is not None else "ad-hoc inject"
    try:
        return eventlog.append(session, at=now, kind=drillmarks.INJECT_FAILED, actor=actor.user if not by_monitor else SYSTEM, origin=actor.origin,
                               incident_id=plan.incident_id, object=_object(plan),
                               summary=(f"[DRILL] {what} (#{inject['seq']}): simulated {supplier} perhaps set {mode}, no answer came "
                                        f"(held as the drill's until it ends): {error}" if maybe_set else
                                        f"[DRILL] {what} (#{inject['seq']}): simulated {supplier} NOT set {mode}: {error}"),
                               data={"inject": plan.n, "inject_seq": inject["seq"], "fault": {"supplier": supplier, "mode": mode}, "error": error,
                                     **({"maybe_set": True} if maybe_set else {})},
                               key=failed_key(inject["seq"]), result=f"failed: {error}")
    except eventlog.Duplicate:
        return None


def adhoc(session: Session, *, incident_id: int, message: str | None, fault: str | None, config: Config, actor: Actor) -> Plan:
    """Check an ad-hoc inject before anything is done: a drill that is running, a facilitator, a
    known supplier and mode. The plan to deliver."""
    actor.require(_("fire an inject"))
    incident = get(session, incident_id)
    require_drill(incident, _("fire an inject"))
    require_facilitator(actor, incident, _("fire an inject"))
    message = (message or "").strip()
    if not message and not fault:
        raise BadInput(_("an inject needs --message TEXT or --fault SUPPLIER=MODE (or both)"))
    from warroom.services import limits

    limits.check_text(message, _("the message"))
    parsed = parse_fault(fault, config) if fault else None
    if parsed:
        from warroom.services import simulator

        simulator.base_url(config)  # a home without a simulator is told so before anything is recorded
    return Plan(incident_id, None, message, parsed, None, None)


def choose(session: Session, *, incident_id: int, n: int, actor: Actor, doing: str) -> tuple[Incident, Inject]:
    """Scripted inject n of a running drill, for its facilitator; BadInput otherwise."""
    said = _(_INJECT_DOING.get(doing, N_("fire an inject")))
    actor.require(said)
    incident = get(session, incident_id)
    require_drill(incident, said)
    require_facilitator(actor, incident, said)
    injects = snapshot(incident).drill.injects
    if not 1 <= n <= len(injects):
        raise BadInput(_("drill #{id} has no inject {n} (injects 1 to {count})").format(id=incident_id, n=n, count=len(injects)) if injects
                       else _("drill #{id} has no scripted injects").format(id=incident_id))
    done = _keys(session, incident_id).get(due_key(incident_id, n))
    if done is not None:
        # The summary is the log's own (stored English): quoted as recorded.
        said = (_("inject {n} was already skipped ({summary}); nothing was recorded") if done.kind == "drill.skipped"
                else _("inject {n} was already fired ({summary}); nothing was recorded"))
        raise BadInput(said.format(n=n, summary=done.summary[:80]))
    return incident, injects[n - 1]


def hold(session: Session, *, incident_id: int, n: int, now: datetime, actor: Actor) -> dict:
    incident, _inject = choose(session, incident_id=incident_id, n=n, actor=actor, doing="hold")
    if hold_key(incident_id, n) in _keys(session, incident_id):
        raise BadInput(_("inject {n} is already held; fire it (drill fire) or skip it (drill skip)").format(n=n))
    # The summary names no content: players read the timeline, and a held inject may still come.
    return eventlog.append(session, at=now, kind="drill.held", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/inject:{n}", summary=f"[DRILL] facilitator {actor.name} held a scripted inject",
                           data={"inject": n}, key=hold_key(incident_id, n))


def skip(session: Session, *, incident_id: int, n: int, now: datetime, actor: Actor) -> dict:
    incident, _inject = choose(session, incident_id=incident_id, n=n, actor=actor, doing="skip")
    return eventlog.append(session, at=now, kind="drill.skipped", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                           object=f"incident:{incident.id}/inject:{n}", summary=f"[DRILL] facilitator {actor.name} skipped a scripted inject",
                           data={"inject": n}, key=due_key(incident_id, n))


def deliver(plan: Plan, config: Config, set_mode: Callable[[Config, str, str], object] | None = None) -> tuple[str, bool] | None:
    """Break the plan's supplier in the simulator (outside any transaction): None, or why it failed
    and whether the fault may have been set all the same (the call went out, no answer came)."""
    if plan.fault is None:
        return None
    from warroom.errors import WarroomError
    from warroom.services import simulator

    try:
        with i18n.speaking(i18n.DEFAULT):  # the error is stored in the event (drill.inject_failed): the log's language
            (set_mode or simulator.set_mode)(config, plan.fault[0], plan.fault[1])  # type: ignore[arg-type]
    except simulator.Unconfirmed as exc:
        return str(exc), True
    except WarroomError as exc:
        return str(exc), False
    return None


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of a recorded inject's fault: `error` (None: the simulator took it), and the
    supplier set up again because its drill ended meanwhile (`healed`, or `heal_error` why not)."""

    error: str | None = None
    healed: str | None = None
    heal_error: str | None = None


def carry_out(store: Store, plan: Plan, event: dict, config: Config, *, now: Callable[[], datetime], actor: Actor, by_monitor: bool,
              set_mode: Callable[[Config, str, str], object] | None = None) -> Delivery:
    """The rest of an inject `record` wrote: its fault set in the simulator (outside any
    transaction), then the failure recorded if it did not take, or the supplier set up again if
    the drill ended while the call was in flight. The monitor and every command fire through this."""
    failed = deliver(plan, config, set_mode)
    if failed is not None:
        error, maybe_set = failed
        with store.write() as session:
            record_failed(session, plan, event, error=error, maybe_set=maybe_set, now=now(), actor=actor, by_monitor=by_monitor)
        return Delivery(error)
    with store.read() as session:
        supplier = left_broken(session, plan)
    if supplier is None:
        return Delivery()
    return Delivery(None, supplier, heal(supplier, config, set_mode))


# ── healing: a drill that ends leaves no simulated supplier broken ─────────────────────────────

@dataclass(frozen=True, slots=True)
class Unhealed:
    pending: list[tuple[int, str]]  # (drill, supplier) to set up again
    settled: set[tuple[int, datetime]]  # (drill, when it ended): nothing of it is left to heal; skip it from now on


def unhealed(session: Session, settled: set[tuple[int, datetime]] | frozenset = frozenset()) -> Unhealed:
    """(drill, supplier) for each simulated supplier an ended drill holds broken (drillmarks' rule),
    unless a drill still running holds it too. Drills `settled` before (keyed by when they ended,
    so one reopened and ended again is looked at afresh) are not read again: the monitor asks
    every second, and ended drills only accumulate."""
    drills = drillmarks.read(session, settled)
    if not drills.ended:
        return Unhealed([], set())
    still = drills.held_by_running()
    return Unhealed([(i, s) for i, s in drills.unhealed() if s not in still], drills.settled())


def left_broken(session: Session, plan: Plan) -> str | None:
    """After a recorded inject's fault was set: the supplier to set up again at once when its drill
    ended while the call was in flight (healing may have run before the fault landed, and would
    not run again). Asked only once the fault took; None when it was `up`, the drill still runs, or
    another running drill's recorded fault holds that supplier broken."""
    if plan.fault is None or plan.fault[1] == "up":
        return None
    return None if plan.fault[0] in drillmarks.read(session, ended=False).held_by_running() else plan.fault[0]


def heal(supplier: str, config: Config, set_mode: Callable[[Config, str, str], object] | None = None) -> str | None:
    """Set a simulated supplier up again (outside any transaction): None, or why it failed."""
    from warroom.errors import WarroomError
    from warroom.services import simulator

    try:
        with i18n.speaking(i18n.DEFAULT):  # the error is stored in the event (drill.heal_failed): the log's language
            (set_mode or simulator.set_mode)(config, supplier, SimulatorMode.UP)
    except WarroomError as exc:
        return str(exc)
    return None


def record_healed(session: Session, *, incident_id: int, supplier: str, now: datetime, holder: str, origin: dict) -> dict | None:
    lease.require(session, holder=holder, now=now)
    try:
        return eventlog.append(session, at=now, kind="drill.healed", actor=SYSTEM, origin=origin, incident_id=incident_id,
                               object=f"incident:{incident_id}/fault:{supplier}",
                               summary=f"[DRILL] drill over: simulated {supplier} healed (up)", data={"supplier": supplier, "mode": "up"},
                               key=drillmarks.heal_key(incident_id, supplier))
    except eventlog.Duplicate:
        return None


def heal_failed_key(incident_id: int, supplier: str) -> str:
    return f"drill-heal-failed:{incident_id}:{supplier}"


def record_heal_failed(session: Session, *, incident_id: int, supplier: str, error: str, now: datetime, holder: str, origin: dict) -> dict | None:
    """A heal the simulator refused, in the drill's timeline for its coordinators to see (the
    monitor tries again every round until `drill.healed`): once per drill and supplier."""
    lease.require(session, holder=holder, now=now)
    try:
        return eventlog.append(session, at=now, kind="drill.heal_failed", actor=SYSTEM, origin=origin, incident_id=incident_id,
                               object=f"incident:{incident_id}/fault:{supplier}",
                               summary=f"[DRILL] drill over, but simulated {supplier} could NOT be healed: {error} (trying again every second)",
                               data={"supplier": supplier, "mode": "up", "error": error}, key=heal_failed_key(incident_id, supplier))
    except eventlog.Duplicate:
        return None


# ── the MSEL: the facilitator's script ─────────────────────────────────────────────────────────

def msel(session: Session, *, incident_id: int, actor: Actor, now: datetime) -> views.Msel:
    """Every scripted inject with its planned and actual time, and every ad-hoc one: for the
    facilitator only (players must not read what is coming)."""
    incident = get(session, incident_id)
    if incident.mode != "drill":
        raise BadInput(_("incident #{id} is live, not a drill: it has no MSEL").format(id=incident_id))
    require_facilitator(actor, incident, _("read the MSEL"))
    keys = _keys(session, incident_id)
    errors = drillmarks.inject_errors((e.seq, e.kind, json.loads(e.data)) for e in session.exec(
        select(Event).where(Event.incident_id == incident_id, col(Event.kind).in_(("drill.inject", drillmarks.INJECT_FAILED)))).all())
    rows = []
    for n, inject in enumerate(snapshot(incident).drill.injects, start=1):
        done, held = keys.get(due_key(incident_id, n)), keys.get(hold_key(incident_id, n))
        data = json.loads(done.data) if done is not None else {}
        state = ("skipped" if done.kind == "drill.skipped" else "fired") if done is not None else "held" if held is not None else "upcoming"
        rows.append(views.MselRow(
            n=n, at=inject.at, planned_at=planned_at(incident, inject), message=inject.message,
            fault=f"{inject.fault.supplier}={inject.fault.mode}" if inject.fault else None, expect=inject.expect, state=state,
            actual_at=parse_iso(done.at) if done is not None and done.kind == "drill.inject" else None,
            late_seconds=data.get("late_seconds") if done is not None and done.kind == "drill.inject" else None,
            error=errors.get(done.seq) if done is not None else None,
        ))
    for event in session.exec(select(Event).where(Event.incident_id == incident_id, Event.kind == "drill.inject", col(Event.key).is_(None))
                              .order_by(col(Event.seq))).all():
        data = json.loads(event.data)
        fault = data.get("fault") if isinstance(data, dict) else None
        rows.append(views.MselRow(n=None, at=None, planned_at=None, message=data.get("message") or "",
                                  fault=f"{fault.get('supplier')}={fault.get('mode')}" if isinstance(fault, dict) else None,
                                  expect=None, state="fired", actual_at=parse_iso(event.at), late_seconds=None, error=errors.get(event.seq)))
    return views.Msel(incident=incident_id, speed=incident.speed, opened_at=incident.opened_at, now=now, injects=tuple(rows))



def _data(stored: str) -> Any:
    """An event's data as logged, or None where an altered row holds no JSON: the screens then say its stored summary."""
    try:
        return json.loads(stored)
    except ValueError:
        return None


def fired(session: Session, limit: int = 20) -> tuple[views.InjectNote, ...]:
    """The newest injects fired in drills still running, and faults of theirs the simulator did not
    take, oldest first: what the screens announce."""
    running = select(Incident.id).where(Incident.mode == "drill", col(Incident.status).in_(owed.LIVE))
    events = session.exec(select(Event).where(col(Event.kind).in_(("drill.inject", drillmarks.INJECT_FAILED)), col(Event.incident_id).in_(running))
                          .order_by(col(Event.seq).desc()).limit(limit)).all()
    return tuple(views.InjectNote(seq=e.seq, incident=e.incident_id or 0, at=parse_iso(e.at), summary=e.summary,
                                   kind=e.kind, data=_data(e.data)) for e in reversed(events))
