"""Webhook notifications, through a persisted outbox: queued in the same transaction as the event
that causes them, delivered by the monitor, retried with back-off until delivered or expired.
A restart loses nothing; a failing or hanging webhook is recorded, never waited for.

A message's text is in the war-room's language when it is queued (eventtext: English is the stored
summary); its field names and the event's kind and data stay English, as in every export."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import Session, select

from warroom import eventtext, i18n
from warroom.clock import iso
from warroom.config import Config
from warroom.store import eventlog
from warroom.store.models import Incident, Outbox

EXPIRE_AFTER = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=5)


def enqueue(session: Session, *, config: Config, incident: Incident, event: dict, targets: list[str], now: datetime) -> int:
    queued = 0
    drill = incident.mode == "drill"
    for target in config.reached(targets, drill=drill):  # a drill never pages someone who is not playing (issue 12)
        spec = config.notify.get(target)
        if spec is None or not spec.webhook:
            continue
        # The war-room's language (English without the setting), whoever's process queues it: one
        # channel never gets a mix of the languages its coordinators' terminals speak.
        with i18n.speaking(config.settings.language or i18n.DEFAULT):
            said = eventtext.summary(event)
            summary = eventtext.drill_marked(said) if drill else said
        payload = {
            "warroom": config.settings.title, "mode": incident.mode, "drill": drill, "event": event["kind"], "summary": summary,
            "incident": {"id": incident.id, "title": incident.title, "playbook": incident.playbook_id, "status": incident.status},
            "data": event["data"], "at": event["at"], "seq": event["seq"], "notify": {"id": target, "name": spec.name},
        }
        session.add(Outbox(key=f"{event['seq']}:{target}", target=target, url=spec.webhook, payload=json.dumps(payload),
                           incident_id=incident.id, created_at=now, next_attempt_at=now, expires_at=now + EXPIRE_AFTER))
        queued += 1
    return queued


def due(session: Session, now: datetime, limit: int = 50) -> list[Outbox]:
    return session.exec(select(Outbox).where(Outbox.delivered_at.is_(None), Outbox.gave_up_at.is_(None),
                                             Outbox.next_attempt_at <= now).order_by(Outbox.id).limit(limit)).all()


def record_attempt(session: Session, *, message_id: int, error: str | None, now: datetime, origin: dict) -> None:
    """Record one delivery attempt's outcome: delivered, retry later, or given up (each an event)."""
    message = session.get(Outbox, message_id)
    if message is None or message.delivered_at or message.gave_up_at:
        return
    message.attempts += 1
    target = f"webhook {message.target}"
    common = {"target": message.target, "attempts": message.attempts, "outbox": message.id}
    if error is None:
        message.delivered_at = now
        _event(session, message, now, origin, "notify.delivered", f"{target} notified (attempt {message.attempts})", common)
    elif now >= message.expires_at:
        message.gave_up_at, message.last_error = now, error
        _event(session, message, now, origin, "notify.failed", f"{target} gave up after {message.attempts} attempts: {error}", {**common, "error": error, "final": True})
    else:
        backoff = min(timedelta(seconds=2 ** message.attempts), MAX_BACKOFF)
        message.next_attempt_at, message.last_error = now + backoff, error
        if message.attempts == 1:  # the first failure is news; the retries are not
            _event(session, message, now, origin, "notify.failed", f"{target} failed: {error}; retrying until {iso(message.expires_at)}",
                   {**common, "error": error, "final": False})
    session.add(message)


def _event(session: Session, message: Outbox, now: datetime, origin: dict, kind: str, summary: str, data: dict) -> None:
    eventlog.append(session, at=now, kind=kind, actor="system", origin=origin, incident_id=message.incident_id,
                    object=f"notify:{message.target}", summary=summary, data=data)
