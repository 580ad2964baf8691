"""A stored event as a record, and two runs of stored events merged in seq order, with nothing but
the standard library: the event log (eventlog.py, through SQLAlchemy) and an export's read of the
file itself (timelinefile.py, through sqlite3, without SQLAlchemy) make their records alike."""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from warroom.store.chain import ROW

JSON_FIELDS = ("origin", "data", "links")
PLAIN = ROW[: len(ROW) - len(JSON_FIELDS)]  # the plain columns; the JSON texts follow them (ROW)
assert ROW[len(PLAIN):] == JSON_FIELDS


def lazy_record(row: Sequence[Any]) -> dict[str, Any]:
    """A row of chain.ROW's columns as a lazy record: the plain columns by name; the JSON texts,
    which follow them, kept as stored under `_stored`; the row itself under `_row`."""
    record = _Lazy(zip(PLAIN, row, strict=False))
    record["_stored"] = row[len(PLAIN):]
    record["_row"] = row  # the row as read, which chain.row_body lays out without a lookup a field
    return record


def stored_json(stored: Any) -> Any:
    """A stored JSON column's value; what does not read as JSON (an altered row: bytes, a raw
    control character, nesting deeper than the parser follows) stays as it is stored, which no
    hash holds, so the chain check names the row while every reader carries on."""
    try:
        return json.loads(stored)
    except (TypeError, ValueError, RecursionError):
        return stored


_SCAN = json.scanner.make_scanner(json.JSONDecoder())


class _Lazy(dict):
    """A record whose JSON columns are parsed when first read: an export of 100,000 events hashes
    and copies their stored text, and most renders never look inside. Unreadable JSON stays a
    string, as in eventlog.record_of, so that its hash fails."""

    _PARSED = {"origin": 0, "data": 1, "links": 2}

    def __missing__(self, name: str) -> Any:
        which = self._PARSED.get(name)
        if which is None:
            raise KeyError(name)
        text = dict.__getitem__(self, "_stored")[which]
        try:  # the decoder's C scanner alone: json.loads around it costs as much again
            value, end = _SCAN(text, 0)
            if end != len(text):
                raise ValueError
        except (StopIteration, TypeError, ValueError, RecursionError):
            try:  # json.loads has the last word: leading spaces, bytes, or not JSON at all
                value = json.loads(text)
            except (TypeError, ValueError, RecursionError):
                value = text
        self[name] = value
        return value

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._PARSED:
            return self[name]
        return dict.get(self, name, default)


_SEQ = itemgetter(0)  # a stored row's first column (chain.ROW)


def by_seq(mine: Iterator[Any], theirs: Iterator[Any], seq_of: Callable[[Any], Any] = _SEQ) -> Iterator[Any]:
    """Two runs of events in seq order as one, as heapq.merge keyed on seq gives them (on a tie, the
    incident's own first), at one comparison an event: an incident's own are nearly all of them.
    Rows, whose first column is their seq, unless `seq_of` says otherwise."""
    their = next(theirs, None)
    if their is None:
        yield from mine
        return
    bound: Any = seq_of(their)
    for own in mine:
        if seq_of(own) > bound:
            while their is not None and seq_of(own) > bound:
                yield their
                their = next(theirs, None)
                bound = seq_of(their) if their is not None else None
            if their is None:
                yield own
                yield from mine
                return
        yield own
    if their is not None:
        yield their
        yield from theirs
