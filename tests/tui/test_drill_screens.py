"""Drill screens through Pilot against a real home: a player's TUI never shows an upcoming inject
while a facilitator's MSEL does (and fires, holds, skips); a fired inject is announced on every
screen; the review screen of a resolved drill records an evaluator's observation."""

from __future__ import annotations

import asyncio
import tomllib

import tomli_w
from textual.widgets import DataTable, Input, Static

from tests.conftest import run_cli
from tests.test_drills import DRILL
from tests.tui.test_board import until
from tests.tui.test_room import kinds, open_room
from warroom import identity
from warroom.services import actors, drills, incidents, library
from warroom.tui.app import make_app
from warroom.tui.dialogs import AskText, Choose
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


def fire_scripted(home, clock, incident_id: int, n: int = 1, *more: int) -> None:
    """Scripted inject n (and `more`), fired by alice as a facilitator does, in one transaction."""
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        for each in (n, *more):
            plan = drills.scripted(session, incident_id, each)
            drills.record(session, plan, now=clock.now(), actor=actors.resolve(cfg, "alice", {}), by_monitor=False)
    store.dispose()


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
    added = run_cli("drill", "inject", str(incident_id), "--message", "Phone the press desk", home=home.root)
    assert added.returncode == 0, added.stderr

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MselScreen) and app.screen.query_one("#msel", DataTable).row_count == 3,
                        what="the MSEL's injects")
            msel = app.screen
            text = shown(msel)
            assert SCRIPT[0] in text and "fault nlcloud=down" in text and "upcoming" in text
            table = msel.query_one("#msel", DataTable)
            (by_hand,) = [table.get_row_at(i) for i in range(table.row_count) if "Phone the press desk" in str(table.get_row_at(i)[-1])]
            assert str(by_hand[0]) == "+" and "+: added by hand, not scripted" in text  # never a cut "ad"
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
            fire_scripted(home, clock, incident_id)
            await until(pilot, lambda: any(f"DRILL #{incident_id}" in n.message and SCRIPT[0] in n.message for n in app._notifications),
                        what="the inject's notification")

    asyncio.run(scenario())


def test_the_review_screen_of_a_resolved_drill_records_an_observation(home, clock):
    as_role(home, "coordinator")
    incident_id = resolved_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            review = await open_review(app, pilot, incident_id)
            await until(pilot, lambda: review.query_one("#rsteps", DataTable).row_count == 3, what="the review's steps")
            assert "untouched" in shown(review) and "acknowledge" in shown(review)
            review.query_one("#rsteps", DataTable).focus()
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, Choose) and app.screen.choices[0][0] == "step:confirm",
                        what="the selected step, offered first")
            await pilot.press("enter")
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
            await open_review(app, pilot, incident_id)
            await until(pilot, lambda: app.screen.query_one("#rsteps", DataTable).row_count == 3, what="the review's steps")
            assert "4m scenario (1m wall-clock)" in shown(app.screen) and "not reached" in shown(app.screen)

    asyncio.run(scenario())


def test_during_a_drill_the_boards_break_key_is_a_logged_inject_of_that_drill(tmp_path, clock, simulator):
    from tests.test_simulate_set import modes_of
    from tests.tui.test_board import press_fault_on
    from warroom.demo import demo_config
    from warroom.services import homes

    base = simulator
    port = int(base.rsplit(":", 1)[1])
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
            fire_scripted(home, clock, incident_id)
            notice = room.query_one("#notice", Static)
            await until(pilot, lambda: f"DRILL #{incident_id}" in str(notice.render()) and SCRIPT[0] in str(notice.render()),
                        what="the inject on the room's notice line")
            assert not any(f"DRILL #{incident_id}" in n.message for n in app._notifications)

    asyncio.run(scenario())


def resolved_drill(home, clock) -> int:
    incident_id = start_drill(home, clock)
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        incidents.transition(session, incident_id=incident_id, to="resolved", now=clock.now(), actor=actors.resolve(cfg, "alice", {}))
    store.dispose()
    return incident_id


async def open_review(app, pilot, incident_id: int) -> ReviewScreen:
    """The room (from the board, as a coordinator opens it), then its review, once read."""
    await open_room(app, pilot, incident_id)
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.result is not None, timeout=30, what="the review")
    return app.screen


def test_the_review_screen_ties_an_observation_to_a_target_or_a_step_and_moves_an_actions_status(home, clock):
    """As `review ID observe … --target/--step` and `review ID action-status` do, through the same commands."""
    from textual.widgets._footer import FooterKey

    from tests.test_drills import rows
    from warroom.tui.help import sections

    as_role(home, "coordinator")
    incident_id = resolved_drill(home, clock)
    people = sorted(tomllib.loads(home.config_path.read_text())["people"])

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 45)) as pilot:
            review = await open_review(app, pilot, incident_id)
            def footer() -> dict[str, str]:
                return {k.key: str(k.description) for k in review.query(FooterKey)}

            await until(pilot, lambda: "s" in footer(), what="the footer's keys")
            assert footer()["g"] == "Strength" and footer()["s"] == "Action status" and footer()["n"] == "Corrective action"
            (help_keys,) = [keys for title, keys in sections() if title.startswith("After-action review")]
            assert ("s", "Move a corrective action: open, in progress, done") in help_keys
            assert ("g", "Observe a strength, tied to a target or a step") in help_keys

            # A strength about the target under the cursor: the resolve row, offered first.
            measures = review.query_one("#measures", DataTable)
            measures.focus()
            measures.move_cursor(row=[m.name for m in review.result.measures].index("resolve"))
            await pilot.press("g")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="what the observation is about")
            assert app.screen.choices[0] == ("target:resolve_within", "target resolve_within")
            assert [c for c, _ in app.screen.choices] == ["target:resolve_within", "target:acknowledge_within", "target:fallback_within",
                                                          "step:confirm", "step:assess", "step:inform"]  # the playbook sets no stabilise_within
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the observation's text")
            await pilot.press(*"Resolved in time", "enter")
            await until(pilot, lambda: rows(home, "review.observation"), timeout=30, what="the observation")

            # An area for improvement about a step, picked by its number.
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="what the observation is about")
            await pilot.press("5")  # step assess
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the observation's text")
            await pilot.press(*"Nobody assessed", "enter")
            await until(pilot, lambda: len(rows(home, "review.observation")) == 2, timeout=30, what="the second observation")
            first, second = (r["data"] for r in rows(home, "review.observation"))
            assert (first["kind"], first["target"], first["step"]) == ("strength", "resolve_within", None)
            assert (second["kind"], second["target"], second["step"]) == ("improvement", None, "assess")

            # A corrective action: its owner picked from [people]; then its status moved.
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the action's text")
            await pilot.press(*"Put the desk on the card", "enter")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="the owner")
            assert [c for c, _ in app.screen.choices] == people
            await pilot.press(str(people.index("carol") + 1))
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the due date")
            # No 29 February in 2027: asked again with what was typed kept, the text and owner too,
            # and the message names the due date, not a command-line flag.
            await pilot.press(*"2027-02-29", "enter")
            await until(pilot, lambda: any("is not a date" in str(n.message) for n in app._notifications), what="the refusal")
            (said,) = [str(n.message) for n in app._notifications if "is not a date" in str(n.message)]
            assert said.startswith("due date '2027-02-29' is not a date") and "--due" not in said, said
            assert isinstance(app.screen, AskText) and app.screen.query_one(Input).value == "2027-02-29"
            await pilot.press(*["backspace"] * 10, *"2030-01-15", "enter")
            await until(pilot, lambda: rows(home, "review.action"), timeout=30, what="the action")
            (action,) = rows(home, "review.action")
            assert (action["data"]["owner"], action["data"]["due"]) == ("carol", "2030-01-15")
            record = review.query_one("#record", DataTable)
            await until(pilot, lambda: f"a{action['seq']}" in [k.value for k in record.rows], timeout=30, what="the action on screen")
            record.focus()
            record.move_cursor(row=record.get_row_index(f"a{action['seq']}"))
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="the new status")
            assert [c for c, _ in app.screen.choices] == ["open", "in-progress", "done"]
            await pilot.press("1")  # its status now: the service refuses the no-op, as for `review ID action-status`, and the room says so
            await until(pilot, lambda: any("is open already" in str(n.message) for n in app._notifications), timeout=30, what="the refusal")
            assert not rows(home, "review.action.status")
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="the new status")
            await pilot.press("2")
            await until(pilot, lambda: rows(home, "review.action.status"), timeout=30, what="the status change")
            assert rows(home, "review.action.status")[0]["data"] == {"action": action["seq"], "status": "in-progress"}
            await until(pilot, lambda: "carol, due 2030-01-15, in-progress" in shown(review), timeout=30, what="the new status on screen")

    asyncio.run(scenario())


def test_an_ended_drills_review_is_read_again_when_an_event_arrives_not_on_a_timer(home, clock):
    as_role(home, "coordinator")
    ended = resolved_drill(home, clock)
    running = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            review = await open_review(app, pilot, ended)
            assert review.ticker is None  # nothing on a clock
            cfg = library.config(home)
            store = home.open_store()  # another evaluator, in another process's place
            with store.write() as session:
                from warroom.services import review as service

                service.observe(session, incident_id=ended, kind="strength", text_="Calm handover", target=None, step="confirm",
                                now=clock.now(), actor=actors.resolve(cfg, "alice", {}))
            store.dispose()
            await until(pilot, lambda: "Calm handover" in shown(review), timeout=30, what="the observation read on its arrival")
            assert review.ticker is None
            await pilot.press("escape", "escape")
            await until(pilot, lambda: not isinstance(app.screen, ReviewScreen), what="the board")
            live = await open_review(app, pilot, running)
            assert live.ticker is not None  # a running drill's times move with the clock

    asyncio.run(scenario())


def test_the_reviews_results_fit_80_columns_cut_with_an_ellipsis(home, clock):
    """At 80×24 the "Times against targets" result column was clipped mid-word (`not mea`): a
    result too wide for the panel is cut with `…`, never silently."""
    as_role(home, "coordinator")
    ended = resolved_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            review = await open_review(app, pilot, ended)
            table = review.query_one("#measures", DataTable)
            await until(pilot, lambda: table.row_count == len(review.result.measures), what="the measures")
            wanted = {m.name: m.result for m in review.result.measures}
            shown_rows = {name: [str(c) for c in table.get_row(name)] for name in wanted}
            results = [cells[3] for cells in shown_rows.values()]
            shown_widths = sum(c.get_render_width(table) for c in table.columns.values())
            assert shown_widths <= table.size.width, (shown_widths, table.size.width, results)
            assert any(r.endswith("…") for r in results), results
            assert all(cells[3].endswith("…") or cells[3].startswith(wanted[name]) for name, cells in shown_rows.items()), shown_rows

    asyncio.run(scenario())


def test_a_due_date_that_looks_like_markup_is_refused_as_written_and_the_app_goes_on(home, clock):
    """The refusal quotes what was typed: as markup, `[@click=app.quit]` was a link that quits."""
    as_role(home, "coordinator")
    incident_id = resolved_drill(home, clock)
    people = sorted(tomllib.loads(home.config_path.read_text())["people"])
    typed = "[@click=app.quit]x"

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await open_review(app, pilot, incident_id)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the action's text")
            await pilot.press(*"Put the desk on the card", "enter")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="the owner")
            await pilot.press(str(people.index("carol") + 1))
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the due date")
            await pilot.press(*typed, "enter")
            await until(pilot, lambda: any("is not a date" in str(n.message) for n in app._notifications), what="the refusal")
            (note,) = [n for n in app._notifications if "is not a date" in str(n.message)]
            assert typed in str(note.message) and note.markup is False
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, AskText)

    asyncio.run(scenario())


def test_injects_arriving_in_one_read_are_all_said_on_the_rooms_notice_line(home, clock):
    """Each inject replaced the one notice line: of two fired together only the last showed."""
    as_role(home, "coordinator")
    incident_id = start_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            room = await open_room(app, pilot, incident_id)
            fire_scripted(home, clock, incident_id, 1, 2)
            notice = room.query_one("#notice", Static)
            await until(pilot, lambda: "sets simulated nlcloud down" in str(notice.render()), what="the injects on the notice line")
            assert "(+1 more, in the log)" in str(notice.render()), str(notice.render())
            assert not any(f"DRILL #{incident_id}" in n.message for n in app._notifications)

    asyncio.run(scenario())
