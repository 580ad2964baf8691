"""Text that people, files and suppliers wrote, in the real TUI: shown literally, never acting.

Markup in a log entry must not become a link that records a step in the clicker's name or quits
the app; a bracket must not crash a screen or vanish; a control character must reach the terminal
as a visible symbol. Each case goes in through the real CLI, files or a real server on 127.0.0.1,
and is read back from what the widgets render."""

from __future__ import annotations

import asyncio
import json
import tomllib

import tomli_w
from textual.geometry import Region
from textual.widgets import DataTable

from tests import hostile
from tests.conftest import run_cli
from tests.test_incidents import configure
from tests.tui.test_board import until
from tests.tui.test_room import kinds, open_room, start_incident
from warroom.tui.app import make_app

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
            await until(pilot, lambda: log.row_count == len(room.view["events"]), what="the whole log")
            await pilot.pause()
            shown = rendered(log)
            text = "\n".join(shown)
            for literal in (CLICK_STEP, CLICK_QUIT, BAD_TAG, BRACKETS):
                assert literal in text, f"{literal!r} not shown as written:\n{text}"
            assert "title␛]0;pwned␇ then ␛[2J cleared" in text
            assert "first line␊13:00:00  root  all clear" in text  # one row: the forged line stays inside it
            assert not any(line.lstrip("│ ").startswith("13:00:00  root") for line in shown)
            assert "over␍write \\u009b31m c1 ␡ del" in text
            assert no_controls(shown)
            await click_text(pilot, log, "click me")
            await pilot.pause()
            await click_text(pilot, log, "leave")
            await pilot.pause()
            assert app.is_running and app.screen is room
            assert [row for row in log.ordered_rows]  # still showing

    asyncio.run(scenario())
    assert kinds(home) == before, "clicking a log entry recorded something"
