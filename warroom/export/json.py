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

import json
from collections.abc import Callable
from typing import Any, TextIO

from warroom.export import document
from warroom.export.model import Tally, Timeline
from warroom.store.chain import IN_HASH, IN_SCHEME

_PIECES = 1500  # about 64 KB of events a write (five pieces an event)


def _bytes_writer(out: TextIO) -> Callable[[bytes], object]:
    """Write UTF-8 to `out`: the events are encoded already, to be hashed."""
    buffer = document.utf8_buffer(out)
    return buffer.write if buffer is not None else lambda chunk: out.write(chunk.decode("utf-8"))


def header(timeline: Timeline) -> dict[str, Any]:
    return {
        "export": {"format": document.FORMAT, "version": document.VERSION, "generated_at": timeline.generated_at,
                   "generated_by": timeline.generated_by, "timezone": timeline.timezone},
        "incident": timeline.incident,
        "window": timeline.window.as_json() if timeline.window else None,
    }


def render(timeline: Timeline, out: TextIO, signer: document.Signer | None = None) -> dict[str, Any]:
    """Write the export to `out`; returns its chain object (head, verified, problem)."""
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=document.not_json).encode
    head = header(timeline)
    out.write("{" + ",\n".join(f"{dumps(k)}: {dumps(v)}" for k, v in head.items()) + ',\n"events": [')
    tally = Tally(timeline.stream, timeline.starts())
    write = _bytes_writer(out)
    pieces: list[bytes] = []
    separator = b"\n"
    exported, events, checked = document.exported_utf8, timeline.events, tally.row
    named = {None: b',"scheme":1,"hash":"', 1: b',"scheme":1,"hash":"'}  # document.checked_utf8, laid into the pieces
    for row in events.rows():
        body = checked(row)  # the usual event, checked as it was read: no record made
        if body is not None:
            pieces += (separator, body[:-1], named.get(row[IN_SCHEME], b',"hash":"'), row[IN_HASH].encode("ascii"), b'"}')
        else:
            record = events.record(row)
            tally.add(record)
            pieces += (separator, exported(record, dumps))
        separator = b",\n"
        if len(pieces) > _PIECES:
            write(b"".join(pieces))
            pieces.clear()
    write(b"".join(pieces))
    problem = tally.problem
    chain_object: dict[str, Any] = {"head": tally.head, "verified": problem is None, **({"problem": problem} if problem else {})}
    signature = None
    if signer is not None:
        signature = signer.signature(document.statement({**head, "chain": chain_object}, tally.count, tally.hashes_sha256))
    out.write(f'\n],\n"chain": {dumps(chain_object)},\n"signature": {dumps(signature)}\n}}\n')
    return chain_object
