"""The board's 30-day uptime figures: read in a thread, through the services, once a minute while
the board is wide enough to show them (and at once when it grows so wide); never below that."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from warroom.health.shown import uptime_text

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp
    from warroom.tui.board import BoardScreen

UPTIME_SECONDS = 60.0  # the board's 30-day figure moves slowly: read it once a minute, never per check
WIDE = 130  # the board shows the figure only this wide or wider


def follow_uptime(board: BoardScreen) -> Callable[[int], None]:
    """Give the board each supplier's 30-day uptime, read now and once a minute in a thread while
    it is WIDE: 30 days of every supplier's history is no read to make for a column not shown.
    The board's hook: it calls this on mount and shows `board.uptime` when wide enough; it calls
    what this returns with its new width on a resize, which reads at once when it grew wide."""
    wide = False

    def read() -> None:
        app = cast("WarroomApp", board.app)
        from warroom.services import history

        # The app's own config and store, once loaded: no second parse and connection a minute.
        if (home := app.loaded_home()) is None:
            return  # the board says what is wrong with the home already
        config, store = home
        with store.read() as session:
            found = history.availability(session, config, board.clock.now(), windows={"30d": history.WINDOWS["30d"]})
        app.call_from_thread(shown, {k: uptime_text(v["30d"], short=True) if v["30d"].uptime is not None else None for k, v in found.items()})

    def shown(uptime: dict[str, str | None]) -> None:
        changed = uptime != board.uptime
        board.uptime = uptime
        if changed and board.data is not None:  # a whole board repaint only when a figure moved
            board.show(board.data, board.trends, board.troubles)

    def start() -> None:
        nonlocal wide
        wide = board.size.width >= WIDE
        if wide:
            board.run_worker(read, thread=True, group="uptime", exclusive=True, exit_on_error=False)

    def resized(width: int) -> None:
        nonlocal wide
        if width >= WIDE and not wide:
            start()
        wide = width >= WIDE

    start()
    board.set_interval(UPTIME_SECONDS, start)
    return resized
