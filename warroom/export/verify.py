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

from warroom import i18n, words
from warroom.errors import BadInput, LogAltered
from warroom.export import document
from warroom.export.model import Tally
from warroom.i18n import _
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
        shown = lambda value, context: line(words.shown(value, context) if isinstance(value, str) else value)  # noqa: E731
        lines = [_("export verified: incident #{id} {title} ({mode}, {status})").format(
                     id=i.get("id"), title=line(i.get("title")), mode=shown(i.get("mode"), words.MODE), status=shown(i.get("status"), words.INCIDENT_STATUS)),
                 _("events: {events} ({own} of the incident, {others} supplier state changes), every hash intact").format(
                     events=i18n.number(self.events), own=i18n.number(self.own), others=i18n.number(self.events - self.own))]
        if self.window:
            w = self.window
            lines.append(_("window: since {since} until {until}: the incident's events complete from seq {first} to seq {last}").format(
                since=line(w.get("since") or _("the opening")), until=line(w.get("until") or _("the export")), first=w.get("first_seq"), last=w.get("last_seq")))
        else:
            lines.append(_("the incident's events complete from its opening to the head"))
        lines.append(_("head: {head}").format(head=self.head or _("none (no events)")))
        lines.append(_("signature: Ed25519, valid, by {key} (key sha256 {sha256})").format(key=line(self.key_name), sha256=self.key_sha256))
        return "\n".join(lines)


def parse(data: bytes, name: str) -> dict[str, Any]:
    """The document in `data`, or BadInput in one line when it is not a warroom export."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise BadInput(_("{name}: not UTF-8 text (byte {byte}): not a warroom export").format(name=name, byte=exc.start)) from None
    except json.JSONDecodeError as exc:
        raise BadInput(_("{name}: not JSON (line {line}, column {column}: {problem}): not a warroom export").format(
            name=name, line=exc.lineno, column=exc.colno, problem=exc.msg)) from None
    except ValueError as exc:
        raise BadInput(f"{name}: {exc}") from None
    except RecursionError:
        raise BadInput(_("{name}: JSON nested too deep: not a warroom export").format(name=name)) from None
    if not isinstance(value, dict) or not isinstance(value.get("events"), list) or not isinstance(value.get("export"), dict):
        raise BadInput(_("{name}: JSON, but not a warroom timeline export (no export and events)").format(name=name))
    export = value["export"]
    if export.get("format") != document.FORMAT:
        raise BadInput(_("{name}: not a warroom timeline export (format {format})").format(name=name, format=line(repr(export.get("format")), 80)))
    if export.get("version") != document.VERSION or type(export.get("version")) is not int:
        raise BadInput(_("{name}: export version {version}; this warroom reads version {known}").format(
            name=name, version=line(repr(export.get("version")), 40), known=document.VERSION))
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
        raise LogAltered(_("the export has a field no export has ({field}): added after it was written").format(field=line(repr(extra[0]), 80)))
    missing = [k for k in TOP if k not in doc]
    if missing:
        raise LogAltered(_("the export has no {field} (removed?)").format(field=missing[0]))
    incident = doc["incident"]
    if not isinstance(incident, dict) or type(incident.get("id")) is not int:
        raise LogAltered(_("the export's incident has no id"))
    window = doc["window"]
    if window is not None and not (isinstance(window, dict) and set(window) == {"since", "until", "first_seq", "last_seq", "after"}):
        raise LogAltered(_("the export's window is not since, until, first_seq, last_seq, after"))
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
        raise LogAltered(_("{where} is not an event").format(where=where))
    if isinstance(event.get("seq"), int):
        where += f" (seq {event['seq']})"
    for name in document.EVENT_FIELDS:
        if name not in event:
            raise LogAltered(_("{where} has no {field} (a field its hash covers was removed)").format(where=where, field=name))
        allowed = _TYPES[name]
        value = event[name]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise LogAltered(f"{where}: {name} is {type(value).__name__}, not {' or '.join(_json_type(t) for t in allowed)}")
    extra = [k for k in event if k not in document.EVENT_FIELDS]
    if extra:
        raise LogAltered(_("{where} has a field no hash covers ({field}): added after export").format(where=where, field=line(repr(extra[0]), 80)))
    if event["incident_id"] is None:
        if event["kind"] != "supplier.state":
            raise LogAltered(_("{where}: a {kind} event of no incident is not part of an incident's timeline").format(where=where, kind=line(event["kind"], 80)))
    elif event["incident_id"] != incident_id:
        raise LogAltered(_("{where} belongs to incident #{other}, not to this export's #{id}").format(where=where, other=event["incident_id"], id=incident_id))


def _json_type(kind: type) -> str:
    return {int: "a number", str: "text", dict: "an object", type(None): "null"}[kind]


def _check_window(window: dict[str, Any] | None, own: list[int]) -> None:
    if window is None:
        return
    first, last = (own[0], own[-1]) if own else (None, None)
    if first != window["first_seq"]:
        raise LogAltered(_("the window starts at seq {window}, but the export's first event of the incident is seq {first}").format(
            window=window["first_seq"], first=first))
    if last != window["last_seq"]:
        raise LogAltered(_("the window ends at seq {window}, but the export's last event of the incident is seq {last}").format(
            window=window["last_seq"], last=last))


def _check_chain(chain_object: Any, tally: Tally) -> None:
    if not isinstance(chain_object, dict) or "head" not in chain_object or "verified" not in chain_object:
        raise LogAltered(_("the export's chain has no head or verified"))
    if chain_object["head"] != tally.head:
        raise LogAltered(_("chain.head {head} is not the hash of the last event ({last})").format(head=line(repr(chain_object["head"]), 80), last=tally.head))
    if chain_object["verified"] is not True:
        raise LogAltered(_("the export says its events did not verify when it was written: {problem}").format(problem=line(chain_object.get("problem"), 300)))


def _check_signature(doc: dict[str, Any], tally: Tally, key: Ed25519PublicKey, key_name: str) -> None:
    signature = doc["signature"]
    if signature is None:
        raise LogAltered(_("NOT SIGNED: every hash and stream link holds, but nothing proves which war-room wrote it or that "
                           "nothing was forged (an export is signed when the account that writes it can read warroom.key)"))
    if not isinstance(signature, dict) or not all(isinstance(signature.get(k), str) for k in ("algorithm", "key_sha256", "signed", "value")):
        raise LogAltered(_("the signature is not algorithm, key_sha256, signed and value"))
    if signature["algorithm"] != "Ed25519":
        raise LogAltered(_("the signature's algorithm is {algorithm}, not Ed25519").format(algorithm=line(repr(signature["algorithm"]), 40)))
    expected = document.key_sha256(_raw(key))
    if signature["key_sha256"] != expected:
        raise LogAltered(_("signed by another key (sha256 {other}), not by {key} (sha256 {expected})").format(
            other=line(signature["key_sha256"], 80), key=line(key_name), expected=expected))
    statement = document.statement(doc, tally.count, tally.hashes_sha256)
    signed = signature["signed"].encode("utf-8", "surrogatepass")
    if statement != signed:
        raise LogAltered(_("the file does not match what was signed: {difference}").format(difference=_what_differs(signed, statement)))
    try:
        value = base64.b64decode(signature["value"], validate=True)
        key.verify(value, signed)
    except (InvalidSignature, binascii.Error, ValueError):
        raise LogAltered(_("the signature does not hold for {key}: the file was forged or altered, "
                           "its hashes recomputed (a chain alone proves no authorship)").format(key=line(key_name))) from None


def _what_differs(signed: bytes, statement: bytes) -> str:
    try:
        said = json.loads(signed)
        found = json.loads(statement)
    except ValueError:
        return _("the signed statement is unreadable")
    if not isinstance(said, dict):
        return _("the signed statement is unreadable")
    events, counted = said.get("events") or {}, found["events"]
    if isinstance(events, dict) and events.get("count") != counted["count"]:
        return _("{count} events, but {signed} were signed: events were removed or added").format(
            count=i18n.number(counted["count"]), signed=repr(events.get("count")))
    for part in ("incident", "window", "export", "chain"):
        if json.dumps(said.get(part), sort_keys=True) != json.dumps(found.get(part), sort_keys=True):
            return _("its {part} was changed after signing").format(part=part)
    return _("its events are not the ones signed: an event was replaced, removed or added")


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
