"""Reporting clocks of incidents: when each legal report is due, whether it was sent, and the
`report.overdue` event the monitor fires when one is missed (like a late step).

Nothing is stored beside the log: a clock is the incident's obligations (its playbook's and the
home's, warroom.obligations) read against its events: the opening, the logged decision that made
it significant, `report.sent`, `report.overdue`. Drills run the clocks too, marked DRILL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col

from warroom.clock import iso, local, parse_iso
from warroom.config import Config
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.obligations import Obligation, merged
from warroom.playbooks.schema import Playbook
from warroom.services import limits, owed, views
from warroom.services.actors import Actor
from warroom.store import eventlog
from warroom.store.models import Event, Incident

KINDS = ("decision.logged", "report.sent", "report.overdue")
RUNNING = ("open", "stabilised", "resolved")
"""The statuses in which a report clock runs and escalates. A resolved incident's are kept: the NIS2
final report is typically due weeks after resolution. Closing stops them (a closed incident cannot be
changed, so no report can be recorded sent); a report left unsent then reads `unsent`, never sent."""


def obligations(playbook: Playbook, config: Config) -> list[Obligation]:
    return merged(list(config.reporting), list(playbook.reporting))


def clocks(playbook: Playbook, config: Config, incident: Incident, events: Iterable[dict[str, Any]], now: datetime | None) -> tuple[views.ReportClock, ...]:
    """Each obligation's clock for one incident, from its events (dicts with kind and data). Without
    `now`, no clock is called overdue (the monitor asks only which deadlines exist). Clocks run while
    the incident is open, stabilised or resolved (RUNNING); on a closed incident a started report
    that was not sent is `unsent`, and does not escalate."""
    reported = Reported()
    for e in events:
        reported.add(e)
    return reported.clocks(playbook, config, incident, now)


class Reported:
    """What an incident's events say of its reports, taken one event at a time in log order (a
    room that follows a growing log adds only the new ones): each report sent (when, by whom), each
    escalated as missed, and when each expected decision was first taken (owed's rule)."""

    def __init__(self) -> None:
        self.sent: dict[str, tuple[datetime, str]] = {}
        self.missed: dict[str, datetime] = {}
        self.taken: dict[str, tuple[datetime, None]] = {}

    def add(self, e: dict[str, Any]) -> None:
        kind = e["kind"]
        if kind not in KINDS:
            return
        data = e["data"] if isinstance(e["data"], dict) else {}
        try:
            at = e["at"] if isinstance(e["at"], datetime) else parse_iso(e["at"])
        except (TypeError, ValueError):  # an altered row: the chain check names it; no clock is read from it
            return
        obligation = data.get("obligation")
        if kind == "decision.logged":
            owed.earliest(self.taken, at, e["data"], None)
        elif kind == "report.sent" and isinstance(obligation, str) and obligation not in self.sent:
            self.sent[obligation] = (at, str(e["actor"]))
        elif kind == "report.overdue":
            self.missed.setdefault(str(data.get("obligation")), at)

    def clocks(self, playbook: Playbook, config: Config, incident: Incident, now: datetime | None) -> tuple[views.ReportClock, ...]:
        sent, missed = self.sent, self.missed
        decided = {answered: when for answered, (when, _) in self.taken.items()}  # when each was taken: owed's rule
        expected = {d.id for d in playbook.decisions}
        live = incident.status in RUNNING
        out = []
        for o in obligations(playbook, config):
            waits_for = o.significance if o.significance in expected else None
            start = (decided.get(waits_for) if waits_for else incident.opened_at)
            due = o.due_at(start, config.settings.timezone, incident.speed) if start else None
            done = sent.get(o.id)
            state = "sent" if done else "waiting" if due is None else "unsent" if not live else "overdue" if now is not None and now > due else "pending"
            out.append(views.ReportClock(
                id=o.id, title=o.title, recipient=o.recipient, content=tuple(o.content),
                starts=f"decision {waits_for}" if waits_for else "opening", started_at=start, due_at=due, state=state,
                sent_at=done[0] if done else None, sent_by=done[1] if done else None,
                escalated_at=missed.get(o.id), drill=incident.mode == "drill", running=live and state in ("pending", "overdue"),
            ))
        return tuple(out)


# Of the log entries only those that may answer an expected decision (owed's rule): a long
# incident logs tens of thousands of others, which every board read and monitor tick would parse.
_ANSWERS = owed.may_answer(col(Event.kind), col(Event.data))


def _events(session: Session, incident_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in incident_ids}
    query = (core_select(col(Event.incident_id), col(Event.at), col(Event.kind), col(Event.actor), col(Event.data))  # five columns: core select
             .where(col(Event.incident_id).in_(incident_ids), col(Event.kind).in_(("report.sent", "report.overdue")) | _ANSWERS).order_by(col(Event.seq)))
    for incident_id, at, kind, actor, data in session.execute(query).all():
        if incident_id is not None:
            out[incident_id].append({"at": at, "kind": kind, "actor": actor, "data": eventlog.stored_json(data)})
    return out


def of(session: Session, incident: Incident, config: Config, now: datetime) -> tuple[views.ReportClock, ...]:
    from warroom.services.incidents import snapshot

    assert incident.id is not None
    return clocks(snapshot(incident), config, incident, _events(session, [incident.id])[incident.id], now)


def due(session: Session, incidents: Sequence[Incident], config: Config) -> list[tuple[int, str, datetime]]:
    """(incident, obligation, due) of every running clock of the incidents (open to resolved: RUNNING) not yet escalated."""
    from warroom.services.incidents import snapshot

    ids = [i.id for i in incidents if i.id is not None]
    events = _events(session, ids)
    out = []
    for incident in incidents:
        assert incident.id is not None
        for clock in clocks(snapshot(incident), config, incident, events[incident.id], None):
            if clock.running and clock.escalated_at is None and clock.due_at is not None:
                out.append((incident.id, clock.id, clock.due_at))
    return out


def next_reports(session: Session, incidents: Sequence[Incident], config: Config, now: datetime) -> dict[int, views.NextReport]:
    """Each incident's most pressing running report clock: the earliest overdue, else the next due
    (the board's owed text and `status --json`). One query for all the incidents."""
    from warroom.services.incidents import snapshot

    events = _events(session, [i.id for i in incidents if i.id is not None])
    out = {}
    for incident in incidents:
        assert incident.id is not None
        running = [c for c in clocks(snapshot(incident), config, incident, events[incident.id], now) if c.running and c.due_at is not None]
        if running:
            first = min(running, key=lambda c: (c.state != "overdue", c.due_at))
            assert first.due_at is not None
            out[incident.id] = views.NextReport(obligation=first.id, due_at=first.due_at, overdue=first.state == "overdue")
    return out


def overdue(session: Session, incident: Incident, obligation_id: str, config: Config, now: datetime) -> tuple[str, str, dict[str, Any], list[str]] | None:
    """(event kind, summary, data, notify targets) of a missed report, or None when it no longer applies."""
    clock = next((c for c in of(session, incident, config, now) if c.id == obligation_id), None)
    if clock is None or not clock.running or clock.due_at is None or now < clock.due_at:
        return None
    from warroom.services.incidents import snapshot

    obligation = next(o for o in obligations(snapshot(incident), config) if o.id == obligation_id)
    marker = "[DRILL] " if incident.mode == "drill" else ""
    summary = f"{marker}report {obligation.id} overdue: {obligation.title} to {obligation.recipient} was due {local(clock.due_at, config.settings.timezone, '%Y-%m-%d %H:%M %Z')}"
    data = {"obligation": obligation.id, "recipient": obligation.recipient, "due_at": iso(clock.due_at),
            "late_seconds": round((now - clock.due_at).total_seconds(), 1)}
    return "report.overdue", summary, data, list(obligation.notify)


def mark_sent(session: Session, *, incident_id: int, obligation_id: str, note: str | None, now: datetime, actor: Actor, config: Config) -> dict:
    """Record that a report was sent (by whoever sent it, outside warroom): its clock stops."""
    from warroom.services.incidents import get, require_open, snapshot

    actor.require(_("record a report as sent"))
    limits.check_text(note, _("the note"))
    incident = get(session, incident_id)
    require_open(incident, _("record a report"))
    assert incident.id is not None
    known = {o.id: o for o in obligations(snapshot(incident), config)}
    if obligation_id not in known:
        raise BadInput(_("incident #{id} has no reporting obligation {obligation!r} (obligations: {known})").format(
            id=incident_id, obligation=obligation_id, known=", ".join(known) or _("none")))
    clock = next(c for c in of(session, incident, config, now) if c.id == obligation_id)
    if clock.state == "sent":
        raise BadInput(_("report {obligation} was already recorded as sent by {who}; nothing was recorded").format(obligation=obligation_id, who=clock.sent_by))
    marker = "[DRILL] " if incident.mode == "drill" else ""
    return eventlog.append(
        session, at=now, kind="report.sent", actor=actor.user, origin=actor.origin, incident_id=incident.id,
        object=f"incident:{incident.id}/report:{obligation_id}",
        summary=f"{marker}report {obligation_id} sent to {known[obligation_id].recipient}" + (f": {note}" if note else ""),
        data={"obligation": obligation_id, "note": note, "due_at": iso(clock.due_at) if clock.due_at else None})
