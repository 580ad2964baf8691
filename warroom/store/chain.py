"""The hash chain of the event log, as pure functions (no database): the store, `verify` and
`verify --export` all use these, so an export can be checked without warroom's database.

Every event is hashed over all of its stored fields through one canonical JSON encoding. Two kinds
of link make the chain:

- `prev_hash`, the hash of the event before it in the whole log (one linear chain: nothing can be
  removed, altered or reordered without breaking it);
- `links`, for each *stream* the event belongs to (`incident:12`, `supplier:nlcloud`), the hash of
  the previous event of that stream, or null for its first. The log is shared by all incidents, so
  `prev_hash` alone cannot prove that an export of one incident left none of its events out; the
  incident stream can, on its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# Every stored field of an event except its own hash, in the hash's canonical encoding.
HASHED_FIELDS = (
    "seq", "at", "kind", "actor", "incident_id", "object", "result", "origin", "summary", "data",
    "key", "links", "prev_hash",
)


def canonical(value: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(record: dict[str, Any]) -> str:
    body = {name: record.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def streams_of(incident_id: int | None, data: dict[str, Any]) -> list[str]:
    """The streams an event belongs to: its incident's, and the supplier's it is about."""
    streams = []
    if incident_id is not None:
        streams.append(f"incident:{incident_id}")
    supplier = data.get("supplier") if isinstance(data, dict) else None
    if isinstance(supplier, str):
        streams.append(f"supplier:{supplier}")
    return streams


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.reason}"


def walk(records: Iterable[dict[str, Any]]) -> Iterator[Break | dict[str, Any]]:
    """Check a whole log from seq 1 in order; yields each good record, and stops at the first Break."""
    expected_seq, prev, heads = 1, GENESIS, {}
    for record in records:
        seq = record.get("seq")
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                yield Break(expected_seq, f"missing (the log jumps from seq {expected_seq - 1} to {seq})")
            else:
                yield Break(expected_seq, f"out of order (found seq {seq!r} where {expected_seq} belongs)")
            return
        if record.get("hash") != event_hash(record):
            yield Break(seq, "content does not match its hash (the event was altered)")
            return
        if record.get("prev_hash") != prev:
            yield Break(seq, "does not chain to the event before it (an event was removed, inserted or swapped)")
            return
        streams = streams_of(record.get("incident_id"), record.get("data"))
        expected_links = {s: heads.get(s) for s in streams}
        if record.get("links") != expected_links:
            yield Break(seq, "stream links do not match the events before it")
            return
        for stream in streams:
            heads[stream] = record["hash"]
        prev = record["hash"]
        expected_seq += 1
        yield record


def check_stream_subset(records: list[dict[str, Any]], complete: set[str]) -> Break | None:
    """Check events taken out of the log (an export): each hash, and for each stream in `complete`
    (one whose every event the subset holds, an incident's own) the links between consecutive
    events, starting at its first event (link null). Other streams are only sampled (a timeline
    keeps a supplier's state changes, not its other events), so their links prove nothing here."""
    heads: dict[str, str | None] = {}
    last_seq = 0
    for record in records:
        seq = record.get("seq")
        if not isinstance(seq, int) or seq <= last_seq:
            return Break(seq if isinstance(seq, int) else last_seq, "events are not in seq order")
        last_seq = seq
        if record.get("hash") != event_hash(record):
            return Break(seq, "content does not match its hash (the event was altered)")
        links = record.get("links") or {}
        for stream in streams_of(record.get("incident_id"), record.get("data")):
            if stream not in complete:
                continue
            if stream in heads:
                if links.get(stream) != heads[stream]:
                    return Break(seq, f"the event before it in {stream} is missing from this export")
            elif links.get(stream) is not None:
                return Break(seq, f"the first events of {stream} are missing from this export")
            heads[stream] = record["hash"]
    return None
