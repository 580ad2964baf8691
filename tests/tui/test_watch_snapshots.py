"""Snapshots of the long-term watch screens at 80x24 and 120x40, over the README picture's moment
(fixed clock): the risk ranking and the supplier screen. Regenerate after an intended change:
uv run pytest tests/tui/test_watch_snapshots.py --snapshot-update"""

from __future__ import annotations

import pytest

from tests.docs.screenshot import MOMENT, build, until_painted
from tests.tui.test_snapshots import SIZES, loaded
from warroom.clock import MovableClock
from warroom.tui.app import make_app
from warroom.tui.watch import RisksScreen, SupplierScreen


@pytest.fixture
def moment(tmp_path):
    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_risks(snap_compare, moment, size):
    home, clock = moment

    async def ranked(pilot) -> None:
        await loaded(pilot)
        await pilot.press("R")
        await until_painted(pilot, lambda app: isinstance(app.screen, RisksScreen) and bool(app.screen.ranked)
                            and "rank 1" in str(app.screen.query_one("#factors").render()))

    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=ranked)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_supplier(snap_compare, moment, size):
    home, clock = moment

    async def detail(pilot) -> None:
        await loaded(pilot)
        pilot.app.push_screen(SupplierScreen("nlcloud"))
        await until_painted(pilot, lambda app: isinstance(app.screen, SupplierScreen)
                            and any("Availability" in str(w.render()) for w in app.screen.query("#supplierfacts")))

    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=detail)
