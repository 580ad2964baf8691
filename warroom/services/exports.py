"""Exporting an incident's timeline (issue 13), and checking an exported one.

`timeline` builds the one read model every format renders (warroom.export.model): the incident's
summary, its events in seq order, read lazily in batches, and its current state. It only reads:
exporting never writes to the database. `signer` hands over the home's key when this account can
read it; `verify_file` checks an export with nothing but the file and a public key.

`open_file` reads the home's own SQLite file through the standard library, read-only
(store/timelinefile.py), for the formats that need nothing but the incident and its events (JSON,
CSV): such an export never imports SQLAlchemy, and this module imports it only where it reads
through the store."""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from warroom import durations, files
from warroom.clock import iso
from warroom.config import Config, notified
from warroom.errors import BadInput
from warroom.export import document, parts
from warroom.export.model import Timeline, Window
from warroom.home import Home
from warroom.services import timelines
from warroom.services.views import to_json
from warroom.store.eventreader import Clause, CoreEvents, EventReader
from warroom.store.records import lazy_record
from warroom.store.timelinefile import TimelineFile

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from warroom.export import verify as checker
    from warroom.services.exportchild import Child
    from warroom.store.models import Incident

LARGEST_EXPORT = 512 * 1024 * 1024  # verify --export reads the whole file: 1,000,000 events are ~600 MB
_ROLES = ("commander", "coordinator", "scribe", "facilitator", "observer")
READS: dict[str, frozenset[str]] = {
    "json": frozenset(), "csv": frozenset(), "md": frozenset({"state", "review"}), "html": frozenset({"state", "review"}),
    "sitrep": frozenset({"state", "situation"}), "report": frozenset({"state", "reporting", "situation"}),
}
"""What each format reads besides the events and the summary; the rest is not worked out for it.
The reporting clocks and the situation read every decision of the incident (tens of thousands in a
long one), and the review every event: a JSON or CSV export needs none of them."""
FROM_FILE = frozenset(fmt for fmt, reads in READS.items() if not reads)
"""The formats `open_file` serves: the incident and its events, nothing the ORM reads."""


@dataclass
class TimelineEvents:
    """The timeline's events (timelines.TimelineQuery: the one rule, up to the head the read began
    at, perhaps cut to a window), merged in seq order, from the store or from the file itself
    (store/eventreader.EventReader). Each iteration reads afresh, in batches, within the reader's
    transaction."""

    reader: EventReader
    rule: timelines.TimelineQuery
    child: Child | None = None  # a child process reading the later part (services/exportchild.py)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(lazy_record, self.rows())

    def of(self, kinds: Collection[str]) -> Iterator[dict[str, Any]]:
        return map(lazy_record, timelines.merged_rows(self.reader, self.rule, own=self.rule.own.kinds(kinds), suppliers="supplier.state" in kinds))

    def latest(self, kinds: Collection[str], count: int) -> tuple[list[dict[str, Any]], int]:
        """The newest `count` events of these kinds (the incident's own), oldest first, and how many there are in all."""
        where = self.rule.own.kinds(kinds)
        total = (self.reader.one(f"SELECT count(*) FROM event WHERE {where.sql}", where.params) or (0,))[0]
        found = self.reader.all(f"SELECT seq FROM event WHERE {where.sql} ORDER BY seq DESC LIMIT :newest", {**where.params, "newest": count})
        if not found:
            return [], total
        return [lazy_record(r) for r in self.reader.events(where, after=found[-1][0] - 1)], total

    def rows(self, columns: Collection[str] | None = None) -> Iterator[Sequence[Any]]:
        """As the records, the rows they are made of (chain.ROW's columns). `columns`: those a
        reader of a few needs (CSV), which the file's reader reads alone, the others None: such a
        row is not made a record (`record`)."""
        return timelines.merged_rows(self.reader, self.rule, columns=columns)

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row of `rows()`, every column read, as the event's record."""
        return lazy_record(row)

    def read(self, timeline: Timeline, reading: parts.Reading, into: Sequence[parts.Sink] | None = None) -> parts.Read:
        """The events read once (export/parts.py): here, or with a `child` process reading the
        later part while this one reads the part before it, then any events after the child's
        head. A child that failed leaves its part to be read here. `into`: each part written to
        these sinks as soon as it is read (the child's once it is collected), in order."""
        start, child = timeline.starts()[timeline.stream], self.child
        if child is None:
            return parts.Read([parts.here(timeline, self, reading, start, into=into)])
        split, head = child.plan.split, child.plan.head
        done: list[parts.Part] = []
        try:
            began = time.monotonic()
            done.append(parts.here(timeline, self.cut(None, split), reading, start, into=into))
            theirs = child.collect(waited=time.monotonic() - began)
            if theirs is None:
                head = split  # its part read here, with any after it
            else:
                done.append(theirs)
                if into is not None:
                    theirs.pour(into)
            after = timelines.last_hash(self.reader, self.rule.own, head)
            done.append(parts.here(timeline, self.cut(head, None), reading, after, follows=True, into=into))
        except BaseException:
            parts.close(done)
            raise
        return parts.Read(done)

    def cut(self, after: int | None, upto: int | None) -> TimelineEvents:
        """These events after seq `after`, up to seq `upto`, read here."""
        return replace(self, rule=self.rule.between(after, upto), child=None)


def open_file(home: Home, fmt: str) -> TimelineFile | None:
    """The home's own SQLite file, read-only, in one read transaction, for an export in `fmt` to
    read without SQLAlchemy (FROM_FILE); None when that cannot be: another format, a database named
    with --db, a file not at this warroom's schema or not readable at once. Read through the store then."""
    if fmt not in FROM_FILE or home.db_url is not None:
        return None
    home.require()
    return TimelineFile.open(home.db_path, wait=0.5)


def timeline(reader: Session | Connection | TimelineFile, incident_id: int, config: Config, now: datetime, *, user: str,
             since: datetime | None = None, until: datetime | None = None, fmt: str, child: Child | None = None) -> Timeline:
    """The read model of one incident's export; `since`/`until` cut a window by recorded time. Only
    what the format `fmt` shows (READS) is worked out. The after-action review
    (services/review.py, as `warroom review ID --json` has it) is there for a drill, or for any
    incident the evaluators have written about. `reader`: an ORM session, or a Core connection
    (Store.read_core), on which the ORM is loaded only for a format that shows the state now; or
    the file itself (open_file), for a format that shows nothing but the events (FROM_FILE), which
    leaves the rest to the store (NotInFile). `child`: a child process reading the later part of
    this incident's events (services/exportchild.py), taken when it reads them by the same rule
    from a log no newer than this read's, whole (no window)."""
    reads = READS[fmt]
    if isinstance(reader, TimelineFile):
        if reads:
            raise NotInFile(fmt)
        events: EventReader = reader
        in_file = timelines.found(reader, incident_id)
        if in_file is None:
            raise NotInFile(incident_id)
        incident = in_file
    else:
        from warroom.store import eventlog

        connection = eventlog.connection_of(reader)
        incident = timelines.read(connection, incident_id)
        events = CoreEvents(connection)
    if since is not None and until is not None and since >= until:
        raise BadInput("--since must be before --until")
    head = events.head()
    whole = timelines.timeline_query(incident, config)
    rule = whole.upto(head)  # each of the timeline's queries reads the same log
    window = None
    if since is not None or until is not None:
        window = _window(events, incident.id, since, until)
        own = rule.own.and_("event.seq BETWEEN :first AND :last", first=window.first_seq or 0, last=window.last_seq or 0)
        suppliers = rule.suppliers.and_("event.at >= :since", since=iso(since)) if since else rule.suppliers
        suppliers = suppliers.and_("event.at < :until", until=iso(until)) if until else suppliers
        rule = replace(rule, own=own, suppliers=suppliers)
    session = _orm(reader) if reads and not isinstance(reader, TimelineFile) else None
    return Timeline(
        incident=to_json(timelines.summary(incident)), window=window,
        events=TimelineEvents(events, rule, child if child and window is None and child.plan.rule == whole and child.plan.head <= head else None),
        state=_state(session, incident_id, config, now, "reporting" in reads) if session and "state" in reads else {},
        playbook=_playbook(incident, timelines.snapshot(incident)),
        situation=_situation(session, config, now) if session and "situation" in reads else {}, people=people(config),
        timezone=config.settings.timezone, generated_at=iso(now), generated_by=user,
        review=_review(session, incident_id, config, now) if session and "review" in reads else None,
    )


class NotInFile(Exception):
    """What the file's reader leaves to the store: an incident the file does not hold (whose
    refusal names the ongoing ones), or a format that reads more than the events."""


def _window(reader: EventReader, incident_id: int, since: datetime | None, until: datetime | None) -> Window:
    """The unbroken run of the incident's events inside the window, and the hash it continues from."""
    mine = {"incident": incident_id}
    first = reader.one("SELECT min(seq) FROM event WHERE incident_id = :incident" + (" AND at >= :since" if since else ""),
                       {**mine, **({"since": iso(since)} if since else {})})[0]  # type: ignore[index]  # an aggregate: one row
    last = reader.one("SELECT max(seq) FROM event WHERE incident_id = :incident" + (" AND at < :until" if until else ""),
                      {**mine, **({"until": iso(until)} if until else {})})[0]  # type: ignore[index]
    if first is None or last is None or first > last:
        first = last = None  # no event of the incident in it: supplier changes only, if any
    after = timelines.last_hash(reader, Clause("event.incident_id = :incident", mine), first - 1) if first is not None else None
    return Window(iso(since) if since else None, iso(until) if until else None, first, last, after)


def load(fmt: str) -> None:
    """Import what an export in `fmt` runs (its renderer; the ORM and the services of what it
    reads, READS) ahead of the export, at a moment the caller chooses: the CLI's, while Python's
    collector is paused. `timeline` and `render` import the same as they need it."""
    import importlib

    from warroom.export import FORMATS

    importlib.import_module(f"warroom.export.{FORMATS[fmt]}")
    reads = READS[fmt]
    modules = ["warroom.services.incidentviews"]  # the summary's model (views.IncidentSummary)
    modules += [module for name, module in (("state", "sqlmodel"), ("state", "warroom.services.incidents"), ("state", "warroom.services.owed"),
                                            ("state", "warroom.services.reporting"), ("review", "warroom.services.review"),
                                            ("situation", "warroom.services.health")) if name in reads]
    for module in modules:
        importlib.import_module(module)


def _orm(reader: Session | Connection) -> Session:
    """An ORM session in the reader's transaction, for the formats that show the state now."""
    from sqlalchemy import Connection

    if not isinstance(reader, Connection):
        return reader
    from sqlmodel import Session

    return Session(bind=reader)


def _situation(session: Session, config: Config, now: datetime) -> dict[str, Any]:
    from warroom.services import health  # the suppliers' states: for the formats that brief on them (READS) only

    return to_json(health.status(session, config, now))


def _review(session: Session, incident_id: int, config: Config, now: datetime) -> dict[str, Any] | None:
    from sqlalchemy import text as sql

    from warroom.services import incidents, review

    incident = incidents.get(session, incident_id)
    if incident.mode != "drill" and session.connection().execute(sql(_WRITTEN), {"id": incident.id}).first() is None:
        return None
    return to_json(review.review(session, incident_id, config, now))


_WRITTEN = "SELECT seq FROM event WHERE kind IN ('review.observation', 'review.action') AND incident_id + 0 = :id LIMIT 1"
"""Whether the evaluators wrote about a live incident: found through the kinds' index (few events
of all the log), not the incident's, whose 100,000 events would be walked to find none (`+ 0`:
the incident's column is not one an index is looked up by)."""


def _state(session: Session, incident_id: int, config: Config, now: datetime, clocks: bool = True) -> dict[str, Any]:
    """Steps, ladder, fallbacks and open decisions now, as `incident show` has them, and (`clocks`)
    the legal reporting clocks; the decisions taken are read from the decision events, not held."""
    from sqlmodel import select

    from warroom.services import incidents, owed, reporting  # the formats that show the state now (READS) only
    from warroom.store.models import FallbackActivation, IncidentStep

    incident = incidents.get(session, incident_id)
    playbook = incidents.snapshot(incident)
    steps = session.exec(select(IncidentStep).where(IncidentStep.incident_id == incident.id).order_by(IncidentStep.position)).all()
    activations = session.exec(select(FallbackActivation).where(FallbackActivation.incident_id == incident.id)
                               .order_by(FallbackActivation.activated_at)).all()
    register = config.fallbacks()
    live = incident.status in owed.LIVE
    when = lambda value: iso(value) if value else None  # noqa: E731
    return {
        "steps": [{"id": s.step_id, "title": s.title, "source": s.source, "status": s.status, "due_at": when(s.due_at),
                   "overdue": owed.is_late(s.status, s.due_at, now, live),
                   "changed_at": when(s.changed_at), "changed_by": s.changed_by, "note": s.note} for s in steps],
        "ladder": [{"level": e.level, "notify": list(e.notify), "message": e.message, "due_at": iso(e.due_at), "state": e.state,
                    "fired_at": when(e.fired_at), "late_seconds": e.late_seconds, "acked_at": when(e.acked_at), "acked_by": e.acked_by,
                    "contacts": [_contact(config, n) for n in e.notify],
                    "who": notified(list(e.notify), drill=incident.mode == "drill")}  # as stored: JSON is the same in every language
                   for e in incidents.ladder(session, incident, config)],
        "fallbacks": [{"id": f, "title": register[f][1].title if f in register else f, "supplier": register[f][0].id if f in register else None,
                       "owner": register[f][1].owner if f in register else None,
                       "active": any(a.fallback_id == f and a.deactivated_at is None for a in activations),
                       "activations": [{"activated_at": iso(a.activated_at), "by": a.activated_by, "reason": a.reason,
                                        "deactivated_at": when(a.deactivated_at), "deactivated_by": a.deactivated_by, "result": a.result}
                                       for a in activations if a.fallback_id == f]}
                      for f in dict.fromkeys([*playbook.fallbacks, *(a.fallback_id for a in activations)])],
        "open_decisions": [{"id": o.decision.id, "question": o.decision.question, "role": o.decision.role,
                            "due_at": when(o.due_at), "overdue": o.overdue}
                           for o in owed.open_decisions(playbook, owed.decided(session, [incident.id])[incident.id],
                                                        incident.opened_at, now, live, incident.speed)],
        **({"reporting": to_json(reporting.of(session, incident, config, now))} if clocks else {}),  # the legal reporting clocks (NIS2, CER)
    }


def _contact(config: Config, target: str) -> dict[str, Any]:
    found = config.notify.get(target)  # the export's contact is structured: `incident show` joins the same into one string
    return {"id": target, "name": found.name if found else target, "phone": found.phone if found else None}


def _playbook(incident: Incident | timelines.IncidentRow, playbook: Any) -> dict[str, Any]:
    """What the incident ran, with each target's deadline counted from its opening."""
    targets = []
    for name, value in playbook.targets:
        if value is not None:  # incidents.scaled: the drill's compression
            targets.append({"target": name, "within": playbook.model_dump(mode="json")["targets"][name],
                            "due_at": iso(incident.opened_at + durations.scaled(value, incident.speed))})
    return {"id": playbook.id, "version": playbook.version, "title": playbook.title, "severity": playbook.severity,
            "summary": playbook.summary, "targets": targets,
            "decisions": [{"id": d.id, "question": d.question} for d in playbook.decisions]}


def people(config: Config) -> list[dict[str, Any]]:
    people = [{"user": user, "name": p.name, "role": p.role} for user, p in config.people.items()]
    return sorted(people, key=lambda p: (_ROLES.index(p["role"]) if p["role"] in _ROLES else len(_ROLES), p["user"]))


def render(timeline: Timeline, fmt: str, out: Any, signer: document.Signer | None = None, obligation: str | None = None) -> dict[str, Any] | None:
    """Write one export in `fmt` (a word of warroom.export.FORMATS) to the text stream `out`.
    Returns the JSON export's chain object (head, verified, problem); None for the other formats."""
    import importlib

    from warroom.export import FORMATS

    module = importlib.import_module(f"warroom.export.{FORMATS[fmt]}")
    if fmt == "json":
        return module.render(timeline, out, signer)
    if fmt == "report":
        module.render(timeline, out, obligation)
        return None
    module.render(timeline, out)
    return None


class CannotWrite(BadInput):
    """The place an export should go cannot take it (a folder, a missing folder, no permission).
    Said as `PATH: why`: the CLI puts `-o` before it, the room shows it as it is."""


class Exists(CannotWrite):
    """The file is there already and the caller did not say to replace it."""


def check_target(target: Path, replace: bool = True) -> None:
    """Refuse a place the export cannot go (and, unless `replace`, a file already there), before
    anything is read: `export` checks first, and the incident room before it asks for the key."""
    from warroom.text import line

    if target.is_dir():
        raise CannotWrite(f"{line(target)}: is a folder; name a file")
    if os.path.lexists(target) and not target.is_file():
        raise CannotWrite(f"{line(target)}: not a regular file; name a new or regular file")
    if not target.parent.is_dir():
        raise CannotWrite(f"{line(target)}: the folder {line(target.parent)} does not exist")
    if not replace and os.path.lexists(target):
        raise Exists(f"{line(target)}: already exists")


def export(reader: Session | Connection, incident_id: int, config: Config, now: datetime, fmt: str, target: Path | TextIO, *, user: str,
           signer: document.Signer | None = None, obligation: str | None = None, since: datetime | None = None,
           until: datetime | None = None, replace: bool = True, child: Child | None = None) -> dict[str, Any] | None:
    """One incident's export in `fmt`, to a text stream or a file: what `warroom export` and the
    incident room's export both run. A file is written beside its target and renamed onto it once
    whole, so a reader never sees half an export and a failed one leaves the old file as it was;
    with `replace` False an existing file is refused (Exists), even one that appeared meanwhile.
    Returns the JSON export's chain object (head, verified, problem); None for the other formats.
    `child`: a child process reading the later part of the events (services/exportchild.py)."""
    from warroom.text import line

    if isinstance(target, Path):
        check_target(target, replace)  # a bad path fails fast, before the timeline is read
    view = timeline(reader, incident_id, config, now, user=user, since=since, until=until, fmt=fmt, child=child)
    if obligation is not None and not any(c["id"] == obligation for c in view.state.get("reporting", [])):
        named = ", ".join(c["id"] for c in view.state.get("reporting", [])) or "none"
        raise BadInput(f"incident #{incident_id} has no reporting obligation {line(obligation)!r} (obligations: {named})")
    if not isinstance(target, Path):
        return render(view, fmt, target, signer, obligation)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with open(partial, "x", encoding="utf-8", newline="") as out:
            chain = render(view, fmt, out, signer, obligation)
        if replace:
            os.replace(partial, target)
        else:
            _place_new(partial, target)
    except FileExistsError:
        raise Exists(f"{line(target)}: already exists") from None
    except OSError as exc:
        raise CannotWrite(f"{line(target)}: cannot write ({exc.strerror or exc})") from None
    finally:
        if os.path.lexists(partial):
            partial.unlink()
    return chain


def _place_new(partial: Path, target: Path) -> None:
    """Give the whole file its name only if nothing has that name: a hard link fails when the name
    is taken, whoever took it since the caller looked."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: look, then rename
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(partial, target)


def incident_ids(reader: Session | Connection | TimelineFile) -> list[int]:
    """Every incident, oldest first (export --all)."""
    if isinstance(reader, TimelineFile):
        return [i for (i,) in reader.all(_IDS)]
    from warroom.store import eventlog

    return [i for (i,) in CoreEvents(eventlog.connection_of(reader)).all(_IDS, {})]


_IDS = "SELECT id FROM incident ORDER BY id"


def signer(home: Home) -> tuple[document.Signer | None, str | None]:
    """The home's key as a signer, or None and why this account cannot sign (one line)."""
    from warroom.witness import WitnessProblem

    witness = home.witness()
    try:
        key = witness.signer()
    except WitnessProblem as exc:
        return None, f"the export is not signed: {exc}".replace(", so the head cannot be signed", "")
    if key is None:
        owner = witness.key_owner()
        return None, (f"the export is not signed: only {owner} can read warroom.key (in a group home, the monitor's service account); "
                      f"to sign it, export as {owner} (sudo -u {owner} warroom --home {home.root} export …)")
    public = key.public_key().public_bytes_raw()  # not cryptography's serialization module: ~20 ms of an export's start
    return document.Signer(key.sign, public), None


def verify_file(path: Path, key_path: Path | None, home: Home) -> checker.Report:
    """Check an exported timeline against `key_path`, or else the home's warroom.pub."""
    from warroom.export import verify as checker  # cryptography's key loading: not for the exports themselves
    from warroom.text import line
    from warroom.witness import load_public_key

    name = files.name_of(path)
    if key_path is not None:
        key, key_name = load_public_key(key_path), files.name_of(key_path)
    else:
        pub = home.root / "warroom.pub"
        if not pub.exists():
            raise BadInput(f"no public key to check {name}'s signature against: give --key FILE (a copy of the war-room's warroom.pub); "
                           f"there is no war-room home at {line(home.root)}")
        try:
            key = load_public_key(pub)
        except BadInput as exc:
            raise BadInput(f"the home's {str(exc).removeprefix('--key: ')}; give --key FILE (a copy of warroom.pub kept off the host)") from None
        key_name = files.name_of(pub)
    data = files.read_bytes(path, name, limit=LARGEST_EXPORT, what="an export", deadline=120)
    return checker.check(checker.parse(data, name), key, key_name)
