"""Recording a supplier's history through the real monitor code path (lease, health.record) on a
real home, with the clock moved by the test: a round every `interval`, gaps where no monitor ran."""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.clock import MovableClock
from warroom.health.states import Observation
from warroom.services import health, lease, library


class Recorder:
    def __init__(self, home, clock: MovableClock):
        self.home, self.clock = home, clock
        self.config = library.config(home)
        self.store = home.open_store()

    def rounds(self, supplier_id: str, state: str, start: datetime, end: datetime, every: timedelta) -> None:
        """One round observing `state` at start, start + every, … while before `end`, all in one
        transaction per round as the monitor writes them."""
        at = start
        supplier = self.config.supplier(supplier_id)
        while at < end:
            self.clock.set(at)
            with self.store.write() as session:
                lease.take(session, holder="t", now=at, ttl=timedelta(days=2), gap_after=timedelta(days=400), origin={})
                health.record(session, supplier=supplier, observation=Observation(state, 10.0 if state != "down" else None, f"test {state}", "test"),
                              now=at, config=self.config, playbooks=[], holder="t", origin={})
            at += every

    def close(self) -> None:
        self.store.dispose()
