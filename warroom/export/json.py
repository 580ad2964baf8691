"""The JSON export (DESIGN §6): the incident, its events with every field their hashes cover, the
chain head with what the check found, and the signature. Written as it is read: the chain and the
signature come after the events, once the events have been checked and counted.

    {"export": {format, version, generated_at, generated_by, timezone},
     "incident": {id, playbook, playbook_version, mode, title, status, opened_by, opened_at, …},
     "window": null | {since, until, first_seq, last_seq, after},
     "events": [{actor, at, data, incident_id, key, kind, links, object, origin, prev_hash, result,
                 seq, summary, scheme, hash}, …],   (each the body its hash covers, keys sorted; then the
                 scheme, where the body does not name it (scheme 1), and the hash)
     "chain": {head, verified[, problem]},
     "signature": null | {algorithm, key_sha256, signed, value}}

One event a line, so that a diff of two exports reads event by event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from warroom.export import document, parts
from warroom.export.model import Events, Tally, Timeline
from warroom.store.chain import IN_HASH, IN_SCHEME

_PIECES = 1500  # about 64 KB of events a write (five pieces an event)


def header(timeline: Timeline) -> dict[str, Any]:
    return {
        "export": {"format": document.FORMAT, "version": document.VERSION, "generated_at": timeline.generated_at,
                   "generated_by": timeline.generated_by, "timezone": timeline.timezone},
        "incident": timeline.incident,
        "window": timeline.window.as_json() if timeline.window else None,
    }


SECTIONS = 2
EVENTS, HASHES = range(SECTIONS)
"""What one read of the events writes (parts.PartReader): the events, each after `,\n`, and the
hashes counted in, each followed by a newline, which the signature's digest covers."""


def read_part(timeline: Timeline, events: Events, tally: Tally, sinks: Sequence[parts.Sink]) -> tuple[()]:
    """One part of the read of the events (parts.PartReader): each event, checked, as the JSON
    object its hash covers with its scheme and hash laid in."""
    dumps = _encoder()
    write = sinks[EVENTS].write_bytes
    pieces: list[bytes] = []
    exported, checked = document.exported_utf8, tally.row
    named = {None: b',"scheme":1,"hash":"', 1: b',"scheme":1,"hash":"'}  # document.checked_utf8, laid into the pieces
    for row in events.rows():
        body = checked(row)  # the usual event, checked as it was read: no record made
        if body is not None:
            pieces += (b",\n", body[:-1], named.get(row[IN_SCHEME], b',"hash":"'), row[IN_HASH].encode("ascii"), b'"}')
        else:
            record = events.record(row)
            tally.add(record)
            pieces += (b",\n", exported(record, dumps))
        if len(pieces) > _PIECES:
            write(b"".join(pieces))
            pieces.clear()
    write(b"".join(pieces))
    return ()


READING = parts.Reading(read_part, SECTIONS, hashed=HASHES)


class _Listed:
    """The events' sink: each part's events come after `,\n`, which the list's first does not."""

    def __init__(self, write: Callable[[bytes], object]):
        self._write = write
        self._first = True

    def write_bytes(self, data: bytes) -> None:
        if self._first and data:
            data, self._first = data[1:], False  # its comma
        self._write(data)

    def write(self, text: str) -> None:  # a Sink takes text too; read_part writes bytes only
        self.write_bytes(text.encode("utf-8"))


class _Digest:
    """The hashes' sink: their digest, which the signature covers."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.write_bytes = self._digest.update

    def write(self, text: str) -> None:
        self.write_bytes(text.encode("utf-8"))

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _encoder() -> Callable[[Any], str]:
    return json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=document.not_json).encode


def render(timeline: Timeline, out: TextIO, signer: document.Signer | None = None) -> dict[str, Any]:
    """Write the export to `out`; returns its chain object (head, verified, problem)."""
    dumps = _encoder()
    head = header(timeline)
    out.write("{" + ",\n".join(f"{dumps(k)}: {dumps(v)}" for k, v in head.items()) + ',\n"events": [')
    digest = _Digest()
    writer = document.Utf8Writer(out)  # the events come encoded already, to be hashed
    with parts.read(timeline, READING, into=[_Listed(writer), digest]) as read:
        tally = read.tally
    writer.end()
    problem = tally.problem
    chain_object: dict[str, Any] = {"head": tally.head, "verified": problem is None, **({"problem": problem} if problem else {})}
    signature = None
    if signer is not None:
        signature = signer.signature(document.statement({**head, "chain": chain_object}, tally.count, digest.hexdigest()))
    out.write(f'\n],\n"chain": {dumps(chain_object)},\n"signature": {dumps(signature)}\n}}\n')
    return chain_object
