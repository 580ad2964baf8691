"""A room kept composed after it is closed (or built while the board rests) and opened again:
its first frame says what the database holds now, another incident opens its own room, where
one looks is as a fresh room has it, what was typed stays, and at most one room is kept."""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager

import pytest
from textual import events
from textual.widgets import Input, Select, Static

from tests.conftest import run_cli
from tests.helpers import start_incident
from tests.test_incidents import configure
from tests.tui.test_board import until
from tests.tui.test_room import banner, notice, open_room
from warroom.tui.app import make_app
from warroom.tui.board import BoardScreen
from warroom.tui.quiet import Rows
from warroom.tui.room import IncidentScreen


@pytest.fixture
def room_reads(monkeypatch):
    """The room's reads let through only while the Event it gives is set (a slow disk, a remote
    database): set at first, and again at the end however the test ends, so that no reader thread
    is left waiting."""
    from warroom.tui import reader

    gate = threading.Event()
    gate.set()
    read = reader.Reader.room

    def held(self, incident_id):
        assert gate.wait(30)
        return read(self, incident_id)

    monkeypatch.setattr(reader.Reader, "room", held)
    yield gate
    gate.set()


@pytest.fixture
def slow_l(monkeypatch):
    """The room's share of the work for `l` takes 0.4 s, as on a machine whose cores are taken."""
    async def slow(self, event) -> None:
        if event.key == "l":
            await asyncio.sleep(0.4)

    assert not hasattr(IncidentScreen, "on_key"), "a handler of the room's own: slow it another way"
    monkeypatch.setattr(IncidentScreen, "on_key", slow, raising=False)


def log_text(room: IncidentScreen) -> str:
    """The log's rows as shown ("" while the room has not composed its log)."""
    return "\n".join(" ".join(map(str, cells)) for log in room.query("#log").results(Rows) for cells in log._shown.values())


def rooms_kept(app) -> list[IncidentScreen]:
    return [s for s in app._installed_screens.values() if isinstance(s, IncidentScreen)]


async def board_with_a_room_ahead(app, pilot) -> None:
    """The board read, the room `enter` would open built ahead, the incidents panel focused."""
    await until(pilot, lambda: app.board_data is not None, what="the board")
    await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="the room built ahead")
    app.screen.set_focus(app.screen.query_one("#incidents"))


@asynccontextmanager
async def a_room_ahead(home, clock):
    """A configured home with one incident, its app at 120x40 and `board_with_a_room_ahead`."""
    configure(home)
    start_incident(home, clock)
    app = make_app(home, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await board_with_a_room_ahead(app, pilot)
        yield app, pilot


async def back_to_board(app, pilot) -> None:
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board")


def first_frames(app) -> list[tuple[object, int | None, str]]:
    """Each screen as it is pushed (before any frame of it is painted): the screen, the incident
    its room has read, and its log's text."""
    seen: list[tuple[object, int | None, str]] = []

    def pushed(screen) -> None:
        if isinstance(screen, IncidentScreen):
            seen.append((screen, screen.view.incident.id if screen.view else None, log_text(screen)))

    app.screen_change_signal.subscribe(app, pushed, immediate=True)
    return seen


def test_a_reopened_room_is_the_same_room_and_its_first_frame_has_what_another_process_logged_meanwhile(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            assert "Switch payments to the manual batch" not in log_text(room)
            await back_to_board(app, pilot)
            logged = run_cli("log", str(incident_id), "Switch payments to the manual batch", home=home.root)
            assert logged.returncode == 0, logged.stderr
            frames = first_frames(app)
            again = await open_room(app, pilot, incident_id)
            assert again is room, "the room kept from its first opening"
            assert frames and frames[0][0] is room, "pushed once"
            assert frames[0][1] == incident_id and "Switch payments to the manual batch" in frames[0][2], \
                "its first frame holds the entry logged while it was closed, never the room as it was left"

    asyncio.run(scenario())


def test_another_incident_opens_its_own_room_and_one_room_is_kept(home, clock):
    configure(home)
    first = start_incident(home, clock)
    second = start_incident(home, clock, playbook="quick-drill")

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room_one = await open_room(app, pilot, first)
            await back_to_board(app, pilot)
            frames = first_frames(app)
            room_two = await open_room(app, pilot, second)
            assert room_two is not room_one
            assert f"#{second}" in banner(room_two) and f"#{first}" not in banner(room_two)
            assert room_two.view.incident.id == second
            assert {s.id for s in room_two.view.steps} != {s.id for s in room_one.view.steps}
            assert frames[0][0] is room_two
            await back_to_board(app, pilot)
            assert rooms_kept(app) == [room_two], "the room of the other incident is let go"
            await until(pilot, lambda: not room_one.is_attached, what="the first room to be removed")
            room_again = await open_room(app, pilot, first)
            assert room_again.view.incident.id == first and f"#{first}" in banner(room_again)
            assert rooms_kept(app) == [room_again]

    asyncio.run(scenario())


def test_a_reopened_room_keeps_the_half_typed_entry_and_starts_where_a_fresh_room_does(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            steps, log = room.query_one("#steps", Rows), room.query_one("#log", Rows)
            # Where one looks: the steps' cursor moved, the log filtered, focus on the log.
            room.set_focus(steps)
            await pilot.press("j", "j")
            assert steps.cursor_row == 2
            await pilot.press("slash", *"zzz-no-such-entry", "enter")
            assert room.log_filter == "zzz-no-such-entry" and log.row_count == 0
            room.say("an old outcome")
            # What was typed: an observation with a rationale, not sent.
            room.query_one("#kind", Select).value = "observation"
            await pilot.press("l", *"NLCloud says ETA", "tab", *"phone call")
            await pilot.press("escape")  # leaves the line, the draft stays
            await back_to_board(app, pilot)
            again = await open_room(app, pilot, incident_id)
            assert again is room
            assert room.query_one("#text", Input).value == "NLCloud says ETA"
            assert room.query_one("#rationale", Input).value == "phone call"
            assert room.query_one("#kind", Select).value == "observation"
            assert room.focused is steps and steps.cursor_row == 0, "focus and cursors as a fresh room has them"
            assert room.log_filter == "" and not room.query_one("#filter").display, "no filter left hiding what was logged since"
            assert log.row_count == len(room.view.events) and log.cursor_row == log.row_count - 1, "the log on its newest entry"
            assert notice(room) == "", "no outcome from before"
            # The draft is sent from the reopened room as from the first.
            await pilot.press("l", "enter")
            await until(pilot, lambda: "NLCloud says ETA" in log_text(room), what="the entry in the log")
            assert room.query_one("#text", Input).value == ""

    asyncio.run(scenario())


def test_the_room_enter_would_open_is_built_while_the_board_rests_and_opens_with_a_fresh_read(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await until(pilot, lambda: [r.incident_id for r in rooms_kept(app)] == [incident_id], what="the room built ahead")
            built = rooms_kept(app)[0]
            await until(pilot, lambda: built.is_mounted, what="the room built ahead to be mounted")
            assert built.view is None and app.screen is not built
            logged = run_cli("log", str(incident_id), "Decided before the room was ever opened", home=home.root)
            assert logged.returncode == 0, logged.stderr
            frames = first_frames(app)
            room = await open_room(app, pilot, incident_id)
            assert room is built
            assert frames[0][1] == incident_id and "Decided before the room was ever opened" in frames[0][2]
            assert "loading" not in banner(room)
            # Laid out at the terminal's size, as a room composed on opening is.
            assert not room.has_class("narrow") and room.query_one("#steps").size.width > 0
            assert str(room.query_one("#banner", Static).render()).startswith(" EXERCISE")

    asyncio.run(scenario())


def test_a_room_still_mounting_when_its_read_comes_opens_as_a_new_room_with_that_read(home, clock):
    """Nothing waits for a mount on the app's loop: a room built so late that it is still mounting
    when its incident's read comes is replaced by a new room, read again."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="the room built ahead")
            built = rooms_kept(app)[0]
            built._is_mounted = False  # as it is for a moment after build_room
            frames = first_frames(app)
            room = await open_room(app, pilot, incident_id)
            assert room is not built and rooms_kept(app) == [room]
            assert frames[0][0] is room and room.view.incident.id == incident_id

    asyncio.run(scenario())


def test_a_room_reopened_after_the_theme_changed_is_styled_in_the_new_theme(home, clock):
    """A kept room is not restyled as it is pushed unless what app-wide styles depend on changed
    while it was away (IncidentScreen.on_screen_resume): a theme changed meanwhile is one."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            dark = room.styles.background
            await back_to_board(app, pilot)
            app.theme = "textual-light"
            await pilot.pause()
            board = app.screen
            assert board.styles.background != dark
            again = await open_room(app, pilot, incident_id)
            assert again is room
            assert room.styles.background == board.styles.background, "the room in the theme the board is in"

    asyncio.run(scenario())


def test_keys_typed_after_enter_while_the_kept_room_waits_for_its_read_go_to_the_room(home, clock, room_reads):
    """A kept room is pushed once its incident is read after the key. Before rooms were kept the
    room was on top from the key on: `enter l` began a log entry. Keys typed in the wait are the
    room's, in order; on the board `l` would have opened the playbooks."""
    gate = room_reads

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            gate.clear()
            await pilot.press("enter", "l", "x")
            assert [type(s) for s in app.screen_stack] == [BoardScreen]  # waiting for the read, nothing else opened
            gate.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            room = app.screen
            await until(pilot, lambda: room.query_one("#text", Input).value == "x", what="the typed-ahead keys in the entry line")
            assert room.focused is room.query_one("#text", Input)
            assert [type(s) for s in app.screen_stack] == [BoardScreen, IncidentScreen]

    asyncio.run(scenario())


def test_a_typed_ahead_key_waits_for_the_one_before_it_however_slowly_that_one_is_handled(home, clock, room_reads, slow_l):
    """On a busy machine a key's way through the room can take longer than any fixed pause: `l`
    (open the entry line) still slow to reach its binding when `x` is given must not let `x` reach
    the steps (where it would be a step's key) before the entry line has the focus."""
    gate = room_reads

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            gate.clear()
            await pilot.press("enter", "l", "x", "y")
            gate.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            room = app.screen
            await until(pilot, lambda: room.query_one("#text", Input).value == "xy", what="the typed-ahead keys in the entry line")
            assert room.focused is room.query_one("#text", Input)

    asyncio.run(scenario())


def test_keys_typed_after_a_second_enter_wait_for_that_rooms_read_too(home, clock, monkeypatch):
    """`enter escape enter l x` typed while the first read waits: the room opens, closes, and
    opens again once its second read has come; `l x` are that room's, never the board's (where
    `l` would open the playbooks)."""
    import threading

    from warroom.tui import reader

    reads = threading.Semaphore(0)
    read = reader.Reader.room

    def counted(self, incident_id):  # each read let through only when the test says
        assert reads.acquire(timeout=30)
        return read(self, incident_id)

    monkeypatch.setattr(reader.Reader, "room", counted)
    monkeypatch.setattr("warroom.tui.app.ROOM_READ_WAIT", 60.0)  # the held reads are slow, not missing

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            await pilot.press("enter", "escape", "enter", "l", "x")
            reads.release()  # the first read: the room opens, `escape` closes it, `enter` asks again
            await until(pilot, lambda: app.room_coming and isinstance(app.screen, BoardScreen)
                        and [k.key for k in app._typed_ahead] == ["l", "x"],
                        what="the second enter waiting for its read, l and x held")
            replaying = [w for w in app.workers if w.group == "typed-ahead"]
            if replaying:  # (an empty list would wait for every worker, the watcher's too)
                await app.workers.wait_for_complete(replaying)  # the replay has stopped there
            assert [k.key for k in app._typed_ahead] == ["l", "x"], "still held, not given to the board"
            assert [type(s) for s in app.screen_stack] == [BoardScreen]
            reads.release()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            room = app.screen
            await until(pilot, lambda: room.query_one("#text", Input).value == "x", what="the typed-ahead keys in the entry line")
            assert [type(s) for s in app.screen_stack] == [BoardScreen, IncidentScreen]
            for _ in range(100):  # the room's later reads: not held
                reads.release()

    try:
        asyncio.run(scenario())
    finally:
        for _ in range(100):  # the room's later reads, and any a failure left waiting: not held
            reads.release()


def test_the_board_waits_unpainted_while_a_room_is_about_to_cover_it_and_shows_the_newest_when_back(home, clock, monkeypatch, room_reads):
    """A read of the board that comes after `enter`, while the kept room waits for its own read,
    is kept, not painted (a room covers the board next): painting 1,000 suppliers then held the
    room up. Back on the board, the newest read is what it shows."""
    import threading

    from warroom.tui import reader

    polling, poll_gate, room_gate = threading.Event(), threading.Event(), room_reads
    poll_gate.set()
    poll = reader.Reader.poll

    def held_poll(self, **kwargs):  # the watcher mid-read of the board when `enter` comes
        if not poll_gate.is_set():
            polling.set()
            assert poll_gate.wait(30)
        return poll(self, **kwargs)

    monkeypatch.setattr(reader.Reader, "poll", held_poll)
    monkeypatch.setattr("warroom.tui.app.ROOM_READ_WAIT", 60.0)
    configure(home)
    start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="the room built ahead")
            board = app.screen
            incidents = board.query_one("#incidents", Rows)
            board.set_focus(incidents)
            assert incidents.row_count == 1
            poll_gate.clear()
            room_gate.clear()
            await until(pilot, polling.is_set, what="the watcher in its read of the board")
            await pilot.press("enter")
            start_incident(home, clock, mode="live")  # another coordinator, meanwhile
            poll_gate.set()
            await until(pilot, lambda: len(app.board_data.status.incidents) == 2, what="the board's read of the second incident")
            assert app.room_coming and board._behind and incidents.row_count == 1, "kept for later, not painted"
            room_gate.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            await back_to_board(app, pilot)
            await until(pilot, lambda: incidents.row_count == 2, what="the second incident on the board")

    try:
        asyncio.run(scenario())
    finally:
        poll_gate.set()


def test_a_key_typed_while_the_last_held_key_is_replayed_waits_for_it(home, clock, room_reads, slow_l):
    """`enter l` typed while the kept room waits, `x` typed a moment later, once the room is up and
    `l` is being replayed (still on its way through the room): `x` must land in the entry line as
    when all three were typed in the wait, not reach the steps before `l` moved the focus."""
    gate = room_reads

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            gate.clear()
            await pilot.press("enter", "l")
            gate.set()
            await until(pilot, lambda: app._replaying is not None and app._replaying.key == "l", what="l replayed")
            assert app.focused is app.screen.query_one("#steps")  # where x is given: its own `x` is Skip step
            app.post_message(events.Key("x", "x"))  # the next key from the terminal, a moment after the room came
            room = app.screen
            assert isinstance(room, IncidentScreen)
            await until(pilot, lambda: room.query_one("#text", Input).value == "x" or len(app.screen_stack) != 2, what="x handled")
            stack = [type(s).__name__ for s in app.screen_stack]
            assert stack == ["BoardScreen", "IncidentScreen"], f"{stack}: x reached the steps (skip a step: why?) before l had opened the entry line"
            assert room.query_one("#text", Input).value == "x"

    asyncio.run(scenario())


def test_no_board_catch_up_while_a_room_is_about_to_cover_it(home, clock, monkeypatch, room_reads):
    """Rows left behind by a read just before `enter` (every latency bar moved) are not made while
    the room is about to cover the board: its catch-up waits until the board is back."""
    import dataclasses

    gate = room_reads
    monkeypatch.setattr("warroom.tui.app.ROOM_READ_WAIT", 60.0)

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            board = app.screen
            data = app.board_data
            many = tuple(dataclasses.replace(data.status.suppliers[0], id=f"x{k:04d}", name=f"X {k:04d}") for k in range(600))
            data = dataclasses.replace(data, status=dataclasses.replace(data.status, suppliers=type(data.status.suppliers)(many)))
            board.show(data, {}, {})
            assert not board._rows_behind  # new rows: all made at once
            board.show(data, {f"x{k:04d}": [100.0, 200.0, 300.0] for k in range(600)}, {})  # a minute rolls over
            assert board._rows_behind
            gate.clear()
            calls = []
            sync = board.query_one("#suppliers").sync_at
            board.query_one("#suppliers").sync_at = lambda *a, **k: (calls.append(app.room_coming), sync(*a, **k))[1]
            await pilot.press("enter")
            assert app.room_coming
            await until(pilot, lambda: board._catch_up is None, what="the catch-up's turn, come and gone")
            assert app.room_coming and board._rows_behind, "nothing made while the room is coming"
            painted = sum(calls)
            gate.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            assert painted == 0, f"the suppliers table was synced {painted} times while the room was coming"
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen) and not board._rows_behind, what="the rows made, back on the board")

    asyncio.run(scenario())
