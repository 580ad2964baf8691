"""Events are hashed over RFC 8785 canonical JSON (scheme 2); those stored before keep scheme 1."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import append_many
from warroom.store import chain

_keys = st.text(max_size=6) | st.sampled_from(["a", "é", "\ue000", "\U0001f600", "\U00010000x", "\ufb01"])
_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_the_quick_canonical_form_is_rfc8785_or_refuses_like_it(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        try:
            chain.jcs(value)
        except chain.Unhashable:
            return
        raise AssertionError("jcs wrote what RFC 8785 cannot") from None
    assert chain.jcs(value) == expected


def test_rfc8785_and_the_old_encoding_differ_where_the_issue_says():
    assert chain.canonical({"x": 598.0}) == '{"x":598.0}'
    assert chain.jcs({"x": 598.0}) == b'{"x":598}'
    assert chain.jcs({"\U0001f600": 1, "\ufb01": 2}) == '{"\U0001f600":1,"\ufb01":2}'.encode()  # UTF-16 order, not code points


def _record(**changes):
    record = {"seq": 1, "at": "2026-11-29T13:00:00.000000Z", "kind": "escalation.due", "actor": "system", "incident_id": 1,
              "object": "incident:1", "result": "ok", "origin": {"host": "h"}, "summary": "late", "data": {"late_seconds": 598.0},
              "key": None, "links": {"incident:1": None}, "prev_hash": chain.GENESIS}
    record.update(changes)
    return record


def test_each_scheme_hashes_its_own_documented_bytes():
    old = _record()
    assert chain.event_hash(old) == hashlib.sha256(chain.canonical(old).encode()).hexdigest()
    assert chain.event_hash(_record(scheme=1)) == chain.event_hash(old)
    new = _record(scheme=2)
    assert chain.event_hash(new) == hashlib.sha256(rfc8785.dumps(new)).hexdigest()
    assert b'"late_seconds":598}' in rfc8785.dumps(new)


def test_an_unknown_scheme_or_an_unhashable_value_is_a_break_not_a_crash():
    for record in (_record(scheme=3), _record(scheme=True), _record(scheme=2, data={"n": 2**60}), _record(data={"x": float("nan")})):
        record["hash"] = "0" * 64
        (item,) = list(chain.walk([record]))
        assert isinstance(item, chain.Break) and "cannot be checked" in item.reason
        broken = chain.check_stream_subset([record], complete={"incident:1"})
        assert broken is not None and "cannot be checked" in broken.reason


def test_new_events_are_stored_with_scheme_2_and_verify(home):
    from warroom.services import integrity

    store = home.open_store()
    append_many(store, 5)
    assert integrity.verify(store, home.witness(), own_database=True).events == 6
    store.dispose()
    schemes = sqlite3.connect(home.db_path).execute("SELECT DISTINCT scheme FROM event").fetchall()
    assert schemes == [(2,)]


def test_the_stored_text_hashes_as_the_parsed_event_does_in_both_schemes(home):
    from tests.helpers import rehash_as_scheme1
    from warroom.store import eventlog

    store = home.open_store()
    append_many(store, 6)
    store.dispose()
    rehash_as_scheme1(home.db_path)  # the old events, scheme 1
    store = home.open_store()
    append_many(store, 6, start=6)  # and new ones, scheme 2, with a float
    with store.write() as session:
        eventlog.append(session, at=datetime(2026, 11, 29, tzinfo=UTC), kind="escalation.due", actor="system", origin={}, object="x", summary="late",
                        incident_id=1, data={"late_seconds": 598.0, "ratio": 1e-7})
    with store.read() as session:
        records = list(eventlog.matching(session.connection()))
    store.dispose()
    assert {r["scheme"] for r in records} == {None, 2} and all("_stored" in r for r in records)
    for record in records:
        assert chain.stored_hash(record, *record["_stored"]) == chain.event_hash(record) == record["hash"]
    assert records[-1]["_stored"][1] == '{"late_seconds":598,"ratio":1e-7}'  # stored in the spelling it is hashed in
    other = records[-1]["_stored"][1].replace(":598", ": 598")  # the same value, other bytes
    assert chain.stored_hash(records[-1], records[-1]["_stored"][0], other, records[-1]["_stored"][2]) != records[-1]["hash"]

