"""The incident room and the screens reached from it speak Dutch under `nl` (issue 14), through
Pilot on a real home: the room (panels, ladder, fallbacks, decisions and reporting clocks, entry
line, refusals), its details pane, the playbook library, the MSEL, the review, the supplier risk
and supplier screens, and the export dialog. Each test reads the words as shown and asserts the
Dutch ones are there and the English interface words are not.

What is not ours stays out of the words read: the footer (its binding texts are the app shell's),
the log's `what` column (event summaries, rendered from kind and data elsewhere) and the texts of
services and config (playbook titles, supplier notes, a playbook's preview)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, OptionList, Static

from tests.docs.screenshot import MOMENT, board_painted, build, until_painted
from tests.tui.test_board import until
from tests.tui.test_drill_screens import as_role, fire_scripted, resolved_drill, start_drill
from tests.tui.test_room import open_room
from warroom.clock import MovableClock
from warroom.tui.app import make_app
from warroom.tui.dialogs import AskText, Choose, Confirm, Details
from warroom.tui.library import PlaybooksScreen
from warroom.tui.msel import MselScreen
from warroom.tui.review import ReviewScreen
from warroom.tui.room import IncidentScreen
from warroom.tui.watch import RisksScreen, SupplierScreen

DRILL_ROOM = 1  # the moment's drill: L1 and L2 fired, manual-batch active, two decisions and the NIS2/CER clocks open


@pytest.fixture
def moment(tmp_path, dutch):
    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


def words_on(screen, skip_columns: dict[str, set[str]] | None = None, skip: tuple[str, ...] = ()) -> str:
    """Every word a person reads on a screen, but the footer's and what `skip`/`skip_columns` leave out
    (widget ids; a table's columns by key): statics, border titles, column labels, cells, inputs'
    placeholders, a dialog's options."""
    skip_columns = skip_columns or {}
    out: list[str] = []

    def skipped(widget: Widget) -> bool:
        return any(isinstance(w, Footer) or w.id in skip for w in (widget, *widget.ancestors_with_self))

    for widget in screen.query("*"):
        if skipped(widget):
            continue
        if widget.border_title:
            out.append(str(widget.border_title))
        if isinstance(widget, Static):
            out.append(str(widget.render()))
        elif isinstance(widget, Input):
            out += [widget.placeholder, widget.value]
        elif isinstance(widget, OptionList):
            out += [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]
        elif isinstance(widget, DataTable):
            keys = [str(k.value) for k in widget.columns]
            left_out = skip_columns.get(widget.id or "", set())
            out += [str(c.label) for c in widget.columns.values()]
            out += [str(cell) for row in range(widget.row_count) for key, cell in zip(keys, widget.get_row_at(row), strict=True)
                    if key not in left_out]
    return "\n".join(out)


def absent(text: str, *english: str) -> list[str]:
    """The English words (whole words, case kept) that show; an event's kind (`escalation.due`) is an
    id, not a word."""
    return [w for w in english if re.search(rf"(?<![\w.-]){re.escape(w)}(?![\w-])", text)]


async def room_of(app, pilot, incident_id: int) -> IncidentScreen:
    await until_painted(pilot, board_painted)
    app.open_room(incident_id)
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None
                and app.screen.query_one("#log").row_count == len(app.screen.view.events), what="the room, filled")
    await pilot.pause()
    return app.screen


def test_the_room_speaks_dutch(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await room_of(app, pilot, DRILL_ROOM)
            shown = words_on(room, skip_columns={"log": {"what"}})
            for dutch in ("OEFENING", "Stappen", "Opschaling", "Terugvalopties", "Besluiten · 2 open", "Logboek", "stap", "uiterlijk", "titel",
                          "!te laat 13:52", "trede", "melden", "GEMELD 14:10", "uiterlijk 14:42", "INGEZET sinds 14:02",
                          "beschikbaar · besluit nodig", "vraag", "melding nis2-early-warning", "ma 13:42", "meldingen", "tijd", "wie",
                          "soort", "besluit", "logregel ▸ l, typ en druk op enter", "onderbouwing (optioneel)", "L1 GEMELD 14:10 · bevestig!"):
                assert dutch in shown, dutch
            assert not absent(shown, "EXERCISE", "DRILL", "Steps", "Escalation", "Fallbacks", "Decisions", "Log", "step", "due", "title",
                              "late", "level", "state", "notify", "FIRED", "ACTIVE", "available", "needs a decision", "question",
                              "report", "reports", "more", "time", "who", "kind", "decision", "rationale", "log entry", "ack", "Sun", "Mon")

            # Refusals said by the room itself, on its notice line.
            await pilot.press("3")  # the fallbacks
            room.query_one("#fallbacks", DataTable).move_cursor(row=1)  # secondary-bank: not active
            await pilot.press("x")
            await until(pilot, lambda: "secondary-bank is niet ingezet: er is niets te beëindigen" in str(room.query_one("#notice").render()),
                        what="the stand-down refusal in Dutch")
            await pilot.press("c")  # close, with manual-batch still active
            await until(pilot, lambda: "incident #1 kan niet gesloten worden" in str(room.query_one("#notice").render()),
                        what="the close refusal in Dutch")
            await pilot.press("2")
            room.query_one("#ladder", DataTable).move_cursor(row=2)  # L3: not fired yet
            await pilot.press("e")
            await until(pilot, lambda: "L3 is nog niet gemeld: uiterlijk 14:42" in str(room.query_one("#notice").render()),
                        what="the early acknowledgement refused in Dutch")
            await pilot.press("3", "a")  # activating a fallback that needs a decision asks its reason
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the reason")
            assert "inzetten: de reden (vastgelegd als besluit)" in words_on(app.screen)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is room, what="back in the room")
            await pilot.press("1", "x")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the skip's question")
            asked = words_on(app.screen)
            assert "overslaan: waarom?" in asked and "een notitie voor het logboek" in asked and not absent(asked, "Skip", "why", "note")

    asyncio.run(scenario())


def test_the_narrow_room_names_its_panels_in_dutch(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            room = await room_of(app, pilot, DRILL_ROOM)
            tabs = str(room.query_one("#tabs").render())
            assert tabs.split() == ["1", "Stappen", "2", "Opschaling", "3", "Terugvalopties", "4", "Besluiten"]

    asyncio.run(scenario())


def test_the_details_pane_speaks_dutch(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await room_of(app, pilot, DRILL_ROOM)
            await pilot.press("enter")  # the first step
            await until(pilot, lambda: isinstance(app.screen, Details), what="the step's details")
            step = words_on(app.screen)
            for dutch in ("Stap confirm", "stap", "status", "te doen", "eigenaar", "uiterlijk", "(te laat)", "bron", "Geschiedenis", "nog niets"):
                assert dutch in step, dutch
            assert not absent(step, "Step", "state", "pending", "owner", "due", "late", "from", "History", "nothing yet")
            await pilot.press("escape")
            await pilot.press("3")
            await until(pilot, lambda: app.screen is room and room.focused is room.query_one("#fallbacks"), what="the fallbacks")
            await pilot.press("enter")  # manual-batch, active
            await until(pilot, lambda: isinstance(app.screen, Details), what="the fallback's details")
            fallback = words_on(app.screen)
            for dutch in ("Terugvaloptie manual-batch", "terugvaloptie", "leverancier", "INGEZET", "Stappen om in te zetten", "In dit incident",
                          "ingezet 2026-11-29 14:02:00 CET door"):
                assert dutch in fallback, dutch
            assert not absent(fallback, "Fallback", "ACTIVE", "available", "Activation steps", "In this incident")

    asyncio.run(scenario())


def test_the_library_speaks_dutch(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until_painted(pilot, board_painted)
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, PlaybooksScreen) and app.screen.entries, what="the library")
            library = app.screen
            shown = words_on(library, skip=("preview-text",))  # the preview is the playbook's and the service's text
            for dutch in ("Draaiboeken · L echt · D oefening", "Bibliotheek", "Voorbeeld", "draaiboek", "ernst", "controle", "in orde", "hoog", "kritiek"):
                assert dutch in shown, dutch
            assert not absent(shown, "Playbooks", "Library", "Preview", "playbook", "severity", "checks", "ok", "high", "critical", "start",
                              "drill", "back")
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the start's question")
            assert "Een OEFENING starten vanuit cloud-hosting-outage?" in words_on(app.screen)

    asyncio.run(scenario())


def test_the_msel_speaks_dutch(home, clock, dutch):
    as_role(home, "facilitator")
    incident_id = start_drill(home, clock)
    fire_scripted(home, clock, incident_id)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MselScreen) and app.screen.query_one("#msel", DataTable).row_count == 2,
                        what="the MSEL's injects")
            shown = words_on(app.screen)
            for dutch in (f"MSEL van oefening #{incident_id} · nog 1 te gaan", "Injects (alleen oefenleider)", "op", "gepland", "werkelijk",
                          "status", "gegeven", "komt nog", "storing nlcloud=down", "verwacht confirm"):
                assert dutch in shown, dutch
            assert not absent(shown, "of drill", "upcoming", "facilitator only", "at", "planned", "actual", "state", "fired", "fault",
                              "expect")

    asyncio.run(scenario())


def test_the_review_speaks_dutch(home, clock, dutch):
    as_role(home, "coordinator")
    incident_id = resolved_drill(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.result is not None
                        and app.screen.query_one("#rsteps", DataTable).row_count == 3, timeout=30, what="the review")
            review = app.screen
            shown = words_on(review)
            for dutch in (f"Evaluatie van #{incident_id} OEFENING", "kloktijd", "normen gehaald", "Tijden tegen de normen", "meting", "klok",
                          "afloop", "norm", "openen", "bevestigen", "oplossen", "onaangeroerd", "Stappen", "te laat", "Injects",
                          "eerste reactie", "verwacht", "Observaties en verbeterplan", "soort", "over", "wat"):
                assert dutch in shown, dutch
            assert not absent(shown, "Review of", "DRILL", "wall-clock", "targets met", "Times against targets", "measure", "wall", "result",
                              "target", "acknowledge", "resolve", "untouched", "missed", "Steps", "late", "first response", "expect",
                              "Observations and improvement plan", "kind", "about", "what")
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="what the observation is about")
            asked = words_on(app.screen)
            assert "Verbeterpunt: over welke norm of stap?" in asked and "norm acknowledge_within" in asked and "stap confirm: Confirm" in asked
            await pilot.press("1")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the observation's text")
            assert "Verbeterpunt over norm acknowledge_within:" in words_on(app.screen)
            await pilot.press(*"Niemand bevestigde", "enter")
            await until(pilot, lambda: "verbeterpunt" in words_on(review), timeout=30, what="the observation on the review")
            assert "norm acknowledge_within" in words_on(review)

    asyncio.run(scenario())


def test_the_supplier_risk_and_supplier_screens_speak_dutch(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until_painted(pilot, board_painted)
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, RisksScreen) and bool(app.screen.ranked), what="the ranking")
            await pilot.pause()
            risks = words_on(app.screen)
            ours = words_on(app.screen, skip=("factors",)) + "\n" + "\n".join(  # a factor's name and why are warroom/risk.py's
                str(line) for line in str(app.screen.query_one("#factors").render()).split("\n")[:2])
            for dutch in ("Leveranciersrisico, hoogste eerst", "Rangorde", "Waarom", "leverancier", "belang", "vitaal", "rang", "punten = gewicht × aantal"):
                assert dutch in risks, dutch
            assert not absent(ours, "Supplier risk", "Ranking", "Why", "supplier", "criticality", "vital", "important", "rank", "points")
            app.push_screen(SupplierScreen("nlcloud"))
            await until(pilot, lambda: isinstance(app.screen, SupplierScreen) and "Beschikbaarheid" in words_on(app.screen), what="the supplier")
            supplier = words_on(app.screen)
            for dutch in ("Leverancier", "vitaal", "Inkoop", "rechtsgebied", "einde contract", "exitplan", "Beschikbaarheid", "beschikb.",
                          "storingen", "langste", "onbekend", "Terugvalopties", "Risico"):
                assert dutch in supplier, dutch
            ours = supplier.split("\nRisico\n")[0] + supplier.split("\nRisico\n")[1][:80]  # under Risk: warroom/risk.py's factors
            assert not absent(ours, "Supplier", "Sourcing", "jurisdiction", "contract ends", "Availability", "uptime",
                              "outages", "longest", "unknown", "Fallbacks", "Risk", "NEVER EXERCISED", "last exercised")

    asyncio.run(scenario())


def test_the_export_dialog_speaks_dutch(moment, tmp_path):
    home, clock = moment
    target = tmp_path / "verslag.md"

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await room_of(app, pilot, DRILL_ROOM)
            await pilot.press("E")
            await until(pilot, lambda: isinstance(app.screen, Choose), what="the format question")
            formats = words_on(app.screen)
            for dutch in ("Incident #1 exporteren als:", "Markdown-verslag, voor de notulen (md)", "situatierapport, voor een overdracht",
                          "concept-melding:"):
                assert dutch in formats, dutch
            assert not absent(formats, "Export incident", "Markdown report", "for the minutes", "situation report", "draft report")
            await pilot.press("1")
            await until(pilot, lambda: isinstance(app.screen, AskText), what="the path question")
            assert "Incident #1 (md) exporteren naar welk bestand? (enter schrijft het, esc annuleert)" in words_on(app.screen)
            app.screen.query_one("#answer", Input).value = str(target)
            await pilot.press("enter")
            said = f"incident #1 (md) geëxporteerd naar {target}"
            await until(pilot, lambda: any(str(n.message) == said for n in app._notifications), timeout=60, what="the export's note in Dutch")

    asyncio.run(scenario())
    assert Path(target).is_file()
