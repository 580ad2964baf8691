"""Tampering as an attacker would (append-only triggers dropped first): verify exits 3 and names
the first bad seq. Property-based over every stored field of every event."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import append_many
from warroom.errors import LogAltered
from warroom.home import Home
from warroom.services import integrity
from warroom.store.chain import HASHED_FIELDS

EVENTS = 30  # home.created + 29
TEXT_FIELDS = [f for f in HASHED_FIELDS if f not in ("seq", "incident_id")] + ["hash"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    from datetime import UTC, datetime

    from warroom.clock import MovableClock
    from warroom.services import homes

    root = tmp_path_factory.mktemp("template") / "home"
    home = homes.create(root, clock=MovableClock(datetime(2026, 11, 29, tzinfo=UTC)), actor="alice", origin={})
    store = home.open_store()
    append_many(store, EVENTS - 1)
    store.dispose()
    return root


def copy_of(template: Path, where: Path) -> Path:
    root = where / "home"
    shutil.copytree(template, root)
    return root


def attack(root: Path, *statements: tuple[str, tuple]) -> None:
    connection = sqlite3.connect(root / "warroom.db")
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("DROP TRIGGER event_no_delete")
    for sql, params in statements:
        connection.execute(sql, params)
    connection.commit()
    connection.close()


def verify_error(root: Path) -> str:
    home = Home(root)
    store = home.open_store()
    try:
        with pytest.raises(LogAltered) as caught:
            integrity.verify(store, home.witness(), own_database=True)
    finally:
        store.dispose()
    return str(caught.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, EVENTS), field=st.sampled_from(TEXT_FIELDS), position=st.integers(0, 10_000), char=st.characters(min_codepoint=33, max_codepoint=126))
def test_one_changed_byte_in_any_text_field_is_caught(template, tmp_path_factory, seq, field, position, char):
    root = copy_of(template, tmp_path_factory.mktemp("t"))
    value = sqlite3.connect(root / "warroom.db").execute(f'SELECT "{field}" FROM event WHERE seq = ?', (seq,)).fetchone()[0]
    assume(value is not None and len(value) > 0)
    i = position % len(value)
    assume(value[i] != char)
    changed = value[:i] + char + value[i + 1 :]
    attack(root, (f'UPDATE event SET "{field}" = ? WHERE seq = ?', (changed, seq)))
    assert f"seq {seq}" in verify_error(root)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, EVENTS), delta=st.integers(1, 5))
def test_a_changed_incident_id_is_caught(template, tmp_path_factory, seq, delta):
    root = copy_of(template, tmp_path_factory.mktemp("t"))
    attack(root, ("UPDATE event SET incident_id = coalesce(incident_id, 0) + ? WHERE seq = ?", (delta, seq)))
    assert f"seq {seq}" in verify_error(root)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, EVENTS - 1))
def test_a_removed_event_is_caught(template, tmp_path_factory, seq):
    root = copy_of(template, tmp_path_factory.mktemp("t"))
    attack(root, ("DELETE FROM event WHERE seq = ?", (seq,)))
    assert f"seq {seq}: missing" in verify_error(root)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=st.lists(st.integers(1, EVENTS), min_size=2, max_size=2, unique=True))
def test_two_swapped_events_are_caught(template, tmp_path_factory, pair):
    a, b = sorted(pair)
    root = copy_of(template, tmp_path_factory.mktemp("t"))
    # Swap everything but the seq, as an attacker reordering history would.
    attack(
        root,
        ("UPDATE event SET seq = -1 WHERE seq = ?", (a,)),
        ("UPDATE event SET seq = ? WHERE seq = ?", (a, b)),
        ("UPDATE event SET seq = ? WHERE seq = -1", (b,)),
    )
    assert f"seq {a}" in verify_error(root)


def test_cli_exits_3_when_the_newest_ten_are_cut_off(template, tmp_path):
    root = copy_of(template, tmp_path)
    attack(root, ("DELETE FROM event WHERE seq > ?", (EVENTS - 10,)))
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert f"event log truncated: seq {EVENTS - 9} to {EVENTS} were witnessed" in result.stderr


def test_cli_exits_3_naming_the_seq_of_an_altered_event(template, tmp_path):
    root = copy_of(template, tmp_path)
    attack(root, ("UPDATE event SET summary = 'nothing happened' WHERE seq = 7", ()))
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert "event log altered at seq 7: content does not match its hash" in result.stderr
    dutch = run_cli("--lang", "nl", "verify", home=root)
    assert_clean_failure(dutch, 3)
    assert "seq 7: de inhoud past niet bij de hash (de gebeurtenis is gewijzigd)" in dutch.stderr, dutch.stderr


def test_cli_exits_3_when_the_whole_chain_is_rewritten_consistently(template, tmp_path):
    """An attacker who recomputes every hash after an edit still differs from the signed witness."""
    from warroom.store import chain, eventlog

    root = copy_of(template, tmp_path)
    connection = sqlite3.connect(root / "warroom.db")
    connection.row_factory = sqlite3.Row
    rows = [eventlog.record_of(_Row(r)) for r in connection.execute("SELECT * FROM event ORDER BY seq")]
    connection.close()
    rows[4]["summary"] = "rewritten history"
    prev, heads, updates = chain.GENESIS, {}, []
    for record in rows:
        record["prev_hash"] = prev
        streams = chain.streams_of(record["incident_id"], record["data"])
        record["links"] = {s: heads.get(s) for s in streams}
        record["hash"] = chain.event_hash(record)
        for s in streams:
            heads[s] = record["hash"]
        prev = record["hash"]
        updates.append(("UPDATE event SET summary = ?, prev_hash = ?, links = ?, hash = ? WHERE seq = ?",
                        (record["summary"], record["prev_hash"], chain.canonical(record["links"]), record["hash"], record["seq"])))
    for stream, head in heads.items():  # the append cache too, as a careful attacker would
        updates.append(("UPDATE stream_head SET hash = ? WHERE stream = ?", (head, stream)))
    attack(root, *updates)
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    # The first rewritten event is named: every witnessed head is compared, not only the newest.
    assert "event log altered at seq 5: its hash differs from the signed witness record" in result.stderr
    # An honest write after the rewrite has the rewritten chain witnessed as its head; the older
    # signed heads still name what the events were, with and without a key kept off the host.
    from warroom.home import Home

    store = Home(root).open_store()
    append_many(store, 1, writer="honest", start=EVENTS)  # witnessed as it commits: the key is ours
    store.dispose()
    assert (root / "witness.log").read_text().count("\n") == EVENTS + 1
    for args in (("verify",), ("verify", "--key", str(root / "warroom.pub"))):
        again = run_cli(*args, home=root)
        assert_clean_failure(again, 3)
        assert "event log altered at seq 5" in again.stderr


def test_cli_exits_3_on_a_damaged_database_file(template, tmp_path):
    root = copy_of(template, tmp_path)
    for suffix in ("-wal", "-shm"):
        (root / f"warroom.db{suffix}").unlink(missing_ok=True)
    data = bytearray((root / "warroom.db").read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // page_size):  # scribble over every b-tree page header but the first
        data[page * page_size : page * page_size + 8] = b"\x07" * 8
    (root / "warroom.db").write_bytes(bytes(data))
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert "database damaged" in result.stderr or "altered" in result.stderr


def test_untouched_copy_verifies(template, tmp_path):
    root = copy_of(template, tmp_path)
    result = run_cli("verify", home=root)
    assert result.returncode == 0, result.stderr
    assert f"event log verified: {EVENTS} events" in result.stdout


class _Row:
    def __init__(self, row: sqlite3.Row):
        self._mapping = {k: row[k] for k in row.keys()}  # noqa: SIM118 (iterating a sqlite3.Row gives its values)


def test_an_altered_stream_cache_is_named_and_never_blamed_on_the_next_honest_event(template, tmp_path):
    """stream_head caches each stream's newest event for appending: altered, verify names it at once,
    and a write refuses (exit 1, nothing recorded) rather than link an honest event to the wrong place."""
    root = copy_of(template, tmp_path)
    with sqlite3.connect(root / "warroom.db") as connection:
        connection.execute("UPDATE stream_head SET hash = '00' || substr(hash, 3) WHERE stream = 'incident:2'")
    checked = run_cli("verify", home=root)
    assert_clean_failure(checked, 3)
    assert "stream cache (table stream_head) differs from the events for incident:2" in checked.stderr

    from warroom.errors import DatabaseDamaged
    from warroom.home import Home

    store = Home(root).open_store()
    with pytest.raises(DatabaseDamaged, match="stream cache for incident:2 does not match"):
        append_many(store, 1, start=EVENTS + 1)  # an event of incident 2
    store.dispose()
    with sqlite3.connect(root / "warroom.db") as connection:
        assert connection.execute("SELECT max(seq) FROM event").fetchone()[0] == EVENTS


@pytest.mark.parametrize("statement, expect", [
    ("UPDATE event SET summary = x'00ff' WHERE seq = 7", "seq 7"),
    ("UPDATE event SET data = '" + "[" * 50_000 + "' WHERE seq = 7", "event log altered at seq 7"),
    ("UPDATE event SET at = 12345 WHERE seq = 7", "seq 7"),
], ids=["blob-for-text", "json-nested-beyond-reason", "time-that-is-not-one"])
def test_values_no_write_makes_are_tampering_not_an_internal_error(template, tmp_path, statement, expect):
    root = copy_of(template, tmp_path)
    attack(root, (statement, ()))
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert expect in result.stderr and "internal error" not in result.stderr, result.stderr


def test_a_schema_from_a_newer_version_is_named_not_migrated(template, tmp_path):
    root = copy_of(template, tmp_path)
    with sqlite3.connect(root / "warroom.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    for args, code in ((("verify",), 3), (("incident", "list"), 1)):
        result = run_cli(*args, home=root)
        assert_clean_failure(result, code)
        assert "revision '9999', which this warroom does not know" in result.stderr, result.stderr
