"""The playbook library and playbook suggestions through Pilot, against a real home."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from textual.widgets import DataTable, Static

from tests.test_health_states import HTTP_DOWN, HTTP_UP
from tests.test_incidents import configure
from tests.tui.test_board import until
from tests.tui.test_room import kinds, last_data, open_library
from warroom.health.states import observe
from warroom.services import health, lease, library
from warroom.tui.app import make_app


def rounds(home, clock, supplier_id, result, count: int, every=timedelta(seconds=30)) -> None:
    cfg = library.config(home)
    playbooks = [e.playbook for e in library.library(home, cfg) if e.playbook and not e.problems]
    store = home.open_store()
    for _ in range(count):
        with store.write() as session:
            lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
            health.record(session, supplier=cfg.supplier(supplier_id), observation=observe([result]), now=clock.now(),
                          config=cfg, playbooks=playbooks, holder="t", origin={})
        clock.advance(every)
    store.dispose()


def test_start_a_drill_from_the_library_and_see_problems_inline(home, clock):
    configure(home)
    (home.playbooks_dir / "broken.toml").write_text('id = "broken"\ntitle = "Broken"\n')

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_library(app, pilot)
            screen = app.screen
            table = screen.query_one("#playbooks", DataTable)
            broken = next(i for i, e in enumerate(screen.entries) if e["id"] == "playbooks/broken.toml")
            table.move_cursor(row=broken)
            await pilot.pause()
            assert "steps: required key is missing" in str(screen.query_one("#preview-text", Static).render())
            quick = next(i for i, e in enumerate(screen.entries) if e["id"] == "quick-drill")
            table.move_cursor(row=quick)
            await pilot.pause()
            assert "L1  after 2s" in str(screen.query_one("#preview-text", Static).render())
            assert screen.query_one("#preview").region.height == screen.query_one("#library").region.height  # the panel is the layout's height
            await pilot.press("D", "y")
            await until(pilot, lambda: app.board_data and app.board_data.status.incidents, what="the drill on the board")
            assert app.board_data.status.incidents[0].mode == "drill"
            await until(pilot, lambda: getattr(app.screen, "incident_id", None) == app.board_data.status.incidents[0].id,
                        what="the drill's room: who starts it has work there")

    asyncio.run(scenario())


def test_a_suggestion_can_be_started_and_state_changes_are_announced(home, clock):
    configure(home)
    rounds(home, clock, "nlcloud", HTTP_UP, 1)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await asyncio.to_thread(rounds, home, clock, "nlcloud", HTTP_DOWN, 6)  # down, then for over a minute
            bar = app.screen.query_one("#suggestion", Static)
            await until(pilot, lambda: bar.has_class("shown"), what="the suggestion bar")
            assert 'playbook "quick-drill" suggested' in str(bar.render())
            await until(pilot, lambda: any("NLCloud Hosting B.V. down" in n.message for n in app._notifications),
                        what="the change told (changes are gathered for 2 s)")
            await pilot.press("D")
            await until(pilot, lambda: app.board_data.status.incidents, what="the suggested drill")
            await until(pilot, lambda: getattr(app.screen, "incident_id", None) == app.board_data.status.incidents[0].id, what="its room")
            await pilot.press("q")  # back to the board
            await until(pilot, lambda: not bar.has_class("shown"), what="the bar to go once answered")

    asyncio.run(scenario())
    assert last_data(home, "incident.opened")["playbook"] == "quick-drill"


def test_dismissing_a_suggestion_is_logged(home, clock):
    configure(home)
    rounds(home, clock, "nlcloud", HTTP_DOWN, 6)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            bar = app.screen.query_one("#suggestion", Static)
            await until(pilot, lambda: bar.has_class("shown"), what="the suggestion bar")
            await pilot.press("x")
            await until(pilot, lambda: not bar.has_class("shown"), what="the bar to go")

    asyncio.run(scenario())
    assert "playbook.dismissed" in kinds(home) and last_data(home, "playbook.dismissed")["playbook"] == "quick-drill"


def test_a_players_library_preview_counts_the_drill_injects_and_a_facilitators_shows_them(home, clock):
    import tomllib

    import tomli_w

    from tests.test_drills import DRILL
    from warroom import identity

    (home.playbooks_dir / "drill-e2e.toml").write_text(tomli_w.dumps(DRILL))
    config = tomllib.loads(home.config_path.read_text())

    async def preview_as(role: str) -> str:
        config["people"][identity.os_user()] = {"name": "Me", "role": role}
        home.config_path.write_text(tomli_w.dumps(config))
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 50)) as pilot:
            await open_library(app, pilot)
            screen = app.screen
            screen.query_one("#playbooks", DataTable).move_cursor(row=next(i for i, e in enumerate(screen.entries) if e["id"] == "drill-e2e"))
            await pilot.pause()
            return str(screen.query_one("#preview-text", Static).render())

    player = asyncio.run(preview_as("coordinator"))
    assert "2 scripted injects (the facilitator's MSEL)" in player and "journalists" not in player and "nlcloud=down" not in player
    facilitator = asyncio.run(preview_as("facilitator"))
    assert "journalists" in facilitator and "fault nlcloud=down" in facilitator and "scripted injects" not in facilitator
