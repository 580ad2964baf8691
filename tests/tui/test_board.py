"""The board, driven by Textual's Pilot against a real home on disk; other processes act through
the real CLI and the board must show it within a second."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from textual.widgets import DataTable, Static

from tests.conftest import run_cli
from tests.test_health_states import HTTP_DOWN, HTTP_UP
from tests.test_incidents import configure
from warroom.health.states import observe
from warroom.services import health, lease, library
from warroom.tui.app import make_app
from warroom.tui.board import BoardScreen


async def until(pilot, condition, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def record(home, clock, supplier_id: str, result) -> None:
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        health.record(session, supplier=cfg.supplier(supplier_id), observation=observe([result]), now=clock.now(),
                      config=cfg, playbooks=[], holder="t", origin={})
    store.dispose()


def cell(app, table_id: str, row: str, column: str) -> str:
    table = app.screen.query_one(table_id, DataTable)
    return str(table.get_cell(row, column))


def test_the_board_shows_supplier_states_and_the_services_they_hit(home, clock):
    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)
    record(home, clock, "paybank", HTTP_UP)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            assert isinstance(app.screen, BoardScreen)
            assert cell(app, "#suppliers", "nlcloud", "state") == "▼ DOWN"
            assert cell(app, "#suppliers", "paybank", "state") == "▲ up"
            assert cell(app, "#suppliers", "mailco", "state") == "? UNKNOWN"
            services = str(app.screen.query_one("#services", Static).render())
            assert "✖ Benefit payments" in services and "nlcloud" in services
            assert cell(app, "#register", "secondary-dc", "supplier") == "nlcloud"
            assert cell(app, "#register", "secondary-dc", "due") == "NEVER EXERCISED ⚠"

    asyncio.run(scenario())


def test_another_process_action_shows_within_a_second(home, clock):
    configure(home)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            result = await asyncio.to_thread(run_cli, "incident", "start", "quick-drill", "--drill", home=home.root)
            assert result.returncode == 0, result.stderr
            committed = time.monotonic()
            table = app.screen.query_one("#incidents", DataTable)
            await until(pilot, lambda: table.row_count == 1, timeout=5, what="the new incident on the board")
            assert time.monotonic() - committed < 1.0
            assert cell(app, "#incidents", result.stdout.strip(), "mode") == "░ DRILL ░"

    asyncio.run(scenario())


def with_nlcloud_down(home, clock, size: tuple[int, int], check) -> None:
    """The board at `size` over a home where NLCloud is down, once loaded: `check(app)`."""
    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            check(app)

    asyncio.run(scenario())


def test_the_services_panel_folds_away_on_a_small_terminal_and_states_stay(home, clock):
    def check(app):
        assert not app.screen.query_one("#services").display
        assert cell(app, "#suppliers", "nlcloud", "state") == "▼ DOWN"

    with_nlcloud_down(home, clock, (80, 24), check)


def test_a_big_screen_shows_every_panel_with_room_to_spare(home, clock):
    def check(app):
        screen = app.screen
        suppliers, services = screen.query_one("#suppliers"), screen.query_one("#services")
        assert services.display and services.region.height >= 40  # the column is the layout's, not its text's
        assert suppliers.region.height >= 40 and suppliers.region.width >= 150
        assert suppliers.region.bottom <= screen.query_one("#incidents").region.y  # nothing overlaps
        rendered = "".join(strip.text for strip in services.render_lines(services.region.reset_offset))
        assert "Benefit payments" in rendered and "JUSTICE" in rendered
        assert cell(app, "#suppliers", "nlcloud", "state") == "▼ DOWN"

    with_nlcloud_down(home, clock, (200, 60), check)


def test_a_broken_config_is_shown_not_crashed(home, clock):
    home.config_path.write_text("[settings]\nconfirm = 'two'\n")

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            problem = app.screen.query_one("#problem", Static)
            await until(pilot, lambda: problem.has_class("shown"), what="the problem to be shown")
            assert "warroom.toml:2: settings.confirm" in str(problem.render())

    asyncio.run(scenario())


def test_help_lists_every_key_of_every_screen_and_the_palette_offers_them(home, clock):
    from warroom.tui.board import BoardScreen as Board
    from warroom.tui.help import HelpScreen, help_text, keys_of
    from warroom.tui.room import IncidentScreen

    text = help_text().plain
    for screen in (Board, IncidentScreen):
        for _key, what in keys_of(screen):
            assert what in text
    configure(home)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert {"Help", "Quit", "Library", "Filter", "Playbooks"} <= set(titles)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, Board)

    asyncio.run(scenario())


def test_a_read_that_fails_is_said_and_the_board_keeps_watching(home, clock):
    """An unreadable row (a damaged or tampered database) once ended the watcher for good: the
    board froze. Now the problem is said, the watcher tries again, and carries on when it reads."""
    import sqlite3

    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)

    def since_of_nlcloud(value: str) -> None:
        with sqlite3.connect(home.db_path) as connection:
            for (trigger,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'supplier_state'").fetchall():
                connection.execute(f"DROP TRIGGER {trigger}")
            connection.execute("UPDATE supplier_state SET since = ? WHERE supplier_id = 'nlcloud'", (value,))

    original = sqlite3.connect(home.db_path).execute("SELECT since FROM supplier_state WHERE supplier_id = 'nlcloud'").fetchone()[0]

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            since_of_nlcloud("not a time")  # the board's read of supplier states now fails
            problem = app.screen.query_one("#problem", Static)
            await until(pilot, lambda: problem.has_class("shown") and "cannot read the war-room" in str(problem.render()),
                        timeout=10, what="the failed read to be said")
            since_of_nlcloud(original)
            started = await asyncio.to_thread(run_cli, "incident", "start", "quick-drill", "--drill", home=home.root)
            assert started.returncode == 0, started.stderr
            table = app.screen.query_one("#incidents", DataTable)
            await until(pilot, lambda: table.row_count == 1, timeout=10, what="the watcher to carry on")
            await until(pilot, lambda: not problem.has_class("shown"), timeout=5, what="the problem line to go")

    asyncio.run(scenario())


# ── the simulator key: `warroom simulate set` in a key ─────────────────────────────────────────

def press_fault_on(app, pilot, supplier_id: str):
    table = app.screen.query_one("#suppliers", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(supplier_id))
    return pilot.press("f")


def test_f_and_simulate_set_drive_the_same_simulator(tmp_path, clock):
    from tests.conftest import Process, wait_for
    from tests.test_simulate_set import modes_of
    from warroom.demo import demo_config
    from warroom.services import homes

    sim = Process("simulate", "--port", "0")
    try:
        port = int(wait_for(lambda: next((line for line in sim.lines if line.isdigit()), None), what="the simulator's port"))
        base = f"http://127.0.0.1:{port}"
        home = homes.create(tmp_path / "home", clock=clock, actor="alice", origin={}, config_text=demo_config(port))

        async def scenario():
            app = make_app(home, clock=clock)
            async with app.run_test(size=(120, 40), notifications=True) as pilot:
                await until(pilot, lambda: app.board_data is not None, what="the board")
                await press_fault_on(app, pilot, "paybank")
                await until(pilot, lambda: modes_of(base).get("paybank") == "down", what="paybank broken in the simulator")
                await until(pilot, lambda: any(n.message == "simulated paybank: broken (down)" for n in app._notifications), what="the note")
                slow = await asyncio.to_thread(run_cli, "simulate", "set", "paybank", "degraded", home=home.root)
                assert slow.returncode == 0, slow.stderr
                assert modes_of(base)["paybank"] == "degraded"
                await press_fault_on(app, pilot, "paybank")  # not up: f heals it
                await until(pilot, lambda: modes_of(base).get("paybank") == "up", what="paybank healed")

        asyncio.run(scenario())
    finally:
        sim.stop()


def test_f_with_a_silent_simulator_says_what_the_command_says(tmp_path, clock):
    from tests import hostile
    from warroom.demo import demo_config
    from warroom.services import homes

    silent = hostile.Server(hostile.never_answers)
    try:
        home = homes.create(tmp_path / "home", clock=clock, actor="alice", origin={}, config_text=demo_config(silent.port))
        said = run_cli("simulate", "set", "paybank", "down", home=home.root)
        assert said.returncode == 1 and said.stderr.startswith("warroom: "), said.stderr

        async def scenario():
            app = make_app(home, clock=clock)
            async with app.run_test(size=(120, 40), notifications=True) as pilot:
                await until(pilot, lambda: app.board_data is not None, what="the board")
                await press_fault_on(app, pilot, "paybank")
                await until(pilot, lambda: app._notifications, timeout=15, what="the refusal")
                (note,) = app._notifications
                assert note.severity == "error"
                assert note.message == said.stderr.strip().removeprefix("warroom: ")

        asyncio.run(scenario())
    finally:
        silent.close()


async def actions_landed(app) -> None:
    """Wait for the actions the app started (its act and fault workers), never for its watcher,
    which runs until the app ends (Textual waits for every worker when handed an empty list)."""
    started = [w for w in app.workers if w.group in ("act", "fault")]
    if started:
        await app.workers.wait_for_complete(started)
