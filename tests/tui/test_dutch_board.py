"""The board, the wall and the help in Dutch (issue 14), over the README picture's moment: snapshots
beside the English ones (tests/tui/test_snapshots.py), and at 80×24 no English word of the
interface, no Dutch word cut, and the footer, dialogs and palette in Dutch.
Regenerate after an intended change: uv run pytest tests/tui/test_dutch_board.py --snapshot-update"""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.docs.screenshot import MOMENT, build, until_painted
from tests.tui.test_snapshots import help_shown, loaded, wall_loaded
from warroom.clock import MovableClock
from warroom.tui.app import make_app

SIZES = [(80, 24), (120, 40)]

# Words of our interface that the English board and wall show at this moment (case matters: a
# title people wrote says "down", the state word is "DOWN"; "drill" is in a service's message).
ENGLISH = ("Suppliers", "Incidents", "Fallback", "register", "Crucial", "services hit", "DOWN", "DEGRADED", "DRILL", "LIVE", "FIRED",
           "ack", "ago", "state", "latency", "since", "cause", "mode", "owed", "next", "owner", "due", "active", "NEVER", "EXERCISED",
           "Help", "Quit", "Open", "Library", "Break", "heal", "palette", "Sun", "up", "SUPPLIERS", "NOT", "HIT", "OPEN INCIDENTS",
           "wall", "read-only", "quit", "no escalation pending")
# The Dutch the same moment shows: these must be there, whole.
DUTCH_BOARD = ("Leveranciers (8)", "onbereikbaar", "verstoord", "▼ ONBEREIKBAAR", "◆ VERSTOORD", "▲ in orde", "Incidenten (2)",
               "░ OEFENING ░", "‼ ECHT ‼", "GEMELD", "Register terugvalopties (9)", "ONGEOEFEND ⚠", "zo 14:10",
               "staat", "leverancier", "latentie/minuut", "sinds", "oorzaak", "soort", "duur", "openstaand", "volgende",
               "terugvaloptie", "eigenaar", "geoefend", "uiterlijk", "ingezet", "Openen", "Hulp", "Stop", "Bibliotheek", "opdrachten")
DUTCH_WALL = ("LEVERANCIERS NIET IN ORDE", "GETROFFEN VITALE DIENSTEN", "OPEN INCIDENTEN", "INKOMEN", "JUSTITIE", "▼ ONBEREIKBAAR VIA NLCLOUD",
              "OEFENING", "ECHT", "volgende:", "wandscherm, alleen lezen · q sluit af")
# Every Dutch word of ours these screens can show: none may stand on the screen cut short.
DUTCH_WORDS = {w for phrase in DUTCH_BOARD + DUTCH_WALL for w in re.split(r"[\s(),·:]+", phrase) if len(w) > 2} | {
    "bevestigen", "geleden", "stap", "stappen", "besluiten", "besluit", "melding", "diensten", "getroffen", "gecontroleerd", "statuspagina",
    "verouderd", "opschaling", "gepland", "wandscherm", "Filter", "Stuk/heel", "leveranciers", "Getroffen", "vitale"}


@pytest.fixture
def moment(tmp_path, dutch):
    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def english_words(lines: list[str]) -> list[str]:
    shown = "\n".join(lines)
    return [word for word in ENGLISH if re.search(rf"(?<![\w/]){re.escape(word)}(?![\w/])", shown)]


def cut_words(lines: list[str]) -> list[str]:
    """Tokens that are a Dutch word of ours cut short: before a `…`, or against a border or a
    scroll bar at the line's end."""
    cut = []
    for line in lines:
        for match in re.finditer(r"([\w/]+)(…|▏|\s*[┃│]$)", line):
            stem = match.group(1)
            if len(stem) > 2 and stem not in DUTCH_WORDS and any(w.startswith(stem) for w in DUTCH_WORDS):  # `on…`: a title's word
                cut.append(f"{stem!r} in {line.strip()!r}")
    return cut


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_in_dutch(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_in_dutch(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock, wall=True), terminal_size=size, run_before=wall_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_in_dutch(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=help_shown)


def test_the_dutch_board_at_80x24_shows_no_english_and_cuts_no_dutch_word(moment):
    from textual.widgets._footer import FooterKey

    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            lines = screen_lines(app)
            shown = "\n".join(lines)
            assert english_words(lines) == [], shown
            assert [word for word in DUTCH_BOARD if word not in shown] == [], shown
            assert cut_words(lines) == [], shown
            keys = {key.key: key for key in app.screen.query(FooterKey)}
            said = {key: keys[key].description for key in ("enter", "question_mark", "q", "l", "slash", "f", "ctrl+p") if key in keys}
            assert said == {"enter": "Openen", "question_mark": "Hulp", "q": "Stop", "l": "Bibliotheek", "slash": "Filter", "f": "Stuk/heel",
                            "ctrl+p": "opdrachten"}
            assert all(0 < keys[key].region.right <= 80 for key in said), "every key of the footer in view at 80 columns"

    asyncio.run(scenario())


def test_the_dutch_wall_at_80x24_shows_no_english_and_cuts_no_dutch_word(moment):
    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock, wall=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await wall_loaded(pilot)
            await pilot.pause()
            lines = screen_lines(app)
            shown = "\n".join(lines)
            assert english_words(lines) == [], shown
            assert [word for word in DUTCH_WALL if word not in shown] == [], shown
            assert cut_words(lines) == [], shown

    asyncio.run(scenario())


def test_dialogs_footers_and_the_palette_speak_dutch(moment):
    """A dialog pushed later (its class imported then) has Dutch keys in its footer too; the quit
    question, the command palette's placeholder and its commands (ours and Textual's) are Dutch."""
    from textual.command import CommandInput
    from textual.content import Content
    from textual.widgets import Label
    from textual.widgets._footer import FooterKey

    from warroom.tui.dialogs import Confirm, Details

    home, clock = moment

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            titles = {command.title for command in app.get_system_commands(app.screen)}
            assert {"Thema", "Stop", "Schermafbeelding", "Bibliotheek", "Stuk/heel", "Details leverancier"} <= titles, titles
            assert not {"Theme", "Quit", "Screenshot", "Library"} & titles

            await pilot.press("ctrl+p")
            await until_painted(pilot, lambda app: bool(app.screen.query(CommandInput)))
            assert app.screen.query_one(CommandInput).placeholder == "Zoek een opdracht…"
            await pilot.press("escape")
            await until_painted(pilot, lambda app: not app.screen.query(CommandInput))

            await pilot.press("q")
            await until_painted(pilot, lambda app: isinstance(app.screen, Confirm))
            labels = [str(label.render()) for label in app.screen.query(Label)]
            assert labels == ["warroom afsluiten?", "y ja    n nee"], labels
            await pilot.press("n")
            await until_painted(pilot, lambda app: not isinstance(app.screen, Confirm))

            app.push_screen(Details(Content("stap"), Content("tekst")))
            await until_painted(pilot, lambda app: isinstance(app.screen, Details) and bool(app.screen.query(FooterKey)))
            said = {key.key: key.description for key in app.screen.query(FooterKey)}
            assert said.get("escape") == "Sluiten" and said.get("j") == "Omlaag" and said.get("k") == "Omhoog", said

    asyncio.run(scenario())


def test_english_stays_english_after_a_dutch_app(moment):
    """The classes' bindings are not rewritten: an English app after a Dutch one (a test process
    switches) says its keys in English."""
    from textual.widgets._footer import FooterKey

    from warroom import i18n

    home, clock = moment

    async def scenario():
        for lang, words in (("nl", ("Hulp", "Stop")), ("en", ("Help", "Quit"))):
            i18n.use(lang)
            app = make_app(home, clock=clock)
            async with app.run_test(size=(80, 24)) as pilot:
                await loaded(pilot)
                said = {key.key: key.description for key in app.screen.query(FooterKey)}
                assert (said["question_mark"], said["q"]) == words

    asyncio.run(scenario())
