"""The group commit's edges: rounds of one supplier at different times in one batch, a drill holding
a parent, playbook triggers that fire inside a batch; and the recorder when a batch fails, a write
raises what is no Exception, or the monitor stops during a retry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import tomli_w
from sqlalchemy import text

from tests.helpers import record_fault
from tests.test_incidents import ME, configure
from tests.watch.test_drill_leaks import HOLDER, LIVE, ORIGIN, T0, M  # the drill-leak scenario's home, batched here
from warroom.health.states import Observation
from warroom.monitor.recorder import Recorder
from warroom.services import actors, drills, health, incidents, lease, library

CHILD = {"id": "live-casesaas", "title": "CaseFlow down", "trigger": {"supplier": "casesaas", "state": "down", "for": "1m"},
         "steps": [{"id": "confirm", "title": "Confirm"}]}
EXERCISE = {"id": "exercise", "title": "Exercise", "steps": [{"id": "confirm", "title": "Confirm"}]}

# (nlcloud, casesaas) per minute; several minutes per batch
PLAN = [("up", "up")] * 3 + [("down", "down")] * 6 + ["end-drill"] + [("up", "up")] * 3 + [("down", "down")] * 5 + [("up", "down")] * 4 + [("up", "up")] * 3


def _home(tmp_path, name, clock):
    from warroom.services import homes
    home = homes.create(tmp_path / name, clock=clock, actor="alice", origin=ORIGIN)
    configure(home)
    for playbook in (LIVE, CHILD, EXERCISE):
        (home.playbooks_dir / f"{playbook['id']}.toml").write_text(tomli_w.dumps(playbook))
    return home


def _play(home, clock, per_batch: int) -> None:
    clock.set(T0)
    config = library.config(home)
    playbooks = [library.find(home, config, p["id"]) for p in (LIVE, CHILD, EXERCISE)]
    me = actors.resolve(config, ME, ORIGIN)
    store = home.open_store()
    try:
        with store.write() as s:
            lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=2), gap_after=timedelta(days=400), origin=ORIGIN)
            drill = incidents.start(s, playbook=playbooks[2], mode="drill", now=clock.now(), actor=me).id
            record_fault(s, drill, "nlcloud", "down", now=clock.now(), actor=me)
        pending = []

        def flush():
            if pending:
                with store.write() as s:
                    health.record_many(s, list(pending), config=config, playbooks=playbooks, holder=HOLDER, origin=ORIGIN)
                pending.clear()

        for step in PLAN:
            if step == "end-drill":
                flush()
                with store.write() as s:
                    incidents.transition(s, incident_id=drill, to="resolved", now=clock.now(), actor=me)
                with store.write() as s:
                    drills.record_healed(s, incident_id=drill, supplier="nlcloud", now=clock.now(), holder=HOLDER, origin=ORIGIN)
                continue
            for supplier, state in zip(("nlcloud", "casesaas"), step, strict=True):
                pending.append((config.supplier(supplier), Observation(state, 10.0 if state == "up" else None, f"test {state}", "test"), clock.now()))
            if len(pending) >= per_batch:
                flush()
            clock.advance(M)
        flush()
    finally:
        store.dispose()


def _left(home):
    store = home.open_store()
    try:
        with store.engine.connect() as c:
            def rows(sql):
                return [tuple(r) for r in c.execute(text(sql)).all()]
            return {
                "states": rows("SELECT supplier_id, state, since, candidate, streak, detail, via FROM supplier_state ORDER BY supplier_id"),
                "spans": rows("SELECT supplier_id, first_at, last_at FROM watch_span ORDER BY supplier_id, first_at"),
                "events": rows("SELECT at, kind, object, summary, data, key FROM event WHERE kind IN ('supplier.state', 'playbook.suggested') ORDER BY seq"),
            }
    finally:
        store.dispose()


@pytest.mark.parametrize("per_batch", [6, 8, 25])
def test_a_drill_and_triggers_inside_batches_of_many_minutes_match_rounds_alone(tmp_path, clock, per_batch):
    alone, together = _home(tmp_path, "alone", clock), _home(tmp_path, "together", clock)
    _play(alone, clock, 1)
    _play(together, clock, per_batch)
    expected, found = _left(alone), _left(together)
    kinds = [e[1] for e in expected["events"]]
    assert kinds.count("playbook.suggested") >= 2 and any('"drill"' in e[4] for e in expected["events"])
    assert found == expected


class Fatalish(BaseException):
    """Neither Exception nor the recorder's fatal type (e.g. a KeyboardInterrupt-like or a bug raising one)."""


def test_a_write_raising_a_base_exception_settles_every_round_of_its_batch():
    calls = []

    def write(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise Fatalish("boom")
        return list(items)

    async def main():
        recorder = Recorder(write, gather=0.01)
        first = [asyncio.ensure_future(recorder.record(i)) for i in range(3)]
        done, pending = await asyncio.wait(first, timeout=2)
        later = await asyncio.wait_for(recorder.record(9), timeout=2)  # the recorder itself carries on
        return len(pending), later

    never_settled, later = asyncio.run(main())
    assert never_settled == 0, f"{never_settled} rounds never settled: their check jobs (max_instances=1) never run again"


class StoreFailure(Exception):
    """What a write fails with that is no round's fault: the lock held elsewhere for 30 s, a full disk, an I/O error."""


def _failing_store(seconds: float, calls: list):
    import time

    def write(items):
        calls.append(list(items))
        time.sleep(seconds)  # the 30 s busy timeout, shortened
        raise StoreFailure("the database stayed locked by another process for 30 s")

    return write


def test_a_round_whose_retry_failed_is_told_before_every_other_round_of_its_batch_is_retried():
    """The monitor says a failing job at once; here a round's failure waits for all 25 retries."""
    calls: list = []
    told: dict[int, int] = {}  # round → the writes made when it was told

    async def main():
        recorder = Recorder(_failing_store(0.05, calls), gather=0.01)

        async def one(i):
            try:
                await recorder.record(i)
            except StoreFailure:
                told[i] = len(calls)

        await asyncio.gather(*(one(i) for i in range(25)))
        await recorder.close()

    asyncio.run(main())
    assert len(calls) == 26  # the batch, then each round again, one after another
    # Round 0 is told after the batch and its own retry, not after all 25 retries (26 lock timeouts, 13 min in production).
    # (A write or two more may be made before the waiting check sees its answer: the retries go on in their thread.)
    assert told[0] <= 4 and told[24] == 26, told


def test_a_stopping_monitor_does_not_retry_the_rounds_of_cancelled_checks():
    """scheduler.shutdown cancels the check jobs, then Recorder.close waits for the batch: it must
    not retry, one 30 s lock wait after another, rounds whose checks are gone."""
    calls: list = []

    async def main():
        recorder = Recorder(_failing_store(0.05, calls), gather=0.01)
        tasks = [asyncio.create_task(recorder.record(i)) for i in range(25)]
        while not calls:
            await asyncio.sleep(0.005)
        for task in tasks:
            task.cancel()  # scheduler.shutdown(wait=False)
        await recorder.close()

    asyncio.run(main())
    assert len(calls) == 1, f"{len(calls)} writes after the checks were cancelled: a stop under a held lock waits {len(calls)} x 30 s"
