"""The first ten minutes, through Pilot against real homes: the demo board's first-run hint, the
command palette finding incidents, suppliers and playbooks, the library's preview by keyboard,
and the help screen."""

from __future__ import annotations

import asyncio

from tests.tui.test_board import until
from tests.tui.test_room import open_library
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
            assert "f breaks NLCloud Hosting B.V." in shown and "h hides this" in shown
            await until(pilot, lambda: hint.region.height >= 2, what="the hint laid out")
            assert hint.region.y + hint.region.height <= 23  # above the footer, whole
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


# ── the command palette: incidents, suppliers and playbooks by name ────────────────────────────

def picture_home(tmp_path):
    from tests.docs.screenshot import MOMENT, build
    from warroom.clock import MovableClock

    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


async def palette_pick(pilot, query: str, expect: str) -> None:
    """ctrl+p, type `query`, wait for the first hit to read `expect`, pick it: keys only."""
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    hits = pilot.app.screen.query_one(CommandList)
    await until(pilot, lambda: hits.option_count and expect in str(hits.get_option_at_index(0).prompt), what=f"{expect!r} first among the hits")
    if hits.highlighted is None:
        await pilot.press("down")  # to the first hit
    assert hits.highlighted == 0
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette), what="the palette to close")


def test_the_palette_finds_a_supplier_an_incident_and_a_playbook_by_name(tmp_path):
    from textual.widgets import DataTable

    from tests.docs.screenshot import board_painted
    from warroom.tui.board import BoardScreen
    from warroom.tui.library import PlaybooksScreen
    from warroom.tui.room import IncidentScreen

    home, clock = picture_home(tmp_path)

    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: board_painted(app), what="the board")
            await palette_pick(pilot, "caseflow", "CaseFlow SaaS (casesaas)")
            suppliers = app.screen.query_one("#suppliers", DataTable)
            assert isinstance(app.screen, BoardScreen) and app.focused is suppliers
            assert suppliers.coordinate_to_cell_key(suppliers.cursor_coordinate).row_key.value == "casesaas"

            await palette_pick(pilot, "#2", "#2 Primary cloud hosting supplier unavailable")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), what="the room")
            assert app.screen.incident_id == 2

            # From the room: a playbook by a word of its title; the library opens on it.
            await palette_pick(pilot, "payday", "payment-processor-payday")
            await until(pilot, lambda: isinstance(app.screen, PlaybooksScreen) and app.screen.entries, what="the library")
            assert app.screen.query_one("#playbooks", DataTable).cursor_row == [e["id"] for e in app.screen.entries].index("payment-processor-payday")
            assert "payment-processor-payday" in str(app.screen.query_one("#preview-text").render())
            assert [type(s).__name__ for s in app.screen_stack][-2:] == ["BoardScreen", "PlaybooksScreen"]  # not piled on the room

    asyncio.run(scenario())


def test_a_name_that_looks_like_markup_is_found_and_shown_as_written(tmp_path, clock):
    """Textual's own highlight reads a candidate as markup: a supplier named like a link must be
    listed as its letters."""
    from textual.command import CommandList, CommandPalette

    home = demo_home(tmp_path, clock)
    config = home.config_path.read_text().replace('name = "CaseFlow SaaS"', 'name = "[@click=app.quit]CaseFlow[/]"', 1)
    home.config_path.write_text(config)

    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
            await pilot.press(*"caseflow")
            hits = app.screen.query_one(CommandList)
            await until(pilot, lambda: hits.option_count, what="a hit")
            assert "[@click=app.quit]CaseFlow[/] (casesaas)" in str(hits.get_option_at_index(0).prompt)

    asyncio.run(scenario())


# ── the library: its preview by keyboard ───────────────────────────────────────────────────────

def test_the_library_preview_scrolls_by_keyboard_and_end_garbles_nothing(home, clock):
    from textual.widgets import DataTable


    def shown(preview) -> str:
        return str(preview.query_one("#preview-text").render())

    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_library(app, pilot)
            screen = app.screen
            table, preview = screen.query_one("#playbooks", DataTable), screen.query_one("#preview")
            await pilot.press("end")  # on the list: it used to scroll sideways, to the tails of the ids
            await pilot.pause()
            assert table.scroll_x == 0 and table.max_scroll_x == 0  # the list fits its panel: nothing to cut
            table.move_cursor(row=0)
            await until(pilot, lambda: "cloud-hosting-outage (v3)" in shown(preview), what="the first preview")
            assert preview.max_scroll_y > 0  # the first playbook's preview is taller than 80x24 leaves it
            await pilot.press("tab")
            assert app.focused is preview
            await pilot.press("pagedown")
            await until(pilot, lambda: preview.scroll_y > 0, what="a page down")
            paged = preview.scroll_y
            await pilot.press("down")
            await until(pilot, lambda: preview.scroll_y == paged + 1, what="a line down")
            await pilot.press("end")
            await until(pilot, lambda: preview.scroll_y == preview.max_scroll_y, what="the end")
            await pilot.press("pageup", "home")
            await until(pilot, lambda: preview.scroll_y == 0, what="back to the top")
            await pilot.press("tab", "down")  # back to the list: the next playbook, its preview from its top
            assert app.focused is table
            await until(pilot, lambda: "foreign-cloud-cutoff" in shown(preview), what="the next preview")
            assert preview.scroll_y == 0

    asyncio.run(scenario())


# ── help ───────────────────────────────────────────────────────────────────────────────────────

def test_help_is_made_of_the_screens_bindings():
    from textual.binding import Binding
    from textual.screen import Screen

    from warroom.tui.help import help_text, keys_of

    class Later(Screen):  # a screen as another engineer extends it: its keys need no help text of their own
        BINDINGS = [Binding("j,down", "cursor_down", "Down"), Binding("slash", "filter", "Filter", tooltip="Filter suppliers and log"),
                    Binding("1", "panel(1)", "Steps", show=False), Binding("ctrl+x", "hidden", "")]

    assert keys_of(Later) == [("j/↓", "Down"), ("/", "Filter suppliers and log"), ("1", "Steps")]
    text = help_text().plain
    for heading in ("Board", "Incident room", "Playbooks", "Everywhere", "Wall view"):
        assert heading in text
    assert "ctrl+p" in text and "Hide hint" in text


def test_help_fits_80_columns_and_scrolls_by_keyboard(home, clock):
    from textual.containers import VerticalScroll

    from warroom.tui.help import HelpScreen, help_text

    widest = max(len(line) for line in help_text().plain.splitlines())
    assert widest <= 80 - 4  # border and padding: at 80 columns no line is cut or wrapped

    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
            box = app.screen.query_one(VerticalScroll)
            await pilot.pause()
            assert box.region.width <= 80 and box.region.right <= 80
            assert app.focused is box and box.max_scroll_y > 0  # taller than 24 lines: it scrolls
            await pilot.press("pagedown")
            await until(pilot, lambda: box.scroll_y > 0, what="a page down")
            await pilot.press("end")
            await until(pilot, lambda: box.scroll_y == box.max_scroll_y, what="the end")
            screen = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            assert "This help" in screen and "esc/?      Close" in screen
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="the help to close")

    asyncio.run(scenario())


def test_a_hostile_name_cannot_freeze_the_palette():
    """Textual's fuzzy search tries every way a query's letters fall in a candidate: matched whole,
    a 600-character "abab…" name froze the UI loop for minutes. It is matched on its first
    characters, in well under the deadline."""
    import threading

    from textual.fuzzy import Matcher

    from warroom.tui.palette import candidate_text

    scores: list[float] = []
    search = threading.Thread(target=lambda: scores.append(Matcher("aabba").match(candidate_text("ab" * 300))), daemon=True)
    search.start()
    search.join(timeout=20)
    assert scores, "the fuzzy search of one hostile name did not end within 20 s"


def test_a_second_palette_never_opens_over_a_dialog(tmp_path, clock):
    """ctrl+p, ctrl+q (the quit question over the palette), ctrl+p pushed a second palette with the
    same id, and the app died (found by key mashing)."""
    from textual.command import CommandPalette

    from warroom.tui.dialogs import Confirm

    home = demo_home(tmp_path, clock)

    async def scenario() -> None:
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the quit question")
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, Confirm) and app.is_running
            assert sum(isinstance(s, CommandPalette) for s in app.screen_stack) == 1
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="back in the palette")

    asyncio.run(scenario())
