"""Text that people, files and suppliers wrote, in the real TUI: shown literally, never acting.

Markup in a log entry must not become a link that records a step in the clicker's name or quits
the app; a bracket must not crash a screen or vanish; a control character must reach the terminal
as a visible symbol. Each case goes in through the real CLI, files or a real server on 127.0.0.1,
and is read back from what the widgets render."""

from __future__ import annotations

import asyncio
import concurrent.futures
import getpass
import json
import queue
import threading
import time
import tomllib

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.geometry import Region
from textual.widgets import DataTable

from tests import hostile
from tests.conftest import run_cli
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import configure
from tests.tui.test_board import record, until
from tests.tui.test_library import rounds
from tests.tui.test_room import kinds, open_library, open_room, start_incident
from warroom.health.checks import Result
from warroom.tui.app import make_app
from warroom.tui.wall import WallScreen

CLICK_STEP = "[@click=screen.step('done')]click me[/]"
CLICK_QUIT = "[@click=app.quit]leave[/]"
BAD_TAG = "checked [/etc/hosts]"
BRACKETS = "[urgent] call back"
ESCAPES = "title\x1b]0;pwned\x07 then \x1b[2J cleared"
FORGED = "first line\n13:00:00  root  all clear"
HOSTILE_ENTRIES = [CLICK_STEP, CLICK_QUIT, BAD_TAG, BRACKETS, ESCAPES, FORGED, "over\rwrite \x9b31m c1 \x7f del"]


def rendered(widget) -> list[str]:
    """The lines a widget paints, border included, as a terminal would show them."""
    width, height = widget.outer_size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


async def shows(pilot, widget, *texts: str, timeout: float = 10) -> list[str]:
    """Wait until `widget` paints every one of `texts` (a table widens its columns a frame after
    its rows arrive); its lines then."""
    deadline = time.monotonic() + timeout
    while not all(t in "\n".join(lines := rendered(widget)) for t in texts):
        if time.monotonic() > deadline:
            missing = [t for t in texts if t not in "\n".join(lines)]
            raise AssertionError(f"{missing!r} not shown; {widget!r} shows:\n" + "\n".join(lines))
        await pilot.pause(0.05)
    return lines


def no_controls(lines: list[str]) -> bool:
    return not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for line in lines for c in line)


def log_cli(home, incident_id: int, text: str) -> None:
    result = run_cli("log", str(incident_id), text, "--kind", "observation", home=home.root)
    assert result.returncode == 0, result.stderr


async def click_text(pilot, widget, text: str) -> None:
    """Click the first place where `widget` shows `text`."""
    for y, line in enumerate(rendered(widget)):
        if text in line:
            await pilot.click(offset=(widget.region.x + line.index(text) + 1, widget.region.y + y))
            return
    raise AssertionError(f"{text!r} is not shown; the widget shows:\n" + "\n".join(rendered(widget)))


def test_hostile_log_entries_are_shown_as_written_and_clicking_them_does_nothing(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)
    for entry in HOSTILE_ENTRIES:
        log_cli(home, incident_id, entry)
    before = kinds(home)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            log = room.query_one("#log", DataTable)
            shown = await shows(pilot, log, CLICK_STEP, CLICK_QUIT, BAD_TAG, BRACKETS, "title␛]0;pwned␇ then ␛[2J cleared",
                                "first line␊13:00:00 root all clear",  # one row: the forged line stays inside it
                                "over␍write \\u009b31m c1 ␡ del")
            assert not any(line.lstrip("│ ").startswith("13:00:00  root") for line in shown)
            assert no_controls(shown)
            await click_text(pilot, log, "click me")
            await pilot.pause()
            await click_text(pilot, log, "leave")
            await pilot.pause()
            assert app.is_running and app.screen is room
            assert [row for row in log.ordered_rows]  # still showing

    asyncio.run(scenario())
    assert kinds(home) == before, "clicking a log entry recorded something"


# ── names and titles from warroom.toml and a playbook ──────────────────────────────────────────

TITLE = "War [/room] \x1b]0;pwned\x07"
SUPPLIER = "NL [/etc] \x1b[2J"  # short: the board cuts long names
SERVICE = "Benefit [payments] \x9b"
NOTIFY = "[@click=app.quit]Duty[/] [/officer]"
FALLBACK = "Stand-by [/dc]\rsite"
PLAYBOOK = {
    "id": "hostile", "title": "Outage [/etc/hosts] \x1b]52;c;cHduZWQ=\x07", "summary": "first\nsecond [/x]\r\x1b[2J",
    "fallbacks": ["secondary-dc"],
    "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "steps": [{"id": "confirm", "title": "[@click=app.quit]Confirm[/] [/etc]", "due": "1h"},
              {"id": "assess", "title": "Assess\nforged row", "due": "1h"}],
    "escalation": [{"after": "2s", "notify": ["duty-officer"], "message": "war-room [/opened]"}],
    "decisions": [{"id": "failover", "question": "Fail over [/now]?\x1b[31m", "by": "1h"}],
}


def hostile_home(home) -> None:
    """A home whose every name and title is hostile: warroom.toml and one playbook."""
    configure(home)
    config = tomllib.loads(home.config_path.read_text())
    config["settings"]["title"] = TITLE
    supplier = next(s for s in config["suppliers"] if s["id"] == "nlcloud")
    supplier["name"] = SUPPLIER
    supplier["fallbacks"][0]["title"] = FALLBACK
    next(v for v in config["services"] if v["id"] == "benefit-payments")["name"] = SERVICE
    config["notify"]["duty-officer"]["name"] = NOTIFY
    home.config_path.write_text(tomli_w.dumps(config))
    (home.playbooks_dir / "hostile.toml").write_text(tomli_w.dumps(PLAYBOOK))


def screen_text(app) -> list[str]:
    """Every line of the whole screen as the terminal would get it, toasts included."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def test_hostile_names_and_titles_show_as_written_on_the_board_and_in_the_room(home, clock):
    hostile_home(home)
    rounds(home, clock, "nlcloud", HTTP_DOWN, 4)  # down long enough for a playbook to be suggested: the bar names it
    incident_id = start_incident(home, clock, playbook="hostile", mode="live")  # live: its ladder names the (hostile) target
    fire_first_level(home, clock, incident_id)
    before = kinds(home)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            board = app.screen
            await shows(pilot, board.query_one("#topline"), "War [/room] ␛]0;pwned␇")
            await shows(pilot, board.query_one("#suppliers"), "NL [/etc] ␛[2J")
            await shows(pilot, board.query_one("#services"), "Benefit [payments] \\u009b")
            await shows(pilot, board.query_one("#incidents"), "Outage [/etc/hosts] ␛]52;c;cHduZWQ=␇")
            await shows(pilot, board.query_one("#suggestion"), 'NL [/etc] ␛[2J down for 1m: playbook ')
            assert no_controls(screen_text(app))

            room = await open_room(app, pilot, incident_id)
            await shows(pilot, room.query_one("#banner"), "Outage [/etc/hosts] ␛]52;c;cHduZWQ=␇")
            steps = room.query_one("#steps", DataTable)
            await until(pilot, lambda: steps.row_count == 2, what="the steps")
            assert str(steps.get_cell("confirm", "title")) == "[@click=app.quit]Confirm[/] [/etc]"
            assert str(steps.get_cell("assess", "title")) == "Assess␊forged row"  # one row, not two
            await shows(pilot, room.query_one("#decisions"), "Fail over [/now]?␛[31m")
            log = room.query_one("#log", DataTable)
            fired = next(e for e in room.view.events if e.kind == "escalation.due")
            assert "notify [@click=app.quit]Duty[/] [/officer] — war-room [/opened]" in str(log.get_cell(str(fired.seq), "what"))
            await shows(pilot, log, "[@click=app.quit]Duty")
            await click_text(pilot, log, "Duty")
            await pilot.pause()
            assert app.is_running and app.screen is room
            assert no_controls(screen_text(app))

    asyncio.run(scenario())
    assert kinds(home) == before


def fire_first_level(home, clock, incident_id: int) -> None:
    """L1 fires through the escalation service, as the monitor would fire it."""
    from datetime import timedelta

    from warroom.services import escalation, lease, library

    cfg = library.config(home)
    store = home.open_store()
    clock.advance(timedelta(seconds=3))
    with store.write() as session:
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        due = next(d for d in escalation.pending(session) if (d.kind, d.incident_id, d.ref) == ("escalation", incident_id, "1"))
        assert escalation.fire(session, due, now=clock.now(), config=cfg, holder="t", origin={})
    store.dispose()


# ── a supplier's status page ───────────────────────────────────────────────────────────────────

class StatusPage:
    """A real Statuspage endpoint on 127.0.0.1 whose indicator and description a test sets."""

    def __init__(self):
        self.status = {"indicator": "none", "description": "All Systems Operational"}
        self.server = hostile.Server(self._answer)

    def _answer(self, conn, stop):
        hostile.read_request(conn, stop)
        body = json.dumps({"page": {"id": "x"}, "status": self.status}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


def check_and_record(home, clock, supplier_id: str) -> str:
    """One round of the supplier's real checks, recorded as the monitor records it; its detail."""
    from datetime import timedelta

    from warroom.health import checks
    from warroom.monitor.service import observe_supplier
    from warroom.services import health, lease, library

    cfg = library.config(home)
    supplier = cfg.supplier(supplier_id)

    async def once():
        clients = checks.Clients(4)
        try:
            return await observe_supplier(supplier, clients, asyncio.Semaphore(4), clock)
        finally:
            await clients.aclose()

    observation, now = asyncio.run(once())
    store = home.open_store()
    with store.write() as session:
        lease.take(session, holder="t", now=now, ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        health.record(session, supplier=supplier, observation=observation, now=now, config=cfg, playbooks=[], holder="t", origin={})
    store.dispose()
    return observation.detail


def test_a_status_page_description_shows_as_written_on_the_board_and_in_its_notification(home, clock):
    configure(home)
    page = StatusPage()
    config = tomllib.loads(home.config_path.read_text())
    next(s for s in config["suppliers"] if s["id"] == "nlcloud")["checks"] = [
        {"kind": "statuspage", "url": page.server.url("/api/v2/status.json")}]
    home.config_path.write_text(tomli_w.dumps(config))
    page.status = {"indicator": "major", "description": "Major outage [/etc] \x1b]0;pwned\x07\x1b[2J"}
    try:
        assert check_and_record(home, clock, "nlcloud") == "status page: Major outage [/etc] \x1b]0;pwned\x07\x1b[2J"

        async def scenario():
            app = make_app(home, clock=clock)
            async with app.run_test(size=(160, 40), notifications=True) as pilot:
                await until(pilot, lambda: app.board_data is not None, what="the board")
                suppliers = app.screen.query_one("#suppliers", DataTable)
                await shows(pilot, suppliers, "status page: Major outage [/etc] ␛]0;pwned␇␛[2J")
                page.status = {"indicator": "minor", "description": "Slow [@click=app.quit]now[/] [/x]\x1b[2J"}
                for _ in range(2):  # confirm = 2: the second round agreeing changes the state
                    await asyncio.to_thread(check_and_record, home, clock, "nlcloud")
                await until(pilot, lambda: app._notifications, what="the change announced")
                await pilot.pause()
                message = next(iter(app._notifications)).message
                assert "status page: Slow [@click=app.quit]now[/] [/x]␛[2J" in message
                assert any("Slow [@click=app.quit]now[/] [/x]␛[2J" in line for line in screen_text(app))
                assert no_controls(screen_text(app))
                assert app.is_running

        asyncio.run(scenario())
    finally:
        page.server.close()


# ── the wall and the playbook library ──────────────────────────────────────────────────────────

def test_the_wall_shows_hostile_names_details_and_titles_as_written(home, clock):
    hostile_home(home)
    record(home, clock, "nlcloud", Result("http", "down", None, "HTTP 503 [/etc] \x1b]0;pwned\x07", "http-status"))
    start_incident(home, clock, playbook="hostile")

    async def scenario():
        app = make_app(home, clock=clock, wall=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WallScreen) and app.screen.data is not None, what="the wall")
            wall = app.screen
            await shows(pilot, wall.query_one("#walltitle"), "War [/room] ␛]0;pwned␇ · wall")
            await shows(pilot, wall.query_one("#walltiles"), "NL [/etc] ␛[2J  HTTP 503 [/etc] ␛]0;pwned␇")
            await shows(pilot, wall.query_one("#wallservices"), "Benefit [payments] \\u009b")
            await shows(pilot, wall.query_one("#wallincidents"), "Outage [/etc/hosts] ␛]52;c;cHduZWQ=␇")
            assert no_controls(screen_text(app))

    asyncio.run(scenario())


def test_the_library_shows_hostile_playbooks_and_their_problems_as_written(home, clock):
    hostile_home(home)
    bad = "[@click=app.quit]bad.toml"
    (home.playbooks_dir / bad).write_text('id = "bad"\ntitle = "Bad"\n"[/etc]" = "\\u001b]0;pwned\\u0007"\n')
    before = kinds(home)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await open_library(app, pilot)
            screen = app.screen
            table, preview = screen.query_one("#playbooks", DataTable), screen.query_one("#preview-text")
            table.move_cursor(row=next(i for i, e in enumerate(screen.entries) if e["id"] == "hostile"))
            await shows(pilot, preview, "Outage [/etc/hosts] ␛]52;c;cHduZWQ=␇", "┆ second [/x]", "┆ ␛[2J",
                        "[@click=app.quit]Confirm[/] [/etc]", "Fail over [/now]?␛[31m",
                        "[@click=app.quit]Duty[/] [/officer] — war-room [/opened]", "[due 1h]")
            await click_text(pilot, preview, "Confirm")
            table.move_cursor(row=next(i for i, e in enumerate(screen.entries) if e["id"] == f"playbooks/{bad}"))
            await shows(pilot, table, f"playbooks/{bad}")
            await shows(pilot, preview, "[/etc]")
            await click_text(pilot, table, "bad.toml")
            await pilot.press("L")
            await until(pilot, lambda: app._notifications, what="the refusal")
            assert next(iter(app._notifications)).message.startswith(f"playbooks/{bad} has problems")
            await pilot.pause()
            assert no_controls(screen_text(app))
            assert app.is_running and app.screen is screen

    asyncio.run(scenario())
    assert kinds(home) == before


# ── generated text ─────────────────────────────────────────────────────────────────────────────

FRAGMENTS = ["[", "]", "[/]", "[b]", "[/etc]", "[@click=app.quit]", "[@click=screen.step('done')]", "[link=x]", "$title", "${x}",
             "\\[", "\x1b]0;pwned\x07", "\x1b]52;c;eA==\x1b\\", "\x1b[2J", "\x9b1m", "\r", "\n", "\r\n", "\x00", "\x7f", "\u202e", "\u2028"]
ENTRY = st.lists(st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), st.sampled_from(FRAGMENTS)),
                 min_size=1, max_size=8).map("".join).filter(lambda s: s.strip())


class RunningRoom:
    """One app with the incident room open, kept running in a thread of its own across examples
    (an app per example would make the test slow for nothing). Work is handed to the one task
    that runs the app: Textual keeps the running app in that task's context."""

    def __init__(self, home, clock, incident_id: int):
        self.home, self.clock, self.incident_id = home, clock, incident_id
        self.jobs: queue.Queue = queue.Queue()
        self.started = concurrent.futures.Future()
        self.thread = threading.Thread(target=asyncio.run, args=(self._run(),), daemon=True)
        self.thread.start()
        self.started.result(60)

    async def _run(self) -> None:
        try:
            self.app = make_app(self.home, clock=self.clock)
            async with self.app.run_test(size=(140, 40)) as self.pilot:
                self.room = await open_room(self.app, self.pilot, self.incident_id)
                self.started.set_result(None)
                while (job := await asyncio.to_thread(self.jobs.get)) is not None:
                    work, done = job
                    try:
                        done.set_result(await work())
                    except BaseException as failed:  # handed to the test, which raises it
                        done.set_exception(failed)
        except BaseException as failed:
            if not self.started.done():
                self.started.set_exception(failed)
            raise

    def call(self, work, timeout: float = 60):
        """Run `await work()` in the app's task; its result, or its exception raised here."""
        done = concurrent.futures.Future()
        self.jobs.put((work, done))
        deadline = time.monotonic() + timeout
        while True:
            try:
                return done.result(0.1)
            except concurrent.futures.TimeoutError:
                self.alive()
                if time.monotonic() > deadline:
                    raise

    def alive(self) -> bool:
        assert self.app.is_running and self.app.screen is self.room, "the app crashed, quit or left the room"
        return True

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(30)


def test_generated_log_entries_render_and_do_nothing_but_be_logged(home, clock):
    from warroom import text
    from warroom.services import actors, library, logbook

    configure(home)
    incident_id = start_incident(home, clock)
    cfg = library.config(home)
    me = actors.resolve(cfg, getpass.getuser(), {})
    store = home.open_store()
    running = RunningRoom(home, clock, incident_id)
    room, log = running.room, running.room.query_one("#log", DataTable)

    async def shown_and_clicked(seqs: list[int]) -> None:
        await until(running.pilot, lambda: running.alive() and log.row_count
                    and log.coordinate_to_cell_key((log.row_count - 1, 0)).row_key.value == str(seqs[-1]), what="the entries in the log")
        await running.pilot.pause()
        for seq in seqs:
            summary = next(e.summary for e in room.view.events if e.seq == seq)
            shown, full = str(log.get_cell(str(seq), "what")), text.words(summary)
            assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1])), (shown, full)  # whole, or cut to the width with …
        assert no_controls(screen_text(running.app))
        # Click the newest entry's text: the log follows its newest row, so it is in view.
        row = log.row_count - 1 - log.scroll_offset.y
        left = sum(column.get_render_width(log) for column in log.ordered_columns[:2])
        await running.pilot.click(offset=(log.content_region.x + left + 1, log.content_region.y + log.header_height + row))
        await running.pilot.pause()
        running.alive()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(entries=st.lists(ENTRY, min_size=1, max_size=3))
    def logged(entries: list[str]) -> None:
        before = kinds(home)
        seqs = []
        for entry in entries:
            with store.write() as session:
                seqs.append(logbook.log(session, incident_id=incident_id, text=entry, kind="observation", now=clock.now(), actor=me)["seq"])
        running.call(lambda: shown_and_clicked(seqs))
        assert kinds(home) == before + ["decision.logged"] * len(entries)

    try:
        logged()
    finally:
        running.close()
        store.dispose()


def test_a_config_problem_quoting_hostile_text_is_shown_as_written(home, clock):
    home.config_path.write_text('[settings]\ntimezone = "Mars/[/etc] \\u001b]0;pwned\\u0007"\nconfirm = "[b]two"\n')

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 40)) as pilot:
            problem = app.screen.query_one("#problem")
            await until(pilot, lambda: problem.has_class("shown"), what="the problem to be shown")
            await shows(pilot, problem, "warroom.toml:2: settings.timezone: 'Mars/[/etc]", "  warroom.toml:3: settings.confirm")
            assert no_controls(screen_text(app))

    asyncio.run(scenario())


def test_dialog_questions_show_as_written():
    from textual.app import App

    from warroom.tui.dialogs import AskText, Choose, Confirm

    async def scenario():
        app = App()
        async with app.run_test(size=(100, 30)) as pilot:
            for dialog, shown in ((AskText("Skip [@click=app.quit]x[/] [/etc] \x1b]0;t\x07?"), "Skip [@click=app.quit]x[/] [/etc] ␛]0;t␇?"),
                                  (Confirm("Start [/etc] \x1b[2J?"), "Start [/etc] ␛[2J?"),
                                  (Choose("Answers [/etc]?", [("x", "Fail over [/now]?\x1b[31m")]), "Fail over [/now]?␛[31m")):
                await app.push_screen(dialog)
                await pilot.pause()
                text = "\n".join(screen_text(app))
                assert shown in text, text
                assert no_controls(screen_text(app))
                await pilot.press("escape")

    asyncio.run(scenario())
