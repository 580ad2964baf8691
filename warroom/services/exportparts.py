"""The later part of a long incident's events, read by a second process (export/parts.py).

A Markdown or HTML export of one incident shows its state now (read through the ORM) and every
one of its events, each checked against its hash. On a machine with two cores the two can go side
by side: `Ahead.begin` forks a child before the ORM is imported; the child opens the home's file
through the standard library (store/timelinefile.py), reads, checks and renders the incident's
events after `split` up to its own head into temporary files, and says what it found on a pipe.
This process meanwhile imports the ORM, reads the state and the events up to `split` and, when the
child's head is older than its own, the events between them (exports._Events.read).

Consistency: events are only ever appended, and an event's row never changes, so the child's rows
up to its head are the rows this process's read holds too; this process's read begins only after
the child's has (the child says its head first), so it holds at least as many. Each part checks
what it shows itself, and starts from the hash of the incident's event before it, which the part
before it must have ended on (parts.joined): a part that does not follow on is a break.

When anything about the child fails (it cannot open the file, dies, says nothing), this process
reads that part itself: the export is the same, only slower."""

from __future__ import annotations

import importlib
import json
import os
import signal
import tempfile
import threading
from typing import IO, TYPE_CHECKING, Any

from warroom.config import Config
from warroom.export import parts, shown
from warroom.home import Home
from warroom.services import timelines
from warroom.store.eventreader import Clause, EventReader
from warroom.store.timelinefile import TimelineFile

if TYPE_CHECKING:
    from warroom.export.parts import Part

PARTED = frozenset({"md", "html"})
"""The formats read in parts: those that read the state now through the ORM beside their events.
A JSON or CSV export reads nothing else (and a JSON export's digest runs over every event in order)."""
SMALLEST = 20_000
"""Fewer of the incident's events than this are read in one process: a fork costs more than it saves."""
SHARE = 0.3
"""The share of the events this process reads itself, beside importing the ORM and reading the state."""


class Ahead:
    """A child process reading the later part of one incident's events (the module's doc)."""

    def __init__(self, pid: int, pipe: IO[str], files: list[IO[bytes]], incident_id: int, split: int):
        self._pid: int | None = pid
        self._pipe = pipe
        self._files = files
        self.incident_id, self.split = incident_id, split
        self.head = 0  # the child's head: set once it says it

    @classmethod
    def begin(cls, home: Home, incident_id: int, fmt: str, config: Config) -> Ahead | None:
        """The child reading incident `incident_id`'s later events for an export in `fmt`, its
        read begun; None when the export is read in one process (another format or database, a
        short incident, one core, threads running that a fork would not carry)."""
        if fmt not in PARTED or home.db_url is not None or not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        if len(os.sched_getaffinity(0)) < 2:
            return None
        file = TimelineFile.open(home.db_path, wait=0.5)
        if file is None:
            return None
        with file:
            split = _split(file, incident_id, config)
        if split is None:
            return None
        from warroom.export import FORMATS

        module = importlib.import_module(f"warroom.export.{FORMATS[fmt]}")
        files = [tempfile.TemporaryFile() for _ in range(module.SECTIONS)]  # noqa: SIM115 (closed by close(), or by the texts collect() makes)
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the command
            status = 1
            try:
                os.close(reading)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                status = _child(home, incident_id, config, module, split, files, writing)
            finally:
                os._exit(status)
        os.close(writing)
        ahead = cls(pid, os.fdopen(reading, "r", encoding="utf-8"), files, incident_id, split)
        said = ahead._said()
        if said is None:
            ahead.close()
            return None
        ahead.head = said["head"]
        return ahead

    def _said(self) -> dict[str, Any] | None:
        try:
            line = self._pipe.readline()
            return json.loads(line) if line else None
        except (OSError, ValueError):
            return None

    def collect(self) -> Part | None:
        """The child's part, once it has read it: its texts, counts and tally; None when it failed
        (then read the part here)."""
        said = self._said()
        status = self._reap()
        if said is None or status != 0 or "tally" not in said:
            self.close()
            return None
        texts = [shown.Later(file=f).__enter__() for f in self._files]
        self._files = []  # the texts close them now
        return parts.Part(texts, said["counts"], parts.Tallied.from_json(said["tally"]))

    def _reap(self) -> int | None:
        if self._pid is None:
            return None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """Stop the child if it still runs; its files go."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        self._pipe.close()
        for f in self._files:
            f.close()
        self._files = []

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split(file: TimelineFile, incident_id: int, config: Config) -> int | None:
    """The seq after which the child reads: SHARE of the incident's own events before it. None for
    an incident too short to part, or none at all."""
    row = file.one(f"SELECT {timelines.INCIDENT_COLUMNS} FROM incident WHERE id = :id", {"id": incident_id})
    if row is None:
        return None
    own = timelines.timeline_query(timelines.incident_row(row), config).own
    count = (file.one(f"SELECT count(*) FROM event WHERE {own.sql}", own.params) or (0,))[0]
    if count < SMALLEST:
        return None
    found = file.one(f"SELECT seq FROM event WHERE {own.sql} ORDER BY seq LIMIT 1 OFFSET :part_offset",
                     {**own.params, "part_offset": int(count * SHARE)})
    return found[0] if found else None


def last_own(reader: EventReader, own: Clause, seq: int, start: str | None) -> str | None:
    """The hash of the incident's last event up to seq `seq` (`own`: the rule's own events), the
    one its next links to; `start` when there is none."""
    upto = own.and_("event.seq <= :part_last", part_last=seq)
    found = reader.one(f"SELECT hash FROM event WHERE {upto.sql} ORDER BY seq DESC LIMIT 1", upto.params)
    return found[0] if found else start


def _child(home: Home, incident_id: int, config: Config, module: Any, split: int, files: list[IO[bytes]], writing: int) -> int:
    """The child's work: say the head its read begins at, read the part, say what it found."""
    from warroom.export.model import Timeline
    from warroom.services import exports
    from warroom.services.views import to_json

    with os.fdopen(writing, "w", encoding="utf-8") as pipe:
        file = TimelineFile.open(home.db_path, wait=5)
        if file is None:
            return 1
        with file:
            head = file.head()
            pipe.write(json.dumps({"head": head}) + "\n")
            pipe.flush()
            row = file.one(f"SELECT {timelines.INCIDENT_COLUMNS} FROM incident WHERE id = :id", {"id": incident_id})
            if row is None:
                return 1
            incident = timelines.incident_row(row)
            rule = timelines.timeline_query(incident, config).upto(head)
            timeline = Timeline(incident=to_json(timelines.summary(incident)), events=exports.TimelineEvents(file, rule.between(split, None)),
                                people=exports.people(config), timezone=config.settings.timezone)
            part = parts.here(timeline, timeline.events, module.read_part, module.SECTIONS, last_own(file, rule.own, split, None), files)
            for text in part.texts:
                text.flush()
            pipe.write(json.dumps({"counts": list(part.counts), "tally": part.tally.as_json()}) + "\n")
            pipe.flush()
    return 0
