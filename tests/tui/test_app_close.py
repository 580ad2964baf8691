"""The app closing while the watcher still speaks and a room is still being built ahead: it
closes quietly (an exception as it closes is a traceback printed at the coordinator's quit)."""

from __future__ import annotations

import asyncio
import time

from textual.widgets import Select
from textual.widgets._select import SelectCurrent

from tests.helpers import start_incident
from tests.test_incidents import configure
from tests.tui.test_board import until
from warroom.tui.app import make_app
from warroom.tui.room import IncidentScreen


async def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def test_a_room_still_being_built_ahead_as_the_app_closes_closes_with_it(home, clock, monkeypatch):
    """The room's choice of entry kind (a Select) is still mounting as the app closes: Textual
    closes what is on no screen stack in no order, its own parts before it, and the Select then
    looked for a part that was gone (NoMatches, seen in CI)."""
    configure(home)
    incident_id = start_incident(home, clock)
    mounting: list[Select] = []
    gone_first: list[bool] = []
    mount = Select._on_mount

    async def slow_mount(self, event) -> None:
        if isinstance(self.screen, IncidentScreen):
            mounting.append(self)
            assert await _until(lambda: not self.app.is_running, 30), "the app did not close"
            # Its part is closed first if nothing orders the closing; otherwise it waits here in vain.
            gone_first.append(await _until(lambda: not any(part.is_running for part in self.query(SelectCurrent)), 1.0))
        mount(self, event)

    monkeypatch.setattr(Select, "_on_mount", slow_mount)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            app.build_room(incident_id)
            await until(pilot, lambda: mounting, what="the room's Select mounting")
            room = app._kept_room
        assert room is not None and not room.is_running and room.incident_id == incident_id
        assert gone_first == [False], "the room's parts closed before the room had mounted them"

    asyncio.run(scenario())


def test_no_room_is_built_ahead_once_the_app_is_closing(home, clock, monkeypatch):
    """The board's cursor came to rest while the app was closing (its timer ran as `_close_all`
    waited for a kept room to go): the room begun then closed with what was left, in no order."""
    from warroom.tui.app import WarroomApp

    configure(home)
    incidents = [start_incident(home, clock) for _ in range(2)]
    close_all = WarroomApp._close_all
    built: list[bool] = []

    async def cursor_rests_meanwhile(self) -> None:
        before = self._kept_room
        self.build_room(next(i for i in incidents if before is None or before.incident_id != i))  # (one not kept already)
        built.append(self._kept_room is not before)
        await close_all(self)

    monkeypatch.setattr(WarroomApp, "_close_all", cursor_rests_meanwhile)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
        assert built == [False], "nothing built while closing"

    asyncio.run(scenario())


def test_what_the_watcher_said_just_before_the_app_closed_is_dropped_as_it_closes(home, clock):
    """The watcher's identity and a failed read are handled while Textual takes the board down:
    its top line gone, the board still on the stack (the app's loop hands them on between the
    board's pruning and the stack's clearing). They said nothing to a board being closed, and
    raised NoMatches on its top line at quit (seen in CI)."""
    from textual.widget import Widget

    from warroom.tui.app import Identity, LoadFailed

    configure(home)
    handled: list[str] = []

    class LastWords(Widget):
        """Unmounted beside the board's top line: once it is gone, the app handles the watcher's
        last messages, as its loop would in that window."""

        async def on_unmount(self) -> None:
            board, app = self.screen, self.app
            assert await _until(lambda: not board.query("#topline"), 10), "the board's top line stayed"
            assert board in app.screen_stack and not app.is_running
            try:
                app.on_identity(Identity("Ministry", "someone (coordinator)", "Europe/Amsterdam", "coordinator"))
                app.on_load_failed(LoadFailed("cannot read the war-room"))
            except Exception as exc:  # the test's finding, asserted below
                handled.append(f"{type(exc).__name__}: {exc}")
            else:
                handled.append("quietly")

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await app.screen.mount(LastWords())
        assert handled == ["quietly"]

    asyncio.run(scenario())

