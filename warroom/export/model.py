"""What every export renders: one incident's summary, its events in seq order, its current state.
Built by `warroom.services.exports.timeline` in a read transaction; pure data here.

`events` can be read more than once (a report lists the decisions before the activity log), each
time from the database in batches, so memory stays flat whatever the number of events."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from warroom.export.document import not_json
from warroom.store import chain
from warroom.store.chain import IN_HASH

if TYPE_CHECKING:
    from warroom.export.parts import Read, Reading, Sink


class Events(Protocol):
    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every event of the timeline, as stored (every hashed field), in seq order."""
        ...

    def of(self, kinds: Collection[str]) -> Iterator[dict[str, Any]]:
        """Only the events of these kinds, in seq order."""
        ...

    def latest(self, kinds: Collection[str], count: int) -> tuple[list[dict[str, Any]], int]:
        """The incident's newest `count` events of these kinds, oldest first, and how many there are in all."""
        ...

    def read(self, timeline: Timeline, reading: Reading, into: Sequence[Sink] | None = None) -> Read:
        """Every event read once as `reading` says (export/parts.py), perhaps in parts read side by
        side; `into`: each section written to its sink as each part is read."""
        ...

    def rows(self, columns: Collection[str] | None = None) -> Iterator[Sequence[Any]]:
        """Every event as `__iter__` gives it, as the row it is made of: its stored columns in the
        order store.chain.ROW names (for the renders that take a few columns of 100,000 events).
        `columns`: the render takes only these, and a reader may leave the others None."""
        ...

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """The event `__iter__` gives for this row of `rows`, whole whatever `columns` read."""
        ...


@dataclass(frozen=True)
class Window:
    """A cut of the timeline by recorded time (--since, --until). The incident's own events in it
    are one unbroken run, from the first recorded at or after `since` to the last recorded before
    `until`; `after` is the hash of the incident's last event before the run (what the run's first
    event links to), None when the run starts at the incident's opening."""

    since: str | None
    until: str | None
    first_seq: int | None
    last_seq: int | None
    after: str | None

    def as_json(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "first_seq": self.first_seq, "last_seq": self.last_seq, "after": self.after}


@dataclass(frozen=True)
class Timeline:
    incident: dict[str, Any]  # services.incidents.summary: id, playbook, mode, title, status, opened_at, …
    events: Events
    window: Window | None = None
    state: dict[str, Any] = field(default_factory=dict)  # steps, ladder, fallbacks, open_decisions (as incident show)
    playbook: dict[str, Any] = field(default_factory=dict)  # the snapshot the incident ran: summary, severity, targets, decisions
    situation: dict[str, Any] = field(default_factory=dict)  # suppliers and services now (services.health.status)
    people: list[dict[str, Any]] = field(default_factory=list)  # user, name, role: who holds which role
    timezone: str = "UTC"
    generated_at: str = ""
    generated_by: str = ""
    review: dict[str, Any] | None = None  # the after-action review (services.review, as JSON) of a drill, or of an incident evaluated

    @property
    def stream(self) -> str:
        """The incident's own stream: every one of its events is in the export (in the window)."""
        return f"incident:{self.incident['id']}"

    def starts(self) -> dict[str, str | None]:
        return {self.stream: self.window.after if self.window else None}


class Tally:
    """Reads events through, checking as it goes what `verify --export` checks later: every hash,
    and the incident's own stream unbroken from its start (or the window's). At the end: how many,
    the head, the digest the signature covers (unless its hashes go to a `hashes` writer), and the
    first problem if any."""

    def __init__(self, stream: str, starts: dict[str, str | None], follows: bool = False, hashes: Callable[[bytes], object] | None = None):
        """`starts`: the hash the stream's first event here links to (a window's start); with
        `follows`, the hash of the event before it, checked by the reader of the part before.
        `hashes`: takes the hashes counted in, each followed by a newline, in place of the digest
        (a part of a JSON export, whose digest covers every part's: export/parts.py)."""
        self._check = chain.SubsetCheck({stream}, starts)
        self._stream = stream
        if follows:
            self._check.follow(stream, starts.get(stream))
        self._digest: hashlib._Hash | None = None
        if hashes is None:
            self._digest = hashlib.sha256()
            hashes = self._digest.update
        self._hashes = hashes
        self._held: list[str] = []  # hashes `row` counted in, not yet in the digest: one update for thousands
        self.count = 0
        self.head: str | None = None

    def over(self, events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        self.flush()
        feed, update = self._check.feed, self._hashes
        for event in events:
            feed(event)
            hash_ = event["hash"]
            if isinstance(hash_, bytes | bytearray | memoryview):  # a row altered in the file (the check says so), as the export spells it
                hash_ = not_json(hash_)
            update(f"{hash_}\n".encode())
            self.count += 1
            self.head = hash_
            yield event

    def row(self, row: Sequence[Any]) -> bytes | None:
        """Count an event of `Events.rows` in, when it checks out as it is (chain.SubsetCheck.feed_row):
        the UTF-8 body its hash covers. None, nothing counted: `add` its record instead."""
        body = self._check.feed_row(row)
        if body is not None:
            hash_ = row[IN_HASH]  # one that held: hex text
            held = self._held
            held.append(hash_)
            if len(held) >= 4096:
                self.flush()
            self.count += 1
            self.head = hash_
        return body

    def flush(self) -> None:
        """The held hashes into the digest (or the `hashes` writer), each followed by a newline, as `over` adds them."""
        if self._held:
            self._held.append("")
            self._hashes("\n".join(self._held).encode("ascii"))
            self._held.clear()

    def add(self, event: dict[str, Any]) -> None:
        for _ in self.over((event,)):
            pass

    @property
    def start(self) -> str | None:
        """The hash the stream's first event here links to: None from its first event."""
        return self._check.starts.get(self._stream)

    @property
    def end(self) -> str | None:
        """The hash of the stream's last event here (as `start` when there is none): what the
        stream's next event, in a part read after this one, links to."""
        return self._check.heads.get(self._stream, self.start)

    @property
    def last_seq(self) -> int:
        return self._check.last_seq

    @property
    def problem(self) -> str | None:
        return str(self._check.broken) if self._check.broken else None

    @property
    def hashes_sha256(self) -> str:
        """The digest of the hashes counted in (the one the signature covers). A Tally whose
        hashes went to a `hashes` writer has none: the writer's owner digests them."""
        if self._digest is None:
            raise TypeError("this Tally's hashes went to its `hashes` writer: digest them there")
        self.flush()
        return self._digest.hexdigest()
