"""The escalation ladder and late work: deadlines stored as absolute times, fired exactly once.

The monitor asks `pending()` which deadlines exist and lets APScheduler call `fire()` at each. A
deadline fires exactly once however many monitors run: its event carries a unique key, and the
database refuses a second. A deadline passed while no monitor ran fires at once, saying how late.
Notifications go through the outbox (`outbox.py`), so a failing webhook never blocks the ladder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from warroom.clock import iso, local
from warroom.config import Config, notified
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.services import drills, lease, outbox, owed, reporting
from warroom.services.actors import Actor
from warroom.services.incidents import get, require_open, snapshot, span
from warroom.store import eventlog
from warroom.store.models import Escalation, Event, Incident, IncidentStep

SYSTEM = "system"


@dataclass(frozen=True)
class Deadline:
    kind: str  # escalation | step | decision | report | inject
    incident_id: int
    ref: str  # level number, step id, decision id or inject number
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}-due:{self.incident_id}:{self.ref}"

    @property
    def job_id(self) -> str:
        return f"deadline:{self.key}"


def pending(session: Session, config: Config | None = None) -> list[Deadline]:
    """Every deadline of the active incidents that has not fired yet, and the reporting clocks of
    resolved ones too (a final report is due after resolution; reporting.RUNNING)."""
    # Without the config no reporting clock is read: the resolved incidents are not needed then.
    reporting_on = session.exec(select(Incident).where(Incident.status.in_(reporting.RUNNING if config is not None else owed.LIVE))).all()
    incidents = [i for i in reporting_on if i.status in owed.LIVE]
    if not reporting_on:
        return []
    ids = [i.id for i in incidents]
    fired = set(session.exec(select(Event.key).where(Event.incident_id.in_([i.id for i in reporting_on]), Event.key.is_not(None))).all())
    out = [
        Deadline("escalation", e.incident_id, str(e.level), e.due_at)
        for e in session.exec(select(Escalation).where(Escalation.incident_id.in_(ids), Escalation.fired_at.is_(None), Escalation.cancelled.is_(False))).all()
    ]
    out += [
        Deadline("step", s.incident_id, s.step_id, s.due_at)
        for s in session.exec(select(IncidentStep).where(IncidentStep.incident_id.in_(ids), IncidentStep.status.in_(owed.UNFINISHED),
                                                         IncidentStep.due_at.is_not(None))).all()
    ]
    answered = owed.decided(session, ids)
    for incident in incidents:
        out += [Deadline("decision", incident.id, o.decision.id, o.due_at)
                for o in owed.open_decisions(snapshot(incident), answered[incident.id], incident.opened_at, None, True, incident.speed)
                if o.due_at is not None]
    if config is not None:  # reporting clocks (NIS2, CER) may come from the home's config as well as the playbook
        out += [Deadline("report", i, o, due) for i, o, due in reporting.due(session, reporting_on, config)]
    # A drill's scripted injects: the monitor fires them through services/drills.py, not fire() below.
    out += [Deadline("inject", incident_id, str(n), due) for incident_id, n, due in drills.pending(list(incidents), fired)]
    return [d for d in out if d.key not in fired]


def fire(session: Session, deadline: Deadline, *, now: datetime, config: Config, holder: str, origin: dict) -> dict | None:
    """Record a deadline that has come: escalation.due, step.overdue or decision.overdue, and queue
    its notifications. None when it no longer applies or already fired."""
    lease.require(session, holder=holder, now=now)
    incident = session.get(Incident, deadline.incident_id)
    if incident is None or deadline.kind == "inject" or incident.status not in (reporting.RUNNING if deadline.kind == "report" else owed.LIVE):
        return None
    late = round((now - deadline.due_at).total_seconds(), 1)  # one figure for the summary and the data
    # The monitor fires within about a second of a deadline; later than that, no monitor was running
    # or it was stalled, and the log must say so rather than pretend it fired on time.
    lateness = f" (fired {span(timedelta(seconds=round(late)))} late)" if late >= 2 else ""
    drill = incident.mode == "drill"
    marker = "[DRILL] " if drill else ""
    if deadline.kind == "escalation":
        level = session.get(Escalation, (incident.id, int(deadline.ref)))
        if level is None or level.fired_at or level.cancelled:
            return None
        targets = config.reached(json.loads(level.notify), drill=drill)
        names = ", ".join(config.notify[t].name if t in config.notify else t for t in targets)
        who = f"notify {names}" if targets else f"{notified(targets, drill=drill)} to notify"  # none: a drill's ladder names no one marked for drills
        kind, summary = "escalation.due", f"{marker}L{level.level} due: {who}{lateness}" + (f" — {level.message}" if level.message else "")
        data = {"level": level.level, "notify": targets, "message": level.message, "due_at": iso(level.due_at), "late_seconds": late}
    elif deadline.kind == "step":
        step = session.get(IncidentStep, (incident.id, deadline.ref))
        if step is None or step.status not in owed.UNFINISHED:
            return None
        targets = _late_work_targets(session, incident, config)
        kind, summary = "step.overdue", f"{marker}step {step.step_id} overdue: {step.title}{lateness}"
        data = {"step": step.step_id, "due_at": iso(deadline.due_at), "late_seconds": late, "notify": targets}
    elif deadline.kind == "report":
        missed = reporting.overdue(session, incident, deadline.ref, config, now)
        if missed is None:
            return None
        kind, summary, data, targets = missed
        summary += lateness
        targets = config.reached(targets, drill=drill) if targets else _late_work_targets(session, incident, config)
        data["notify"] = targets
    else:
        kind, summary = "decision.overdue", f"{marker}decision {deadline.ref} overdue: {_question(incident, deadline.ref)}{lateness}"
        targets = _late_work_targets(session, incident, config)
        data = {"decision": deadline.ref, "due_at": iso(deadline.due_at), "late_seconds": late, "notify": targets}
    try:
        event = eventlog.append(session, at=now, kind=kind, actor=SYSTEM, origin=origin, incident_id=incident.id,
                                object=f"incident:{incident.id}/{deadline.kind}:{deadline.ref}", summary=summary, data=data, key=deadline.key)
    except eventlog.Duplicate:
        return None
    if deadline.kind == "escalation":
        level.fired_at, level.late_seconds = now, late
        session.add(level)
    outbox.enqueue(session, config=config, incident=incident, event=event, targets=targets, now=now)
    return event


def _late_work_targets(session: Session, incident: Incident, config: Config) -> list[str]:
    """Late work goes to whoever the ladder has reached (level 1 if it has not fired yet); in a
    drill, to those of them marked for drills."""
    levels = session.exec(select(Escalation).where(Escalation.incident_id == incident.id).order_by(Escalation.level)).all()
    reached = [lv for lv in levels if lv.fired_at] or levels[:1]
    return config.reached(json.loads(reached[-1].notify), drill=incident.mode == "drill") if reached else []


def _question(incident: Incident, decision_id: str) -> str:
    return next((d.question for d in snapshot(incident).decisions if d.id == decision_id), decision_id)


def acknowledge(session: Session, *, incident_id: int, level: int, now: datetime, actor: Actor, zone: str = "UTC") -> Escalation:
    """`zone`: the war-room's, in which a refusal says when the level is due."""
    actor.require(_("acknowledge an escalation"))
    incident = get(session, incident_id)
    require_open(incident, _("acknowledge an escalation"))
    row = session.get(Escalation, (incident_id, level))
    if row is None:
        count = len(session.exec(select(Escalation.level).where(Escalation.incident_id == incident_id)).all())
        raise BadInput(_("incident #{id} has no escalation level {level} (levels 1 to {count})").format(id=incident_id, level=level, count=count) if count
                       else _("incident #{id} has no escalation ladder").format(id=incident_id))
    if row.acked_at:
        raise BadInput(_("level {level} was already acknowledged by {who}; nothing was recorded").format(level=level, who=row.acked_by))
    if row.cancelled:
        raise BadInput(_("level {level} was cancelled when the incident was resolved").format(level=level))
    if not row.fired_at:
        at = local(row.due_at, zone, "%H:%M %Z")
        said = (_("level {level} has not fired yet (due {at}, in {span})") if row.due_at > now
                else _("level {level} has not fired yet (due {at}, {span} ago; is a monitor running?)"))
        raise BadInput(said.format(level=level, at=at, span=span(abs(row.due_at - now))))
    row.acked_at, row.acked_by = now, actor.user
    session.add(row)
    eventlog.append(session, at=now, kind="escalation.acknowledged", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                    object=f"incident:{incident.id}/escalation:{level}",
                    summary=f"L{level} acknowledged by {actor.name} ({span(now - row.fired_at)} after it fired)", data={"level": level})
    return row
