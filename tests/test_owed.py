"""What an incident owes is one rule (services/owed.py): the board's counts equal the room's flags
on the same home and moved clock, a compressed drill's decisions fall due at its speed everywhere,
and an altered decision row neither closes a decision nor crashes the monitor."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.helpers import start_incident
from tests.test_incidents import ME, configure
from tests.test_tamper import attack
from warroom.services import actors, escalation, health, incidents, library, logbook, views


def _start(home, clock, speed: float):
    configure(home)
    cfg = library.config(home)
    store = home.open_store()
    me = actors.resolve(cfg, ME, {})
    with store.write() as session:
        incident = incidents.start(session, playbook=library.find(home, cfg, "quick-drill"), mode="drill", now=clock.now(),
                                   actor=me, speed=speed)
    return store, cfg, incident, me


def _board_and_room(store, cfg, incident_id, now):
    with store.read() as session:
        (board,) = [i for i in health.status(session, cfg, now).incidents if i.id == incident_id]
        room = incidents.show(session, incident_id, cfg, now)
    board_json, room_json = views.to_json(board), views.to_json(room)  # what status --json and incident show --json print
    return board_json, room_json


def test_the_boards_counts_are_the_rooms_flags_in_a_compressed_drill(home, clock):
    store, cfg, incident, me = _start(home, clock, speed=10)  # failover due 1h / 10 = 6 min after opening
    try:
        clock.advance(timedelta(minutes=7))
        board, room = _board_and_room(store, cfg, incident.id, clock.now())
        late = sum(1 for s in room["steps"] if s["overdue"])
        overdue = sum(1 for d in room["open_decisions"] if d["overdue"])
        assert (late, overdue) == (2, 1)  # confirm (3 s) and assess (6 min) late, failover overdue
        assert (board["late_steps"], board["overdue_decisions"]) == (late, overdue)
        with store.write() as session:
            logbook.log(session, incident_id=incident.id, text="Fail over", kind="decision", decision="failover", now=clock.now(), actor=me)
        board, room = _board_and_room(store, cfg, incident.id, clock.now())
        assert room["open_decisions"] == [] and board["overdue_decisions"] == 0
    finally:
        store.dispose()


def test_the_monitor_and_the_room_agree_on_a_compressed_drills_decision_deadline(home, clock):
    store, cfg, incident, me = _start(home, clock, speed=10)
    try:
        with store.read() as session:
            (deadline,) = [d for d in escalation.pending(session) if d.kind == "decision"]
            (shown,) = incidents.show(session, incident.id, cfg, clock.now()).open_decisions
        assert deadline.due_at == shown.due_at == incident.opened_at + timedelta(minutes=6)
    finally:
        store.dispose()


def test_an_altered_decision_row_neither_closes_the_decision_nor_crashes_the_monitor(home, clock):
    store, cfg, incident, me = _start(home, clock, speed=1)
    try:
        with store.write() as session:
            logbook.log(session, incident_id=incident.id, text="Fail over", kind="decision", decision="failover", now=clock.now(), actor=me)
        # someone edits the row into a list holding the object: not a decision any more
        attack(home.root, ("UPDATE event SET data = ? WHERE kind = 'decision.logged'", (json.dumps([{"decision": "failover"}]),)))
        with store.read() as session:
            pending = {(d.kind, d.ref) for d in escalation.pending(session)}
            board = [i for i in health.status(session, cfg, clock.now() + timedelta(hours=2)).incidents if i.id == incident.id]
        assert ("decision", "failover") in pending
        assert board[0].overdue_decisions == 1
    finally:
        store.dispose()


def test_the_review_and_the_reporting_clocks_read_when_a_decision_was_taken_by_one_rule(home, clock):
    """A decision taken by phone and logged later counts from when it was taken, the earliest of two
    entries wins, in the review and the reporting clocks alike; an entry whose `occurred_at` was
    altered into something else than a time counts from its recording in both (the clocks raised)."""
    from tests.watch.test_reporting import PLAYBOOK
    from warroom.services import reporting, review
    from warroom.store.models import Incident

    configure(home)
    (home.playbooks_dir / "data-breach.toml").write_text(PLAYBOOK, encoding="utf-8")
    incident_id = start_incident(home, clock, "data-breach", mode="live")
    opened = clock.now()
    cfg = library.config(home)
    store = home.open_store()
    me = actors.resolve(cfg, ME, {})
    try:
        clock.advance(timedelta(hours=1))
        with store.write() as session:
            logbook.log(session, incident_id=incident_id, text="Significant", kind="decision", decision="significant", now=clock.now(),
                          actor=me, occurred_at=opened + timedelta(minutes=30))
            second = logbook.log(session, incident_id=incident_id, text="Significant, said by phone", kind="decision",
                                   decision="significant", now=clock.now(), actor=me, occurred_at=opened + timedelta(minutes=20))

        def both():
            with store.read() as session:
                (decision,) = review.review(session, incident_id, cfg, clock.now()).decisions
                started = {c.starts: c.started_at for c in reporting.of(session, session.get(Incident, incident_id), cfg, clock.now())}
            return decision, started["decision significant"]

        decision, started = both()
        assert decision.at == started == opened + timedelta(minutes=20) and decision.seq == second["seq"]
        attack(home.root, ("UPDATE event SET data = json_set(data, '$.occurred_at', '10:05') WHERE kind = 'decision.logged'", ()))
        decision, started = both()
        assert decision.at == started == opened + timedelta(hours=1)
    finally:
        store.dispose()


def test_only_entries_that_name_a_decision_are_read_as_maybe_answering_one(home, clock):
    """Most entries of a busy log are decisions (their kind the value "decision") that answer no
    expected decision: the SQL that narrows a long log, and the board's look at new entries, pass
    them over, as they do one whose text quotes the key (JSON escapes its quotes); an entry
    answering one is read."""
    from sqlmodel import col, select

    from warroom.services import board, owed
    from warroom.store.models import Event

    store, cfg, incident, me = _start(home, clock, speed=1)
    try:
        with store.write() as session:
            before = session.exec(select(Event.seq).order_by(col(Event.seq).desc())).first()
            for n in range(3):
                logbook.log(session, incident_id=incident.id, text=f"Plain decision {n}", kind="decision", now=clock.now(), actor=me)
            logbook.log(session, incident_id=incident.id, text='He said "decision": yes', kind="observation", now=clock.now(), actor=me)
        with store.read() as session:
            after = session.exec(select(Event.seq).order_by(col(Event.seq).desc())).first()
            assert board.only_entries(session, before, after)  # nothing the board shows moved
            read = session.exec(select(Event.data).where(col(Event.incident_id) == incident.id, owed.may_answer(col(Event.kind), col(Event.data)))).all()
        assert read == []
        with store.write() as session:
            logbook.log(session, incident_id=incident.id, text="Fail over", kind="decision", decision="failover", now=clock.now(), actor=me)
        with store.read() as session:
            assert not board.only_entries(session, after, after + 1)
            assert owed.decided(session, [incident.id])[incident.id] == {"failover"}
    finally:
        store.dispose()
