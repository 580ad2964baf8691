"""The JSON export as a document: its format, the statement its signature covers, and the event
fields it carries. Shared by the writer (json.py) and the checker (verify.py), so the two cannot
drift apart; the README's "Exports" section describes the same bytes for auditors.

The signature is Ed25519 over the UTF-8 bytes of `signature.signed`, a JSON text (RFC 8785
canonical form) of this statement:

    {"chain": <the file's chain>, "events": {"count": <number of events>, "sha256": <hex SHA-256
     of every event's hash, in file order, each followed by a newline>}, "export": <the file's
     export>, "incident": <the file's incident>, "window": <the file's window>}

Each event's hash covers every field of that event (store/chain.py), so the statement covers the
whole file but the signature object itself."""

from __future__ import annotations

import base64
import codecs
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, BinaryIO, TextIO

from warroom.store import chain

FORMAT = "warroom-timeline"
VERSION = 1

EVENT_FIELDS = (*chain.HASHED_FIELDS, "scheme", "hash")
"""An exported event: every field its hash covers, the scheme that hashed it, the hash."""


def exported_event(record: dict[str, Any]) -> dict[str, Any]:
    """An event as the export carries it: the stored fields, scheme 1 spelled out for events stored
    before schemes were recorded."""
    event = {name: record.get(name) for name in EVENT_FIELDS}
    if event["scheme"] is None:
        event["scheme"] = 1
    return event


def not_json(value: Any) -> str:
    """A stored value JSON has no type for: bytes where text belongs (a row altered in the file; the
    chain check names it). Written as the CSV shows it, so the export still reads and still says
    what the check found, instead of ending in an internal error."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return repr(bytes(value))
    raise TypeError(f"{type(value).__name__} has no JSON spelling")


def exported_json(record: dict[str, Any], dumps) -> str:
    """exported_event as JSON text. A record read with its stored JSON text (`_stored`) is written
    as the body its hash covers (chain.stored_body: the stored JSON text copied in as it is, the
    database's own spelling; `_body` when the check laid it out already), its scheme and hash added."""
    stored = dict.get(record, "_stored")
    body = dict.get(record, "_body") or (chain.stored_body(record, *stored) if stored else None)
    if body is None:
        return dumps(exported_event(record))
    hash_ = dict.get(record, "hash")
    return f'{body[:-1]}{_scheme_named(record)},"hash":{encode_basestring(hash_) if type(hash_) is str else dumps(hash_)}}}'


def exported_utf8(record: dict[str, Any], dumps) -> bytes:
    """exported_json as UTF-8. When the chain check kept the bytes it hashed (`_body_utf8`: the hash
    held, so it is hex), they are written as they are, not encoded again (70 MB at 100,000 events)."""
    body, hash_ = dict.get(record, "_body_utf8"), dict.get(record, "hash")
    if body is None or type(hash_) is not str:
        return exported_json(record, dumps).encode("utf-8")
    return checked_utf8(body, dict.get(record, "scheme"), hash_)


def checked_utf8(body: bytes, scheme: Any, hash_: str) -> bytes:
    """exported_utf8 of an event whose hash held over `body` (so it is hex): the body, its scheme
    and its hash."""
    return b"".join((body[:-1], b',"scheme":1' if scheme is None or scheme == 1 else b"", b',"hash":"', hash_.encode("ascii"), b'"}'))


def _scheme_named(record: dict[str, Any]) -> str:
    """A body hashed by scheme 1 does not name its scheme; the export does, after the body."""
    scheme = dict.get(record, "scheme")
    return ',"scheme":1' if scheme is None or scheme == 1 else ""


def statement(document: dict[str, Any], count: int, hashes_sha256: str) -> bytes:
    """The bytes the signature covers (see the module docstring)."""
    return chain.jcs({
        "export": document.get("export"), "incident": document.get("incident"), "window": document.get("window"),
        "chain": document.get("chain"), "events": {"count": count, "sha256": hashes_sha256},
    })


def key_sha256(raw_public_key: bytes) -> str:
    """How an export names the key that signed it: the SHA-256 of the raw 32-byte Ed25519 public key."""
    return hashlib.sha256(raw_public_key).hexdigest()


@dataclass(frozen=True)
class Signer:
    """The home's key, as the services hand it over: a signing function and the public half."""

    sign: Callable[[bytes], bytes]
    public_raw: bytes

    def signature(self, signed: bytes) -> dict[str, Any]:
        return {"algorithm": "Ed25519", "key_sha256": key_sha256(self.public_raw),
                "signed": signed.decode("utf-8"), "value": base64.b64encode(self.sign(signed)).decode("ascii")}


def utf8_buffer(out: TextIO) -> BinaryIO | None:
    """The bytes under `out`, flushed, when it is a file written as strict UTF-8: text encoded
    already (to be hashed, or kept for later) is written as it is, not decoded to be encoded
    again (70 MB of a JSON export). None for any other stream: write text to it."""
    if type(out) is io.TextIOWrapper and codecs.lookup(out.encoding).name == "utf-8" and out.errors == "strict":
        out.flush()
        return out.buffer
    return None


class Utf8Writer:
    """Writes UTF-8 bytes to `out`: straight to the bytes under it (utf8_buffer), else decoded.
    Bytes come in pieces that may cut a character in two (1 MiB of a file), so the decoder keeps a
    cut character's first bytes until the next piece; `end` says if a text ended inside one."""

    def __init__(self, out: TextIO):
        self._out = out
        self._buffer = utf8_buffer(out)
        self._decode = codecs.getincrementaldecoder("utf-8")().decode

    def __call__(self, chunk: bytes) -> None:
        if self._buffer is not None:
            self._buffer.write(chunk)
        else:
            self._out.write(self._decode(chunk))

    def end(self) -> None:
        """UnicodeDecodeError if what was written ended inside a character."""
        if self._buffer is None:
            self._out.write(self._decode(b"", final=True))
