"""Playbook suggestions (raised by the monitor when a trigger holds): which are still waiting for
an answer, and dismissing one. A dismissal is a decision too, so it is logged with who and when."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from warroom.clock import iso, parse_iso
from warroom.errors import BadInput
from warroom.services import views
from warroom.services.actors import Actor
from warroom.store import eventlog
from warroom.store.models import Event

WINDOW = timedelta(hours=24)


def pending(session: Session, now: datetime) -> tuple[views.Suggestion, ...]:
    """Suggestions of the last day that nobody has answered, newest first."""
    since = iso(now - WINDOW)
    rows = session.exec(select(Event).where(col(Event.kind).in_(("playbook.suggested", "incident.opened", "playbook.dismissed")), Event.at >= since)
                        .order_by(col(Event.seq))).all()
    waiting: dict[int, views.Suggestion] = {}
    for row in rows:
        data = json.loads(row.data)
        if row.kind == "playbook.suggested":
            waiting[row.seq] = views.Suggestion(seq=row.seq, at=parse_iso(row.at), playbook=data["playbook"], supplier=data["supplier"],
                                                summary=row.summary)
        elif row.kind == "incident.opened":
            waiting = {k: v for k, v in waiting.items() if v.playbook != data.get("playbook")}
        else:
            waiting.pop(data.get("suggestion"), None)
    return tuple(sorted(waiting.values(), key=lambda s: s.seq, reverse=True))


def dismiss(session: Session, *, suggestion: int, now: datetime, actor: Actor) -> dict:
    actor.require("dismiss a suggestion")
    row = session.get(Event, suggestion)
    if row is None or row.kind != "playbook.suggested":
        raise BadInput(f"seq {suggestion} is not a playbook suggestion")
    data = json.loads(row.data)
    try:
        return eventlog.append(session, at=now, kind="playbook.dismissed", actor=actor.user, origin=actor.origin, object=f"playbook:{data['playbook']}",
                               summary=f"suggestion to start {data['playbook']} dismissed by {actor.name}",
                               data={"suggestion": suggestion, "playbook": data["playbook"], "supplier": data["supplier"]},
                               key=f"dismiss:{suggestion}")
    except eventlog.Duplicate:
        raise BadInput(f"suggestion {suggestion} was already dismissed") from None
