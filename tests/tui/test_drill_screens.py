"""Drill screens through Pilot against a real home: a player's TUI never shows an upcoming inject
while a facilitator's MSEL does (and fires, holds, skips); a fired inject is announced on every
screen; the review screen of a resolved drill records an evaluator's observation."""

from __future__ import annotations

import asyncio
import tomllib

import tomli_w
from textual.widgets import DataTable, Static

from tests.test_drills import DRILL
from tests.tui.test_board import until
from tests.tui.test_room import kinds, open_room
from warroom import identity
from warroom.services import actors, drills, incidents, library
from warroom.tui.app import make_app
from warroom.tui.dialogs import AskText
from warroom.tui.msel import MselScreen
from warroom.tui.review import ReviewScreen

ME = identity.os_user()
SCRIPT = ("Press office: journalists are calling", "nlcloud=down")


def as_role(home, role: str) -> None:
    """This OS user in [people] with `role`; the drill is started by alice, so only the role makes a facilitator."""
    config = tomllib.loads(home.config_path.read_text())
    config["people"][ME] = {"name": "Me", "role": role}
    home.config_path.write_text(tomli_w.dumps(config))
    (home.playbooks_dir / "drill-e2e.toml").write_text(tomli_w.dumps(DRILL))


def start_drill(home, clock) -> int:
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        created = incidents.start(session, playbook=library.find(home, cfg, "drill-e2e"), mode="drill", now=clock.now(),
                                  actor=actors.resolve(cfg, "alice", {}))
    store.dispose()
    return created.id


def shown(screen) -> str:
    """Every cell of every table and every line of text on a screen."""
    out = [str(s.render()) for s in screen.query(Static)]
    for table in screen.query(DataTable):
        out += [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
    return "\n".join(out)


def test_a_players_tui_never_shows_an_upcoming_inject(home, clock):
    as_role(home, "coordinator")
    incident_id = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MselScreen) and "facilitator" in str(app.screen.query_one("#mselline").render()),
                        what="the MSEL's refusal")
            msel = app.screen
            assert msel.query_one("#msel", DataTable).row_count == 0
            for screen in (msel, room):
                for secret in SCRIPT:
                    assert secret not in shown(screen)

    asyncio.run(scenario())


def test_a_facilitators_msel_shows_every_inject_and_skips_one(home, clock):
    as_role(home, "facilitator")
    incident_id = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MselScreen) and app.screen.query_one("#msel", DataTable).row_count == 2,
                        what="the MSEL's injects")
            msel = app.screen
            text = shown(msel)
            assert SCRIPT[0] in text and "fault nlcloud=down" in text and "upcoming" in text
            msel.query_one("#msel", DataTable).focus()
            await pilot.press("x")  # skip the first
            await until(pilot, lambda: "drill.skipped" in kinds(home), what="the skip")
            await until(pilot, lambda: "skipped" in shown(msel), what="the MSEL to show it skipped")

    asyncio.run(scenario())


def test_a_fired_inject_is_announced_to_a_coordinator_on_the_board(home, clock):
    as_role(home, "coordinator")
    incident_id = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            cfg = library.config(home)
            store = home.open_store()
            with store.write() as session:
                plan = drills.scripted(session, incident_id, 1)
                drills.record(session, plan, error=None, now=clock.now(), actor=actors.resolve(cfg, "alice", {}), by_monitor=False)
            store.dispose()
            await until(pilot, lambda: any(f"DRILL #{incident_id}" in n.message and SCRIPT[0] in n.message for n in app._notifications),
                        what="the inject's notification")

    asyncio.run(scenario())


def test_the_review_screen_of_a_resolved_drill_records_an_observation(home, clock):
    as_role(home, "coordinator")
    incident_id = start_drill(home, clock)
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        incidents.transition(session, incident_id=incident_id, to="resolved", now=clock.now(), actor=actors.resolve(cfg, "alice", {}))
    store.dispose()

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            app.open_room(incident_id)
            await pilot.pause()
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.query_one("#rsteps", DataTable).row_count == 3,
                        what="the review")
            review = app.screen
            assert "untouched" in shown(review) and "acknowledge" in shown(review)
            review.query_one("#rsteps", DataTable).focus()
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the question")
            await pilot.press(*"Nobody confirmed", "enter")
            await until(pilot, lambda: "review.observation" in kinds(home), what="the observation")
            await until(pilot, lambda: "Nobody confirmed" in shown(review), what="the observation on screen")

    asyncio.run(scenario())


def test_the_review_screen_says_which_clock_a_late_step_is_in_and_what_the_ended_drill_never_reached(home, clock):
    from datetime import timedelta

    as_role(home, "coordinator")
    cfg = library.config(home)
    alice = actors.resolve(cfg, "alice", {})
    store = home.open_store()
    with store.write() as session:
        incident_id = incidents.start(session, playbook=library.find(home, cfg, "drill-e2e"), mode="drill", now=clock.now(), actor=alice,
                                      speed=4).id  # confirm due 2 min of scenario time: 30 s of wall-clock
    clock.advance(timedelta(seconds=90))
    with store.write() as session:
        incidents.step(session, incident_id=incident_id, step_id="confirm", action="done", note=None, now=clock.now(), actor=alice)
        incidents.transition(session, incident_id=incident_id, to="resolved", now=clock.now(), actor=alice)
    store.dispose()

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            app.open_room(incident_id)
            await pilot.pause()
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.query_one("#rsteps", DataTable).row_count == 3,
                        what="the review")
            assert "4m scenario (1m wall)" in shown(app.screen) and "not reached" in shown(app.screen)

    asyncio.run(scenario())


def test_during_a_drill_the_boards_break_key_is_a_logged_inject_of_that_drill(tmp_path, clock):
    from tests.conftest import Process, wait_for
    from tests.test_simulate_set import modes_of
    from tests.tui.test_board import press_fault_on
    from warroom.demo import demo_config
    from warroom.services import homes

    sim = Process("simulate", "--port", "0")
    try:
        port = int(wait_for(lambda: next((line for line in sim.lines if line.isdigit()), None), what="the simulator's port"))
        base = f"http://127.0.0.1:{port}"
        home = homes.create(tmp_path / "home", clock=clock, actor="alice", origin={}, config_text=demo_config(port, commander=ME))
        (home.playbooks_dir / "drill-e2e.toml").write_text(tomli_w.dumps(DRILL))
        cfg = library.config(home)
        store = home.open_store()
        with store.write() as session:
            incident_id = incidents.start(session, playbook=library.find(home, cfg, "drill-e2e"), mode="drill", now=clock.now(),
                                          actor=actors.resolve(cfg, ME, {})).id
        store.dispose()

        async def scenario():
            app = make_app(home, clock=clock)
            async with app.run_test(size=(140, 40), notifications=True) as pilot:
                await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the drill on the board")
                await press_fault_on(app, pilot, "paybank")
                await until(pilot, lambda: modes_of(base).get("paybank") == "down", what="paybank broken in the simulator")
                await until(pilot, lambda: "drill.inject" in kinds(home), what="the break logged as an inject")

        asyncio.run(scenario())
    finally:
        sim.stop()
    from tests.test_drills import rows

    (inject,) = rows(home, "drill.inject")
    assert inject["incident"] == incident_id and inject["data"]["fault"] == {"supplier": "paybank", "mode": "down"}
    assert inject["data"]["inject"] is None and inject["actor"] == ME


def test_in_a_room_an_inject_is_said_on_the_notice_line_not_over_the_entry_line(home, clock):
    """A toast at the bottom covered the entry line a player was typing in (and hid it from a test
    that waited for it to take the focus)."""
    from textual.widgets import Static

    from tests.tui.test_room import open_room

    as_role(home, "coordinator")
    incident_id = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            room = await open_room(app, pilot, incident_id)
            cfg = library.config(home)
            store = home.open_store()
            with store.write() as session:
                plan = drills.scripted(session, incident_id, 1)
                drills.record(session, plan, error=None, now=clock.now(), actor=actors.resolve(cfg, "alice", {}), by_monitor=False)
            store.dispose()
            notice = room.query_one("#notice", Static)
            await until(pilot, lambda: f"DRILL #{incident_id}" in str(notice.render()) and SCRIPT[0] in str(notice.render()),
                        what="the inject on the room's notice line")
            assert not any(f"DRILL #{incident_id}" in n.message for n in app._notifications)

    asyncio.run(scenario())
