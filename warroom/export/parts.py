"""One read of a timeline's events, perhaps in several parts read side by side.

A report reads its events once: each a row of its activity log, each decision into its table, each
supplier's change into its own. What a read leaves is a few texts (one for each table, a
section), a few counts and the tally of what was checked. On a machine with two cores a long
incident's events can be read in parts, the later part by a second process while this one reads the
state now and the first part (services/exportchild.py): the texts of each part follow each other,
the counts add up, and each part's check starts from the hash the part before it ended on. So every
part shows only what it checked itself, and a part that does not follow on from the one before is a
break, as a missing event is.

A renderer gives `read` its `Reading`: a `PartReader` that reads one part's events (`Events.rows`),
feeds each to the part's Tally and writes each section's text to its sink, and returns its counts.
A renderer that writes its sections in the order it reads them (JSON) gives `read` the sinks they
go `into` as well: each part is then written there as soon as it is read, the first one straight,
and nothing is kept for later."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol, TextIO

from warroom.export import shown
from warroom.export.model import Tally
from warroom.i18n import _
from warroom.store.chain import Break

if TYPE_CHECKING:
    from warroom.export.model import Events, Timeline

class Sink(Protocol):
    """Where one section's text goes: a shown.Later, or (`into`) the place the renderer writes it.
    A part reader writes text or bytes as it has them, so a sink takes both; bytes are UTF-8 in
    pieces that may end inside a character (a file read a MiB at a time)."""

    def write(self, text: str) -> object: ...

    def write_bytes(self, data: bytes) -> object:
        """Text already encoded as UTF-8."""
        ...


PartReader = Callable[["Timeline", "Events", Tally, Sequence[Sink]], Sequence[int]]
"""Reads one part of the events (the Events it is given), checking each with the Tally and writing
each section's text to its sink in order; returns its counts (as many as the renderer keeps)."""


@dataclass(frozen=True)
class Reading:
    """How a renderer reads its events: its PartReader, how many sections it writes and how many
    counts it returns, and the section (if any) each part's Tally writes the hashes it counted to,
    one a line, in place of its digest (a JSON export's signature covers the hashes of every part)."""

    reader: PartReader
    sections: int
    counts: int = 0
    hashed: int | None = None


def naturals(value: object, length: int) -> bool:
    """Whether `value` is a list of `length` whole numbers, none below zero (as JSON read it)."""
    return type(value) is list and len(value) == length and all(type(n) is int and n >= 0 for n in value)


@dataclass(frozen=True)
class Tallied:
    """What a part's Tally ended with: how many events, the last one's hash, the first problem, and
    the hashes of the incident's own events it started after (`start`) and ended on (`end`)."""

    count: int
    head: str | None
    problem: str | None
    start: str | None
    end: str | None
    last_seq: int  # the seq of the last event it read; 0 for none

    @classmethod
    def of(cls, tally: Tally) -> Tallied:
        return cls(tally.count, tally.head, tally.problem, tally.start, tally.end, tally.last_seq)

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "head": self.head, "problem": self.problem, "start": self.start, "end": self.end, "last_seq": self.last_seq}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Tallied:
        """The tally as `as_json` wrote it; TypeError for anything else (not what this warroom's child says)."""
        texts = [value["head"], value["problem"], value["start"], value["end"]]
        if not naturals([value["count"], value["last_seq"]], 2) or any(t is not None and type(t) is not str for t in texts):
            raise TypeError("not a part's tally")
        return cls(value["count"], value["head"], value["problem"], value["start"], value["end"], value["last_seq"])


def joined(parts: Sequence[Tallied]) -> Tallied:
    """The parts as one tally: the first problem in the order they run, and a break where a part
    does not start on the hash the one before it ended on."""
    count, head, problem, last_seq = 0, None, None, 0
    for before, part in zip([None, *parts], parts, strict=False):
        if problem is None and before is not None and part.start != before.end:
            problem = str(Break(last_seq, _("the incident's events after it do not follow on from those before")))
        problem = problem or part.problem
        count += part.count
        head, last_seq = (part.head, part.last_seq) if part.count else (head, last_seq)
    return Tallied(count, head, problem, parts[0].start if parts else None, parts[-1].end if parts else None, last_seq)


@dataclass
class Part:
    """What one part's read left: each section's text, its counts and its tally."""

    texts: list[shown.Later]  # none when it was written `into` its sinks as it was read
    counts: Sequence[int]
    tally: Tallied

    def as_json(self) -> dict[str, Any]:
        """What another process says of a part it read into files (with their sizes)."""
        return {"counts": list(self.counts), "tally": self.tally.as_json()}

    @classmethod
    def from_json(cls, value: dict[str, Any], texts: list[shown.Later], reading: Reading) -> Part:
        """A part read by another process into `texts`, as `as_json` said it; TypeError or KeyError
        for anything else."""
        if not naturals(value["counts"], reading.counts):
            raise TypeError("not a part's counts")
        return cls(texts, value["counts"], Tallied.from_json(value["tally"]))

    def pour(self, into: Sequence[Sink]) -> None:
        """Write each section's text into its sink, and let the texts go."""
        for text, sink in zip(self.texts, into, strict=True):
            for chunk in text.chunks():
                sink.write_bytes(chunk)
        self.close()


    def close(self) -> None:
        for text in self.texts:
            text.close()
        self.texts = []


class Read:
    """Every part of one read, in the order the events run: each section's texts one after the
    other (`into`), the counts added up, the tallies joined. A context manager: the texts' files go
    when it ends."""

    def __init__(self, parts: Sequence[Part]):
        self._parts = list(parts)
        self.tally = joined([p.tally for p in parts])
        self.counts = [sum(p.counts[i] for p in parts) for i in range(len(parts[0].counts))] if parts else []

    def into(self, section: int, out: TextIO) -> None:
        for part in self._parts:
            if not part.texts and part.tally.count:
                raise ValueError("this read's parts were written into their sinks as they were read: nothing is kept to write")
            if part.texts:
                part.texts[section].into(out)

    def __enter__(self) -> Read:
        return self

    def __exit__(self, *exc: object) -> None:
        close(self._parts)


def close(parts: Sequence[Part]) -> None:
    for part in parts:
        part.close()


def here(timeline: Timeline, events: Events, reading: Reading, start: str | None, *, follows: bool = False,
         files: Sequence[IO[bytes]] = (), into: Sequence[Sink] | None = None) -> Part:
    """One part read in this process: `events`, whose incident's own events link first to the one
    hashed `start` (None: the incident's first event). `follows`: that event was checked by the
    reader of the part before (else `start` is where the timeline or its window starts). `files`:
    each section's text goes to these (a part read for another process); `into`: straight to
    these sinks; else each to a Later of its own."""
    if into is not None and files:
        raise ValueError("a part goes into its sinks or into files, not both")
    if into is not None:
        texts = []
    elif files:
        texts = [shown.Later(file=f) for f in files]
    else:
        texts = [shown.Later() for _ in range(reading.sections)]
    for text in texts:
        text.__enter__()
    sinks: Sequence[Sink] = texts if into is None else into
    try:
        hashes = sinks[reading.hashed].write_bytes if reading.hashed is not None else None
        tally = Tally(timeline.stream, {timeline.stream: start}, follows=follows, hashes=hashes)
        counts = list(reading.reader(timeline, events, tally, sinks))
        tally.flush()
    except BaseException:
        for text in texts:
            text.close()
        raise
    return Part(texts, counts, Tallied.of(tally))


def read(timeline: Timeline, reading: Reading, into: Sequence[Sink] | None = None) -> Read:
    """The timeline's events read once, perhaps in parts (`Events.read`); `into`: each section
    written to its sink as each part is read, in order."""
    if into is not None and len(into) != reading.sections:
        raise ValueError(f"a read of {reading.sections} sections into {len(into)} sinks")
    return timeline.events.read(timeline, reading, into)
