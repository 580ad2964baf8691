"""The board's read model on a real home: latency trends per minute, the cheap fingerprint that
says when a full read is worth it, and the state symbols and countdowns the faces show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.test_health_states import HTTP_DOWN, HTTP_UP
from tests.tui.test_board import record
from warroom.health.states import Result
from warroom.services import health
from warroom.services.board import board, fingerprint
from warroom.store.models import HealthSample
from warroom.symbols import spark
from warroom.tui.board import countdown, latency_text
from warroom.tui.reader import what_shows


def test_trends_average_each_minute_oldest_first_with_the_minute_under_way_last(home, clock):
    clock.set(datetime(2026, 3, 2, 10, 4, 30, tzinfo=UTC))
    store = home.open_store()
    with store.write() as session:
        for minutes_ago, latencies in ((0, [10, 20]), (1, [100, 300]), (3, [50])):
            for n, ms in enumerate(latencies):
                session.add(HealthSample(supplier_id="nlcloud", at=clock.now() - timedelta(minutes=minutes_ago, seconds=5 * n), state="up", latency_ms=ms))
        session.add(HealthSample(supplier_id="nlcloud", at=clock.now() - timedelta(minutes=9), state="up", latency_ms=9999))  # too old
        session.add(HealthSample(supplier_id="paybank", at=clock.now(), state="down", latency_ms=None))
    with store.read() as session:
        trends = health.trends(session, ["nlcloud", "paybank", "mailco"], clock.now(), minutes=4)
    store.dispose()
    assert trends["nlcloud"] == [None, 50.0, None, 200.0, 15.0]  # 10:00 … 10:03 full, 10:04 under way
    assert trends["paybank"] == [None] * 5  # down: nothing answered
    assert trends["mailco"] == [None] * 5  # never checked


def test_the_fingerprint_moves_with_what_is_shown_and_not_with_a_mere_check(home, clock):
    store = home.open_store()
    record(home, clock, "nlcloud", HTTP_UP)
    with store.read() as session:
        before = fingerprint(session)
    clock.advance(timedelta(seconds=5))
    record(home, clock, "nlcloud", Result("http", "up", 57.0, "HTTP 200", "ok"))  # a new latency, nothing else
    with store.read() as session:
        assert fingerprint(session) == before
    for _ in range(3):  # confirmed down: a state change and its event
        clock.advance(timedelta(seconds=5))
        record(home, clock, "nlcloud", HTTP_DOWN)
    with store.read() as session:
        assert fingerprint(session) != before
    store.dispose()


def test_a_board_read_differs_from_the_last_only_in_what_a_screen_would_show(home, clock):
    from warroom.services import library

    config = library.config(home)
    store = home.open_store()
    record(home, clock, "nlcloud", HTTP_UP)
    with store.read() as session:
        first = board(session, config, clock.now())
    clock.advance(timedelta(seconds=5))
    record(home, clock, "nlcloud", Result("http", "up", 75.0, "HTTP 200", "ok"))
    with store.read() as session:
        second = board(session, config, clock.now())
    store.dispose()
    assert first != second  # the latest latency and check time moved …
    assert what_shows(first) == what_shows(second)  # … and nothing the screens show


def test_sparklines_share_one_log_scale_and_mark_silent_minutes():
    assert spark([1, 20, 50, 200, 500, 2000, 5000, 20000, None]) == "▁▂▃▄▅▆▇█·"
    assert latency_text("up", [12.0, None, 15.4, 99.0]) == "   15 ms ▂·▂"  # the latest full minute, not the one under way
    assert latency_text("up", [None, None, 33.0]) == "   33 ms ··"  # before the first full minute
    assert latency_text("down", [12.0, 14.0, None]).startswith("       —")
    assert latency_text("up", None) == "—"


def test_a_minute_with_a_failed_check_is_its_state_in_the_sparkline_however_fast_it_failed():
    assert spark([50, 50, 50, None], ["down", None, "degraded", None]) == "▼▃◆·"
    assert latency_text("down", [5.0, 5.0, 5.0], ["down", "down", "down"]) == "       — ▼▼"  # a quick 503 is no healthy bar


def test_countdowns_show_seconds_only_near_their_deadline():
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    def due(seconds: int) -> datetime:
        return now + timedelta(seconds=seconds)

    assert countdown(due(29 * 60 + 59), now) == "in 29 min"  # rounded down: it never comes sooner than it says
    assert countdown(due(121), now) == "in 2 min"
    assert countdown(due(119), now) == "in 1:59"
    assert countdown(due(-5), now) == "due 0:05 ago"
    assert countdown(due(-600), now) == "due 10 min ago"
    assert countdown(due(600), now, seconds_within=24 * 3600) == "in 10:00"  # the wall counts every second
    assert countdown(None, now) == "no escalation pending"


def test_one_deadline_is_worded_one_way_on_every_screen():
    """The same deadline read `(in 29m)` in the room, `in 29 min` on the board, `in 29:11` on the
    wall: one formatter (warroom/durations.py) for all of them."""
    from warroom import durations

    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert durations.countdown(now + timedelta(hours=23, minutes=59, seconds=30), now) == "in 23 h 59 min"
    assert durations.countdown(now + timedelta(minutes=61), now) == "in 1 h 01 min"
    assert durations.countdown(now - timedelta(minutes=61), now) == "due 1 h 01 min ago"
    assert durations.countdown(now + timedelta(hours=1, seconds=9), now, seconds_within=24 * 3600) == "in 1:00:09"
    assert countdown(now + timedelta(minutes=29, seconds=11), now) == durations.countdown(now + timedelta(minutes=29, seconds=11), now)


def test_the_reader_hands_on_a_board_only_when_something_shown_changed(home, clock, monkeypatch):
    from warroom.services import library
    from warroom.store.changes import Changes
    from warroom.tui.reader import Reader

    monkeypatch.setattr("warroom.tui.reader.YOUNG_TREND_SECONDS", 3600)  # a slow machine must not re-read trends mid-test
    config = library.config(home)
    store = home.open_store()
    changes = Changes(home.db_path)
    reader = Reader(store, changes, config, clock)
    try:
        board_read, room = reader.poll(forced=False, incident_id=None)
        assert board_read is not None and room is None  # the first read
        record(home, clock, "nlcloud", HTTP_UP)
        assert reader.poll(forced=False, incident_id=None)[0] is not None  # a first state: shown
        record(home, clock, "nlcloud", Result("http", "up", 93.0, "HTTP 200", "ok"))
        assert reader.poll(forced=False, incident_id=None)[0] is None  # a mere check: nothing to repaint
        assert reader.poll(forced=True, incident_id=None)[0] is not None  # asked for (an action of ours)
        for _ in range(3):
            clock.advance(timedelta(seconds=5))
            record(home, clock, "nlcloud", HTTP_DOWN)
        board_read = reader.poll(forced=False, incident_id=None)[0]
        assert board_read is not None and next(s for s in board_read.board.status.suppliers if s.id == "nlcloud").state == "down"
    finally:
        changes.close()
        store.dispose()


def test_log_entries_move_the_open_room_and_not_the_board_unless_they_answer_a_decision(home, clock, monkeypatch):
    """Entries are most of a busy log (issue 15: ten a second): the open room reads each at once,
    the board is not read again for one, unless the entry answers an expected decision (which the
    board's incidents count as owed). Counted as board reads, not timed."""
    from tests.helpers import act_as_me, configure, start_incident
    from warroom.services import library, logbook
    from warroom.store.changes import Changes
    from warroom.tui import reader as reading
    from warroom.tui.reader import Reader

    monkeypatch.setattr("warroom.tui.reader.YOUNG_TREND_SECONDS", 3600)
    monkeypatch.setattr("warroom.tui.reader.FULL_READ_SECONDS", 3600)  # only what moved is read here
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    reads = []
    monkeypatch.setattr(reading, "board", lambda *a: reads.append(1) or board(*a))
    config = library.config(home)
    store = home.open_store()
    changes = Changes(home.db_path)
    reader = Reader(store, changes, config, clock)

    def log(text: str, decision: str | None = None) -> None:
        act_as_me(home, clock, lambda s, cfg, me: logbook.log(s, incident_id=incident_id, text=text, kind="decision", now=clock.now(), actor=me,
                                                               decision=decision))

    try:
        board_read, room = reader.poll(forced=True, incident_id=incident_id)
        assert board_read is not None and room is not None and len(reads) == 1
        expected = next(d.id for d in room.open_decisions)
        log('an entry that says "decision": in its text, and \\ too')
        log("another entry")
        board_read, room = reader.poll(forced=False, incident_id=incident_id)
        assert board_read is None and len(reads) == 1  # the board was not read again
        assert room is not None and [e.data["text"] for e in room.events[-2:]] == ['an entry that says "decision": in its text, and \\ too', "another entry"]
        log("we decide", decision=expected)
        board_read, room = reader.poll(forced=False, incident_id=incident_id)
        assert len(reads) == 2 and room is not None and expected not in [d.id for d in room.open_decisions]
    finally:
        changes.close()
        store.dispose()


def test_a_covered_board_is_read_for_what_the_database_changed_and_for_time_alone_only_once_it_is_back(home, clock, monkeypatch):
    """Behind an open room the board's 5-second read (for what moves with time alone) was a fifth
    of a TUI's CPU under load (issue 15), and a loaded host's timeouts change suppliers' details
    every second. While covered: the room is still read for time, the board only when the
    database changed something it tells there (a state, the log); uncovered: read at once. Counted."""
    from tests.helpers import configure, start_incident
    from warroom.services import library
    from warroom.store.changes import Changes
    from warroom.tui import reader as reading
    from warroom.tui.reader import Reader

    monkeypatch.setattr("warroom.tui.reader.YOUNG_TREND_SECONDS", 3600)
    monkeypatch.setattr("warroom.tui.reader.FULL_READ_SECONDS", 0)  # every poll is due a read for time alone
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    reads, rooms = [], []
    monkeypatch.setattr(reading, "board", lambda *a: reads.append(1) or board(*a))
    config = library.config(home)
    store = home.open_store()
    changes = Changes(home.db_path)
    reader = Reader(store, changes, config, clock)
    following = reader._follow(incident_id)
    view = following.view
    monkeypatch.setattr(following, "view", lambda *a: rooms.append(1) or view(*a))
    try:
        reader.poll(forced=False, incident_id=incident_id)
        assert len(reads) == 1 and len(rooms) == 1
        for n in range(3):
            clock.advance(timedelta(seconds=5))
            reader.poll(forced=False, incident_id=incident_id, board_covered=True)
            assert len(reads) == 1 and len(rooms) == 2 + n  # the room, for time; the board, not
        record(home, clock, "nlcloud", HTTP_DOWN)  # the database changed what the board shows
        board_read, _ = reader.poll(forced=False, incident_id=incident_id, board_covered=True)
        assert len(reads) == 2 and board_read is not None
        assert next(s for s in board_read.board.status.suppliers if s.id == "nlcloud").state == "down"
        clock.advance(timedelta(seconds=5))
        record(home, clock, "nlcloud", Result("http", "down", None, "HTTP 502", "http-status"))  # its detail alone
        assert reader.poll(forced=False, incident_id=incident_id, board_covered=True)[0] is None
        assert len(reads) == 2  # nothing a covered board says (a toast says states)
        board_read, _ = reader.poll(forced=False, incident_id=None)  # the board is back: read at once
        assert len(reads) == 3 and board_read is not None
        assert next(s for s in board_read.board.status.suppliers if s.id == "nlcloud").detail == "HTTP 502"
        reader.poll(forced=False, incident_id=None)
        assert len(reads) == 4  # and, uncovered, for time alone as before
    finally:
        changes.close()
        store.dispose()


def test_behind_a_room_the_poll_reads_the_logs_head_and_the_whole_fingerprint_only_now_and_then(home, clock, monkeypatch):
    """The monitor commits every check: behind a room each poll read a thousand suppliers' rows to
    learn that nothing a covered board tells had moved (issue 15). Now the head alone, unless it
    moved by more than entries; the rest (a detail) once every COVERED_FINGERPRINT_SECONDS.
    Counted as whole fingerprints read, not timed."""
    from tests.helpers import act_as_me, configure, start_incident
    from warroom.services import library, logbook
    from warroom.store.changes import Changes
    from warroom.tui import reader as reading
    from warroom.tui.reader import Reader

    monkeypatch.setattr("warroom.tui.reader.YOUNG_TREND_SECONDS", 3600)
    monkeypatch.setattr("warroom.tui.reader.FULL_READ_SECONDS", 3600)
    monkeypatch.setattr("warroom.tui.reader.COVERED_FINGERPRINT_SECONDS", 3600)
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    prints, reads = [], []
    whole = reading.fingerprint
    monkeypatch.setattr(reading, "fingerprint", lambda *a: prints.append(1) or whole(*a))
    monkeypatch.setattr(reading, "board", lambda *a: reads.append(1) or board(*a))
    config = library.config(home)
    store = home.open_store()
    changes = Changes(home.db_path)
    reader = Reader(store, changes, config, clock)
    try:
        record(home, clock, "nlcloud", HTTP_UP)
        reader.poll(forced=False, incident_id=incident_id, board_covered=True)
        assert len(prints) == 1  # the first look reads it whole
        act_as_me(home, clock, lambda s, cfg, me: logbook.log(s, incident_id=incident_id, text="an entry", kind="decision", now=clock.now(), actor=me))
        _, room = reader.poll(forced=False, incident_id=incident_id, board_covered=True)
        assert room is not None and room.events[-1].data["text"] == "an entry"  # the room has it
        assert len(prints) == 1 and len(reads) == 1  # from the head alone
        record(home, clock, "nlcloud", Result("http", "up", 93.0, "HTTP 200 slower", "ok"))  # a check: no event
        assert reader.poll(forced=False, incident_id=incident_id, board_covered=True) == (None, None)
        assert len(prints) == 1
        for _ in range(3):
            clock.advance(timedelta(seconds=5))
            record(home, clock, "nlcloud", HTTP_DOWN)  # a state change: an event, so the whole fingerprint at once
        board_read, _ = reader.poll(forced=False, incident_id=incident_id, board_covered=True)
        assert len(prints) == 2 and board_read is not None
        assert next(s for s in board_read.board.status.suppliers if s.id == "nlcloud").state == "down"
        reader._next_fingerprint = 0.0  # the interval has passed: read whole again, whatever the head says
        record(home, clock, "nlcloud", Result("http", "down", None, "HTTP 502", "http-status"))
        reader.poll(forced=False, incident_id=incident_id, board_covered=True)
        assert len(prints) == 3
        record(home, clock, "nlcloud", Result("http", "down", None, "HTTP 503", "http-status"))
        reader.poll(forced=False, incident_id=None)  # uncovered: the whole fingerprint at each poll, as before
        assert len(prints) == 4
    finally:
        changes.close()
        store.dispose()
