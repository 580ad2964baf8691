"""The after-action review reads only the events it measures: a long drill's free log entries are
most of its events, and the review (and the HTML and Markdown exports, which include it) must not
hold them all. Its numbers stay those computed here from the events."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

from tests.test_review import room  # noqa: F401  # the fixture: a home with the drill playbooks and a facilitator
from warroom.services import drills, escalation, incidents, logbook
from warroom.services.limits import MAX_TEXT

ENTRIES = 300  # free log entries, each as long as one may be, text and rationale: ~20 MB stored
LONG = "x" * (MAX_TEXT - 20)


def test_a_review_holds_none_of_the_free_log_entries_and_still_counts_them_as_responses(room, clock):  # noqa: F811
    store, cfg, people, start, read = room
    incident = start()
    opened = clock.now()
    clock.advance(timedelta(minutes=2))
    with store.write() as session:  # inject 2 expects the decision `failover`
        inject = drills.record(session, drills.scripted(session, incident, 2), now=clock.now(), actor=people["frank"],
                               by_monitor=True, holder="test")
    clock.advance(timedelta(seconds=30))
    with store.write() as session:
        for n in range(ENTRIES):
            entry = logbook.log(session, incident_id=incident, text=f"{n} {LONG}", kind="observation", rationale=LONG,
                                  now=clock.now() + timedelta(milliseconds=n), actor=people["carol"])
            if n == 0:
                first = entry
    clock.advance(timedelta(minutes=3))
    with store.write() as session:
        for level in escalation.pending(session):
            if level.kind == "escalation":
                escalation.fire(session, level, now=clock.now(), config=cfg, holder="test", origin={"host": "test"})
        taken = logbook.log(session, incident_id=incident, text="Fail over", kind="decision", decision="failover", now=clock.now(),
                              actor=people["alice"])
        incidents.step(session, incident_id=incident, step_id="confirm", action="done", note=None, now=clock.now(), actor=people["alice"])
    tracemalloc.start()
    try:
        r = read(incident)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"the review held {peak / 1e6:.1f} MB for {ENTRIES} log entries it does not measure"
    [i] = [i for i in r.injects if i.seq == inject["seq"]]
    assert i.first_response_seq == first["seq"] and i.first_response_seconds == 30  # a free log entry by a person answers too
    assert i.expect == "failover" and i.expect_seq == taken["seq"] and i.expect_seconds == 30 + 180
    [decision] = r.decisions
    assert decision.made and decision.seq == taken["seq"] and decision.at == opened + timedelta(minutes=5, seconds=30)
    assert {s.id: s.result for s in r.steps}["confirm"] == "late"  # due 2 min after the opening
    [level] = r.escalations
    assert level.fired_at == opened + timedelta(minutes=5, seconds=30) and level.acked_at is None
