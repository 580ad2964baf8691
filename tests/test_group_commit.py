"""The monitor's group commit: rounds recorded together in one transaction (health.record_many,
through monitor/recorder.py) leave exactly what the same rounds recorded one transaction each leave,
on SQLite and PostgreSQL; and the recorder gathers, isolates a round at fault and stops at a lost lease."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.helpers import HTTP_DOWN, HTTP_UP
from warroom.clock import MovableClock
from warroom.health.states import Observation, observe
from warroom.monitor.recorder import Recorder
from warroom.services import health, homes, lease, library

HOLDER = "test-monitor"
ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}

# Round after round, 30 s apart: a parent and its child fail and recover together (the child down
# via its parent), a supplier on its own, first rounds of a parent and its child side by side, and
# one supplier's two rounds in one batch, and a pause longer than the watch tolerance (a new watch span).
ROUNDS: list[list[tuple[str, str]]] = [
    [("hyperscale", "up"), ("caredata", "up"), ("nlcloud", "up"), ("casesaas", "up"), ("mailco", "up"), ("mailco", "up")],
    [("nlcloud", "down"), ("casesaas", "down"), ("mailco", "degraded"), ("hyperscale", "up"), ("caredata", "up")],
    [("nlcloud", "down"), ("casesaas", "down"), ("mailco", "degraded"), ("hyperscale", "down"), ("caredata", "down")],
    [("casesaas", "down"), ("nlcloud", "down"), ("mailco", "up"), ("caredata", "down"), ("hyperscale", "down")],
    [("nlcloud", "up"), ("casesaas", "up"), ("mailco", "up"), ("hyperscale", "down"), ("caredata", "up")],
    [("nlcloud", "up"), ("casesaas", "up"), ("mailco", "down"), ("hyperscale", "up"), ("caredata", "up")],
    "pause",  # type: ignore[list-item]
    [("nlcloud", "up"), ("casesaas", "down"), ("mailco", "down"), ("hyperscale", "up"), ("caredata", "up")],
    [("nlcloud", "up"), ("casesaas", "down"), ("mailco", "down"), ("hyperscale", "up"), ("caredata", "up")],
]
RESULT = {"up": HTTP_UP, "down": HTTP_DOWN}


def _observation(state: str) -> Observation:
    if state == "degraded":
        return Observation("degraded", 2500.0, "slow: 2500 ms", "latency")
    return observe([RESULT[state]])


@pytest.fixture(params=["sqlite", "postgresql"])
def two_homes(request, tmp_path):
    def make(name: str):
        url = request.getfixturevalue("pg_cluster").new_database() if request.param == "postgresql" else None
        return homes.create(tmp_path / name, clock=request.getfixturevalue("clock"), actor="alice", origin=ORIGIN, db_url=url)

    return make("alone"), make("together")


def _play(home, clock: MovableClock, *, together: bool) -> None:
    config = library.config(home)
    playbooks = [e.playbook for e in library.library(home, config) if e.playbook]
    store = home.open_store()
    try:
        with store.write() as session:
            assert lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(minutes=1), origin=ORIGIN).ok
        for round_ in ROUNDS:
            if round_ == "pause":
                clock.advance(timedelta(minutes=10))
                continue
            observed = [(config.supplier(supplier_id), _observation(state), clock.now()) for supplier_id, state in round_]
            if together:
                with store.write() as session:
                    health.record_many(session, observed, config=config, playbooks=playbooks, holder=HOLDER, origin=ORIGIN)
            else:
                for supplier, observation, now in observed:
                    with store.write() as session:
                        health.record(session, supplier=supplier, observation=observation, now=now, config=config, playbooks=playbooks,
                                      holder=HOLDER, origin=ORIGIN)
            clock.advance(timedelta(seconds=30))
    finally:
        store.dispose()


def _left(home) -> dict[str, list[tuple]]:
    store = home.open_store()
    try:
        with store.engine.connect() as connection:
            def rows(sql: str) -> list[tuple]:
                return [tuple(r) for r in connection.execute(text(sql)).all()]

            return {
                "states": rows("SELECT supplier_id, state, since, candidate, streak, detail, latency_ms, checked_at, via, disagreement "
                               "FROM supplier_state ORDER BY supplier_id"),
                "spans": rows("SELECT supplier_id, first_at, last_at FROM watch_span ORDER BY supplier_id, first_at"),
                "samples": rows("SELECT supplier_id, at, state, latency_ms FROM health_sample ORDER BY supplier_id, at"),
                "events": rows("SELECT at, kind, object, summary, data FROM event WHERE kind IN ('supplier.state', 'playbook.suggested') "
                               "ORDER BY seq"),
            }
    finally:
        store.dispose()


def test_rounds_recorded_together_leave_what_rounds_recorded_alone_leave(two_homes, clock):
    alone, together = two_homes
    begun = clock.now()
    _play(alone, clock, together=False)
    clock.set(begun)
    _play(together, clock, together=True)
    expected, found = _left(alone), _left(together)
    assert [e[1] for e in expected["events"]].count("supplier.state") >= 8  # the rounds changed states: the comparison means something
    assert any(json.loads(e[4]).get("via") == "nlcloud" for e in expected["events"])  # a child down through its parent
    assert len({s[0] for s in expected["spans"]}) < len(expected["spans"])  # the pause began new spans
    assert found == expected


# ── the recorder: gathering, a round at fault, a lost lease ────────────────────────────────────

class Lost(Exception):
    pass


def _run(recorder: Recorder, items: list[int]) -> list[object]:
    async def main():
        results = await asyncio.gather(*(recorder.record(i) for i in items), return_exceptions=True)
        await recorder.close()
        return results

    return asyncio.run(main())


def test_rounds_finishing_together_are_written_in_one_batch_of_at_most_most():
    batches: list[list[int]] = []

    def write(items):
        batches.append(list(items))
        return [i * 10 for i in items]

    results = _run(Recorder(write, gather=0.01, most=25), list(range(30)))
    assert results == [i * 10 for i in range(30)]
    assert [len(b) for b in batches] == [25, 5]
    assert [i for b in batches for i in b] == list(range(30))


def test_a_round_whose_record_fails_fails_alone_and_the_others_are_recorded():
    written: list[int] = []
    lock = threading.Lock()

    def write(items):
        if 3 in items:
            raise ValueError("round 3 cannot be recorded")
        with lock:
            written.extend(items)
        return [f"ok {i}" for i in items]

    results = _run(Recorder(write, gather=0.01), list(range(6)))
    assert [r for i, r in enumerate(results) if i != 3] == [f"ok {i}" for i in range(6) if i != 3]
    assert isinstance(results[3], ValueError) and "round 3" in str(results[3])
    assert sorted(written) == [0, 1, 2, 4, 5]


def test_a_lost_lease_is_every_rounds_and_nothing_is_tried_again():
    calls: list[list[int]] = []

    def write(items):
        calls.append(list(items))
        raise Lost("the lease is someone else's")

    results = _run(Recorder(write, fatal=(Lost,), gather=0.01), list(range(4)))
    assert all(isinstance(r, Lost) for r in results)
    assert calls == [[0, 1, 2, 3]]
