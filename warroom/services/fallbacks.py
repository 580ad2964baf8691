"""The fallback register (DESIGN §3): activating and standing down fallbacks during incidents, and
the register's view of when each was last exercised and with what result."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from warroom.clock import iso
from warroom.config import Config
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.services import limits, views
from warroom.services.actors import Actor
from warroom.services.incidents import get, require_open, snapshot, span
from warroom.store import eventlog
from warroom.store.models import Event, FallbackActivation, IncidentStep
from warroom.vocabulary import FallbackResult, words


def _active(session: Session, fallback_id: str) -> FallbackActivation | None:
    return session.exec(select(FallbackActivation).where(FallbackActivation.fallback_id == fallback_id,
                                                         col(FallbackActivation.deactivated_at).is_(None))).first()


def activate(session: Session, *, incident_id: int, fallback_id: str, reason: str | None, now: datetime, actor: Actor, config: Config,
             decision: str | None = None) -> FallbackActivation:
    """Switch to a fallback. `decision`: the playbook's expected decision this activation answers;
    its reason is then logged as that decision, which closes it (as `log --decision` does)."""
    actor.require(_("activate a fallback"))
    limits.check_text(reason, _("the reason"))
    incident = get(session, incident_id)
    require_open(incident, _("activate a fallback"))
    register = config.fallbacks()
    if fallback_id not in register:
        raise BadInput(_("unknown fallback {fallback!r} (the register has: {known})").format(fallback=fallback_id, known=", ".join(register) or _("none")))
    allowed = snapshot(incident).fallbacks
    if fallback_id not in allowed:
        raise BadInput(_("playbook {playbook} does not list fallback {fallback!r} (it may use: {allowed})").format(
            playbook=incident.playbook_id, fallback=fallback_id, allowed=", ".join(allowed) or _("none")))
    supplier, fallback = register[fallback_id]
    reason = (reason or "").strip()
    if fallback.needs_decision and not reason:
        raise BadInput(_("fallback {fallback} needs a decision: give the reason with --reason; nothing was recorded").format(fallback=fallback_id))
    if decision is not None:
        expected = [d.id for d in snapshot(incident).decisions]
        if decision not in expected:
            raise BadInput(_("--decision {decision!r} is not an expected decision of this incident (expected: {expected})").format(
                decision=decision, expected=", ".join(expected) or _("none")))
        if not reason:
            raise BadInput(_("--decision {decision}: give the decision's reason with --reason; nothing was recorded").format(decision=decision))
    current = _active(session, fallback_id)
    if current is not None:
        raise BadInput(_("fallback {fallback} is already active, for {span} (incident #{id})").format(
            fallback=fallback_id, span=span(now - current.activated_at), id=current.incident_id))
    activation = FallbackActivation(fallback_id=fallback_id, supplier_id=supplier.id, incident_id=incident_id, mode=incident.mode,
                                    reason=reason, activated_at=now, activated_by=actor.user)
    session.add(activation)
    session.flush()  # its id, for the event
    if fallback.needs_decision or decision is not None:
        answered = {"decision": decision} if decision is not None else {}
        eventlog.append(session, at=now, kind="decision.logged", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                        object=f"incident:{incident.id}/log:decision", summary=f"Activate fallback {fallback_id}: {fallback.title} — rationale: {reason}",
                        data={"kind": "decision", "text": f"Activate fallback {fallback_id}", "rationale": reason,
                              "occurred_at": iso(now), "fallback": fallback_id, **answered})
    eventlog.append(session, at=now, kind="fallback.activated", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                    object=f"incident:{incident.id}/fallback:{fallback_id}", summary=f"fallback {fallback_id} activated: {fallback.title} (covers {supplier.name})",
                    data={"fallback": fallback_id, "supplier": supplier.id, "reason": reason, "activation": activation.id,
                          "steps": list(fallback.steps)})  # what `verify` rebuilds the row and its checklist from
    last = session.exec(select(IncidentStep.position).where(IncidentStep.incident_id == incident.id).order_by(col(IncidentStep.position).desc())).first() or 0
    existing = {s for s in session.exec(select(IncidentStep.step_id).where(IncidentStep.incident_id == incident.id)).all()}
    for n, title in enumerate(fallback.steps, start=1):
        step_id = f"{fallback_id}-{n}"
        if step_id not in existing:  # activated before in this incident: its checklist is there already
            session.add(IncidentStep(incident_id=incident_id, step_id=step_id, position=last + n, title=title,
                                     source=f"fallback:{fallback_id}", status="pending"))
    return activation


def deactivate(session: Session, *, incident_id: int, fallback_id: str, reason: str | None, result: str | None, now: datetime, actor: Actor) -> FallbackActivation:
    actor.require(_("stand down a fallback"))
    limits.check_text(reason, _("the reason"))
    incident = get(session, incident_id)
    require_open(incident, _("stand down a fallback"))
    if result is not None and result not in words(FallbackResult):
        raise BadInput(_("--result {result!r} is not one of {results}").format(result=result, results=", ".join(words(FallbackResult))))
    current = session.exec(select(FallbackActivation).where(FallbackActivation.fallback_id == fallback_id, FallbackActivation.incident_id == incident_id,
                                                            col(FallbackActivation.deactivated_at).is_(None))).first()
    if current is None:
        raise BadInput(_("fallback {fallback} is not active in incident #{id}").format(fallback=fallback_id, id=incident_id))
    current.deactivated_at, current.deactivated_by, current.result = now, actor.user, result
    session.add(current)
    eventlog.append(session, at=now, kind="fallback.deactivated", actor=actor.user, origin=actor.origin, incident_id=incident.id,
                    object=f"incident:{incident.id}/fallback:{fallback_id}",
                    summary=f"fallback {fallback_id} stood down" + (f" ({result})" if result else "") + (f": {reason}" if reason else ""),
                    data={"fallback": fallback_id, "supplier": current.supplier_id, "reason": reason, "result": result,
                          "activation": current.id})
    return current


def register(session: Session, config: Config, now: datetime, *, supplier: str | None = None) -> tuple[views.RegisterEntry, ...]:
    """Every fallback with its owner, whether it is active, when it was last exercised and how it went;
    with `supplier`, only that supplier's fallbacks."""
    out = []
    for fallback_id, (covered, fallback) in config.fallbacks().items():
        if supplier is not None and covered.id != supplier:
            continue
        last = session.exec(select(FallbackActivation).where(FallbackActivation.fallback_id == fallback_id)
                            .order_by(col(FallbackActivation.activated_at).desc())).first()
        active = last if last is not None and last.deactivated_at is None else None
        overdue = fallback.test_every is not None and (last is None or now - last.activated_at > fallback.test_every)
        out.append(views.RegisterEntry(
            id=fallback_id, title=fallback.title, supplier=covered.id, kind=fallback.kind, owner=fallback.owner,
            needs_decision=fallback.needs_decision,
            active=views.Activation(incident=active.incident_id, since=active.activated_at, mode=active.mode, by=active.activated_by) if active else None,
            last_exercised=views.Exercise(at=last.activated_at, mode=last.mode, incident=last.incident_id, result=last.result,
                                          note=_note(session, last)) if last else None,
            never_exercised=last is None,
            overdue=overdue,
            due_at=last.activated_at + fallback.test_every if last is not None and fallback.test_every is not None else None,
        ))
    return tuple(out)


def _note(session: Session, activation: FallbackActivation) -> str | None:
    """What was said when it was stood down: the reason of its fallback.deactivated event."""
    if activation.deactivated_at is None:
        return None
    row = session.exec(select(Event.data).where(Event.incident_id == activation.incident_id, Event.kind == "fallback.deactivated",
                                                col(Event.object) == f"incident:{activation.incident_id}/fallback:{activation.fallback_id}")
                       .order_by(col(Event.seq).desc())).first()
    data = json.loads(row) if row else {}
    return data.get("reason") if isinstance(data, dict) else None
