"""The first ten minutes, through Pilot against real homes: the demo board's first-run hint, the
command palette finding incidents, suppliers and playbooks, the library's preview by keyboard,
and the help screen."""

from __future__ import annotations

import asyncio

from tests.tui.test_board import until
from warroom import hints
from warroom.demo import demo_config
from warroom.services import homes
from warroom.tui.app import make_app
from warroom.tui.hint import FirstRunHint


def demo_home(tmp_path, clock, name: str = "demo"):
    return homes.create(tmp_path / name, clock=clock, actor="alice", origin={}, config_text=demo_config(47999))


def test_the_demo_board_says_what_to_try_until_hidden_and_then_never_again(tmp_path, clock):
    home = demo_home(tmp_path, clock)

    async def first_run() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            hint = app.screen.query_one(FirstRunHint)
            await until(pilot, lambda: hint.shown, what="the first-run hint")
            shown = str(hint.render())
            assert "f" in shown and "NLCloud Hosting B.V." in shown and "hide this hint" in shown
            assert hint.region.height >= 2 and hint.region.y + hint.region.height <= 23  # above the footer, whole
            await pilot.press("h")
            await until(pilot, lambda: not hint.shown, what="the hint to go")
            assert not hint.region.height

    async def second_run() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.screen.who, what="the board")
            await pilot.pause()
            assert not app.screen.query_one(FirstRunHint).shown

    asyncio.run(first_run())
    assert hints.FIRST_RUN in hints.dismissed(home)
    assert "first-run" in (home.root / hints.FILE).read_text()  # in the home, not the event log
    asyncio.run(second_run())


def test_no_hint_in_a_home_without_a_simulator(home, clock):
    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.screen.who, what="the board")
            await pilot.pause()
            assert not app.screen.query_one(FirstRunHint).shown
            await pilot.press("h")  # nothing to hide: the key does nothing
            assert not (home.root / hints.FILE).exists()

    asyncio.run(scenario())
