"""Drill injects reach every coordinator: each inject fired while the app runs is a notification on
whatever screen is open (the room's log has it too): in a room, on its notice line, since a toast
there covers the entry line a player is typing in. Those fired before the app started are in the
log, not announced again."""

from __future__ import annotations

from textual.app import App

from warroom.services import views
from warroom.tui import literal


class Announcer:
    def __init__(self) -> None:
        self.seen: int | None = None  # None: nothing read yet; the first read only sets the mark

    def announce(self, app: App, board: views.Board) -> None:
        newest = max((i.seq for i in board.injects), default=0)
        if self.seen is not None:
            for inject in board.injects:
                if inject.seq > self.seen:
                    message = f"DRILL #{inject.incident}: {inject.summary.removeprefix('[DRILL] ')}"
                    say = getattr(app.screen, "say", None)  # the incident room's notice line
                    if say is not None:
                        say(message, mark="⚑ ")
                    else:
                        literal.notify(app, message, severity="warning", timeout=20)
        self.seen = max(newest, self.seen or 0)
