"""Snapshots of each screen at 80x24 and 120x40, over the README picture's moment (fixed clock).
Regenerate after an intended change: uv run pytest tests/tui/test_snapshots.py --snapshot-update"""

from __future__ import annotations

import pytest

from tests.docs.screenshot import MOMENT, board_painted, build, until_painted
from warroom.clock import MovableClock
from warroom.tui.app import make_app
from warroom.tui.room import IncidentScreen
from warroom.tui.wall import WallScreen

SIZES = [(80, 24), (120, 40)]
ROOM_SIZES = [*SIZES, (200, 60)]  # the room at 200x60: every step shows, nothing cut
BOARD_SIZES = [(80, 24), (120, 40), (200, 60)]  # the board and the wall, where full text must show where it fits


@pytest.fixture
def moment(tmp_path):
    clock = MovableClock(MOMENT)
    return build(tmp_path / "home", clock), clock


async def loaded(pilot) -> None:
    await until_painted(pilot, board_painted)


@pytest.mark.parametrize("size", BOARD_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=loaded)


def room_filled(app) -> bool:
    """The room has its data and its tables show all of it (a view can arrive before they exist)."""
    screen = app.screen
    if not isinstance(screen, IncidentScreen) or screen.view is None:
        return False
    return (screen.query_one("#log").row_count == len(screen.view.events)
            and screen.query_one("#steps").row_count == len(screen.view.steps))


def room_opened(incident_id: int):
    """The run_before step that opens an incident's room and waits until it is filled."""
    async def open_room(pilot) -> None:
        await loaded(pilot)
        pilot.app.open_room(incident_id)
        await until_painted(pilot, room_filled)
        await pilot.pause()  # the log's cursor scrolls into view after the refresh that filled it

    return open_room


@pytest.mark.parametrize("size", ROOM_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_room(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=room_opened(2))


async def wall_loaded(pilot) -> None:
    await until_painted(pilot, lambda app: isinstance(app.screen, WallScreen) and app.screen.data is not None)


@pytest.mark.parametrize("size", BOARD_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock, wall=True), terminal_size=size, run_before=wall_loaded)


# ── the library and help (the demo story / library / help part) ────────────────────────────────

STORY_SIZES = [(80, 24), (120, 40), (200, 60)]


async def library_shown(pilot) -> None:
    from warroom.tui.library import PlaybooksScreen

    await loaded(pilot)
    await pilot.press("l")
    await until_painted(pilot, lambda app: isinstance(app.screen, PlaybooksScreen) and app.screen.entries
                        and "cloud-hosting-outage (v3)" in str(app.screen.query_one("#preview-text").render()))


@pytest.mark.parametrize("size", STORY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_library(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=library_shown)


async def help_shown(pilot) -> None:
    from warroom.tui.help import HelpScreen

    await loaded(pilot)
    await pilot.press("question_mark")
    await until_painted(pilot, lambda app: isinstance(app.screen, HelpScreen))


@pytest.mark.parametrize("size", STORY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, moment, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=help_shown)


# ── the review, and the room, library and review in Dutch (issue 14) ───────────────────────────

REVIEWED = 1  # the moment's drill


@pytest.fixture
def reviewed(moment):
    """The moment, its drill resolved a little later with an evaluator's observation and a corrective action."""
    from datetime import timedelta

    from warroom.services import actors, incidents, library
    from warroom.services import review as review_service

    home, clock = moment
    config = library.config(home)
    alice = actors.resolve(config, "alice", {})
    clock.advance(timedelta(minutes=5))
    store = home.open_store()
    with store.write() as session:
        incidents.transition(session, incident_id=REVIEWED, to="resolved", now=clock.now(), actor=alice)
        review_service.observe(session, incident_id=REVIEWED, kind="improvement", text_="Nobody confirmed with PayBank in time",
                               target=None, step="confirm", now=clock.now(), actor=alice)
        review_service.observe(session, incident_id=REVIEWED, kind="strength", text_="Manual batch ready within the target",
                               target="fallback_within", step=None, now=clock.now(), actor=alice)
        review_service.add_action(session, incident_id=REVIEWED, text_="Put PayBank's operations desk in the duty roster", owner="alice",
                                  due="2026-12-15", now=clock.now(), actor=alice, config=config)
    store.dispose()
    return home, clock


def review_shown(app) -> bool:
    from warroom.tui.review import ReviewScreen

    screen = app.screen
    return isinstance(screen, ReviewScreen) and screen.result is not None and screen.query_one("#record").row_count == 3


async def open_review(pilot) -> None:
    await loaded(pilot)
    pilot.app.open_room(REVIEWED)
    await until_painted(pilot, room_filled)
    await pilot.press("v")
    await until_painted(pilot, review_shown)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review(snap_compare, reviewed, size):
    home, clock = reviewed
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=open_review)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_room_dutch(snap_compare, moment, dutch, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=room_opened(2))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_drill_room_dutch(snap_compare, moment, dutch, size):
    """The drill's room: its ladder fired, a fallback active, the reporting clocks under the decisions."""
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=room_opened(1))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_library_dutch(snap_compare, moment, dutch, size):
    home, clock = moment
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=library_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_dutch(snap_compare, reviewed, dutch, size):
    home, clock = reviewed
    assert snap_compare(make_app(home, clock=clock), terminal_size=size, run_before=open_review)
