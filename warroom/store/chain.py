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

Two hashing schemes, told apart by the event's `scheme` field (a column; none in events written
before it existed):

- scheme 1 (no `scheme`): SHA-256 of `canonical()` (Python's json.dumps with sorted keys and no
  spaces) of the HASHED_FIELDS. It spells floats as Python does (598.0, 1e-07), which another
  language must imitate to recompute it; events stored so keep verifying as they are.
- scheme 2 (`scheme: 2`, every event written now): SHA-256 of the RFC 8785 canonical JSON (JCS) of
  the HASHED_FIELDS plus `scheme`, which any JCS library reproduces.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C: the JSON string spelling both schemes use
from typing import Any

import rfc8785

from warroom.i18n import _

GENESIS = "0" * 64
SCHEME = 2  # the scheme every new event is hashed with
SCHEMES = (1, 2)

# Every stored field of an event except its own hash, in the hash's canonical encoding.
HASHED_FIELDS = (
    "seq", "at", "kind", "actor", "incident_id", "object", "result", "origin", "summary", "data",
    "key", "links", "prev_hash",
)


def canonical(value: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class Unhashable(ValueError):
    """A record its scheme cannot hash: an unknown scheme, or a value JCS has no spelling for (an
    integer beyond 2**53, text that is not Unicode). No event we write is one; a tampered one may be."""


def scheme_of(record: dict[str, Any]) -> object:
    scheme = record.get("scheme")
    return 1 if scheme is None else scheme


def event_hash(record: dict[str, Any]) -> str:
    """The hash of a record under its own scheme; Unhashable when it has none."""
    scheme = scheme_of(record)
    body = {name: record.get(name) for name in HASHED_FIELDS}
    if scheme == 1 and type(scheme) is int:
        try:
            return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
        except ValueError as exc:  # NaN, a lone surrogate: read from a file, never written by us
            raise Unhashable(f"cannot be written as canonical JSON ({exc})") from None
    if scheme == 2 and type(scheme) is int:
        body["scheme"] = 2
        return hashlib.sha256(jcs(body)).hexdigest()
    raise Unhashable(f"hashed by an unknown scheme {scheme!r} (known: {', '.join(map(str, SCHEMES))})")


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON as UTF-8. Where JCS and json.dumps (sorted keys, no spaces, UTF-8
    kept) agree, json.dumps writes it: it is C, 30 times quicker than the pure-Python rfc8785. They
    differ in floats only (JCS writes them as ECMAScript does: 598, 1e-7, 1e+21), so floats are
    stood in for by placeholders that json.dumps writes as strings and replaced after; integers
    beyond 2**53 and keys outside the Basic Multilingual Plane (sorted by UTF-16 in JCS) go to
    rfc8785 itself. A test compares this with rfc8785 on generated values."""
    floats: list[float] = []
    try:
        prepared = _prepare(value, floats)
        text = "".join(_ENCODE(prepared, 0)) if _ENCODE is not None else canonical(prepared)
        encoded = text.encode("utf-8")  # a lone surrogate: rfc8785 refuses it, below
    except (_Slow, UnicodeEncodeError):
        try:
            return rfc8785.dumps(value)
        except rfc8785.CanonicalizationError as exc:
            raise Unhashable(f"cannot be written as canonical JSON ({exc})") from None
    if floats:
        return _PLACEHOLDER.sub(lambda m: _es_number(floats[int(m.group(1))]), text).encode("utf-8")
    return encoded


# canonical()'s encoder, json.dumps's own C one with its settings, made once (json.dumps makes one
# a call: half its time for an event's small objects). No check for circular references: _prepare
# has walked the value, and only text, numbers, null, booleans, objects and lists reach it.
def _c_encoder() -> Any:
    """json's private C encoder with canonical()'s settings; None without json's C speedups, or
    where a later Python makes it differently (canonical() then serves, only slower)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    try:
        return make(None, None, encode_basestring, None, ":", ",", True, False, False) if make is not None else None
    except TypeError:
        return None


_ENCODE = _c_encoder()


_SAFE_INT = 2**53 - 1
_NONCE = secrets.token_hex(8)  # no recorded text can be a placeholder: it would have to guess this
_PLACEHOLDER = re.compile('"\\\\u0000' + _NONCE + '([0-9]+)\\\\u0000"')


class _Slow(Exception):
    pass


def _prepare(value: Any, floats: list[float]) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int:
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise _Slow
    if kind is float:
        if value != value or value in (math.inf, -math.inf):
            raise Unhashable(f"{value} has no canonical JSON spelling")
        floats.append(value)
        return f"\x00{_NONCE}{len(floats) - 1}\x00"
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str or not (k.isascii() or max(k) <= "\uffff"):
                raise _Slow
            # text, null and booleans, most of an event's values, kept without a call each
            out[k] = v if (type(v) is str or v is None or type(v) is bool) else _prepare(v, floats)
        return out
    if kind is list:
        return [_prepare(v, floats) for v in value]
    raise _Slow  # anything else json.dumps might spell its own way


def _es_number(number: float) -> str:
    """A float as ECMAScript's Number.prototype.toString writes it (RFC 8785 §3.2.2.3): Python's
    repr gives the same shortest round-trip digits; only the layout differs."""
    if number == 0:
        return "0"
    if number < 0:
        return "-" + _es_number(-number)
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    return digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))


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


def walk(records: Iterable[dict[str, Any]], streams: dict[str, tuple[int, str]] | None = None) -> Iterator[Break | dict[str, Any]]:
    """Check a whole log from seq 1 in order; yields each good record, and stops at the first Break.
    `streams`, when given, is kept as each stream's newest (seq, hash) so far.

    Records read from the database (eventlog.stored) carry the stored text of their JSON columns,
    and the body their hash covers laid out from the row (`_body`, chain.row_body), and are checked
    from it: the hash over the text as stored, the stream links
    compared as text with the spelling they must have; the JSON is parsed only where the text
    does not settle it (a supplier named in the data, links spelled otherwise). A log of a million
    events is checked at the pace it is read."""
    expected_seq, prev = 1, GENESIS
    heads: dict[str, str] = {}
    spelled = _Spelled()
    get = dict.get  # the plain fields, without a lazy record's own get
    for record in records:
        seq = get(record, "seq")
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                yield Break(expected_seq, _("missing (the log jumps from seq {before} to {seq})").format(before=expected_seq - 1, seq=seq))
            else:
                yield Break(expected_seq, _("out of order (found seq {found} where {seq} belongs)").format(found=repr(seq), seq=expected_seq))
            return
        stored = get(record, "_stored")
        hash_ = get(record, "hash")
        body = get(record, "_body", _LAID_OUT) if stored is not None else None
        if body is _LAID_OUT:
            body = stored_body(record, *stored)
        if body is None or (digest := _digest(body)) is None or digest != hash_:  # the stored text as it is, first
            mismatch = _hash_problem(record, respelled=True)
            if mismatch:
                yield Break(seq, mismatch)
                return
        if get(record, "prev_hash") != prev:
            yield Break(seq, _("does not chain to the event before it (an event was removed, inserted or swapped)"))
            return
        incident_id = get(record, "incident_id")
        if stored is not None and type(stored[1]) is str and '"supplier"' not in stored[1] and "\\u" not in stored[1]:
            # No top-level key of this text can be "supplier": it is not spelled there, and no
            # escape but \u can spell a letter of it.
            own = [f"incident:{incident_id}"] if incident_id is not None else []
        else:
            own = streams_of(incident_id, record.get("data"))
        # The stored text spelled as it must be settles it; any other text is parsed and compared.
        if (stored is None or stored[2] != spelled.links(own, heads)) and record.get("links") != {s: heads.get(s) for s in own}:
            yield Break(seq, _("stream links do not match the events before it"))
            return
        for stream in own:
            heads[stream] = hash_
            if streams is not None:
                streams[stream] = (seq, hash_)
        prev = hash_
        expected_seq += 1
        yield record


class _Spelled:
    """The links of an event as canonical JSON spells them (both schemes alike): its streams in
    order (incident:… sorts before supplier:…), each the hash of the stream's previous event or
    null. A stream's name is spelled once; a head is a hash that held, so hex, spelled as is."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def name(self, stream: str) -> str:
        spelled = self.names.get(stream)
        if spelled is None:
            spelled = encode_basestring(stream)
            if len(self.names) < 100_000:
                self.names[stream] = spelled
        return spelled

    def links(self, streams: list[str], heads: dict[str, str]) -> str:
        if len(streams) == 1:  # most events: one incident's or one supplier's
            (stream,) = streams
            head = heads.get(stream)
            return "{" + self.name(stream) + (":null}" if head is None else ':"' + head + '"}')
        return "{" + ",".join(self.name(n) + (':"' + heads[n] + '"' if n in heads else ":null") for n in sorted(streams)) + "}"


def check_stream_subset(records: Iterable[dict[str, Any]], complete: set[str]) -> Break | None:
    """Check events taken out of the log (an export): each hash, and for each stream in `complete`
    (one whose every event the subset holds, an incident's own) the links between consecutive
    events, starting at its first event (link null). Other streams are only sampled (a timeline
    keeps a supplier's state changes, not its other events), so their links prove nothing here."""
    check = SubsetCheck(complete)
    for record in records:
        broken = check.feed(record)
        if broken:
            return broken
    return None


class SubsetCheck:
    """check_stream_subset one event at a time, for an export written while it is read. `starts`:
    for a stream whose subset begins later than its first event (an export's time window), the
    hash its first event here must link to (that of the stream's last event before the window).
    A record whose hash holds keeps the body it was checked over, as `_body` (a JSON export
    writes that text: export/document.exported_json)."""

    def __init__(self, complete: set[str], starts: dict[str, str | None] | None = None):
        self.complete, self.starts = complete, starts or {}
        self._suppliers = any(not s.startswith("incident:") for s in complete)
        self.heads: dict[str, str | None] = {}
        self._links: dict[str, str] = {}  # stream → the stored links text that links its next event to its head, when it is one stream's
        self._named: dict[int, tuple[str, str]] = {}  # incident id → its stream, and how its links text starts (feed_row)
        self.last_seq = 0
        self.broken: Break | None = None

    def feed(self, record: dict[str, Any]) -> Break | None:
        """The first break, once found (every later call returns it too); None while all holds."""
        if self.broken is None:
            self.broken = self._check(record)
        return self.broken

    def _check(self, record: dict[str, Any]) -> Break | None:
        get = dict.get  # the plain fields, without a lazy record's own get
        seq = get(record, "seq")
        if type(seq) is not int or seq <= self.last_seq:
            return Break(seq if type(seq) is int else self.last_seq, _("events are not in seq order"))
        self.last_seq = seq
        stored = get(record, "_stored")
        row = get(record, "_row")  # as the event log read it (eventlog.lazy_record): the same values, in ROW's order
        body = row_body(row) if row is not None else stored_body(record, *stored) if stored else None
        encoded = _utf8(body) if body is not None else None
        if encoded is not None and _sha256(encoded).hexdigest() == get(record, "hash"):
            record["_body"] = body  # the text the hash covers, which a JSON export writes as it is
            record["_body_utf8"] = encoded  # and its bytes, which it writes without encoding them again
        else:
            mismatch = _hash_problem(record, stored)
            if mismatch:
                return Break(seq, mismatch)
        incident_id = get(record, "incident_id")
        if self._suppliers:  # a supplier stream is read from the data only when it is to be checked (an export's are not)
            streams = streams_of(incident_id, record.get("data"))
        elif incident_id is None:
            return None
        else:
            stream = f"incident:{incident_id}"
            if stored is not None and stored[2] == self._links.get(stream):  # most events: the link holds, spelled as it must be
                self._moved(stream, record["hash"])
                return None
            streams = [stream]
        links = None
        for stream in streams:
            if stream not in self.complete:
                continue
            known = stream in self.heads
            expected = self.heads[stream] if known else self.starts.get(stream)
            # Stored links that hold this one link, spelled as JSON spells it, say what parsing
            # them would (an export checks 100,000 events); any other text is parsed.
            if stored is None or stored[2] != "{" + encode_basestring(stream) + ":" + ("null" if expected is None else encode_basestring(expected)) + "}":
                if links is None:
                    links = record.get("links")
                    links = links if isinstance(links, dict) else {}
                if links.get(stream) != expected:
                    if known:
                        return Break(seq, _("the event before it in {stream} is missing from this export").format(stream=stream))
                    if expected is None:
                        return Break(seq, _("the first events of {stream} are missing from this export").format(stream=stream))
                    return Break(seq, _("the first events of {stream} in this export's window are missing").format(stream=stream))
            self._moved(stream, record["hash"])
        return None

    def feed_row(self, row: Sequence[Any]) -> bytes | None:
        """`feed` for an event as the log stores it (a row of the columns ROW names), in the usual
        case, without a record: the UTF-8 body its hash covers when its hash holds and it is an
        incident's event whose stream link is the one expected next, or an event of no incident
        (a supplier's change: only its hash is checked). None, with nothing changed, when anything
        else is to be said of it (the first event of a stream, a break, an unusual field): then
        `feed` its record, which checks it whole."""
        seq, incident_id = row[IN_SEQ], row[IN_INCIDENT_ID]
        if self.broken is not None or self._suppliers or type(seq) is not int or seq <= self.last_seq:
            return None
        body = row_body(row)
        if body is None:
            return None
        try:
            encoded = body.encode("utf-8")
        except UnicodeEncodeError:
            return None
        hash_ = row[IN_HASH]
        if _sha256(encoded).hexdigest() != hash_:
            return None
        if incident_id is not None:
            named = self._named.get(incident_id)
            if named is None:
                stream = f"incident:{incident_id}"
                named = (stream, "{" + encode_basestring(stream) + ':"')
                if len(self._named) < 1000:
                    self._named[incident_id] = named
            stream, spelled = named
            links = self._links
            expected = links.get(stream)
            if expected is None or row[IN_LINKS] != expected:  # a stream's first event, or a link it does not follow: checked whole
                return None
            # _moved, for a hash that held (so hex, spelled as it is) of a stream it links already
            self.heads[stream] = hash_
            links[stream] = spelled + hash_ + '"}'
        self.last_seq = seq
        return encoded

    def follow(self, stream: str, hash_: str | None) -> None:
        """`stream`'s events here follow the one hashed `hash_` (None: its first), checked by
        another reader (an export read in parts, export/parts.py): a gap after it is an event
        missing, as when one reader reads them all."""
        self._moved(stream, hash_)

    def _moved(self, stream: str, hash_: Any) -> None:
        """`stream`'s newest event is the one hashed `hash_`: its next must link to it, spelled so."""
        self.heads[stream] = hash_
        if type(hash_) is str and len(self._links) < 100_000:
            self._links[stream] = "{" + encode_basestring(stream) + ":" + encode_basestring(hash_) + "}"
        else:
            self._links.pop(stream, None)


def stored_body(record: dict[str, Any], origin: str, data: str, links: str) -> str | None:
    """The text event_hash hashes, laid out from an event read from the database with the stored
    text of its JSON columns, which is the spelling its scheme hashes (canonical() for scheme 1,
    jcs() for scheme 2): nothing parsed or re-encoded. A text stored in another spelling of the
    same value does not match: the stored bytes were changed. None for anything unusual (a field
    of another type, an unknown scheme): that is hashed the ordinary way."""
    get = dict.get  # the plain fields, without a lazy record's own get
    return row_body((get(record, "seq"), get(record, "at"), get(record, "kind"), get(record, "actor"), get(record, "incident_id"),
                     get(record, "object"), get(record, "result"), get(record, "summary"), get(record, "key"), get(record, "prev_hash"),
                     get(record, "hash"), get(record, "scheme"), origin, data, links))


ROW = ("seq", "at", "kind", "actor", "incident_id", "object", "result", "summary", "key", "prev_hash", "hash", "scheme", "origin", "data", "links")
"""The columns of a stored event as row_body takes them (the event log reads them in this order)."""
(IN_SEQ, IN_AT, IN_KIND, IN_ACTOR, IN_INCIDENT_ID, IN_OBJECT, IN_RESULT, IN_SUMMARY, IN_KEY, IN_PREV_HASH, IN_HASH, IN_SCHEME, IN_ORIGIN, IN_DATA,
 IN_LINKS) = range(len(ROW))
"""Where each column of ROW stands in a row: a reader that takes a few columns names them."""


def row_body(row: tuple[Any, ...]) -> str | None:
    """stored_body of a row of the columns ROW names, as the database gives it: a log of a million
    events is laid out without a dict lookup a field."""
    seq, at, kind, actor, incident_id, object_, result, summary, key, prev_hash, _, scheme, origin, data, links = row
    scheme = 1 if scheme is None else scheme
    if not (type(seq) is int and (incident_id is None or type(incident_id) is int) and type(scheme) is int and scheme in SCHEMES
            and type(actor) is str and type(at) is str and type(kind) is str and type(object_) is str and type(prev_hash) is str
            and type(result) is str and (summary is None or type(summary) is str) and (key is None or type(key) is str)
            and type(origin) is str and type(data) is str and type(links) is str):
        return None
    s = encode_basestring
    return (f'{{"actor":{s(actor)},"at":{s(at)},"data":{data},"incident_id":{"null" if incident_id is None else incident_id},'
            f'"key":{"null" if key is None else s(key)},"kind":{s(kind)},"links":{links},"object":{s(object_)},"origin":{origin},'
            f'"prev_hash":{s(prev_hash)},"result":{s(result)},{"" if scheme == 1 else f"{_SCHEME_FIELD}{scheme},"}"seq":{seq},'
            f'"summary":{"null" if summary is None else s(summary)}}}')


def stored_hash(record: dict[str, Any], origin: str, data: str, links: str) -> str:
    """event_hash of an event read from the database, from the stored text of its JSON columns
    (stored_body: five times quicker than parsing and encoding again; exports check 100,000 events)."""
    body = stored_body(record, origin, data, links)
    return event_hash(record) if body is None else _digest(body) or event_hash(record)


def _digest(body: str) -> str | None:
    """The SHA-256 of a body; None for text that is not Unicode (a lone surrogate), which only the
    ordinary way can say why it cannot be hashed (None equals no stored hash)."""
    encoded = _utf8(body)
    return None if encoded is None else _sha256(encoded).hexdigest()


def _utf8(body: str) -> bytes | None:
    """A body as the UTF-8 its hash covers; None for text that is not Unicode (a lone surrogate)."""
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        return None


_SCHEME_FIELD = '"scheme":'
_LAID_OUT = object()  # a record whose reader has not laid out its body (eventlog.stored does)
_sha256 = hashlib.sha256


def _hash_problem(record: dict[str, Any], stored: tuple[str, str, str] | None = None, *, respelled: bool = False) -> str | None:
    """Why the record's hash does not hold, or None. `respelled`: JSON stored in another spelling of
    the values its hash covers is accepted too (the log itself, where versions before the stored
    spelling wrote it so; an export has always copied the stored text)."""
    stored = stored or dict.get(record, "_stored")
    try:
        if dict.get(record, "hash") == (stored_hash(record, *stored) if stored else event_hash(record)):
            return None
        if stored and respelled and dict.get(record, "hash") == event_hash(record):
            return None
    except Unhashable as exc:
        return _("cannot be checked: {reason}").format(reason=exc)
    return _("content does not match its hash (the event was altered)")
