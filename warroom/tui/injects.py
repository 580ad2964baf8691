"""Drill injects reach every coordinator: each inject fired while the app runs is a notification on
whatever screen is open (the room's log has it too): in a room, on its notice line, since a toast
there covers the entry line a player is typing in. Those fired before the app started are in the
log, not announced again."""

from __future__ import annotations

from textual.app import App

from warroom.i18n import _
from warroom.services import views
from warroom.tui import literal


class Announcer:
    def __init__(self) -> None:
        self.seen: int | None = None  # None: nothing read yet; the first read only sets the mark

    def announce(self, app: App, board: views.Board) -> None:
        newest = max((i.seq for i in board.injects), default=0)
        if self.seen is not None:
            fresh = sorted((i for i in board.injects if i.seq > self.seen), key=lambda i: i.seq)
            from warroom.tui.board import mode_word
            from warroom.tui.room import IncidentScreen  # the room's module is not the first frame's (tests/test_lean_paths.py)

            said = [_("{drill} #{incident}: {summary}").format(drill=mode_word("drill"), incident=i.incident, summary=i.said().removeprefix(_("[DRILL]") + " "))
                    for i in fresh]
            if said and isinstance(app.screen, IncidentScreen):
                # One notice line: each say() replaces it, so injects read together are said once.
                more = " " + _("(+{n} more, in the log)").format(n=len(said) - 1) if len(said) > 1 else ""
                app.screen.say(said[-1] + more, mark="⚑ ")
            else:
                for message in said:
                    literal.notify(app, message, severity="warning", timeout=20)
        self.seen = max(newest, self.seen or 0)
