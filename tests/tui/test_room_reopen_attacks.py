"""Adversarial tests of the kept / pre-built room (x-attack5): a reopened room must look and read
as a fresh room opened at the same moment would."""

from __future__ import annotations

import asyncio
import gc
import re

import pytest

from tests.conftest import run_cli
from tests.helpers import start_incident
from tests.test_incidents import configure
from tests.tui.test_board import until
from tests.tui.test_room import banner, open_room
from tests.tui.test_room_reopen import back_to_board, rooms_kept
from warroom.tui import board as board_module
from warroom.tui.app import make_app
from warroom.tui.board import BoardScreen
from warroom.tui.room import IncidentScreen


def screen_text(app) -> str:
    """What the terminal shows, with each cell's style (SVG export without its random ids)."""
    svg = app.export_screenshot()
    return re.sub(r"terminal-\d+", "terminal", svg)


async def fresh_room_picture(home, clock, incident_id, size, monkeypatch) -> str:
    """The room as a first opening (nothing built ahead) shows it."""
    monkeypatch.setattr(board_module, "BUILD_ROOM_AFTER", 10_000)
    try:
        app = make_app(home, clock=clock)
        async with app.run_test(size=size) as pilot:
            room = await open_room(app, pilot, incident_id)
            assert not rooms_kept(app) or rooms_kept(app) == [room]
            await pilot.pause()  # what is queued, processed
            await pilot.wait_for_scheduled_animations()
            return screen_text(app)
    finally:
        monkeypatch.setattr(board_module, "BUILD_ROOM_AFTER", 0.5)


def dump(name, a, b):
    """Both pictures, for a look when they differ (written only then)."""
    import tempfile
    from pathlib import Path

    where = Path(tempfile.gettempdir())
    (where / f"{name}-fresh.svg").write_text(a)
    (where / f"{name}-kept.svg").write_text(b)


async def on_the_board(app, pilot, incident_id: int) -> None:
    await until(pilot, lambda: app.board_data is not None and str(incident_id) in app.screen.query_one("#incidents")._shown,
                what="the incident on the board")


@pytest.mark.parametrize(("kept_at", "reopened_at", "keys"), [((120, 40), (80, 24), ()), ((80, 24), (120, 40), ("4",))],
                         ids=["120x40-then-80x24", "80x24-then-120x40-another-panel-shown"])
def test_a_room_kept_at_one_size_and_reopened_at_another_looks_as_a_fresh_room_there(home, clock, monkeypatch, kept_at, reopened_at, keys):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        fresh = await fresh_room_picture(home, clock, incident_id, reopened_at, monkeypatch)
        app = make_app(home, clock=clock)
        async with app.run_test(size=kept_at) as pilot:
            await open_room(app, pilot, incident_id)
            if keys:
                await pilot.press(*keys)
            await back_to_board(app, pilot)
            await pilot.resize_terminal(*reopened_at)
            await pilot.pause()
            await open_room(app, pilot, incident_id)
            await pilot.pause()  # what is queued, processed
            await pilot.wait_for_scheduled_animations()
            kept = screen_text(app)
        if kept != fresh:
            dump(f"resize-{kept_at[0]}-{reopened_at[0]}", fresh, kept)
        assert kept == fresh

    asyncio.run(scenario())


def test_a_room_built_ahead_looks_as_a_fresh_room(home, clock, monkeypatch):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        fresh = await fresh_room_picture(home, clock, incident_id, (120, 40), monkeypatch)
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="built ahead")
            await open_room(app, pilot, incident_id)
            await pilot.pause()  # what is queued, processed
            await pilot.wait_for_scheduled_animations()
            kept = screen_text(app)
        if kept != fresh:
            dump("ahead", fresh, kept)
        assert kept == fresh

    asyncio.run(scenario())


def test_a_room_kept_while_its_incident_was_resolved_elsewhere_looks_as_a_fresh_room(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await pilot.press("l", *"half typed [bold]x[/bold] \u202eRTL")
            await pilot.press("escape")
            await back_to_board(app, pilot)
            done = run_cli("incident", "resolve", str(incident_id), home=home.root)
            assert done.returncode == 0, done.stderr
            from warroom.tui.quiet import Rows
            await until(pilot, lambda: "resolved" in str(app.screen.query_one("#incidents", Rows)._shown.get(str(incident_id))).lower(), what="board shows resolved")
            room = await open_room(app, pilot, incident_id)
            b = banner(room)  # its first frame: the read after the key
        assert "RESOLVED" in b.upper(), b

    asyncio.run(scenario())


def test_memory_stays_bounded_over_a_dozen_incidents(home, clock):
    configure(home)
    ids = [start_incident(home, clock, playbook="quick-drill") for _ in range(12)]  # each opening keeps one room and gives one up

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            for incident_id in ids:
                await open_room(app, pilot, incident_id)
                await back_to_board(app, pilot)
            def attached() -> list[IncidentScreen]:
                gc.collect()
                return [o for o in gc.get_objects() if isinstance(o, IncidentScreen) and o.is_attached]

            await until(pilot, lambda: len(attached()) <= 2, what="the rooms given up removed")
            screens = [o for o in gc.get_objects() if isinstance(o, IncidentScreen)]
            alive = [s for s in screens if s.is_attached]
            assert len(alive) <= 2, [s.incident_id for s in alive]
            assert len(screens) <= 3, len(screens)

    asyncio.run(scenario())


def test_a_key_typed_right_after_enter_goes_to_the_room_not_to_the_board(home, clock):
    """enter, then at once `l` (log entry) in the same burst of input: the key is the room's, as it
    was when enter pushed the room at once (passes on c69edc8). While a kept room waits for its read
    the board takes it: `l` opens the playbook library and the room is then pushed over it
    (stack Board, Playbooks, Incident); `D` would start a drill, `x` dismiss a suggestion, `q` quit."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        from textual import events
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_the_board(app, pilot, incident_id)
            await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="the room built ahead")
            table = app.screen.query_one("#incidents")
            app.screen.set_focus(table)
            for key, char in (("enter", None), ("l", "l")):
                event = events.Key(key, char)
                event.set_sender(app)
                app._driver.send_message(event)
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="the room")
            await pilot.pause(0.3)
            assert app.is_running
            assert [type(s).__name__ for s in app.screen_stack][-2:] == ["BoardScreen", "IncidentScreen"]

    asyncio.run(scenario())


def test_a_room_left_with_focus_in_the_log_and_a_filter_reopens_looking_as_a_fresh_room(home, clock, monkeypatch):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        fresh = await fresh_room_picture(home, clock, incident_id, (120, 40), monkeypatch)
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            room.set_focus(room.query_one("#log"))
            await pilot.press("k", "k", "slash", *"xyz", "enter", "4", "j")
            room.say("an old outcome", done=False)
            await pilot.pause()
            await back_to_board(app, pilot)
            await open_room(app, pilot, incident_id)
            await pilot.pause()  # what is queued, processed
            await pilot.wait_for_scheduled_animations()
            kept = screen_text(app)
        if kept != fresh:
            dump("focus", fresh, kept)
        assert kept == fresh

    asyncio.run(scenario())


def test_a_room_whose_entry_line_was_visited_and_left_empty_reopens_without_the_answers_hint(home, clock):
    """`l` then escape (nothing typed) shows 'answers none (ctrl+t) ▸' beside the entry line while
    decisions are open; the room is closed so. Reopened, a kept room still shows the hint, where a
    fresh room (and the docstring of reopen / commit 021ae30) shows it only in the entry line."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            assert room.view.open_decisions, "the playbook has expected decisions open"
            assert not room.query_one("#answers").display, "a fresh room: no hint"
            await pilot.press("l", "escape")
            await back_to_board(app, pilot)
            again = await open_room(app, pilot, incident_id)
            assert again is room
            assert room.focused is room.query_one("#steps")
            assert not room.query_one("#answers").display, "reopened as fresh: the hint only in the entry line"

    asyncio.run(scenario())


def test_the_cursor_resting_on_one_incident_after_another_builds_and_drops_rooms_cleanly(home, clock):
    configure(home)
    ids = [start_incident(home, clock, playbook="quick-drill") for _ in range(6)]

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None and all(str(i) in app.screen.query_one("#incidents")._shown for i in ids),
                        what="the incidents on the board")
            table = app.screen.query_one("#incidents")
            app.screen.set_focus(table)
            for n in range(12):
                await pilot.press("j" if n % 4 < 2 else "k")
                await pilot.pause(0.45 + 0.03 * (n % 3))  # around BUILD_ROOM_AFTER: builds start and are dropped mid-mount
            target = int(table.selected_key)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="the room")
            assert app.screen.incident_id == target and app.screen.view.incident.id == target
            assert f"#{target}" in banner(app.screen)
            assert len(rooms_kept(app)) == 1

    asyncio.run(scenario())


def test_quitting_while_a_room_is_built_ahead_ends_cleanly(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_the_board(app, pilot, incident_id)
            await until(pilot, lambda: bool(rooms_kept(app)), timeout=5, what="a build to start")
            await pilot.press("q")
        assert app.return_code in (0, None)

    asyncio.run(scenario())


@pytest.mark.parametrize("ending", ["exit", "shutdown"])
def test_the_app_ending_in_the_same_moment_a_room_is_built_ahead_ends_cleanly(home, clock, ending):
    """The room's mount comes after the app began to close its screens (CI met it twice: the
    board built the room as a test's app ended, and the room found none of its panels): asked to
    exit, or shut down as Pilot shuts it at the end of a test, without an exit asked for."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_the_board(app, pilot, incident_id)
            app._kept_room = None  # whatever the board built already: this one is built now
            app.build_room(incident_id)
            if ending == "exit":
                app.exit()
        assert app.return_code in (0, None)

    asyncio.run(scenario())


def burst(app, *keys: str) -> None:
    """Keys as a terminal hands on a burst of input: each posted, none waited for."""
    from textual import events

    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


def test_enter_escape_enter_in_one_burst_opens_one_room_with_a_fresh_read(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            await back_to_board(app, pilot)
            logged = run_cli("log", str(incident_id), "Logged while the room was closed", home=home.root)
            assert logged.returncode == 0, logged.stderr
            table = app.screen.query_one("#incidents")
            app.screen.set_focus(table)
            burst(app, "enter", "escape", "enter", "escape", "enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="a room")
            await pilot.pause(1.5)  # no condition says "nothing more will happen": a while longer than a room's read may take (ROOM_READ_WAIT)
            stack = [type(s).__name__ for s in app.screen_stack]
            assert stack.count("IncidentScreen") == 1, stack
            assert app.screen is room or rooms_kept(app) == [app.screen]
            assert "Logged while the room was closed" in " ".join(
                str(c) for cells in app.screen.query_one("#log")._shown.values() for c in cells)

    asyncio.run(scenario())


def test_a_hostile_draft_of_100_kb_is_kept_as_typed_and_shown_as_text(home, clock):
    from textual.widgets import Input

    configure(home)
    incident_id = start_incident(home, clock)
    draft = ("[bold]not markup[/bold] \u202eRTL\u202c \x1b[31m\x07 " * 2000)[:100_000]

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            room = await open_room(app, pilot, incident_id)
            room.query_one("#text", Input).value = draft
            await back_to_board(app, pilot)
            again = await open_room(app, pilot, incident_id)
            assert again is room and room.query_one("#text", Input).value == draft
            await pilot.press("l")
            await until(pilot, lambda: room.focused is room.query_one("#text", Input), what="the entry line")
            shown = app.export_screenshot()
            assert "[bold]" in shown or "bold]" in shown, "the draft's brackets are text"
            assert "\x1b" not in shown and "\x07" not in shown

    asyncio.run(scenario())


def test_a_room_closed_and_reopened_right_after_its_first_read_is_reopened_not_replaced(home, clock):
    """escape and enter within the watcher's ROOM_FRAME_SECONDS pause after a room's read: the
    enter's wake-up is cleared with the pause's, so the room is read only at the next poll; that
    must still come before ROOM_READ_WAIT, or the kept room is thrown away and a new one composed
    (holds while poll_seconds, 0.25, is well under ROOM_READ_WAIT)."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            await back_to_board(app, pilot)
            table = app.screen.query_one("#incidents")
            app.screen.set_focus(table)
            again = await open_room(app, pilot, incident_id)  # the kept room, its read just landed
            assert again is room
            burst(app, "escape", "enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="a room")
            await pilot.pause(1.5)
            assert app.screen is room, "the kept room reopened, not a new one composed"

    asyncio.run(scenario())


def test_a_kept_draft_tied_to_a_decision_answered_elsewhere_meanwhile_is_not_still_shown_as_answering_it(home, clock):
    """New today: a half-typed entry tied to an expected decision (d on the decision) survives the
    room's closing. Answered by someone else meanwhile (`warroom log --decision`), the decision is
    no longer open and the reopened room's decisions panel no longer lists it, yet the entry line
    still says 'answers D ▸', and enter logs a second answer to it (the service accepts any expected
    decision, open or not)."""
    from textual.widgets import Input

    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            decision = room.view.open_decisions[0].id
            decisions = room.query_one("#decisions")
            room.set_focus(decisions)
            decisions.move_cursor(row=0)
            await pilot.press("d", *"we fail over to the DR site")
            assert room.answering == decision and room.query_one("#text", Input).value == "we fail over to the DR site"
            await pilot.press("escape")
            await back_to_board(app, pilot)
            answered = run_cli("log", str(incident_id), "Fail over now (by phone)", "--decision", decision, home=home.root)
            assert answered.returncode == 0, answered.stderr
            again = await open_room(app, pilot, incident_id)
            assert again is room
            assert decision not in [d.id for d in room.view.open_decisions], "answered: no longer open"
            assert room.query_one("#text", Input).value == "we fail over to the DR site", "the draft stays"
            hint = str(room.query_one("#answers").render())
            assert room.answering is None, (room.answering, hint)
            assert f"no longer answers {decision}" in str(room.query_one("#notice").render())

    asyncio.run(scenario())


def test_a_kept_room_opened_while_the_database_file_is_away_shows_the_incident_once_it_is_back(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)
    db = home.root / "warroom.db"
    away = home.root / "away.db"

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            await back_to_board(app, pilot)
            db.rename(away)
            try:
                await pilot.pause(0.6)  # (the watcher's next turn sees it gone; the key below does not depend on it)
                table = app.screen.query_one("#incidents")
                app.screen.set_focus(table)
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, IncidentScreen), timeout=5, what="a room, even unreadable")
            finally:
                away.rename(db)
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None
                        and app.screen.view.incident.id == incident_id and "loading" not in banner(app.screen), timeout=15, what="the room read")
            assert len([s for s in app.screen_stack if isinstance(s, IncidentScreen)]) == 1
            del room

    asyncio.run(scenario())


def test_a_kept_room_whose_incident_was_altered_meanwhile_shows_not_verified_as_a_fresh_room_does(home, clock, monkeypatch):
    """A state that changes a widget's class while the room is away (#unverified.shown): the skipped
    restyle must still paint it as a fresh room does."""
    from warroom.tui import reader as reader_module

    monkeypatch.setattr(reader_module, "ROOM_CHECK_SECONDS", 0)  # each read checks from the first event: the finding is not late
    configure(home)
    incident_id = start_incident(home, clock)
    logged = run_cli("log", str(incident_id), "an entry to alter", home=home.root)
    assert logged.returncode == 0, logged.stderr

    def alter() -> None:
        import sqlite3

        with sqlite3.connect(home.root / "warroom.db") as c:
            c.execute("DROP TRIGGER event_no_update")
            c.execute("UPDATE event SET summary = 'altered' WHERE seq = (SELECT max(seq) FROM event WHERE incident_id = ?)", (incident_id,))
            c.execute("CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END")

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            assert not room.query_one("#unverified").has_class("shown")
            await back_to_board(app, pilot)
            alter()
            await open_room(app, pilot, incident_id)
            await pilot.pause()  # what is queued, processed
            await pilot.wait_for_scheduled_animations()
            assert room.query_one("#unverified").has_class("shown")
            kept = screen_text(app)
        fresh = await fresh_room_picture(home, clock, incident_id, (120, 40), monkeypatch)
        if kept != fresh:
            dump("altered", fresh, kept)
        assert kept == fresh

    asyncio.run(scenario())


def test_q_typed_right_after_enter_goes_back_from_the_room_and_no_room_covers_a_quit_question(home, clock):
    """enter, then at once `q` (in the room: back to the board; a coordinator who opened the wrong
    incident) in one burst: on c69edc8 the room was pushed at enter and took the `q`. While a kept
    room waits for its read the board takes it: the board asks "Quit warroom?", and then the room's
    read lands and the room is pushed over that question (stack Board, Confirm, Incident): leaving
    the room lands on a quit question nobody saw being asked, where enter/y quits."""
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_the_board(app, pilot, incident_id)
            await until(pilot, lambda: rooms_kept(app) and rooms_kept(app)[0].is_mounted, what="the room built ahead")
            app.screen.set_focus(app.screen.query_one("#incidents"))
            burst(app, "enter", "q")
            await pilot.pause(1.5)  # no condition says "nothing more will happen": a while longer than a room's read may take (ROOM_READ_WAIT)
            stack = [type(s).__name__ for s in app.screen_stack]
            assert app.is_running and app.return_code is None, "the war-room quit"
            assert "Confirm" not in stack, stack
            assert isinstance(app.screen, BoardScreen), stack

    asyncio.run(scenario())
