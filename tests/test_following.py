"""An open incident room follows its incident as the log grows (incidents.Following): it reads only
the events appended since its last read, and shows exactly what `incident show` shows (the view as
a whole, chain verdict and reporting clocks included), through steps, supplier changes, fallbacks,
closing and reopening; a rewritten or restored log makes it start again from the first event."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta

from sqlalchemy import event

from tests.helpers import HTTP_DOWN, HTTP_UP, ME, act_as_me, configure, record, start_incident
from warroom.services import actors, fallbacks, incidents, library, logbook


def _both(home, clock, following):
    cfg = library.config(home)
    store = home.open_store()
    try:
        with store.read() as session:
            return following.view(session, cfg, clock.now()), incidents.show(session, following.incident_id, cfg, clock.now())
    finally:
        store.dispose()


def _same(home, clock, following):
    followed, shown = _both(home, clock, following)
    assert followed == shown
    return followed


def test_a_followed_incident_is_what_show_shows_through_its_whole_life(home, clock):
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    following = incidents.Following(incident_id)
    first = _same(home, clock, following)
    steps = [s.id for s in first.steps]
    for n in range(5):
        clock.advance(timedelta(seconds=30))
        act_as_me(home, clock, lambda s, c, me, n=n: logbook.log(s, incident_id=incident_id, text=f"entry {n} with \"quotes\" and \\u", kind="observation",
                                                            now=clock.now(), actor=me))
        _same(home, clock, following)
    for result in (HTTP_DOWN, HTTP_DOWN, HTTP_UP, HTTP_UP):  # an involved supplier's state changes join the timeline
        clock.advance(timedelta(seconds=5))
        record(home, clock, "nlcloud", result)
        _same(home, clock, following)
    act_as_me(home, clock, lambda s, c, me: incidents.step(s, incident_id=incident_id, step_id=steps[0], action="done", note=None, now=clock.now(), actor=me))
    _same(home, clock, following)
    act_as_me(home, clock, lambda s, c, me: fallbacks.activate(s, incident_id=incident_id, fallback_id="secondary-dc", reason="drill", now=clock.now(),
                                                         actor=me, config=c))
    _same(home, clock, following)
    act_as_me(home, clock, lambda s, c, me: fallbacks.deactivate(s, incident_id=incident_id, fallback_id="secondary-dc", reason="restored", result="worked", now=clock.now(),
                                                           actor=me))
    for status in ("resolved", "closed"):
        clock.advance(timedelta(minutes=1))
        act_as_me(home, clock, lambda s, c, me, status=status: incidents.transition(s, incident_id=incident_id, to=status, now=clock.now(), actor=me))
        _same(home, clock, following)
    clock.advance(timedelta(seconds=5))
    record(home, clock, "nlcloud", HTTP_DOWN)  # after the closing: outside its timeline, in both
    record(home, clock, "nlcloud", HTTP_DOWN)
    last = _same(home, clock, following)
    kinds = [e.kind for e in last.events]
    assert last.chain.verified and kinds.count("decision.logged") >= 5 and kinds.count("supplier.state") == 2, kinds


def test_it_reads_only_what_is_new(home, clock):
    """After the first read, a read asks only for the events appended since: seen in the statements
    SQLite runs (its trace, with the values bound), not timed."""
    configure(home)
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        incident_id = incidents.start(session, playbook=library.find(home, cfg, "quick-drill"), mode="drill", now=clock.now(),
                                      actor=actors.resolve(cfg, ME, {})).id
        me = actors.resolve(cfg, ME, {})
        for n in range(200):
            logbook.log(session, incident_id=incident_id, text=f"entry {n}", kind="observation", now=clock.now(), actor=me)
    following = incidents.Following(incident_id)
    with store.read() as session:
        assert len(following.view(session, cfg, clock.now()).events) == 201
    with store.write() as session:
        logbook.log(session, incident_id=incident_id, text="one more", kind="observation", now=clock.now(), actor=me)
    seen = []
    with store.read() as session:
        driver = session.connection().connection.driver_connection
        driver.set_trace_callback(seen.append)
        view = following.view(session, cfg, clock.now())
        driver.set_trace_callback(None)
    store.dispose()
    assert view.events[-1].data["text"] == "one more" and len(view.events) == 202
    event_reads = [q for q in seen if "FROM event" in q and "seq >" in q]
    assert event_reads and all("event.seq > 202" in q for q in event_reads), event_reads  # the trace shows the values bound


def test_a_rewritten_or_restored_log_starts_it_again(home, clock, tmp_path):
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    following = incidents.Following(incident_id)
    _same(home, clock, following)
    backup = tmp_path / "backup.db"
    connection = sqlite3.connect(home.db_path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.copy(home.db_path, backup)
    for n in range(3):
        act_as_me(home, clock, lambda s, c, me, n=n: logbook.log(s, incident_id=incident_id, text=f"later {n}", kind="observation", now=clock.now(), actor=me))
    assert len(_same(home, clock, following).events) == 4
    connection = sqlite3.connect(home.db_path)  # the newest event rewritten, its hash too: the next read starts again
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("UPDATE event SET summary = 'forged', hash = ? WHERE seq = (SELECT max(seq) FROM event)", ("f" * 64,))
    connection.commit()
    connection.close()
    followed = _same(home, clock, following)
    assert not followed.chain.verified and followed.events[-1].summary == "forged"
    shutil.copy(backup, home.db_path)  # restored from before the three entries: the newest it read is gone
    for suffix in ("-wal", "-shm"):
        (home.db_path.parent / (home.db_path.name + suffix)).unlink(missing_ok=True)
    restored = _same(home, clock, following)
    assert len(restored.events) == 1 and restored.chain.verified


def test_an_event_altered_behind_it_is_named_once_it_checks_again(home, clock):
    """An event altered below the newest does not move what the room follows; the room checks from
    the first event again now and then (tui/reader.ROOM_CHECK_SECONDS), and names it then."""
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    for n in range(3):
        act_as_me(home, clock, lambda s, c, me, n=n: logbook.log(s, incident_id=incident_id, text=f"entry {n}", kind="observation", now=clock.now(), actor=me))
    following = incidents.Following(incident_id)
    assert _same(home, clock, following).chain.verified
    connection = sqlite3.connect(home.db_path)
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("UPDATE event SET summary = 'forged' WHERE seq = (SELECT min(seq) FROM event WHERE incident_id = ?)", (incident_id,))
    connection.commit()
    connection.close()
    followed, shown = _both(home, clock, following)
    assert followed.chain.verified and not shown.chain.verified  # not yet: it read nothing new
    following.again()
    assert _same(home, clock, following).chain.problem == shown.chain.problem


def test_a_supplier_change_committed_between_its_two_queries_is_not_lost(db_home, clock):
    """Following reads the involved suppliers' changes and the incident's own events in two
    queries. On PostgreSQL (READ COMMITTED: each statement its own snapshot) a writer that commits
    a supplier change and then an entry between the two leaves the change unread: the entry moves
    `_last` past it, and every later read asks only for seq > _last. The room lacks the change
    until the next full check (60 s), while `incident show` has it. On SQLite the read transaction
    is one snapshot, so both commits are seen at the next read."""
    home = db_home
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    cfg = library.config(home)
    following = incidents.Following(incident_id)
    store = home.open_store()
    try:
        with store.read() as session:
            following.view(session, cfg, clock.now())
        fired = []

        def writer_meanwhile(conn, cursor, statement, parameters, context, executemany):
            # The incident's own events are asked for after the suppliers' (incidents.Following._view).
            if fired or "event.incident_id =" not in statement.replace('"', ""):
                return
            fired.append(statement)
            clock.advance(timedelta(seconds=5))
            record(home, clock, "nlcloud", HTTP_DOWN)
            record(home, clock, "nlcloud", HTTP_DOWN)  # a state change of an involved supplier
            act_as_me(home, clock, lambda s, c, me: logbook.log(s, incident_id=incident_id, text="meanwhile", kind="observation",
                                                                now=clock.now(), actor=me))

        event.listen(store.engine, "before_cursor_execute", writer_meanwhile)
        with store.read() as session:
            following.view(session, cfg, clock.now())
        event.remove(store.engine, "before_cursor_execute", writer_meanwhile)
        assert fired
        with store.read() as session:
            followed = following.view(session, cfg, clock.now())
            shown = incidents.show(session, incident_id, cfg, clock.now())
        assert [e.kind for e in shown.events].count("supplier.state") == 1
        assert [e.seq for e in followed.events] == [e.seq for e in shown.events]
    finally:
        store.dispose()


def test_an_event_whose_time_was_altered_is_said_in_the_room_not_hidden(home, clock, monkeypatch):
    """The room's NOT VERIFIED line (64e84a0) is shown from the view's chain verdict. An event (here
    a step.done, which the board does not parse) whose
    stored time is no instant makes Following.view raise LogAltered before the chain check sees
    it; the reader then hands the room no view at all (tui/reader.py: `except WarroomError: view =
    None`), so the room keeps the rows it showed, says nothing, and never shows another entry
    (each poll starts Following again from the first event, and fails again)."""
    import sqlite3

    from warroom.store.changes import Changes
    from warroom.tui.reader import Reader

    monkeypatch.setattr("warroom.tui.reader.ROOM_CHECK_SECONDS", 0.0)  # every read of the room is its full check
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    first_step = act_as_me(home, clock, lambda s, c, me: incidents.show(s, incident_id, c, clock.now()).steps[0].id)
    act_as_me(home, clock, lambda s, c, me: incidents.step(s, incident_id=incident_id, step_id=first_step, action="done", note=None,
                                                           now=clock.now(), actor=me))
    store = home.open_store()
    changes = Changes(home.db_path)
    reader = Reader(store, changes, library.config(home), clock)
    try:
        _, room = reader.poll(forced=True, incident_id=incident_id)
        assert room is not None and room.chain.verified
        connection = sqlite3.connect(home.db_path)
        connection.execute("DROP TRIGGER event_no_update")
        connection.execute("UPDATE event SET at = 'yesterday' WHERE seq = (SELECT min(seq) FROM event WHERE kind = 'step.done')")
        connection.commit()
        connection.close()
        act_as_me(home, clock, lambda s, c, me: logbook.log(s, incident_id=incident_id, text="after", kind="observation", now=clock.now(), actor=me))
        _, room = reader.poll(forced=True, incident_id=incident_id)
        assert room is not None and not room.chain.verified, "the room is handed nothing: it keeps showing a verified log"
    finally:
        changes.close()
        store.dispose()
