"""Playbook suggestions (raised by the monitor when a trigger holds): which are still waiting for
an answer, and dismissing one. A dismissal is a decision too, so it is logged with who and when."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from warroom import eventtext
from warroom.clock import iso, parse_iso
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.services import views
from warroom.services.actors import Actor
from warroom.store import eventlog
from warroom.store.models import Event

WINDOW = timedelta(hours=24)


def pending(session: Session, now: datetime) -> tuple[views.Suggestion, ...]:
    """Suggestions of the last day that nobody has answered and that still hold, newest first.
    A suggestion whose supplier has since left the state it was raised for (it recovered) is
    withdrawn: starting its playbook then would answer an outage that is over."""
    since = iso(now - WINDOW)
    rows = session.exec(select(Event).where(col(Event.kind).in_(("playbook.suggested", "incident.opened", "playbook.dismissed")), Event.at >= since)
                        .order_by(col(Event.seq))).all()
    waiting: dict[int, views.Suggestion] = {}
    states: dict[int, str] = {}
    for row in rows:
        data = json.loads(row.data)
        if row.kind == "playbook.suggested":
            waiting[row.seq] = views.Suggestion(seq=row.seq, at=parse_iso(row.at), playbook=data["playbook"], supplier=data["supplier"],
                                                summary=row.summary, said=eventtext.summary({"kind": row.kind, "summary": row.summary, "data": data,
                                                                                              "at": row.at, "incident_id": row.incident_id}))
            states[row.seq] = data.get("state", "")
        elif row.kind == "incident.opened":
            waiting = {k: v for k, v in waiting.items() if v.playbook != data.get("playbook")}
        else:
            waiting.pop(data.get("suggestion"), None)
    if waiting:
        changes = session.exec(select(Event.seq, Event.data).where(
            Event.kind == "supplier.state", Event.seq > min(waiting),
            col(Event.object).in_([f"supplier:{s.supplier}" for s in waiting.values()]))).all()
        for seq, raw in changes:
            data = json.loads(raw)
            waiting = {k: v for k, v in waiting.items()
                       if not (k < seq and v.supplier == data.get("supplier") and data.get("to") != states[k])}
    return tuple(sorted(waiting.values(), key=lambda s: s.seq, reverse=True))


def dismiss(session: Session, *, suggestion: int, now: datetime, actor: Actor) -> dict:
    actor.require(_("dismiss a suggestion"))
    row = session.get(Event, suggestion)
    if row is None or row.kind != "playbook.suggested":
        raise BadInput(_("seq {seq} is not a playbook suggestion").format(seq=suggestion))
    data = json.loads(row.data)
    try:
        return eventlog.append(session, at=now, kind="playbook.dismissed", actor=actor.user, origin=actor.origin, object=f"playbook:{data['playbook']}",
                               summary=f"suggestion to start {data['playbook']} dismissed by {actor.name}",
                               data={"suggestion": suggestion, "playbook": data["playbook"], "supplier": data["supplier"]},
                               key=f"dismiss:{suggestion}")
    except eventlog.Duplicate:
        raise BadInput(_("suggestion {seq} was already dismissed").format(seq=suggestion)) from None
