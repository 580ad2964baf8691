"""The event log on a real SQLite file: chaining, streams, idempotency, append-only triggers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.helpers import ORIGIN, append_many
from warroom.services import integrity
from warroom.store import chain, eventlog, tables


def test_events_chain_from_genesis_and_verify(home, clock):
    store = home.open_store()
    append_many(store, 20)
    report = integrity.verify(store, home.witness(), own_database=True)
    assert report.events == 21  # home.created + 20
    assert report.witnessed_seq == 21
    with store.engine.connect() as connection:
        records = list(eventlog.records(connection))
    assert records[0]["prev_hash"] == chain.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(records, records[1:], strict=False))


def test_incident_stream_links_each_event_to_the_previous_of_that_incident(home):
    store = home.open_store()
    append_many(store, 30)
    with store.engine.connect() as connection:
        mine = [r for r in eventlog.records(connection) if r["incident_id"] == 2]
    assert mine[0]["links"]["incident:2"] is None
    for before, after in zip(mine, mine[1:], strict=False):
        assert after["links"]["incident:2"] == before["hash"]
    # The incident's events alone prove they are complete: the subset check passes...
    assert chain.check_stream_subset(mine, complete={"incident:2"}) is None
    # ...and notices when one is left out.
    broken = chain.check_stream_subset(mine[:2] + mine[3:], complete={"incident:2"})
    assert broken is not None and broken.seq == mine[3]["seq"]
    assert chain.check_stream_subset(mine[1:], complete={"incident:2"}) is not None


def test_an_idempotency_key_appends_once(home, clock):
    store = home.open_store()
    with store.write() as session:
        eventlog.append(session, at=clock.now(), kind="escalation.due", actor="system", origin=ORIGIN,
                        object="incident:1/level:1", summary="L1 due", incident_id=1, data={"level": 1}, key="escalation:1:1")
    with pytest.raises(eventlog.Duplicate), store.write() as session:
        eventlog.append(session, at=clock.now(), kind="escalation.due", actor="system", origin=ORIGIN,
                        object="incident:1/level:1", summary="L1 due", incident_id=1, data={"level": 1}, key="escalation:1:1")
    with store.read() as session:
        assert eventlog.head(session)[0] == 2


def test_database_refuses_update_and_delete_of_events(home):
    home.open_store().dispose()
    connection = sqlite3.connect(home.db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE event SET summary = 'rewritten' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM event WHERE seq = 1")
    connection.close()


def test_each_event_records_what_bio_asks_of_a_log_line(home, clock):
    store = home.open_store()
    origin = {"host": "warroom-01", "terminal": "/dev/pts/3", "ssh_client": "10.0.0.7"}
    with store.write() as session:
        eventlog.append(session, at=clock.now(), kind="decision.logged", actor="alice", origin=origin,
                        object="incident:4", summary="Freeze deployments", incident_id=4, data={"kind": "decision"})
    row = sqlite3.connect(home.db_path).execute(
        "SELECT at, kind, actor, object, result, origin FROM event WHERE kind = 'decision.logged'").fetchone()
    at, kind, actor, obj, result, stored_origin = row
    assert at == "2026-11-29T13:00:00.000000Z"
    assert (kind, actor, obj, result) == ("decision.logged", "alice", "incident:4", "ok")
    assert json.loads(stored_origin) == origin


def test_witness_records_are_signed_and_a_forged_one_is_caught(home):
    store = home.open_store()
    append_many(store, 3)
    lines = home.witness().path.read_text().splitlines()
    assert len(lines) == 4
    forged = json.loads(lines[-1])
    forged["seq"] += 10
    with home.witness().path.open("a") as witness_file:
        witness_file.write(json.dumps(forged) + "\n")
    with pytest.raises(Exception, match="bad signature"):
        integrity.verify(store, home.witness(), own_database=True)


def test_changes_notices_another_connections_commit_and_nothing_else(home, clock):
    from warroom.store.changes import Changes

    store = home.open_store()
    changes = Changes(home.db_path)
    assert changes.poll() is True  # the first poll always loads
    assert changes.poll() is False
    append_many(store, 1)
    assert changes.poll() is True
    assert changes.poll() is False
    changes.close()
    store.dispose()


def test_a_core_write_appends_to_the_same_chain_and_witnesses_only_what_it_committed(home, clock):
    # Store.write_core (what `warroom log` uses, no ORM) and Store.write (an ORM session) append to
    # one chain through one append. Its connection's info outlives the transaction (the pool keeps
    # the connection): a rolled-back append's head must never be witnessed by a later write.
    store = home.open_store()
    append_many(store, 3)
    with store.write_core() as connection:
        core = eventlog.append(connection, at=clock.now(), kind="test.core", actor="t", summary="core", origin=ORIGIN, object="x")
    witnessed = [e.seq for e in home.witness().entries()]
    assert witnessed[-1] == core["seq"]
    with pytest.raises(RuntimeError), store.write_core() as connection:
        eventlog.append(connection, at=clock.now(), kind="test.core", actor="t", summary="rolled back", origin=ORIGIN, object="x")
        raise RuntimeError("after the append, before the commit")
    with store.write_core():
        pass  # appends nothing: witnesses nothing
    assert [e.seq for e in home.witness().entries()] == witnessed
    with store.write() as session:
        after = eventlog.append(session, at=clock.now(), kind="test.orm", actor="t", summary="orm", origin=ORIGIN, object="x")
    assert after["seq"] == core["seq"] + 1 and after["prev_hash"] == core["hash"]
    report = integrity.verify(store, home.witness(), own_database=True)
    assert report.events == after["seq"] and report.witnessed_seq == after["seq"]


def _checked(rows, *, by_row: bool) -> tuple[str | None, dict, int, list]:
    """An incident's export check over `rows`: every record fed (as before rows), or each row as it
    is where it checks out (chain.SubsetCheck.feed_row) and its record otherwise. Returns the first
    break, the stream heads, the last seq, and the bodies each way gave."""
    check = chain.SubsetCheck({"incident:2"})
    bodies = []
    for row in rows:
        body = check.feed_row(row) if by_row else None
        if body is None:
            record = eventlog.lazy_record(row)
            check.feed(record)
            body = record.get("_body_utf8") if check.broken is None else None
        bodies.append(body)
    return (str(check.broken) if check.broken else None), dict(check.heads), check.last_seq, bodies


def test_a_row_checked_as_it_is_finds_what_its_record_finds(home):
    # An export checks 100,000 rows without a record each: a row is taken as it is only where its
    # record would check out; anything else (a changed field, a gap, a row out of order, an odd
    # type) goes to the record's whole check, which finds the same break.
    store = home.open_store()
    append_many(store, 40)
    with store.read_core() as connection:
        rows = [tuple(r) for r in eventlog.matching_rows(connection, tables.EVENT.c.incident_id.in_((2,)) | tables.EVENT.c.incident_id.is_(None))]
    store.dispose()
    mine = [i for i, r in enumerate(rows) if r[4] == 2]
    changed = list(rows)
    changed[mine[3]] = (*rows[mine[3]][:7], "rewritten", *rows[mine[3]][8:])
    odd = list(rows)
    odd[mine[2]] = (*rows[mine[2]][:11], True, *rows[mine[2]][12:])  # a scheme that is a bool
    cases = {"sound": rows, "a summary changed": changed, "one left out": rows[:mine[4]] + rows[mine[4] + 1:],
             "two swapped": rows[:mine[5]] + [rows[mine[6]], rows[mine[5]]] + rows[mine[6] + 1:], "an odd type": odd,
             "the first left out": rows[mine[0] + 1:]}
    for name, case in cases.items():
        whole, quick = _checked(case, by_row=False), _checked(case, by_row=True)
        assert quick == whole, name
        assert (whole[0] is None) == (name == "sound"), name
    check, slow = chain.SubsetCheck({"incident:2"}), []
    for row in rows:
        if check.feed_row(row) is None:
            slow.append(row[0])
            check.feed(eventlog.lazy_record(row))
    # As they are, all but the stream's first (no head yet) and those in a supplier's stream too (two links to check).
    assert check.broken is None and slow == [r[0] for i, r in enumerate(rows) if i == mine[0] or (r[4] == 2 and "supplier:" in r[14])]
    assert len(slow) < len(mine) / 2
