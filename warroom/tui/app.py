"""The war-room app: one factory for the CLI and the tests, a worker that watches the database,
and the screens on top. The app holds no state the database does not have: it shows the latest
read model and sends every action through the services."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from textual import work
from textual.app import App
from textual.message import Message
from textual.worker import get_current_worker

from warroom.clock import Clock, SystemClock
from warroom.home import Home
from warroom.tui.board import BoardScreen


class BoardChanged(Message):
    """A fresh read of the board, after someone (anyone) committed something."""

    def __init__(self, data: dict[str, Any], at: datetime):
        super().__init__()
        self.data, self.at = data, at


class Identity(Message):
    def __init__(self, title: str, who: str, zone: str):
        super().__init__()
        self.title, self.who, self.zone = title, who, zone


class LoadFailed(Message):
    def __init__(self, text: str):
        super().__init__()
        self.text = text


class WarroomApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "warroom"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, home: Home, *, clock: Clock | None = None, poll_seconds: float = 0.25):
        super().__init__()
        self.home, self.clock, self.poll_seconds = home, clock or SystemClock(), poll_seconds
        self.board_data: dict[str, Any] | None = None

    def on_mount(self) -> None:
        self.push_screen(BoardScreen(self.clock))
        self.watch_database()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_database(self) -> None:
        """Poll PRAGMA data_version; on a change, read the board through the services. Runs in a
        thread: the imports and queries here never stall the screen."""
        from warroom.errors import WarroomError
        from warroom.services import actors, library
        from warroom.services.board import board
        from warroom.store.changes import Changes

        worker = get_current_worker()
        try:
            config = library.config(self.home)
            actor = actors.current(config)
            store = self.home.open_store()
        except WarroomError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        self.post_message(Identity(config.settings.title, f"{actor.name} ({actor.role})", config.settings.timezone))
        changes = Changes(self.home.db_path)
        try:
            while not worker.is_cancelled:
                if changes.poll():
                    now = self.clock.now()
                    with store.read() as session:
                        data = board(session, config, now)
                    self.post_message(BoardChanged(data, now))
                time.sleep(self.poll_seconds)  # the poll's cadence, not a synchronisation
        finally:
            changes.close()
            store.dispose()

    def on_board_changed(self, message: BoardChanged) -> None:
        self.board_data = message.data
        if isinstance(self.screen, BoardScreen):
            self.screen.show(message.data)

    def on_identity(self, message: Identity) -> None:
        if isinstance(self.screen, BoardScreen):
            self.screen.set_identity(message.title, message.who, message.zone)

    def on_load_failed(self, message: LoadFailed) -> None:
        if isinstance(self.screen, BoardScreen):
            self.screen.set_problem(message.text)


def make_app(home: Home, *, clock: Clock | None = None) -> WarroomApp:
    return WarroomApp(home, clock=clock)
