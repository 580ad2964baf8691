"""An incident's timeline as its readers take it: the incident's row, its summary, the one rule
of which events are its timeline (DESIGN §6), and the merged read of them.

No ORM and no incidents' service module: an export of 100,000 events is mostly its start-up and
its read, and the JSON and CSV exports need nothing else (services/exports.py). services/incidents.py
takes the same rule from here for `incident show` and the incident room. The rule is spelled once,
in SQL with named parameters (store/eventreader.Clause), which the store reads through SQLAlchemy
and an export of the home's own SQLite file through the standard library (store/timelinefile.py),
without importing SQLAlchemy: it is imported where a function reads through it."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from warroom.clock import iso, parse_iso
from warroom.config import Config
from warroom.playbooks.schema import Playbook
from warroom.services import drillrule, views
from warroom.store.eventreader import Clause, CoreEvents, EventReader
from warroom.store.records import by_seq as by_seq  # the merge of two runs of events, here since before it moved
from warroom.store.records import lazy_record
from warroom.vocabulary import Mode
from warroom.vocabulary import Status as IncidentStatus

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from warroom.store.models import Incident

INCIDENT_COLUMNS = ("id, playbook_id, playbook_version, playbook, mode, title, status, speed, opened_by, opened_at, stabilised_at, "
                    "resolved_at, closed_at")
"""The incident's columns IncidentRow is made of (incident_row), in its order."""


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """An incident's row as the ORM model (store/models.Incident) has it, read through Core: the
    same names, its times as aware datetimes."""

    id: int
    playbook_id: str
    playbook_version: int
    playbook: str
    mode: str
    title: str
    status: str
    speed: float
    opened_by: str
    opened_at: datetime
    stabilised_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


def found(reader: EventReader, incident_id: int) -> IncidentRow | None:
    """The incident as any reader of the log reads it (the file's own, the store's); None when it has none such."""
    row = reader.one(f"SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = :id", {"id": incident_id})
    return incident_row(row) if row is not None else None


def read(connection: Connection, incident_id: int) -> IncidentRow:
    """The incident, or BadInput naming it unknown (as incidents.get)."""
    from sqlalchemy import text as sql

    from warroom.services import ongoing

    row = connection.execute(sql(f"SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = :id"), {"id": incident_id}).first()
    if row is None:
        raise ongoing.no_incident(connection, incident_id)
    return incident_row(row)


def incident_row(row: Sequence[Any]) -> IncidentRow:
    """An incident's stored columns (INCIDENT_COLUMNS) as an IncidentRow."""
    when = lambda text: None if text is None else parse_iso(text)  # noqa: E731  # models.UTCDateTime's reading
    return IncidentRow(*row[:9], parse_iso(row[9]), when(row[10]), when(row[11]), when(row[12]))


def snapshot(incident: Incident | IncidentRow) -> Playbook:
    """The playbook as the incident ran it (not as the file says today)."""
    return parse_snapshot(incident.playbook)


@lru_cache(maxsize=4096)
def parse_snapshot(text: str) -> Playbook:
    # A snapshot never changes and Playbook is frozen: parse each once, not on every deadline sync.
    return Playbook.model_validate(json.loads(text))


def summary(incident: Incident | IncidentRow) -> views.IncidentSummary:
    assert incident.id is not None  # read from the table
    return views.IncidentSummary(
        id=incident.id, playbook=incident.playbook_id, playbook_version=incident.playbook_version, mode=Mode(incident.mode),
        title=incident.title, status=IncidentStatus(incident.status), opened_by=incident.opened_by, opened_at=incident.opened_at,
        stabilised_at=incident.stabilised_at, resolved_at=incident.resolved_at, closed_at=incident.closed_at, speed=incident.speed,
    )


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
    drill caused only in that drill's (drillrule.in_timeline). `incident show` reads it through
    services/incidents.py, the exports through services/exports.py (which cut a window of it),
    from the store or from the file itself."""

    own: Clause
    suppliers: Clause  # the changes it may keep: `keeps` decides on each
    involved: frozenset[str]
    incident_id: int | None
    drill: bool

    def keeps(self, data: Any) -> bool:
        """Whether a supplier.state change the `suppliers` clause found is in the timeline."""
        return drillrule.in_timeline(data, self.involved, self.incident_id)

    def upto(self, head: int) -> TimelineQuery:
        """The rule over the log up to seq `head`, the head as it stands now, for a read in several
        statements: on PostgreSQL (read committed) each statement sees the commits made since the
        one before, and a supplier's change committed between the two queries of a timeline would
        be missing from it while a later entry is there. Appends are serialised and numbered in
        commit order, so every event up to the head read first is committed, and each query sees
        the same ones."""
        return replace(self, own=self.own.and_("event.seq <= :upto", upto=head), suppliers=self.suppliers.and_("event.seq <= :upto", upto=head))

    def between(self, after: int | None, upto: int | None) -> TimelineQuery:
        """The rule over the events after seq `after` up to seq `upto` (None: that end open): a part
        of the timeline read on its own (export/parts.py)."""
        own, suppliers = self.own, self.suppliers
        if after is not None:
            own, suppliers = own.and_("event.seq > :part_after", part_after=after), suppliers.and_("event.seq > :part_after", part_after=after)
        if upto is not None:
            own, suppliers = own.and_("event.seq <= :part_upto", part_upto=upto), suppliers.and_("event.seq <= :part_upto", part_upto=upto)
        return replace(self, own=own, suppliers=suppliers)

    @property
    def reads_suppliers(self) -> bool:
        """Whether any supplier change can be in the timeline: none when no supplier is involved and it is no drill."""
        return bool(self.involved or self.drill)


def last_hash(reader: EventReader, where: Clause, upto: int) -> str | None:
    """The hash of the last event meeting `where` at or before seq `upto`, the one the next of them
    links to (a window's start, a part's: export/parts.py); None when there is none. A hash stored
    as bytes (a row altered in the file) is spelled as an export spells that event's hash: no link
    matches it, so the check says what it says of any link that does not hold."""
    before = where.and_("event.seq <= :last_upto", last_upto=upto)
    found = reader.one(f"SELECT hash FROM event WHERE {before.sql} ORDER BY seq DESC LIMIT 1", before.params)
    if not found:
        return None
    if type(found[0]) is str:
        return found[0]
    from warroom.export.document import not_json

    return not_json(found[0])


def timeline_query(incident: Incident | IncidentRow, config: Config) -> TimelineQuery:
    closing = iso(incident.closed_at) if incident.closed_at else "9999"
    return TimelineQuery(own=Clause("event.incident_id = :incident", {"incident": incident.id}),
                         suppliers=Clause("event.kind = 'supplier.state' AND event.incident_id IS NULL AND event.at >= :opened AND event.at <= :closing",
                                          {"opened": iso(incident.opened_at), "closing": closing}),
                         involved=frozenset(involved_suppliers(snapshot(incident), config)), incident_id=incident.id,
                         drill=incident.mode == "drill")


def merged(connection: Connection, query: TimelineQuery, *, after: int = 0) -> Iterator[dict[str, Any]]:
    """The incident's events and the supplier changes the timeline keeps, after seq `after`, as one
    run in seq order."""
    return map(lazy_record, merged_rows(CoreEvents(connection), query, after=after))  # as eventlog.matching makes them


def merged_rows(reader: EventReader, query: TimelineQuery, *, own: Clause | None = None, suppliers: bool = True,
                columns: Collection[str] | None = None, after: int = 0) -> Iterator[Sequence[Any]]:
    """`merged` as the rows its records are made of (chain.ROW's columns), from the store or the
    file: the events meeting `own` (the rule's own, unless another is given) and, unless
    `suppliers` is False, the supplier changes the rule keeps, after seq `after`. `columns`: what
    a reader of a few columns needs (the file's reader leaves the others None; the store's reads
    them all)."""
    mine = reader.events(query.own if own is None else own, columns=columns, after=after)
    if not (suppliers and query.reads_suppliers):
        return mine
    keeps = query.keeps
    theirs = (r for r in reader.events(query.suppliers, columns=None if columns is None else {*columns, "data"}, after=after)
              if keeps(lazy_record(r)["data"]))
    return by_seq(mine, theirs)
