"""A child process that reads the later part of a long incident's events for its export
(export/parts.py).

A report of one incident (Markdown, HTML) shows its state now, read through the ORM, and every one
of its events, each checked against its hash; a JSON export shows only the events, each as it is
hashed. On two cores the work goes side by side: `Child.begin` reads, in one read of the home's
file through the standard library, the head of the log, the incident's timeline rule and the seq
to split at (`split`); then it forks. The child opens the file again and reads, checks and renders
the incident's events after `split` up to that head into temporary files, and says on a pipe what
it found (counts, tally, each file's size: a line not as it writes one, or a file of another size,
is no part). The command meanwhile imports the ORM and reads the state (for a report), reads the
events up to `split`, and then those after the head (TimelineEvents.read in services/exports.py).

Why the parts make one timeline:
- Events are only ever appended, and the database refuses to change an event's row, so the rows up
  to the head are the same in every later read: the child's, and the command's, which begins after
  `begin`'s has ended (TimelineEvents takes the child only when its own head is not older).
- Which events the timeline holds depends on the incident's row too (closing it ends the supplier
  changes it takes in): the command takes the child's part only when the rule it reads is the one
  the child read (services/exports.timeline).
- Each part checks what it shows itself, from the hash of the incident's event before it, which the
  part before must have ended on (parts.joined): a part that does not follow on is a break.

When the child cannot start (one core, no fork or pidfd, threads running that a fork would not
carry, no temporary directory), fails, says something else, or has not said its line and ended
within PATIENCE, the command reads that part itself: the export is the same, only slower.

What the child inherits: everything imported before `begin` (the command calls it before it imports
SQLAlchemy and opens no database before it, so no connection crosses the fork: `begin`'s own is
closed first), the collector as the command set it (off, while an export reads), the signal
handlers (an interrupt ends the child too: it leaves through os._exit, never into the command)."""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from warroom.config import Config
from warroom.export import parts, shown
from warroom.home import Home
from warroom.services import exports, timelines
from warroom.store.timelinefile import TimelineFile

SMALLEST = 20_000
"""Fewer of the incident's events than this are read in one process: a fork costs more than it saves."""
SHARE = 0.35
"""The share of the events the command reads itself, beside importing the ORM and reading the state
(measured at 100,000 events: 0.35 ends first; 0.3 and 0.4 about 5 % later)."""
SHARE_EVENTS_ONLY = 0.5
"""The same for a format that reads nothing but the events (JSON): the command has nothing else to
do meanwhile, and pours the child's part into its file after its own (measured: 0.4 to 0.55 alike)."""
PATIENCE = 30.0
"""Seconds the command waits for the child beyond the time its own part took, at least (times ten)."""


@dataclass(frozen=True)
class Plan:
    """What `begin` read before the fork, and the child reads by: the log's head, the incident's
    timeline rule and its summary, and the seq after which the child reads."""

    head: int
    rule: timelines.TimelineQuery
    incident: dict[str, Any]
    split: int


class Child:
    """A child process reading the later part of one incident's events (the module's doc)."""

    def __init__(self, pid: int, pipe: int, files: list[IO[bytes]], plan: Plan, reading: parts.Reading):
        self._pid: int | None = pid
        self._pipe: int | None = pipe  # the reading end of the child's pipe
        self._files = files
        self.plan = plan
        self._reading = reading

    @classmethod
    def begin(cls, home: Home, incident_id: int, fmt: str, config: Config) -> Child | None:
        """The child reading incident `incident_id`'s later events for an export in `fmt`; None
        when the export is read in one process (a format not read in parts, another database, a
        short incident, one core, no fork or pidfd, running threads, anything that keeps the child from
        starting)."""
        from warroom.export import FORMATS

        module = importlib.import_module(f"warroom.export.{FORMATS[fmt]}")
        if (not hasattr(module, "READING") or home.db_url is not None or not hasattr(os, "fork") or not hasattr(os, "pidfd_open")
                or threading.active_count() > 1):
            return None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if cores < 2:
            return None
        plan = _plan(home, incident_id, config, SHARE_EVENTS_ONLY if fmt in exports.FROM_FILE else SHARE)
        if plan is None:
            return None
        files: list[IO[bytes]] = []
        pipe: tuple[int, ...] = ()
        try:
            files = [tempfile.TemporaryFile() for _ in range(module.READING.sections)]  # noqa: SIM115 (closed by close(), or by the texts collect() makes)
            pipe = os.pipe()
            reading, writing = pipe
            pid = os.fork()
        except OSError:  # no temporary directory, no process or pipe to spare: one process reads it all
            for f in files:
                f.close()
            for fd in pipe:
                os.close(fd)
            return None
        if pid == 0:  # the child: never returns into the command
            status = 1
            try:
                os.close(reading)
                status = _child(home, config, module, plan, files, writing)
            finally:
                os._exit(status)
        os.close(writing)
        return cls(pid, reading, files, plan, module.READING)

    def collect(self, waited: float) -> parts.Part | None:
        """The child's part, once it has read it: its texts, counts and tally. None when it failed,
        said something else, or did not say it whole and end within PATIENCE (or ten times
        `waited`, the seconds the command's own part took): then the command reads that part itself."""
        deadline = time.monotonic() + max(PATIENCE, 10 * waited)
        said = self._said(deadline)
        status = self._reap(deadline) if said is not None else None
        if said is None or status != 0:
            self.close()
            return None
        texts = [shown.Later(file=f).__enter__() for f in self._files]
        try:
            if not parts.naturals(said["sizes"], len(self._files)) or _sizes(self._files) != said["sizes"]:
                raise ValueError("its files are not of the sizes it said")
            part = parts.Part.from_json(said, texts, self._reading)
        except (KeyError, TypeError, ValueError):  # not what this warroom's child says
            for text in texts:
                text.close()
            self.close()
            return None
        self._files = []  # the texts close them now
        return part

    def _said(self, deadline: float) -> dict[str, Any] | None:
        """The child's one line of JSON, read whole by `deadline` (time.monotonic); None for none,
        or not its line. Read from the pipe itself, a piece at a time, each waited for with what is
        left of the time: a child stopped half-way through its line holds nothing up."""
        line, pipe = b"", self._pipe
        if pipe is None:
            return None
        try:
            while not line.endswith(b"\n"):
                if not select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
                    return None
                piece = os.read(pipe, 65536)
                if not piece:
                    return None
                line += piece
            said = json.loads(line)
        except (OSError, ValueError):
            return None
        return said if isinstance(said, dict) else None

    def _reap(self, deadline: float | None = None) -> int | None:
        """The child's exit status, once it has ended (by `deadline`, when given: None if it has
        not, a child that said its line and hangs on)."""
        if self._pid is None:
            return None
        if deadline is not None and not _ends(self._pid, deadline):
            return None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """Stop the child if it still runs, and wait for it; its files go."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        for f in self._files:
            f.close()
        self._files = []

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plan(home: Home, incident_id: int, config: Config, share: float) -> Plan | None:
    """The head, the rule and the seq to split at (after `share` of the events), in one read of
    the file; None for an incident too short to part, one not in the file, or a file not readable
    at once."""
    file = TimelineFile.open(home.db_path, wait=0.5)
    if file is None:
        return None
    with file:
        incident = timelines.found(file, incident_id)
        if incident is None:
            return None
        head = file.head()
        rule = timelines.timeline_query(incident, config)
        own = rule.upto(head).own
        count = (file.one(f"SELECT count(*) FROM event WHERE {own.sql}", own.params) or (0,))[0]
        if count < SMALLEST:
            return None
        found = file.one(f"SELECT seq FROM event WHERE {own.sql} ORDER BY seq LIMIT 1 OFFSET :part_offset",
                         {**own.params, "part_offset": int(count * share)})
        from warroom.services.views import to_json

        return Plan(head, rule, to_json(timelines.summary(incident)), found[0]) if found else None


def _child(home: Home, config: Config, module: Any, plan: Plan, files: Sequence[IO[bytes]], writing: int) -> int:
    """The child's work: read its part, say what it found (one line of JSON)."""
    from warroom.export.model import Timeline

    with os.fdopen(writing, "w", encoding="utf-8") as pipe:
        file = TimelineFile.open(home.db_path, wait=5)
        if file is None:
            return 1
        with file:
            rule = plan.rule.upto(plan.head)
            timeline = Timeline(incident=plan.incident, events=exports.TimelineEvents(file, rule.between(plan.split, None)),
                                people=exports.people(config), timezone=config.settings.timezone)
            start = timelines.last_hash(file, rule.own, plan.split)
            part = parts.here(timeline, timeline.events, module.READING, start, follows=True, files=files)
            for text in part.texts:
                text.flush()
        pipe.write(json.dumps({**part.as_json(), "sizes": _sizes(files)}) + "\n")
    return 0


def _sizes(files: Sequence[IO[bytes]]) -> list[int]:
    return [os.fstat(f.fileno()).st_size for f in files]


def _ends(pid: int, deadline: float) -> bool:
    """Whether child `pid` has ended by `deadline` (time.monotonic), without reaping it: waited for
    on its pidfd. A kernel without pidfds (before Linux 5.3) says no: the command reads the part."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return False
    try:
        return bool(select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0])
    finally:
        os.close(fd)
