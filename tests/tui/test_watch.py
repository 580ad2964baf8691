"""The long-term watch in the real app (Pilot, a real home): the board's 30-day uptime when wide,
`i` opens the supplier screen with its facts and history, `R` the risk ranking with its factors."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from textual.widgets import Static

from tests.tui.test_board import cell, until
from tests.watch.scenario import Recorder
from warroom.tui.app import make_app
from warroom.tui.board import BoardScreen
from warroom.tui.quiet import Rows
from warroom.tui.watch import RisksScreen, SupplierScreen


def _history(home, clock) -> None:
    """nlcloud: up for 20 h, down 1 h, up 3 h, a round every 10 min (default interval would call that unwatched)."""
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace('id = "nlcloud"\n', 'id = "nlcloud"\ninterval = "10m"\n', 1), encoding="utf-8")
    start = clock.now() - timedelta(hours=24)
    r = Recorder(home, clock)
    r.rounds("nlcloud", "up", start, start + timedelta(hours=20), timedelta(minutes=10))
    r.rounds("nlcloud", "down", start + timedelta(hours=20), start + timedelta(hours=21), timedelta(minutes=10))
    r.rounds("nlcloud", "up", start + timedelta(hours=21), start + timedelta(hours=24), timedelta(minutes=10))
    r.close()


def _ranked(home, clock) -> dict:
    from warroom.services import library
    from warroom.services import risk as risk_service

    store = home.open_store()
    try:
        with store.read() as session:
            return {r.id: r for r in risk_service.ranking(session, library.config(home), clock.now())}
    finally:
        store.dispose()


def test_the_board_shows_30_day_uptime_when_wide_and_i_opens_the_supplier(home, clock):
    end = clock.now()
    _history(home, clock)
    clock.set(end)
    # down confirmed at 20:10, up at 21:10 (confirm = 2): 1 h down of 24 h watched
    expected = f"{100 * 23 / 24:.2f} %"

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            board = app.screen
            assert isinstance(board, BoardScreen)
            await until(pilot, lambda: board.uptime.get("nlcloud") is not None and app.board_data is not None, what="the uptime read")
            # 24 h watched of 30 d: the figure is marked `~`, resting on part of its window only
            await until(pilot, lambda: cell(app, "#suppliers", "nlcloud", "note").startswith(f"30 d ~{expected}"), what="the uptime shown")
            assert not cell(app, "#suppliers", "paybank", "note").startswith("30 d")  # never watched: no figure
            suppliers = board.query_one("#suppliers", Rows)
            suppliers.move_cursor(row=list(suppliers._shown).index("nlcloud"))  # not up sorts first: CaseFlow, never checked, leads
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, SupplierScreen), what="the supplier screen")
            facts = app.screen.query_one("#supplierfacts", Static)
            await until(pilot, lambda: "Availability" in str(facts.render()), what="the supplier's facts")
            shown = str(facts.render())
            assert "NLCloud Hosting B.V. (nlcloud) · vital" in shown
            assert "exit plan        DMS 2024/EXIT-03 (exit plan NLCloud hosting)\n" in shown
            assert "  reviewed         2026-02-12\n" in shown  # its own line: never `reviewed⏎2026-02-12` at 80 columns
            assert f"  {'24h':<4}{expected:>9} {1:>7} 1 h 00 min   1 h 00 min       0 s" in shown  # one outage of an hour, all watched
            assert f"  {'30d':<4}{'~' + expected:>9} {1:>7}" in shown and "  ~: only part of the window watched: 1 d 0 h (30d)" in shown
            assert "secondary-dc  Stand-by data centre (own hosting, Groningen) · NEVER EXERCISED ⚠" in shown
            assert "fallback_never_exercised" in shown
            # Scored alone, not ranked against the landscape: the score the ranking gives, and no rank.
            risk_part = shown[shown.index("\nRisk\n"):]
            assert f"  score {_ranked(home, clock)['nlcloud'].score:g} (points = weight × count; its rank: the risk screen, R)" in risk_part
            assert "rank " not in risk_part.replace("its rank:", "")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="back on the board")

        async with make_app(home, clock=clock).run_test(size=(80, 24)) as pilot:  # the supplier screen's tables fit 80 columns
            small = pilot.app
            await until(pilot, lambda: small.board_data is not None, what="the board")
            suppliers = small.screen.query_one("#suppliers", Rows)
            suppliers.move_cursor(row=list(suppliers._shown).index("nlcloud"))
            await pilot.press("i")
            await until(pilot, lambda: isinstance(small.screen, SupplierScreen), what="the supplier screen")
            facts = small.screen.query_one("#supplierfacts", Static)
            await until(pilot, lambda: "Availability" in str(facts.render()), what="the supplier's facts")
            lines = str(facts.render()).splitlines()
            table = lines[lines.index(next(ln for ln in lines if "outages" in ln and "MTTR" in ln)):][:4]
            # Every row on one line, with room for an ongoing outage's " ⚠ now" too (which wrapped a lone `s`)
            assert all(len(ln) + len(" ⚠ now") <= facts.content_region.width for ln in table), (facts.content_region.width, table)
            await pilot.press("escape")

        async with make_app(home, clock=clock).run_test(size=(100, 40)) as pilot:  # narrow: the column folds away
            narrow = pilot.app
            await until(pilot, lambda: narrow.board_data is not None, what="the board")
            # Not shown, and not read either: 30 days of every supplier is no read for a column not shown.
            assert not cell(narrow, "#suppliers", "nlcloud", "note").startswith("30 d")
            assert narrow.screen.uptime == {} and not [w for w in narrow.workers if w.group == "uptime"]
            await pilot.resize_terminal(140, 40)  # grown wide: read at once, not a minute later
            await until(pilot, lambda: narrow.screen.uptime.get("nlcloud") is not None, what="the uptime read")
            # The uptime is shown (or not) in the same call that sets it: nothing to wait for after.
            assert cell(narrow, "#suppliers", "nlcloud", "note").startswith(f"30 d ~{expected}")

    asyncio.run(scenario())


def test_r_ranks_every_supplier_and_explains_the_highlighted_one(home, clock):
    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, RisksScreen) and app.screen.ranked, what="the ranking")
            screen = app.screen
            assert [r.id for r in screen.ranked][:2] == ["hyperscale", "nlcloud"]
            why = str(screen.query_one("#factors", Static).render())
            assert "Hyperscale Cloud (non-EU provider) (hyperscale)" in why and "outside the EU: US" in why
            await pilot.press("down")
            await until(pilot, lambda: "NLCloud Hosting B.V." in str(screen.query_one("#factors", Static).render()), what="the next supplier's factors")
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, SupplierScreen) and app.screen.supplier_id == "nlcloud", what="its details")

    asyncio.run(scenario())


def test_the_room_shows_each_report_still_to_send_with_its_deadline(home, clock):
    from tests.test_incidents import configure
    from tests.tui.test_room import open_room, start_incident

    configure(home)
    incident_id = start_incident(home, clock, mode="live")  # cloud-hosting-outage: no significance decision, so from the opening
    clock.advance(timedelta(hours=25))  # the 24 h reports are an hour late, the 72 h one has 47 h left

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 45)) as pilot:
            room = await open_room(app, pilot, incident_id)
            decisions = room.query_one("#decisions", Rows)
            shown = [tuple(str(c) for c in cells) for key, cells in decisions._shown.items() if key.startswith("report:")]
            assert shown == [  # every late one, the next one due, and the rest by name
                ("report nis2-early-warning", "!late Mon 14:00", "→ The sector's CSIRT; for central government the NCSC (1 h 00 min late)"),
                ("report cer-notification", "!late Mon 14:00", "→ The competent authority of the sector (1 h 00 min late)"),
                ("report nis2-notification", "Wed 14:00", "→ The sector's CSIRT; for central government the NCSC (in 1 d 23 h)"),
                ("reports", "", "2 more: nis2-final-report, cer-detailed-report (warroom report list)"),
            ]

    asyncio.run(scenario())


def test_a_late_report_reaches_the_board_and_status_json_gives_the_next_report(home, clock):
    import json

    from tests.conftest import run_cli
    from tests.test_incidents import configure
    from tests.tui.test_board import read_now
    from tests.tui.test_room import start_incident

    configure(home)
    incident_id = start_incident(home, clock, mode="live")  # no significance decision: the clocks run from the opening
    opened = clock.now()

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None and app.board_data.status.incidents, what="the incident")
            owed = lambda: cell(app, "#incidents", str(incident_id), "owed")  # noqa: E731
            assert "report" not in owed()
            clock.advance(timedelta(hours=25))  # the 24 h reports are an hour late
            from warroom.tui.board import owed_text

            def owes() -> str:
                return owed_text(app.board_data.status.incidents[0], clock.now())

            await read_now(app, pilot, lambda: owes().endswith(" · report nis2-early-warning late"), what="the late report on the board")
            # The cell shows what it owes from the most pressing (the fired levels) on, cut where the column ends.
            await until(pilot, lambda: "· report nis2-early" in owed(), what="the late report in the owed cell (cut where the column ends)")

    asyncio.run(scenario())
    due = opened + timedelta(hours=24)
    for now, overdue in ((due - timedelta(minutes=1), False), (due + timedelta(minutes=1), True)):  # the CLI's clock: $WARROOM_NOW
        status = run_cli("status", "--json", home=home.root, env={"WARROOM_NOW": now.isoformat()})
        assert status.returncode == 0, status.stderr
        (shown,) = json.loads(status.stdout)["incidents"]
        assert shown["next_report"]["obligation"] == "nis2-early-warning" and shown["next_report"]["overdue"] is overdue, now
        assert shown["next_report"]["due_at"] == due.isoformat().replace("+00:00", ".000000Z")


def test_the_room_of_a_closed_incident_says_which_reports_were_never_sent(home, clock):
    from tests.conftest import run_cli
    from tests.test_incidents import configure
    from tests.tui.test_room import open_room, start_incident

    configure(home)
    incident_id = start_incident(home, clock, mode="live")  # the clocks run from the opening

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 45)) as pilot:
            room = await open_room(app, pilot, incident_id)
            for to in ("resolve", "close"):
                done = run_cli("incident", to, str(incident_id), home=home.root)
                assert done.returncode == 0, done.stderr
            decisions = room.query_one("#decisions", Rows)
            reports = lambda: [tuple(str(c) for c in cells) for key, cells in decisions._shown.items() if key.startswith("report:")]  # noqa: E731
            await until(pilot, lambda: room.view is not None and room.view.incident.status == "closed" and reports(), what="the closed room")
            shown = reports()
            assert len(shown) == 5 and all(r[2].endswith("(never sent: the incident was closed)") for r in shown), shown

    asyncio.run(scenario())
