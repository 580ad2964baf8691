"""The incident room through Pilot, against a real home: every action lands in the database
through the services, and shows in the room (and in a second app on the same home)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from textual.widgets import DataTable, Input, Static

from tests.test_incidents import configure
from tests.tui.test_board import actions_landed, until
from warroom import identity
from warroom.services import actors, incidents, library
from warroom.tui.app import make_app
from warroom.tui.dialogs import AskText
from warroom.tui.room import IncidentScreen


def start_incident(home, clock, playbook="cloud-hosting-outage", mode="drill") -> int:
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        created = incidents.start(session, playbook=library.find(home, cfg, playbook), mode=mode, now=clock.now(),
                                  actor=actors.resolve(cfg, identity.os_user(), {}))
    store.dispose()
    return created.id


def kinds(home) -> list[str]:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        return [k for (k,) in connection.execute("SELECT kind FROM event ORDER BY seq")]
    finally:
        connection.close()


def last_data(home, kind: str) -> dict:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        return json.loads(connection.execute("SELECT data FROM event WHERE kind = ? ORDER BY seq DESC", (kind,)).fetchone()[0])
    finally:
        connection.close()


async def open_room(app, pilot, incident_id: int) -> IncidentScreen:
    await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the incident on the board")
    app.screen.set_focus(app.screen.query_one("#incidents", DataTable))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="the room")
    return app.screen


def test_work_an_incident_from_the_room(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            assert "DRILL" in str(room.query_one("#roomline", Static).render())
            room.query_one("#steps", DataTable).focus()
            await pilot.press("d")  # the first step: confirm
            await until(pilot, lambda: room.view.steps[0].status == "done", what="the step to be done")
            await pilot.press("l")
            await pilot.press(*"Freeze deployments")
            room.set_focus(room.query_one("#rationale", Input))
            await pilot.press(*"avoid drift", "enter")
            await until(pilot, lambda: "decision.logged" in kinds(home), what="the decision in the log")
            assert last_data(home, "decision.logged")["rationale"] == "avoid drift"
            room.query_one("#fallbacks", DataTable).focus()
            await pilot.press("a")
            await pilot.pause()
            await pilot.press("enter")  # an empty reason is refused: the dialog stays
            await pilot.pause()
            assert isinstance(app.screen, AskText), "the dialog stays open"
            await actions_landed(app)
            assert "fallback.activated" not in kinds(home)
            await pilot.press(*"ETA 8 hours", "enter")
            await until(pilot, lambda: room.view.fallbacks[0].active, what="the fallback to be active")
            assert any(s.id == "secondary-dc-1" for s in room.view.steps)
            await pilot.press("r")
            await pilot.press("y")
            await until(pilot, lambda: room.view.incident.status == "resolved", what="resolved")
            await pilot.press("escape")
            assert app.open_incident is None

    asyncio.run(scenario())
    assert kinds(home)[-1] == "incident.resolved"


def test_an_illegal_action_is_a_notification_and_changes_nothing(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            room = await open_room(app, pilot, incident_id)
            before = kinds(home)
            await pilot.press("c", "y")  # close an open incident: refused by the service
            await until(pilot, lambda: any("resolve it first" in n.message for n in app._notifications), what="the refusal")
            assert kinds(home) == before and room.view.incident.status == "open"

    asyncio.run(scenario())


def test_an_observer_gets_a_read_only_room_that_says_so(home, clock):
    configure(home, people=True)  # root is not in [people]: an observer
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        incident_id = incidents.start(session, playbook=library.find(home, cfg, "quick-drill"), mode="live", now=clock.now(),
                                      actor=actors.resolve(cfg, "alice", {})).id
    store.dispose()

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.role == "observer", what="identity")
            room = await open_room(app, pilot, incident_id)
            assert "READ-ONLY: you are an observer" in str(room.query_one("#readonly", Static).render())
            assert not room.query_one("#entry").display
            before = kinds(home)
            room.query_one("#steps", DataTable).focus()
            await pilot.press("d")
            await until(pilot, lambda: any("observer cannot" in n.message for n in app._notifications), what="the refusal")
            assert kinds(home) == before

    asyncio.run(scenario())


def test_two_apps_on_one_home_see_each_others_actions(home, clock):
    configure(home)
    incident_id = start_incident(home, clock)

    async def scenario():
        first, second = make_app(home, clock=clock), make_app(home, clock=clock)
        async with first.run_test(size=(120, 40)) as one, second.run_test(size=(120, 40)) as two:
            room_one = await open_room(first, one, incident_id)
            room_two = await open_room(second, two, incident_id)
            room_one.query_one("#steps", DataTable).focus()
            await one.press("s")
            await until(two, lambda: room_two.view.steps[0].status == "started", timeout=5, what="the other app to see it")

    asyncio.run(scenario())
