"""The decision log's entries: checked, then appended (DESIGN §3: a correction is a new entry that
points at the old one).

SQLAlchemy Core only, no ORM and no playbook models unless an entry answers an expected decision:
`warroom log` is what a scribe types while the phone rings, so it loads what one entry needs
(issue 16). It runs in Store.write_core's connection, or in an ORM session's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy import text as sql

from warroom.clock import iso, parse_iso
from warroom.durations import span
from warroom.errors import BadInput
from warroom.i18n import _
from warroom.services import limits, ongoing
from warroom.store import eventlog
from warroom.vocabulary import LogKind, words

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.services.actors import Actor

_INCIDENT = sql("SELECT status, opened_at, playbook FROM incident WHERE id = :id")
_ENTRY = sql("SELECT incident_id, kind FROM event WHERE seq = :seq")


def log(
    writer: Session | Connection, *, incident_id: int, text: str, kind: str, now: datetime, actor: Actor,
    rationale: str | None = None, decision: str | None = None, corrects: int | None = None, occurred_at: datetime | None = None,
) -> dict:
    """A log entry. `occurred_at` is when it happened when that differs from now (a decision by phone)."""
    actor.require(_("write to the decision log"))
    limits.check_text(text, _("the log entry"))
    limits.check_text(rationale, _("the rationale"))
    if not isinstance(writer, Connection):
        writer.flush()  # an ORM caller's pending rows are read back below
    connection = eventlog.connection_of(writer)
    row = connection.execute(_INCIDENT, {"id": incident_id}).first()
    if row is None:
        raise ongoing.no_incident(connection, incident_id)
    status, opened_at, playbook = row[0], parse_iso(row[1]), row[2]
    if status == "closed":
        raise BadInput(_("cannot log to it: incident #{id} is closed").format(id=incident_id))
    if kind not in words(LogKind):
        raise BadInput(_("--kind {kind!r} is not one of {kinds}").format(kind=kind, kinds=", ".join(words(LogKind))))
    if not text.strip():
        raise BadInput(_("the log entry is empty"))
    if decision is not None:
        from warroom.services.incidents import parse_snapshot  # the playbook's models: only for an answer to one

        expected = [d.id for d in parse_snapshot(playbook).decisions]
        if decision not in expected:
            raise BadInput(_("--decision {decision!r} is not an expected decision of this incident (expected: {expected})").format(
                decision=decision, expected=", ".join(expected) or _("none")))
    if corrects is not None:
        old = connection.execute(_ENTRY, {"seq": corrects}).first()
        if old is None or old[0] != incident_id or old[1] != "decision.logged":
            raise BadInput(_("--corrects {seq}: seq {seq} is not a log entry of incident #{id}").format(seq=corrects, id=incident_id))
    occurred = occurred_at or now
    if occurred > now + timedelta(minutes=1):
        raise BadInput(_("--at: that is {span} in the future").format(span=span(occurred - now)))
    if occurred < opened_at - timedelta(days=30):
        raise BadInput(_("--at: that is {span} before the incident opened (more than 30 days)").format(span=span(opened_at - occurred)))
    data: dict[str, Any] = {"kind": kind, "text": text, "rationale": rationale, "occurred_at": iso(occurred)}
    if decision:
        data["decision"] = decision
    if corrects is not None:
        data["corrects"] = corrects
    summary = (f"correction of #{corrects}: " if corrects is not None else "") + text + (f" — rationale: {rationale}" if rationale else "")
    return eventlog.append(writer, at=now, kind="decision.logged", actor=actor.user, origin=actor.origin, incident_id=incident_id,
                           object=f"incident:{incident_id}/log:{kind}", summary=summary, data=data)
