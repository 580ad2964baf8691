"""Snapshots of each screen at 80x24 and 120x40, over the README picture's moment (fixed clock).
Regenerate after an intended change: uv run pytest tests/tui/test_snapshots.py --snapshot-update"""

from __future__ import annotations

import pytest

from warroom.clock import MovableClock
from warroom.tui.app import make_app
from warroom.tui.room import IncidentScreen
from warroom.tui.screenshot import MOMENT, build
from warroom.tui.wall import WallScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def moment(tmp_path):
    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


async def loaded(pilot) -> None:
    for _ in range(400):
        if pilot.app.board_data is not None:
            break
        await pilot.pause(0.02)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_room(snap_compare, moment, size):
    home, clock = moment

    async def open_room(pilot) -> None:
        await loaded(pilot)
        pilot.app.open_room(2)
        for _ in range(400):
            if isinstance(pilot.app.screen, IncidentScreen) and pilot.app.screen.view is not None:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=open_room)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall(snap_compare, moment, size):
    home, clock = moment

    async def wall_loaded(pilot) -> None:
        await loaded(pilot)
        for _ in range(100):
            if isinstance(pilot.app.screen, WallScreen) and pilot.app.screen.data is not None:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(make_app(home, clock=clock, wall=True), terminal_size=size, run_before=wall_loaded)
