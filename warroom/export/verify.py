"""Checking a JSON export with nothing but the file and a public key (`warroom verify --export`):
every hash recomputed, the incident's own stream unbroken from its start (or from the window's),
and the Ed25519 signature over the statement (document.py) of what the file holds.

Pure: bytes and a key in, a Report or an error out. A file that is not an export at all is
BadInput (exit 2); an export that does not hold is LogAltered (exit 3), naming what failed first.
Objects with a key twice are refused: parsers differ on which one they keep, so an auditor's tool
could read other values than this check did."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warroom.errors import BadInput, LogAltered
from warroom.export import document
from warroom.export.model import Tally
from warroom.text import line

TOP = ("export", "incident", "window", "events", "chain", "signature")
_TYPES: dict[str, tuple[type, ...]] = {
    "seq": (int,), "at": (str,), "kind": (str,), "actor": (str,), "incident_id": (int, type(None)), "object": (str,),
    "result": (str,), "origin": (dict,), "summary": (str,), "data": (dict,), "key": (str, type(None)), "links": (dict,),
    "prev_hash": (str,), "scheme": (int,), "hash": (str,),
}


@dataclass(frozen=True)
class Report:
    incident: dict[str, Any]
    events: int
    own: int
    head: str | None
    window: dict[str, Any] | None
    key_sha256: str
    key_name: str

    def __str__(self) -> str:
        i = self.incident
        lines = [f"export verified: incident #{i.get('id')} {line(i.get('title'))} ({line(i.get('mode'))}, {line(i.get('status'))})",
                 f"events: {self.events:,} ({self.own:,} of the incident, {self.events - self.own:,} supplier state changes), every hash intact"]
        if self.window:
            w = self.window
            lines.append(f"window: since {line(w.get('since') or 'the opening')} until {line(w.get('until') or 'the export')}: "
                         f"the incident's events complete from seq {w.get('first_seq')} to seq {w.get('last_seq')}")
        else:
            lines.append("the incident's events complete from its opening to the head")
        lines.append(f"head: {self.head or 'none (no events)'}")
        lines.append(f"signature: Ed25519, valid, by {line(self.key_name)} (key sha256 {self.key_sha256})")
        return "\n".join(lines)


def parse(data: bytes, name: str) -> dict[str, Any]:
    """The document in `data`, or BadInput in one line when it is not a warroom export."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: not UTF-8 text (byte {exc.start}): not a warroom export") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): not a warroom export") from None
    except ValueError as exc:
        raise BadInput(f"{name}: {exc}") from None
    except RecursionError:
        raise BadInput(f"{name}: JSON nested too deep: not a warroom export") from None
    if not isinstance(value, dict) or not isinstance(value.get("events"), list) or not isinstance(value.get("export"), dict):
        raise BadInput(f"{name}: JSON, but not a warroom timeline export (no export and events)")
    export = value["export"]
    if export.get("format") != document.FORMAT:
        raise BadInput(f"{name}: not a warroom timeline export (format {line(repr(export.get('format')), 80)})")
    if export.get("version") != document.VERSION or type(export.get("version")) is not int:
        raise BadInput(f"{name}: export version {line(repr(export.get('version')), 40)}; this warroom reads version {document.VERSION}")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {line(repr(key), 80)} appears twice in one object: parsers differ on which counts, so this file proves nothing")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259): not a warroom export")


def check(doc: dict[str, Any], key: Ed25519PublicKey, key_name: str) -> Report:
    """Everything a file can prove, in the order that names the most precise failure first."""
    extra = [k for k in doc if k not in TOP]
    if extra:
        raise LogAltered(f"the export has a field no export has ({line(repr(extra[0]), 80)}): added after it was written")
    missing = [k for k in TOP if k not in doc]
    if missing:
        raise LogAltered(f"the export has no {missing[0]} (removed?)")
    incident = doc["incident"]
    if not isinstance(incident, dict) or type(incident.get("id")) is not int:
        raise LogAltered("the export's incident has no id")
    window = doc["window"]
    if window is not None and not (isinstance(window, dict) and set(window) == {"since", "until", "first_seq", "last_seq", "after"}):
        raise LogAltered("the export's window is not since, until, first_seq, last_seq, after")
    stream = f"incident:{incident['id']}"
    tally = Tally(stream, {stream: window["after"] if window else None})
    own: list[int] = []
    for index, event in enumerate(doc["events"]):
        _check_shape(index, event, incident["id"])
        tally.add(event)
        if tally.problem:
            raise LogAltered(f"event {tally.problem}")
        if event["incident_id"] is not None:
            own.append(event["seq"])
    _check_window(window, own)
    _check_chain(doc["chain"], tally)
    _check_signature(doc, tally, key, key_name)
    return Report(incident, tally.count, len(own), tally.head, window, document.key_sha256(_raw(key)), key_name)


def _check_shape(index: int, event: Any, incident_id: int) -> None:
    where = f"events[{index}]"
    if not isinstance(event, dict):
        raise LogAltered(f"{where} is not an event")
    if isinstance(event.get("seq"), int):
        where += f" (seq {event['seq']})"
    for name in document.EVENT_FIELDS:
        if name not in event:
            raise LogAltered(f"{where} has no {name} (a field its hash covers was removed)")
        allowed = _TYPES[name]
        value = event[name]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise LogAltered(f"{where}: {name} is {type(value).__name__}, not {' or '.join(_json_type(t) for t in allowed)}")
    extra = [k for k in event if k not in document.EVENT_FIELDS]
    if extra:
        raise LogAltered(f"{where} has a field no hash covers ({line(repr(extra[0]), 80)}): added after export")
    if event["incident_id"] is None:
        if event["kind"] != "supplier.state":
            raise LogAltered(f"{where}: a {line(event['kind'], 80)} event of no incident is not part of an incident's timeline")
    elif event["incident_id"] != incident_id:
        raise LogAltered(f"{where} belongs to incident #{event['incident_id']}, not to this export's #{incident_id}")


def _json_type(kind: type) -> str:
    return {int: "a number", str: "text", dict: "an object", type(None): "null"}[kind]


def _check_window(window: dict[str, Any] | None, own: list[int]) -> None:
    if window is None:
        return
    first, last = (own[0], own[-1]) if own else (None, None)
    if first != window["first_seq"]:
        raise LogAltered(f"the window starts at seq {window['first_seq']}, but the export's first event of the incident is seq {first}")
    if last != window["last_seq"]:
        raise LogAltered(f"the window ends at seq {window['last_seq']}, but the export's last event of the incident is seq {last}")


def _check_chain(chain_object: Any, tally: Tally) -> None:
    if not isinstance(chain_object, dict) or "head" not in chain_object or "verified" not in chain_object:
        raise LogAltered("the export's chain has no head or verified")
    if chain_object["head"] != tally.head:
        raise LogAltered(f"chain.head {line(repr(chain_object['head']), 80)} is not the hash of the last event ({tally.head})")
    if chain_object["verified"] is not True:
        raise LogAltered(f"the export says its events did not verify when it was written: {line(chain_object.get('problem'), 300)}")


def _check_signature(doc: dict[str, Any], tally: Tally, key: Ed25519PublicKey, key_name: str) -> None:
    signature = doc["signature"]
    if signature is None:
        raise LogAltered("NOT SIGNED: every hash and stream link holds, but nothing proves which war-room wrote it or that "
                         "nothing was forged (an export is signed when the account that writes it can read warroom.key)")
    if not isinstance(signature, dict) or not all(isinstance(signature.get(k), str) for k in ("algorithm", "key_sha256", "signed", "value")):
        raise LogAltered("the signature is not algorithm, key_sha256, signed and value")
    if signature["algorithm"] != "Ed25519":
        raise LogAltered(f"the signature's algorithm is {line(repr(signature['algorithm']), 40)}, not Ed25519")
    expected = document.key_sha256(_raw(key))
    if signature["key_sha256"] != expected:
        raise LogAltered(f"signed by another key (sha256 {line(signature['key_sha256'], 80)}), not by {line(key_name)} (sha256 {expected})")
    statement = document.statement(doc, tally.count, tally.hashes_sha256)
    signed = signature["signed"].encode("utf-8", "surrogatepass")
    if statement != signed:
        raise LogAltered(f"the file does not match what was signed: {_what_differs(signed, statement)}")
    try:
        value = base64.b64decode(signature["value"], validate=True)
        key.verify(value, signed)
    except (InvalidSignature, binascii.Error, ValueError):
        raise LogAltered(f"the signature does not hold for {line(key_name)}: the file was forged or altered, "
                         "its hashes recomputed (a chain alone proves no authorship)") from None


def _what_differs(signed: bytes, statement: bytes) -> str:
    try:
        said = json.loads(signed)
        found = json.loads(statement)
    except ValueError:
        return "the signed statement is unreadable"
    if not isinstance(said, dict):
        return "the signed statement is unreadable"
    events, counted = said.get("events") or {}, found["events"]
    if isinstance(events, dict) and events.get("count") != counted["count"]:
        return f"{counted['count']:,} events, but {events.get('count')!r} were signed: events were removed or added"
    for part in ("incident", "window", "export", "chain"):
        if json.dumps(said.get(part), sort_keys=True) != json.dumps(found.get(part), sort_keys=True):
            return f"its {part} was changed after signing"
    return "its events are not the ones signed: an event was replaced, removed or added"


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
