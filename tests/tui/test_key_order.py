"""Keys in a burst, as the terminal driver hands them to the app (each posted, none waited for),
go in their order, each after the one before has done what it does. Textual reads the next key
before the last has come back up to its binding; Pilot's `press` waits for the app to be idle
between keys and never shows it (tests/tui/test_typed_in_a_terminal.py does the same on a real
terminal)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from textual import events
from textual.widgets import Input

from tests.tui.test_board import BoardScreen, suggested, suggestion_on_board, summaries, until
from tests.tui.test_room import open_room
from tests.tui.test_room_reopen import a_room_ahead, room_reads  # noqa: F401 (room_reads: a fixture, asked for by name)
from tests.tui.test_room_reopen_attacks import burst
from warroom.tui.dialogs import Confirm
from warroom.tui.library import PlaybooksScreen
from warroom.tui.room import IncidentScreen


def pasted(app, text: str) -> None:
    """A bracketed paste, as the driver hands it on: one event with the whole text."""
    event = events.Paste(text)
    event.set_sender(app)
    app._driver.send_message(event)


@asynccontextmanager
async def a_room_open(home, clock):
    """A configured home with one incident, its app at 120x40 with the incident's room open:
    (app, pilot, room)."""
    from tests.helpers import configure, start_incident
    from warroom.tui.app import make_app

    configure(home)
    incident_id = start_incident(home, clock)
    app = make_app(home, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        yield app, pilot, await open_room(app, pilot, incident_id)


def entry(room: IncidentScreen) -> str:
    return room.query_one("#text", Input).value


def busy_after(monkeypatch, key: str) -> None:
    """The app has 0.2 s of other work queued as `key` passes the board on its way up to its
    binding, as on a machine whose cores are taken."""
    async def busy(self, event) -> None:
        if event.key == key:
            async def other_work() -> None:
                await asyncio.sleep(0.2)

            self.app.call_later(other_work)

    assert not hasattr(BoardScreen, "on_key"), "a handler of the board's own: make it busy another way"
    monkeypatch.setattr(BoardScreen, "on_key", busy, raising=False)


def test_every_character_typed_after_l_reaches_the_entry_line(home, clock):
    """`l Called` in one burst in an open room: `C` went to the steps before `l` had focused the line."""
    async def scenario():
        async with a_room_open(home, clock) as (app, pilot, room):
            burst(app, "l", *"Called")
            await until(pilot, lambda: entry(room) == "Called", what="the words in the entry line")

    asyncio.run(scenario())


def test_a_drill_started_on_a_busy_app_gets_the_keys_typed_after_it(home, clock, monkeypatch):
    """`D l C a` in one burst, the app busy as `D` comes up to its binding: `l` was given to the
    board (the playbooks opened) and `Ca` lost, when a key looked used as it passed the screen."""
    suggested(home, clock)
    busy_after(monkeypatch, "D")

    async def scenario():
        async with suggestion_on_board(home, clock) as (app, pilot):
            burst(app, "D", "l", "C", "a")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and entry(app.screen) == "Ca", what="the room, `Ca` in its entry line")
            assert [type(s) for s in app.screen_stack] == [BoardScreen, IncidentScreen]

    asyncio.run(scenario())


def test_keys_after_enter_on_a_busy_app_wait_for_the_room(home, clock, monkeypatch, request):
    """`enter l x`, the app busy as `enter` comes up and the room's read slow: `x` in the entry line."""
    busy_after(monkeypatch, "enter")
    reads = request.getfixturevalue("room_reads")

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            reads.clear()
            try:
                burst(app, "enter", "l", "x")
                await until(pilot, lambda: app._room_on_its_way and len(app._typed_ahead) == 2, what="l and x held for the room")
            finally:
                reads.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and entry(app.screen) == "x", what="`x` in the room's entry line")
            assert [type(s) for s in app.screen_stack] == [BoardScreen, IncidentScreen]

    asyncio.run(scenario())


def test_ctrl_q_waits_for_the_keys_before_it_and_is_answered_by_none_of_them(home, clock):
    """`l y ctrl+q` in one burst on the board: the playbooks open, then the quit question, which
    stays asked. ctrl+q overtook `y`, and `y` then answered it: the app quit."""
    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock) as (app, pilot):
            burst(app, "l", "y", "ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the quit question")
            await until(pilot, lambda: not app._typed_ahead and app._replaying is None and not app._pending(), what="every key handled")
            assert app.is_running and isinstance(app.screen, Confirm)
            assert [type(s) for s in app.screen_stack] == [BoardScreen, PlaybooksScreen, Confirm]

    asyncio.run(scenario())


def test_a_paste_right_after_l_goes_into_the_entry_line(home, clock):
    """A bracketed paste is one event: handed on at once it went to the steps, before `l` had
    focused the line."""
    async def scenario():
        async with a_room_open(home, clock) as (app, pilot, room):
            burst(app, "l")
            pasted(app, "NLCloud: storage cluster failure")
            await until(pilot, lambda: entry(room) == "NLCloud: storage cluster failure", what="the pasted text in the entry line")
            burst(app, "enter")
            await until(pilot, lambda: "NLCloud: storage cluster failure" in summaries(home), what="the entry logged")

    asyncio.run(scenario())


def test_a_paste_of_several_lines_is_kept_whole_in_the_entry_line(home, clock):
    """Textual's Input keeps the first line of a paste: the rest of a supplier's message was lost."""
    async def scenario():
        async with a_room_open(home, clock) as (app, pilot, room):
            burst(app, "l")
            pasted(app, "NLCloud service desk:\r\n  storage cluster failure\n\nno ETA  \n")
            await until(pilot, lambda: entry(room) == "NLCloud service desk: storage cluster failure no ETA", what="every line of the paste")

    asyncio.run(scenario())


def clicked(app, widget) -> None:
    """A click (button down, button up) on the middle of `widget`, as the driver hands it on."""
    region = widget.region
    x, y = region.x + region.width // 2, region.y + region.height // 2
    for kind in (events.MouseDown, events.MouseUp):
        event = kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y)
        event.set_sender(app)
        app._driver.send_message(event)


def test_a_click_among_typed_keys_waits_its_turn(home, clock):
    """`l A x` and a click on the steps in one burst: the click went first, and `x` was the
    steps' (skip a step: its dialog opened) instead of the entry line's."""
    from textual.screen import ModalScreen

    async def scenario():
        async with a_room_open(home, clock) as (app, pilot, room):
            steps = room.query_one("#steps")
            burst(app, "l", "A", "x")
            clicked(app, steps)
            await until(pilot, lambda: entry(room) == "Ax" and room.focused is steps, what="`Ax` in the entry line, then the steps clicked")
            assert not isinstance(app.screen, ModalScreen), "no step skipped"

    asyncio.run(scenario())


def test_ctrl_q_while_a_room_is_on_its_way_keeps_its_question_on_top(home, clock, request):
    """`enter l x ctrl+q` while the kept room waits for its read: ctrl+q goes at once and asks;
    the room, read after, was pushed over the question, and a `y` typed to quit went nowhere."""
    reads = request.getfixturevalue("room_reads")

    async def scenario():
        async with a_room_ahead(home, clock) as (app, pilot):
            reads.clear()
            try:
                burst(app, "enter", "l", "x", "ctrl+q")
                await until(pilot, lambda: isinstance(app.screen, Confirm), what="the quit question")
                assert [k.key for k in app._typed_ahead] == ["l", "x"], "held for the room"
            finally:
                reads.set()
            await until(pilot, lambda: not app._room_on_its_way, what="the room's read")
            await until(pilot, lambda: any("were not used" in n.message for n in app._notifications), what="the held keys said dropped")
            assert isinstance(app.screen, Confirm) and [type(s) for s in app.screen_stack] == [BoardScreen, Confirm]
            assert not app._typed_ahead
            burst(app, "y")
            await until(pilot, lambda: not app.is_running, what="the app to quit on `y`")

    asyncio.run(scenario())
