"""The board, driven by Textual's Pilot against a real home on disk; other processes act through
the real CLI and the board must show it within a second."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from tests.conftest import run_cli
from tests.helpers import HTTP_DOWN, HTTP_UP, configure, record  # record: still importable from here
from tests.test_faults import query
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
        # As tall as their rows (no empty rows under the suppliers), side by side; the register the rest.
        assert services.display and services.region.height == suppliers.region.height
        from warroom.tui.board import services_lines

        tallest = max(suppliers.row_count + 3, len(services_lines(app.board_data.status.services)) + 2)
        assert suppliers.region.height <= tallest and suppliers.region.width >= 120
        register = screen.query_one("#register")
        assert register.region.height - 3 >= register.row_count
        shown = "".join(strip.text for strip in suppliers.render_lines(suppliers.region.reset_offset))
        assert "…" not in shown  # room for every name and cause in full
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
            # A screen's worker waiting for the home (the wide board's uptime, the review, the
            # watch) learns at once that there is none: it once waited 30 s, and quitting with it.
            waiter = concurrent.futures.ThreadPoolExecutor(1)
            answer = waiter.submit(app.loaded_home)
            await until(pilot, answer.done, timeout=5, what="a worker waiting for the home to be told there is none")
            assert answer.result() is None
            waiter.shutdown()

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
            assert {"Help", "Quit", "Library", "Filter"} <= set(titles) and "Playbooks" not in titles  # `l`, not a hidden twin
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            help_screen = app.screen
            assert help_screen.has_class("wide")  # 120 columns: the sections side by side
            await pilot.press("pagedown")
            await until(pilot, lambda: help_screen.query_one("VerticalScroll").scroll_y > 0, what="the help scrolled")
            await pilot.press("escape")
            assert isinstance(app.screen, Board)
            # Kept composed, it opens again as new: laid out for the terminal as it is now, from the top.
            await pilot.resize_terminal(90, 40)
            await pilot.press("question_mark")
            assert app.screen is help_screen
            await until(pilot, lambda: not help_screen.has_class("wide"), what="the help laid out for 90 columns")
            assert help_screen.query_one("VerticalScroll").scroll_y == 0 and help_screen.focused is help_screen.query_one("VerticalScroll")
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


def test_f_and_simulate_set_drive_the_same_simulator(tmp_path, clock, simulator):
    from tests.test_simulate_set import modes_of
    from warroom.demo import demo_config
    from warroom.services import homes

    base = simulator
    port = int(base.rsplit(":", 1)[1])
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


# ── issue 11: what is owed, down before up, nothing stale, LIVE vs DRILL, keys, space, toasts ──

def board_app(home, clock):
    from warroom.tui.app import make_app as make

    return make(home, clock=clock)


def suggested(home, clock) -> None:
    """A home whose supplier nlcloud failed six rounds running: the board suggests its playbook."""
    from tests.tui.test_library import rounds

    configure(home)
    rounds(home, clock, "nlcloud", HTTP_DOWN, 6)


@asynccontextmanager
async def suggestion_on_board(home, clock, **options):
    """The app on a `suggested` home, at 120x40, once its board shows the suggestion."""
    app = board_app(home, clock)
    async with app.run_test(size=(120, 40), **options) as pilot:
        await until(pilot, lambda: app.board_data is not None and app.board_data.suggestions, what="the suggestion")
        yield app, pilot


@asynccontextmanager
async def board_running(home, clock, size: tuple[int, int] = (120, 40)):
    """The board app on `home`, run by a Pilot until its supplier table is filled: (app, pilot, that table)."""
    app = board_app(home, clock)
    async with app.run_test(size=size) as pilot:
        suppliers = app.screen.query_one("#suppliers", DataTable)
        await until(pilot, lambda: app.board_data is not None and suppliers.row_count > 3, what="the board")
        yield app, pilot, suppliers


async def read_now(app, pilot, condition, what: str, timeout: float = 10.0):
    """The clock moved: ask the watcher for a read now (time alone moves no data_version)."""
    app._reload.set()
    await until(pilot, condition, timeout=timeout, what=what)


def start_as(home, clock, user: str, playbook: str = "quick-drill", mode: str = "live") -> int:
    from warroom.services import actors, incidents

    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        created = incidents.start(session, playbook=library.find(home, cfg, playbook), mode=mode, now=clock.now(),
                                  actor=actors.Actor(user, user, "commander", {}))
    store.dispose()
    return created.id


def fire_level(home, clock, incident_id: int, level: str) -> None:
    from warroom.services import escalation

    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        due = next(d for d in escalation.pending(session) if (d.kind, d.incident_id, d.ref) == ("escalation", incident_id, level))
        assert escalation.fire(session, due, now=clock.now(), config=cfg, holder="t", origin={})
    store.dispose()


def test_a_fired_unacknowledged_level_late_steps_and_overdue_decisions_reach_the_board_and_status_json(home, clock):
    """Item 1: after L1 fired and nobody acknowledged it, the board said `—`; late steps and
    overdue decisions showed only in the room. Now the row, the top line and `status --json` say them."""
    import json

    configure(home)
    incident_id = start_as(home, clock, ME_USER, mode="drill")
    clock.advance(timedelta(seconds=5))
    fire_level(home, clock, incident_id, "1")

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the incident")
            owed = lambda: cell(app, "#incidents", str(incident_id), "owed")  # noqa: E731
            await until(pilot, lambda: "L1 FIRED · ack (no drill targets) · 0m ago" in owed(), what="the fired level on the board")
            assert "1 late step" in owed()  # `confirm` was due 3 s after the start
            clock.advance(timedelta(minutes=61))  # `failover` was due within the hour; `assess` too
            await read_now(app, pilot, lambda: "2 late steps" in owed() and "1 decision overdue" in owed(), what="the counts")
            assert "L1 FIRED · ack (no drill targets) · 1h01m ago" in owed()  # a drill's: duty-officer is not marked for drills
            topline = str(app.screen.query_one("#topline", Static).render())
            assert f"⚠ DRILL #{incident_id} L1 FIRED" in topline and topline.index("FIRED") < topline.index("war-room")

    asyncio.run(scenario())
    status = run_cli("status", "--json", home=home.root)
    assert status.returncode == 0, status.stderr
    (shown,) = json.loads(status.stdout)["incidents"]
    assert [f["level"] for f in shown["fired_unacknowledged"]] == [1] and shown["fired_unacknowledged"][0]["notify"] == []
    assert shown["late_steps"] == 2 and shown["overdue_decisions"] == 1 and shown["next_escalation"]["level"] == 2  # added, none renamed
    said = run_cli("status", home=home.root).stdout
    assert "! L1 fired at" in said and "not acknowledged (no drill targets) · 2 late steps · 1 decision overdue" in said


def test_suppliers_not_up_come_first_and_stand_out_without_colour_and_failed_minutes_show(home, clock):
    """Item 2: a down row sorted in config order and drawn like an up one; a fast HTTP 503 drew
    a healthy sparkline."""
    from tests.tui.test_library import rounds

    configure(home)
    for supplier in ("casesaas", "paybank", "mailco"):
        record(home, clock, supplier, HTTP_UP)
    rounds(home, clock, "mailco", HTTP_DOWN, 6, every=timedelta(seconds=60))  # six minutes of quick 503s

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.screen.query_one("#suppliers", DataTable)
            await until(pilot, lambda: app.board_data is not None and table.row_count == len(app.board_data.status.suppliers), what="the board")
            order = [row.value for row in table.rows]
            assert order[0] == "mailco"  # down first, although it is late in the config
            states = [str(table.get_cell(key, "state")) for key in order]
            unknown = [n for n, s in enumerate(states) if "UNKNOWN" in s]
            up = [n for n, s in enumerate(states) if s == "▲ up"]
            assert unknown and up and max(unknown) < min(up)  # unknown before up
            assert [k for k in order if k in ("casesaas", "paybank")] == ["casesaas", "paybank"]  # the config's order within a state
            state = table.get_cell("mailco", "state")
            assert state.plain == "▼ DOWN" and "reverse" in str(state.style) and "bold" in str(state.style)  # word, symbol, not colour alone
            await until(pilot, lambda: "▼" in str(table.get_cell("mailco", "latency")), what="failed minutes in the sparkline")
            assert "▼▼▼▼" in str(table.get_cell("mailco", "latency"))
            assert "▼" not in str(table.get_cell("paybank", "latency"))

    asyncio.run(scenario())


ME_USER = __import__("getpass").getuser()


def test_a_suggestion_whose_supplier_recovered_is_withdrawn_everywhere(home, clock):
    """Item 3: a suggestion stayed after its supplier recovered, and `s` started it LIVE."""
    import json
    from datetime import UTC, datetime

    from tests.tui.test_library import rounds

    configure(home)
    clock.set(datetime.now(UTC) - timedelta(minutes=30))  # within the last day, as the CLI reads it
    rounds(home, clock, "nlcloud", HTTP_DOWN, 6)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            bar = app.screen.query_one("#suggestion", Static)
            await until(pilot, lambda: bar.has_class("shown"), what="the suggestion")
            await asyncio.to_thread(rounds, home, clock, "nlcloud", HTTP_UP, 4)
            await until(pilot, lambda: not bar.has_class("shown"), what="the suggestion withdrawn")
            assert not app.board_data.suggestions

    asyncio.run(scenario())
    listed = run_cli("suggestion", "list", "--json", home=home.root)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_s_asks_before_it_starts_a_live_incident(home, clock):
    from tests.tui.test_room import kinds
    from warroom.tui.dialogs import Confirm

    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock) as (app, pilot):
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the question")
            assert "LIVE" in str(app.screen.query_one("Label").render())
            await pilot.press("n")
            await actions_landed(app)
            assert "incident.opened" not in kinds(home)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the question again")
            await pilot.press("y")
            await until(pilot, lambda: "incident.opened" in kinds(home), what="the live start")
            await until(pilot, lambda: app.board_data.status.incidents, what="the incident on the board")
            (incident,) = app.board_data.status.incidents
            assert incident.mode == "live"
            await until(pilot, lambda: getattr(app.screen, "incident_id", None) == incident.id, what="the new incident's room")

    asyncio.run(scenario())


def test_a_fallback_active_in_a_drill_says_drill_and_live_and_drill_cannot_be_confused(home, clock):
    """Items 3 and 4: a drill's fallback showed as bare ACTIVE; LIVE and DRILL differed by a word."""
    from warroom.services import actors, fallbacks

    configure(home)
    drill = start_as(home, clock, ME_USER, mode="drill")
    live = start_as(home, clock, ME_USER, playbook="cloud-hosting-outage", mode="live")
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        fallbacks.activate(session, incident_id=drill, fallback_id="secondary-dc", reason="drill", now=clock.now(),
                           actor=actors.resolve(cfg, ME_USER, {}), config=cfg)
    store.dispose()

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.screen.query_one("#incidents", DataTable)
            await until(pilot, lambda: table.row_count == 2, what="both incidents")
            register = app.screen.query_one("#register", DataTable)
            await until(pilot, lambda: "ACTIVE" in str(register.get_cell("secondary-dc", "active")), what="the active fallback")
            assert str(register.get_cell("secondary-dc", "active")) == f"░ DRILL ░ ACTIVE #{drill}"
            live_mark, drill_mark = table.get_cell(str(live), "mode"), table.get_cell(str(drill), "mode")
            assert live_mark.plain == "‼ LIVE ‼" and drill_mark.plain == "░ DRILL ░"
            assert "reverse" in str(live_mark.style) and "red" in str(live_mark.style)
            assert "reverse" not in str(drill_mark.style) and "yellow" in str(drill_mark.style)

    asyncio.run(scenario())


def test_a_coordinator_is_told_once_when_someone_else_starts_an_incident(home, clock):
    configure(home)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.actor_user, what="the board")
            start_as(home, clock, ME_USER, mode="drill")  # mine, from another terminal: no news
            await until(pilot, lambda: len(app.board_data.status.incidents) == 1, what="my incident")
            other = start_as(home, clock, "someone-else", mode="live")
            await until(pilot, lambda: len(app.board_data.status.incidents) == 2, what="theirs")
            await pilot.pause()
            told = [n.message for n in app._notifications if "started by" in n.message]
            assert told == [f"‼ LIVE ‼ #{other} Quick drill started by someone-else"]

    asyncio.run(scenario())


def test_enter_opens_an_incident_from_any_panel_jk_move_and_slash_filters(home, clock):
    """Item 6: enter only worked on the Incidents panel; no j/k, no filter; f broke the supplier
    under a cursor nobody looked at."""
    from tests.tui.test_room import kinds
    from warroom.tui.room import IncidentScreen

    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)
    incident_id = start_as(home, clock, ME_USER, mode="drill")  # quick-drill: nlcloud's playbook

    async def scenario():
        async with board_running(home, clock) as (app, pilot, suppliers):
            board = app.screen
            assert board.focused is suppliers and suppliers.selected_key == "nlcloud"  # down first, the cursor on it
            await pilot.press("j")
            assert suppliers.cursor_row == 1
            await pilot.press("k")
            assert suppliers.selected_key == "nlcloud"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room from the Suppliers panel")
            assert app.screen.incident_id == incident_id
            app.pop_screen()
            await until(pilot, lambda: app.screen is board, what="the board again")
            board.query_one("#register").focus()
            await pilot.press("enter")  # the register: no active fallback, so the Incidents panel's row
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room from the register")
            app.pop_screen()
            await until(pilot, lambda: app.screen is board, what="the board again")
            before = kinds(home)
            board.query_one("#incidents").focus()
            await pilot.press("f")  # f acts on the Suppliers panel only
            await actions_landed(app)
            assert not [w for w in app.workers if w.group == "fault"] and kinds(home) == before
            await pilot.press("slash", "p", "a", "y")
            await until(pilot, lambda: [r.value for r in suppliers.rows] == ["paybank"], what="the filter")
            assert "filter: pay" in str(suppliers.border_title)
            await pilot.press("escape")
            await until(pilot, lambda: suppliers.row_count == len(app.board_data.status.suppliers), what="the filter cleared")
            assert board.focused is suppliers

    asyncio.run(scenario())


def test_the_focused_panel_has_an_accent_border_and_the_others_do_not(home, clock):
    configure(home)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            suppliers, incidents = app.screen.query_one("#suppliers"), app.screen.query_one("#incidents")
            suppliers.focus()
            await pilot.pause()
            assert suppliers.styles.border_top[0] == "heavy" and incidents.styles.border_top[0] == "round"
            assert suppliers.styles.border_top[1] != incidents.styles.border_top[1]  # the accent, not the panels' colour
            cursor = suppliers.get_component_rich_style("datatable--cursor")
            assert not cursor.reverse and cursor.color != cursor.bgcolor  # a tint under the row, not a loud block
            await pilot.press("tab")
            await pilot.pause()
            assert app.screen.focused is not suppliers and suppliers.styles.border_top[0] == "round"

    asyncio.run(scenario())


def test_columns_fit_their_content_at_120_columns_and_the_register_is_a_table(home, clock):
    """Item 9: names cut at 22 characters while space stood empty; the register a run-on paragraph.
    Then: the Suppliers panel kept ~12 empty rows while the register showed 6 of 9; a down
    supplier whose status page disagrees showed `status pa…` instead of its cause; service names
    were cut (`Benefits portal (applic…`)."""
    from tests.test_health_states import PAGE_OK

    configure(home)
    cfg = library.config(home)
    for supplier in cfg.suppliers:
        if supplier.id != "nlcloud":
            record(home, clock, supplier.id, HTTP_UP)
    store = home.open_store()
    with store.write() as session:  # NLCloud down, its status page saying all is well
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        health.record(session, supplier=cfg.supplier("nlcloud"), observation=observe([HTTP_DOWN, PAGE_OK]), now=clock.now(),
                      config=cfg, playbooks=[], holder="t", origin={})
    store.dispose()

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one("#suppliers", DataTable)
            await until(pilot, lambda: app.board_data is not None and table.row_count == len(cfg.suppliers), what="the board")
            await pilot.pause()
            for supplier in cfg.suppliers:
                assert str(table.get_cell(supplier.id, "name")) == supplier.name  # none cut
            note = str(table.get_cell("nlcloud", "note"))
            assert note.startswith("HTTP 503"), note  # the cause first, the notes after it
            assert table.region.height <= table.row_count + 3, "no empty rows under the suppliers"  # header and border
            register = app.screen.query_one("#register", DataTable)
            assert register.row_count == len(cfg.fallbacks())
            assert register.region.height - 3 >= register.row_count, "every fallback in view"
            assert [str(c) for c in register.ordered_columns] and [c.label.plain for c in register.ordered_columns] == [
                "fallback", "supplier", "owner", "last exercised", "due", "active"]
            services = app.screen.query_one("#services", Static)
            lines = ["".join(s.text for s in [strip]) for strip in services.render_lines(services.region.reset_offset)]
            assert not any(line.strip().startswith(("payments", "(applications")) for line in lines)  # no name wraps
            await pilot.resize_terminal(160, 40)  # at 120 the suppliers' names and the services' cannot both be whole
            await until(pilot, lambda: services.region.width >= 47, what="the services panel wider")
            await pilot.pause()
            shown = "\n".join("".join(s.text for s in strip) for strip in services.render_lines(services.region.reset_offset))
            for service in app.board_data.status.services:
                if service.state != "up":
                    assert service.name in shown, service.name  # none cut

    asyncio.run(scenario())


def test_at_80_by_24_the_clock_the_owed_level_the_services_hit_and_help_quit_library_stay(home, clock):
    """Item 10: at 80 columns the clock dropped first, and the footer ended at `f Break/hea`."""
    from textual.widgets._footer import FooterKey

    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)
    incident_id = start_as(home, clock, ME_USER, mode="drill")
    clock.advance(timedelta(seconds=5))
    fire_level(home, clock, incident_id, "1")

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the board")
            await pilot.pause()
            topline = app.screen.query_one("#topline", Static)
            shown = "".join(s.text for s in topline.render_lines(topline.region.reset_offset))
            assert shown.lstrip().startswith("Sun 14:00 CET") and f"DRILL #{incident_id} L1 FIRED" in shown
            assert "services hit" in str(app.screen.query_one("#suppliers").border_title)
            keys = {k.key: k for k in app.screen.query(FooterKey)}
            for key in ("question_mark", "q", "l"):
                assert key in keys and keys[key].region.right <= 80 and keys[key].region.width > 0, key

    asyncio.run(scenario())


def test_the_first_checks_raise_no_toast_and_a_burst_is_one_line(home, clock):
    """Item 12: at start every supplier's first check (unknown → up) raised a notification."""
    from warroom.health.states import observe

    configure(home)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            for supplier in ("nlcloud", "paybank", "mailco"):
                record(home, clock, supplier, HTTP_UP)
            await until(pilot, lambda: sum(s.state == "up" for s in app.board_data.status.suppliers) == 3, what="three up")
            await pilot.pause()
            assert not app._notifications
            cfg = library.config(home)
            store = home.open_store()
            for _ in range(5):  # rounds of the monitor, each one transaction: both are confirmed down at once
                with store.write() as session:
                    lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
                    for supplier in ("paybank", "mailco"):
                        health.record(session, supplier=cfg.supplier(supplier), observation=observe([HTTP_DOWN]), now=clock.now(),
                                      config=cfg, playbooks=[], holder="t", origin={})
                clock.advance(timedelta(seconds=30))
            store.dispose()
            await until(pilot, lambda: app._notifications, what="the change told")
            await pilot.pause()
            (note,) = app._notifications
            assert "PayBank" in note.message and "MailCo" in note.message and note.severity == "error"

    asyncio.run(scenario())


def test_a_filter_typed_in_one_burst_reaches_the_filter_line(home, clock):
    """`/pay` as a terminal sends it in one read (a fast typist, a paste, tmux send-keys): the
    letters after `/` went to the table while `/` was still bubbling up to the screen."""
    from textual import events

    configure(home)

    async def scenario():
        async with board_running(home, clock, size=(80, 24)) as (app, pilot, suppliers):
            for key, character in (("slash", "/"), ("p", "p"), ("a", "a"), ("y", "y")):
                app.post_message(events.Key(key, character))
            await until(pilot, lambda: [r.value for r in suppliers.rows] == ["paybank"], what="the filter from a burst")

    asyncio.run(scenario())


def test_q_asks_before_it_quits(home, clock):
    """Item 6: `q` goes back from a room, and quitting from the board asks first."""
    from warroom.tui.dialogs import Confirm

    configure(home)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the question")
            assert "Quit warroom?" in str(app.screen.query_one("Label").render())
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board again")
            assert app.is_running
            await pilot.press("q", "y")
            await until(pilot, lambda: not app.is_running, what="the app to end")

    asyncio.run(scenario())


def test_a_database_deleted_under_the_tui_is_said_and_no_action_vanishes_into_it(home, clock):
    """The TUI keeps the deleted file open: writes went into it, shown as done, and were lost when
    it quit, while every other coordinator's CLI said there was no database."""
    from warroom.services import commands

    configure(home)
    incident_id = int(run_cli("--home", str(home.root), "incident", "start", "quick-drill", "--drill").stdout)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the board")
            for suffix in ("", "-wal", "-shm"):
                (home.root / f"warroom.db{suffix}").unlink(missing_ok=True)
            problem = app.screen.query_one("#problem", Static)
            await until(pilot, lambda: "was deleted while this TUI ran" in str(problem.render()), what="the problem said")
            app.act(commands.LogEntry(incident_id, "written into a deleted file"))
            await actions_landed(app)
            assert any("nothing was done: the database" in n.message for n in app._notifications)

    asyncio.run(scenario())


def test_a_child_recovering_after_its_parent_is_not_announced_as_down_on_its_own(home, clock, monkeypatch):
    """After NLCloud healed, CaseFlow's first (unconfirmed) up check made the board toast
    `▼ CaseFlow SaaS down (HTTP 200)`: its `via` was cleared while it was still down. Every read
    is looked at: gathered over 2 s, that state could fall between two reads and go unsaid, and
    the notifications alone pass with the bug."""
    from warroom.tui.board import BoardScreen

    seen: list[tuple[str, str | None]] = []  # CaseFlow's (state, via) in every board read
    announce = BoardScreen._announce_changes

    def reading(screen, before, data):
        seen.extend((s.state, s.via) for s in data.status.suppliers if s.id == "casesaas")
        announce(screen, before, data)

    monkeypatch.setattr(BoardScreen, "_announce_changes", reading)
    configure(home)
    for _ in range(2):
        record(home, clock, "nlcloud", HTTP_DOWN)
        record(home, clock, "casesaas", HTTP_DOWN)
        clock.advance(timedelta(seconds=30))

    def casesaas(app):
        return next(s for s in app.board_data.status.suppliers if s.id == "casesaas")

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None and casesaas(app).via == "nlcloud", what="the board")
            for _ in range(2):
                record(home, clock, "nlcloud", HTTP_UP)
                clock.advance(timedelta(seconds=30))
            record(home, clock, "casesaas", HTTP_UP)
            await until(pilot, lambda: casesaas(app).detail == "HTTP 200", what="CaseFlow's first up check read")
            clock.advance(timedelta(seconds=30))
            record(home, clock, "casesaas", HTTP_UP)
            await until(pilot, lambda: casesaas(app).state == "up", what="CaseFlow up")
            await until(pilot, lambda: any("CaseFlow" in n.message for n in app._notifications), what="CaseFlow's recovery told")
            told = " | ".join(n.message for n in app._notifications)
            assert "down" not in told and "▲ CaseFlow" in told, told
            assert ("down", None) not in seen and seen[0] == ("down", "nlcloud") and seen[-1] == ("up", None), seen

    asyncio.run(scenario())


def test_a_dialog_shows_its_whole_question_on_a_small_terminal(home, clock):
    """A confirmation cut its own question: "Start a LIVE incident from cloud-hosting-outage? (NLCl"."""
    from warroom.tui.dialogs import AskText, Choose, Confirm

    configure(home)
    question = ("Start a LIVE incident from cloud-hosting-outage? (NLCloud Hosting B.V. down for 6 min: "
                "playbook cloud-hosting-outage suggested) and the monitor this TUI started stops too")

    def shown(screen) -> str:
        label = screen.query("Label").first()
        return " ".join("".join(s.text for s in strip).strip() for strip in label.render_lines(label.region.reset_offset))

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            for dialog in (Confirm(question), AskText(question), Choose(question, [("a", "one"), ("b", "two")])):
                app.push_screen(dialog)
                await until(pilot, lambda d=dialog: app.screen is d and len(d.query("Label")) > 0 and d.query("Label").first().region.width > 0, what="the dialog")
                await pilot.pause()
                assert " ".join(shown(dialog).split()) == question, type(dialog).__name__
                box, label = dialog.query_one("Vertical"), dialog.query("Label").first()
                assert box.region.x >= 0 and box.region.right <= 80, type(dialog).__name__
                assert label.region.right <= box.content_region.right, type(dialog).__name__  # wrapped, not cut
                app.pop_screen()

    asyncio.run(scenario())


def test_changes_read_in_separate_transactions_within_two_seconds_are_one_line(home, clock, monkeypatch):
    """The monitor writes each supplier in its own transaction: a heal gave three toasts. The
    gathering is told to end once both reads are in (not by the wall clock: on a busy machine the
    second read could come after 2 s and the test fail without a bug)."""
    from warroom.tui import board

    monkeypatch.setattr(board, "ANNOUNCE_AFTER", 3600)
    configure(home)
    for supplier in ("nlcloud", "paybank", "mailco"):
        record(home, clock, supplier, HTTP_UP)

    def state(app, supplier: str) -> str:
        return next(s.state for s in app.board_data.status.suppliers if s.id == supplier)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            for supplier in ("paybank", "mailco"):
                for _ in range(2):  # confirmed down: each round its own transaction, each read on its own
                    clock.advance(timedelta(seconds=30))
                    record(home, clock, supplier, HTTP_DOWN)
                await until(pilot, lambda s=supplier: state(app, s) == "down", what=f"{supplier} down on the board")
            assert not app._notifications, "nothing told while the changes are gathered"
            app.screen._say_changes()  # the gathering ends: both changes are in it
            await until(pilot, lambda: app._notifications, what="the changes told")
            (note,) = app._notifications
            assert "PayBank" in note.message and "MailCo" in note.message and note.severity == "error"

    asyncio.run(scenario())


def test_a_start_says_its_outcome_in_the_room_it_lands_in_not_over_its_entry_line(home, clock):
    """`incident #1 started (DRILL)` was a toast over the room's entry line."""
    from warroom.tui.room import IncidentScreen

    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock, notifications=True) as (app, pilot):
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the new drill's room")
            notice = app.screen.query_one("#notice", Static)
            await until(pilot, lambda: "started (DRILL)" in str(notice.render()), what="the outcome in the room")
            await actions_landed(app)
            assert not any("started" in n.message for n in app._notifications)

    asyncio.run(scenario())


@pytest.fixture
def starts_held(monkeypatch):
    """A start's write waits until the Event it gives is set (a slow disk, a busy database). A test
    sets it in a `finally` inside the app's run: asyncio.run waits for the act thread before the
    fixture's own teardown, which sets it again for a test that never started the app."""
    from warroom.services import commands

    gate = threading.Event()
    execute = commands.execute

    def held(store, command, ctx):
        if isinstance(command, commands.StartIncident):
            assert gate.wait(30)
        return execute(store, command, ctx)

    monkeypatch.setattr(commands, "execute", held)
    yield gate
    gate.set()


def summaries(home) -> list[str]:
    return [row[0] for row in query(home.db_path, "SELECT summary FROM event ORDER BY seq")]


def test_keys_typed_after_a_start_go_to_the_room_it_opens(home, clock, starts_held):
    """`D l Called the desk enter` typed at once: the drill started, but the words went to the
    board while its room was on its way (`l` opened the playbooks) and nothing was logged."""
    from warroom.tui.room import IncidentScreen

    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock) as (app, pilot):
            try:
                await pilot.press("D", "l", *"Called the desk", "enter")
                assert isinstance(app.screen, BoardScreen), "the start is held: its room cannot be on top yet"
            finally:
                starts_held.set()
            await until(pilot, lambda: "Called the desk" in summaries(home), what="the words logged in the new room")
            assert isinstance(app.screen, IncidentScreen)
            await actions_landed(app)
            assert summaries(home).count("Called the desk") == 1

    asyncio.run(scenario())


def test_keys_typed_after_a_start_that_is_refused_are_dropped_and_said_to_be(home, clock, starts_held):
    """No room opened: on the board the held keys were its own (`l` the playbooks, `C`...)."""
    from tests.tui.test_room import kinds

    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock, notifications=True) as (app, pilot):
            playbook = home.playbooks_dir / f"{app.board_data.suggestions[0].playbook}.toml"
            try:
                await pilot.press("D", "l", *"Called", "enter")
                playbook.write_text("this is = not [ a playbook")  # changed under the start: it is refused
            finally:
                starts_held.set()
            await until(pilot, lambda: any("were not used" in n.message for n in app._notifications), what="the keys said dropped")
            await actions_landed(app)
            assert isinstance(app.screen, BoardScreen), "the playbooks were not opened by a held `l`"
            assert any(n.severity == "error" for n in app._notifications), "the refusal is said"
            assert "incident.opened" not in kinds(home) and "Called" not in summaries(home)
            assert not app._typed_ahead

    asyncio.run(scenario())


def test_keys_held_for_a_start_wait_for_its_room_when_an_older_start_lands_first(home, clock, monkeypatch):
    """A start begun (with the mouse, from the library) while another was on its way: the older
    one's room opens when it lands, and the keys typed after the newer start stay held for the
    newer one's room. The older's landing gave them to its own room before."""
    from warroom.services import commands
    from warroom.tui.room import IncidentScreen
    from warroom.vocabulary import Mode

    suggested(home, clock)
    gates: list[threading.Event] = []
    execute = commands.execute

    def held(store, command, ctx):
        if isinstance(command, commands.StartIncident):
            gate = threading.Event()
            gates.append(gate)
            assert gate.wait(30)
        return execute(store, command, ctx)

    monkeypatch.setattr(commands, "execute", held)

    async def scenario():
        async with suggestion_on_board(home, clock) as (app, pilot):
            try:
                await pilot.press("D")
                await until(pilot, lambda: len(gates) == 1, what="the first start writing")
                app.start(commands.StartIncident("cloud-hosting-outage", Mode.DRILL))
                await until(pilot, lambda: len(gates) == 2, what="the second start writing")
                await pilot.press("l", *"For the second", "enter")
                gates[0].set()
                await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the first start's room")
                first = app.screen.incident_id
                await pilot.pause()
                assert app._typed_ahead, "still held: they were typed after the second start"
                gates[1].set()
                await until(pilot, lambda: "For the second" in summaries(home), what="the words logged")
            finally:
                for gate in gates:
                    gate.set()
            await actions_landed(app)
            assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id != first
            logged = query(home.db_path, "SELECT incident_id FROM event WHERE summary = 'For the second'")
            assert logged == [(app.screen.incident_id,)]

    asyncio.run(scenario())


def test_keys_are_held_for_a_slow_start_a_few_seconds_then_they_are_the_boards_again(home, clock, starts_held, monkeypatch):
    """The start's write may wait up to 30 s for the database's lock: keys did nothing that long,
    `q` and `escape` too. After START_HOLDS those held are dropped and said to be, the next keys
    are the board's, and the room still opens once the incident has started."""
    from warroom.tui import app as app_module
    from warroom.tui.library import PlaybooksScreen
    from warroom.tui.room import IncidentScreen

    suggested(home, clock)
    monkeypatch.setattr(app_module, "START_HOLDS", 0.5)

    async def scenario():
        async with suggestion_on_board(home, clock, notifications=True) as (app, pilot):
            try:
                await pilot.press("D", "x", "y")
                await until(pilot, lambda: any("2 keys typed" in n.message for n in app._notifications), what="the held keys said dropped")
                assert isinstance(app.screen, BoardScreen) and not app._typed_ahead
                await pilot.press("l")
                await until(pilot, lambda: isinstance(app.screen, PlaybooksScreen), what="`l` the board's again: the playbooks")
            finally:
                starts_held.set()
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the started drill's room, late")
            await actions_landed(app)
            assert kinds(home).count("incident.opened") == 1

    from tests.tui.test_room import kinds

    asyncio.run(scenario())


def test_a_dialog_opened_while_a_start_is_on_its_way_gets_its_keys_and_is_not_buried(home, clock, starts_held):
    """ctrl+q pressed as a start writes: it was held with the rest, so nothing quit; a dialog
    opened meanwhile (the quit question) had its answer held for the room, and the room then
    opened over it (found by an attack)."""
    from warroom.tui.dialogs import Confirm
    from warroom.tui.room import IncidentScreen

    suggested(home, clock)

    async def scenario():
        async with suggestion_on_board(home, clock, notifications=True) as (app, pilot):
            try:
                await pilot.press("D", "ctrl+q")
                await until(pilot, lambda: isinstance(app.screen, Confirm), what="the quit question, at once")
                starts_held.set()
                await until(pilot, lambda: any("started" in n.message for n in app._notifications), what="the start said")
                assert isinstance(app.screen, Confirm), "the room did not open over the question"
                await pilot.press("n")
                await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the answer reached the question")
            finally:
                starts_held.set()
            await actions_landed(app)
            assert not app._typed_ahead and not any(isinstance(s, IncidentScreen) for s in app.screen_stack)

    asyncio.run(scenario())


def test_help_says_what_each_screen_does_once_and_does_not_contradict_it():
    """`Everywhere: q Quit` while q in a room goes back; the supplier, risks, MSEL and review
    screens were missing; the room said `enter Details` four times and `q / esc` twice."""
    from warroom.tui.help import keys_of, sections
    from warroom.tui.msel import MselScreen
    from warroom.tui.review import ReviewScreen
    from warroom.tui.watch import RisksScreen, SupplierScreen

    shown = dict(sections())
    for screen, title in ((SupplierScreen, "Supplier"), (RisksScreen, "Risks"), (MselScreen, "MSEL"), (ReviewScreen, "After-action review")):
        (found,) = [t for t in shown if t.startswith(title)]
        assert shown[found] == keys_of(screen) and shown[found], title
    for title, keys in sections():
        plain = [(k.replace(" ", ""), w) for k, w in keys]
        assert len(plain) == len(set(plain)), title
        unqualified = [k for k, w in plain if not w.endswith(")")]
        assert len(unqualified) == len(set(unqualified)), (title, unqualified)
    room = [k for k, w in shown["Incident room"]]
    assert room.count("enter") == 1
    (quit_,) = [w for k, w in shown["Everywhere"] if k == "q"]
    assert "Incident room" in quit_


def test_a_board_covered_by_a_room_is_painted_from_the_newest_read_when_it_is_back(home, clock):
    """Under load the board behind an open room was painted at every read nobody saw (a sixth of a
    TUI's CPU): it is painted when it is on top again, and then shows what the database holds."""
    from warroom.tui.room import IncidentScreen

    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)
    start_as(home, clock, ME_USER, mode="drill")

    async def scenario():
        async with board_running(home, clock) as (app, pilot, suppliers):
            board = app.screen
            assert cell(app, "#suppliers", "mailco", "state") == "? UNKNOWN"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            record(home, clock, "mailco", HTTP_DOWN)  # another process's check, while the room is open
            await until(pilot, lambda: next(s.state for s in app.board_data.status.suppliers if s.id == "mailco") == "down",
                        what="the read behind the room")
            await pilot.pause(0.2)
            assert str(suppliers.get_cell("mailco", "state")) == "? UNKNOWN"  # not painted where nobody sees it
            app.pop_screen()
            await until(pilot, lambda: app.screen is board, what="the board again")
            await pilot.pause()
            assert cell(app, "#suppliers", "mailco", "state") == "▼ DOWN"

    asyncio.run(scenario())


def test_a_cursor_move_keeps_the_footer_and_a_change_of_keys_remakes_it(home, clock):
    """Each cursor move refreshes the board's bindings (what `enter` opens changed); Textual's
    footer rebuilt its dozen keys at every refresh, most of a `j`'s time at 1,000 suppliers. Ours
    is rebuilt only when the keys it shows change, and then it is."""
    from textual.widgets._footer import FooterKey

    configure(home)

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.screen.query(FooterKey), what="the board and its footer")
            await pilot.pause()
            before = list(app.screen.query(FooterKey))
            assert app.screen.focused is not None and app.screen.focused.id == "suppliers"
            for key in "jjk":
                await pilot.press(key)
                await pilot.pause()
            assert list(app.screen.query(FooterKey)) == before  # the same widgets: not rebuilt
            await pilot.press("slash")  # the filter line has the focus: its keys, not the board's
            await until(pilot, lambda: {k.key for k in app.screen.query(FooterKey)} != {k.key for k in before}, what="the filter's keys")
            await pilot.press("escape")
            await until(pilot, lambda: {k.key for k in app.screen.query(FooterKey)} == {k.key for k in before}, what="the board's keys again")
            again = list(app.screen.query(FooterKey))
            await pilot.press("question_mark")  # the help covers the board: its keys are the help's
            await until(pilot, lambda: not isinstance(app.screen, BoardScreen), what="the help")
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board again")
            await pilot.pause()
            assert list(app.screen.query(FooterKey)) == again  # the same keys came back: not rebuilt

    asyncio.run(scenario())


def test_a_supplier_row_is_made_again_when_only_its_minute_under_way_moves(home, clock):
    """The board makes a supplier's row again only when what it shows moved; before its first full
    minute a supplier's figure is the minute under way, which moves with each check, so that too
    remakes the row (and nothing else about the supplier changed)."""
    from warroom.health.checks import Result

    configure(home)
    record(home, clock, "paybank", HTTP_UP)  # 40 ms

    async def scenario():
        app = board_app(home, clock)
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.screen.query_one("#suppliers", DataTable)
            await until(pilot, lambda: app.board_data is not None and "40 ms" in str(table.get_cell("paybank", "latency")), what="40 ms")
            record(home, clock, "paybank", Result("http", "up", 90.0, "HTTP 200", "ok"))  # the same minute: (40 + 90) / 2
            await until(pilot, lambda: "65 ms" in str(table.get_cell("paybank", "latency")), timeout=20, what="the minute under way, 65 ms")

    asyncio.run(scenario())


def no_reads_once(monkeypatch):
    """An Event that, once set, has the watcher's board reads find nothing new: a test that puts
    its own read in front of the board keeps it there."""
    import threading

    from warroom.tui import reader

    quiet = threading.Event()
    poll = reader.Reader.poll
    monkeypatch.setattr(reader.Reader, "poll", lambda self, **kwargs: (None, None) if quiet.is_set() else poll(self, **kwargs))
    return quiet


EVERY_BAR_MOVED = {f"s{n:03d}": [100.0, 200.0, 300.0] for n in range(400)}  # a minute rolled over for each of 400 suppliers


@asynccontextmanager
async def board_of_400(home, monkeypatch):
    """The board of 400 suppliers never checked, every row shown; the watcher's reads then find
    nothing new, so a read the test puts in front of the board stays there. Yields (app, pilot,
    board, suppliers table)."""
    from tests.test_hostile_suppliers import write_config

    write_config(home, [{"id": key, "name": f"Supplier {key[1:]}", "checks": [{"kind": "http", "url": "http://127.0.0.1:9/"}]}
                        for key in EVERY_BAR_MOVED])
    quiet = no_reads_once(monkeypatch)
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.board_data is not None, what="the board")
        table = app.screen.query_one("#suppliers")
        await until(pilot, lambda: table.row_count == 400, what="400 rows")
        quiet.set()
        yield app, pilot, app.screen, table



def test_when_every_latency_bar_moves_the_rows_in_view_are_made_at_once_and_the_rest_on_later_turns(home, monkeypatch):
    """A minute rolling over moves every supplier's latency bar: at 1,000 suppliers making every
    row held a key for 100 ms. The rows in view (and under the cursor) are made with the read; the
    rest in batches on the following turns, until every row shows the new minute."""
    from warroom.tui import board as board_module

    async def scenario():
        async with board_of_400(home, monkeypatch) as (app, pilot, screen, table):
            minute = EVERY_BAR_MOVED
            screen.show(app.board_data, minute, {})
            latency = lambda key: str(table.get_cell(key, "latency"))  # noqa: E731
            in_view = [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.scroll_offset.y,
                                                                                              table.scroll_offset.y + table.size.height - 1)]
            assert in_view and all("200 ms" in latency(key) for key in in_view), "the rows in view show the new minute with the read"
            behind = [key for key in minute if "200 ms" not in latency(key)]
            assert len(behind) >= 400 - len(in_view) - board_module.REMAKE_AT_ONCE, "the rest wait for later turns"
            await until(pilot, lambda: all("200 ms" in latency(key) for key in minute), what="every row made")

    asyncio.run(scenario())


def test_a_supplier_whose_state_moved_is_made_at_once_even_out_of_view_among_many_moved_bars(home, monkeypatch):
    """Only a moved latency bar may wait for a later turn: a state the database holds is on every
    row with the read that brought it, in view or not."""
    import dataclasses

    from warroom.symbols import SUPPLIER
    from warroom.tui import board

    async def scenario():
        async with board_of_400(home, monkeypatch) as (app, _pilot, screen, table):
            data = app.board_data
            assert {s.state for s in data.status.suppliers} == {"unknown"}  # never checked
            suppliers = [dataclasses.replace(s, state="up") if s.id == "s399" else s for s in data.status.suppliers]
            moved = dataclasses.replace(data, status=dataclasses.replace(data.status, suppliers=type(data.status.suppliers)(suppliers)))
            screen.show(moved, EVERY_BAR_MOVED, {})
            assert screen._rows_behind, "other rows wait for later turns: the state is made among them"
            assert table.get_row_index("s399") == 399, "up: listed last, far out of view"
            assert str(table.get_cell("s399", "state")) == f"{SUPPLIER['up']} {board.state_word('up')}"

    asyncio.run(scenario())


def test_rows_are_cut_again_when_a_line_taken_above_brings_a_scroll_bar(home):
    """At 80×24 the filter line (or a playbook suggestion) takes a line from the Suppliers panel, a
    scroll bar comes, and the columns share two cells less: the rows are cut to that again, with
    `…`, not clipped under the bar (nor scrolled sideways)."""
    from tests.test_hostile_suppliers import write_config

    write_config(home, [{"id": f"s{n}", "name": f"A supplier with a long name {n}", "checks": [{"kind": "http", "url": "http://127.0.0.1:9/"}]}
                        for n in range(9)])  # 9: the rows fit until the filter line takes one

    async def scenario():
        app = make_app(home)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            table = app.screen.query_one("#suppliers", DataTable)
            await until(pilot, lambda: table.row_count == 9, what="the rows")
            scrolled_before = table.show_vertical_scrollbar
            await pilot.press("slash")
            await until(pilot, lambda: table.show_vertical_scrollbar and table.virtual_size.width <= table.scrollable_content_region.width,
                        what="the rows cut to the room left beside the scroll bar")
            assert not scrolled_before, "the filter line brought the scroll bar"
            assert not table.show_horizontal_scrollbar

    asyncio.run(scenario())
