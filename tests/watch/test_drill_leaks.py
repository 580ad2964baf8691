"""A drill's fault is not the supplier's outage (issue 12, item 4; issue 17): the state changes it
causes are marked with the drill's id as the monitor's code path records them, decided from the
event log alone, and the long-term views — availability, suggestions, live timelines, the review's
time to open — leave them out. Rounds recorded through health.record with the clock the test moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import tomli_w

from tests.helpers import record_fault, transactions
from tests.test_incidents import ME, configure
from warroom.health.states import Observation
from warroom.services import actors, drills, health, history, incidents, lease, library, review

ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
HOLDER = "test-monitor"
T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)

LIVE = {"id": "live-nlcloud", "title": "NLCloud down", "trigger": {"supplier": "nlcloud", "state": "down", "for": "2m"},
        "steps": [{"id": "confirm", "title": "Confirm"}]}
EXERCISE = {"id": "exercise", "title": "Exercise without nlcloud in its script", "steps": [{"id": "confirm", "title": "Confirm"}]}


@pytest.fixture
def world(home, clock):
    configure(home)
    for playbook in (LIVE, EXERCISE):
        (home.playbooks_dir / f"{playbook['id']}.toml").write_text(tomli_w.dumps(playbook))
    clock.set(T0)
    config = library.config(home)
    playbooks = [library.find(home, config, p["id"]) for p in (LIVE, EXERCISE)]
    store = home.open_store()
    me = actors.resolve(config, ME, ORIGIN)

    write, read = transactions(store)

    def rounds(state: str, until: datetime) -> None:
        """A round of nlcloud every minute from the clock's time while before `until` (confirm = 2)."""
        supplier = config.supplier("nlcloud")
        while clock.now() < until:
            write(lambda s: lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=2), gap_after=timedelta(days=400), origin=ORIGIN))
            write(lambda s: health.record(s, supplier=supplier, observation=Observation(state, 10.0 if state == "up" else None, f"test {state}", "test"),
                                          now=clock.now(), config=config, playbooks=playbooks, holder=HOLDER, origin=ORIGIN))
            clock.advance(M)

    yield config, {p.id: p for p in playbooks}, me, write, read, rounds
    store.dispose()


def _changes(read) -> list[dict]:
    from sqlmodel import col, select

    from warroom.store.models import Event

    found = read(lambda s: [(e.seq, e.at, e.summary, e.data) for e in s.exec(select(Event).where(Event.kind == "supplier.state").order_by(col(Event.seq))).all()])
    return [{"seq": q, "at": a, "summary": m, "data": json.loads(d)} for q, a, m, d in found]


def _suggested(read) -> list[dict]:
    from sqlmodel import select

    from warroom.store.models import Event

    return read(lambda s: [json.loads(e.data) for e in s.exec(select(Event).where(Event.kind == "playbook.suggested")).all()])


def test_a_drills_fault_marks_the_fall_and_the_recovery_and_nothing_else(world, clock):
    config, books, me, write, read, rounds = world
    rounds("up", T0 + 10 * M)
    live = write(lambda s: incidents.start(s, playbook=books["live-nlcloud"], mode="live", now=clock.now(), actor=me)).id
    drill = write(lambda s: incidents.start(s, playbook=books["exercise"], mode="drill", now=clock.now(), actor=me)).id
    write(lambda s: record_fault(s, drill, "nlcloud", "down", now=clock.now(), actor=me))
    rounds("down", T0 + 15 * M)                                  # down confirmed at 10:11, the drill's
    status = read(lambda s: health.status(s, config, clock.now()))
    assert next(v for v in status.suppliers if v.id == "nlcloud").drill == drill
    during = write(lambda s: incidents.start(s, playbook=books["live-nlcloud"], mode="live", now=clock.now(), actor=me)).id
    rounds("down", T0 + 20 * M)
    write(lambda s: incidents.transition(s, incident_id=drill, to="resolved", now=clock.now(), actor=me))
    write(lambda s: drills.record_healed(s, incident_id=drill, supplier="nlcloud", now=clock.now(), holder=HOLDER, origin=ORIGIN))
    rounds("up", T0 + 40 * M)                                    # up confirmed at 09:21: the drill's recovery
    rounds("down", T0 + 50 * M)                                  # a real outage, confirmed at 09:41
    rounds("up", T0 + 60 * M)                                    # over at 09:51
    end = clock.now()

    changes = _changes(read)
    assert [(c["data"]["to"], c["data"].get("drill")) for c in changes] == [
        ("up", None), ("down", drill), ("up", drill), ("down", None), ("up", None)]
    assert [c["summary"].startswith(f"[DRILL #{drill}] ") for c in changes] == [False, True, True, False, False]
    assert "drill" not in changes[3]["data"] and "drill" not in changes[0]["data"]  # a real change's data is as before

    # The live trigger (down for 2 m) held for nine minutes of the drill: only the real outage suggests.
    assert [s["since"] for s in _suggested(read)] == [changes[3]["at"]]

    # Availability: the drill's ten minutes are exercised, not down; the real outage is the only one.
    found = read(lambda s: history.availability(s, config, end, windows={"24h": timedelta(hours=24)}))["nlcloud"]["24h"]
    assert found.exercised_seconds == 600 and found.down_seconds == 600 and found.outages == 1
    assert found.longest_outage_seconds == 600 and found.mttr_seconds == 600
    assert found.up_seconds == 3600 - 1200 and found.uptime == pytest.approx(100 * 2400 / 3000)

    # The live incidents' timelines hold the real changes of nlcloud only; the drill's, its own.
    def supplier_seqs(incident_id):
        return [e.seq for e in read(lambda s: incidents.show(s, incident_id, config, end)).events if e.kind == "supplier.state"]

    assert supplier_seqs(live) == [changes[3]["seq"], changes[4]["seq"]]
    assert supplier_seqs(drill) == [changes[1]["seq"], changes[2]["seq"]]  # nlcloud is in no script of it: its fault's changes still are
    # Opened while the drill held nlcloud down: no change of nlcloud opened it.
    opened = next(m for m in read(lambda s: review.review(s, during, config, end)).measures if m.name == "open")
    assert opened.result == "not measured" and opened.source is None
    assert next(v for v in read(lambda s: health.status(s, config, end)).suppliers if v.id == "nlcloud").drill is None


def _fault(write, drill, me, clock, mode="down"):
    write(lambda s: record_fault(s, drill, "nlcloud", mode, now=clock.now(), actor=me))


def test_a_window_that_starts_mid_drill_starts_exercised_not_down(world, clock):
    config, books, me, write, read, rounds = world
    rounds("up", T0 + 10 * M)
    drill = write(lambda s: incidents.start(s, playbook=books["exercise"], mode="drill", now=clock.now(), actor=me)).id
    _fault(write, drill, me, clock)
    rounds("down", T0 + 20 * M)                                  # down confirmed at 09:11, the drill's
    write(lambda s: incidents.transition(s, incident_id=drill, to="resolved", now=clock.now(), actor=me))
    write(lambda s: drills.record_healed(s, incident_id=drill, supplier="nlcloud", now=clock.now(), holder=HOLDER, origin=ORIGIN))
    rounds("up", T0 + 40 * M)                                    # the drill's recovery, confirmed at 09:21
    end = clock.now()
    # A window starting at 09:15: mid-drill. Its first six minutes are the drill's, not an outage.
    found = read(lambda s: history.availability(s, config, end, windows={"w": end - (T0 + 15 * M)}))["nlcloud"]["w"]
    assert found.down_seconds == 0 and found.outages == 0
    assert found.exercised_seconds == 360 and found.up_seconds == 19 * 60
    recovery = _changes(read)[-1]  # the recovery says the state it left was the drill's
    assert recovery["data"].get("drill") == drill and recovery["data"].get("from_drill") is True


def test_a_current_state_a_drill_set_counts_exercised_with_no_change_in_the_window(world, clock):
    config, books, me, write, read, rounds = world
    rounds("up", T0 + 10 * M)
    drill = write(lambda s: incidents.start(s, playbook=books["exercise"], mode="drill", now=clock.now(), actor=me)).id
    _fault(write, drill, me, clock)
    rounds("down", T0 + 15 * M)
    # The drill ends and its heal keeps failing: nlcloud stays down, a drill's state, for long.
    write(lambda s: incidents.transition(s, incident_id=drill, to="resolved", now=clock.now(), actor=me))
    rounds("down", T0 + 60 * M)
    end = clock.now()
    assert _changes(read)[-1]["data"].get("drill") == drill
    found = read(lambda s: history.availability(s, config, end, windows={"10m": timedelta(minutes=10)}))["nlcloud"]["10m"]
    assert found.down_seconds == 0 and found.outages == 0 and found.exercised_seconds == 600
    # A later real change still reads it right: the monitor's marks, shared by every round, see the heal.
    write(lambda s: drills.record_healed(s, incident_id=drill, supplier="nlcloud", now=clock.now(), holder=HOLDER, origin=ORIGIN))
    assert next(v for v in read(lambda s: health.status(s, config, clock.now())).suppliers if v.id == "nlcloud").drill == drill


def test_the_monitors_shared_marks_see_a_fault_recorded_after_they_were_read(world, clock):
    """One Marks for every round (as the monitor keeps one): read once, and again only once a drill
    event is new, so a fault recorded after the first read still marks the fall it causes."""
    from warroom.services import drillmarks

    config, books, me, write, read, rounds = world
    marks = drillmarks.Marks()
    supplier = config.supplier("nlcloud")

    def round_(state):
        write(lambda s: lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=2), gap_after=timedelta(days=400), origin=ORIGIN))
        write(lambda s: health.record(s, supplier=supplier, observation=Observation(state, 10.0 if state == "up" else None, f"test {state}", "test"),
                                      now=clock.now(), config=config, playbooks=[], holder=HOLDER, origin=ORIGIN, marks=marks))
        clock.advance(M)

    for _ in range(3):
        round_("up")
    assert read(lambda s: marks.holders(s)) == {}
    drill = write(lambda s: incidents.start(s, playbook=books["exercise"], mode="drill", now=clock.now(), actor=me)).id
    _fault(write, drill, me, clock)
    for _ in range(3):
        round_("down")
    assert [(c["data"]["to"], c["data"].get("drill")) for c in _changes(read)] == [("up", None), ("down", drill)]
    write(lambda s: incidents.transition(s, incident_id=drill, to="resolved", now=clock.now(), actor=me))
    assert read(lambda s: marks.holders(s)) == {"nlcloud": drill}  # ended, not healed: still held
    write(lambda s: drills.record_healed(s, incident_id=drill, supplier="nlcloud", now=clock.now(), holder=HOLDER, origin=ORIGIN))
    assert read(lambda s: marks.holders(s)) == {}
    assert read(lambda s: drills.unhealed(s)).pending == []


def test_a_first_round_that_changes_every_supplier_reads_the_drills_faults_once(home, clock):
    """A fresh monitor's first round changes every supplier: with the monitor's one Marks, the drills'
    faults are read once, not once per change (and, with a drill running, they are read at all)."""
    from sqlalchemy import event as sa_event

    from warroom.services import drillmarks

    configure(home)
    clock.set(T0)
    config = library.config(home)
    me = actors.resolve(config, ME, ORIGIN)
    store = home.open_store()
    statements: list[str] = []
    sa_event.listen(store.engine, "before_cursor_execute", lambda conn, cursor, sql, *a: statements.append(sql))
    marks = drillmarks.Marks()
    try:
        with store.write() as session:
            drill = incidents.start(session, playbook=library.find(home, config, "quick-drill"), mode="drill", now=clock.now(), actor=me).id
            record_fault(session, drill, "nlcloud", "down", now=clock.now(), actor=me)
            lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=2), gap_after=timedelta(days=400), origin=ORIGIN)
        statements.clear()
        changes = []
        for supplier in config.suppliers:
            with store.write() as session:
                changes.append(health.record(session, supplier=supplier, observation=Observation("down", None, "test down", "test"),
                                             now=clock.now(), config=config, playbooks=[], holder=HOLDER, origin=ORIGIN, marks=marks))
    finally:
        store.dispose()
    assert len(config.suppliers) > 3 and all(c is not None for c in changes)
    assert [c.supplier for c in changes if c.drill == drill] == ["nlcloud", "casesaas"]  # casesaas falls via nlcloud, which the drill holds
    faults_read = [s for s in statements if "FROM event" in s and "event.incident_id IN" in s]  # the drills' inject and heal events
    assert len(faults_read) == 1, faults_read


def test_a_dependant_down_via_a_parent_a_drill_holds_is_the_drills_too(world, clock):
    """A drill's fault on nlcloud takes CaseFlow (which depends on it) down with it: that fall is
    the drill's as much as nlcloud's, or it would count as CaseFlow's outage in live work."""
    config, books, me, write, read, rounds = world
    rounds("up", T0 + 5 * M)
    drill = write(lambda s: incidents.start(s, playbook=books["exercise"], mode="drill", now=clock.now(), actor=me)).id
    _fault(write, drill, me, clock)
    rounds("down", T0 + 10 * M)
    casesaas = config.supplier("casesaas")
    assert "nlcloud" in casesaas.depends_on
    for _ in range(3):
        write(lambda s: health.record(s, supplier=casesaas, observation=Observation("down", None, "test down", "test"),
                                      now=clock.now(), config=config, playbooks=list(books.values()), holder=HOLDER, origin=ORIGIN))
        clock.advance(M)
    fell = [c for c in _changes(read) if c["data"]["supplier"] == "casesaas" and c["data"]["to"] == "down"]
    assert fell and fell[0]["data"]["via"] == "nlcloud", fell
    assert fell[0]["data"].get("drill") == drill and fell[0]["summary"].startswith(f"[DRILL #{drill}] "), fell[0]
