"""The war-room app: one factory for the CLI and the tests, a worker that watches the database,
and the screens on top. The app holds no state the database does not have: it shows the latest
read model and sends every action through the services."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from warroom.clock import Clock, SystemClock
from warroom.home import Home
from warroom.services import views
from warroom.tui import literal
from warroom.tui.board import BoardScreen

if TYPE_CHECKING:
    from warroom.tui.reader import BoardRead  # the reader imports SQLAlchemy: in the watcher thread, after the first frame


class BoardChanged(Message):
    """A fresh read of the board, after someone (anyone) committed something."""

    def __init__(self, read: BoardRead):
        super().__init__()
        self.read = read


class IncidentChanged(Message):
    def __init__(self, view: views.IncidentView):
        super().__init__()
        self.view = view


class MonitorStarted(Message):
    def __init__(self, pid: int):
        super().__init__()
        self.pid = pid


class Identity(Message):
    def __init__(self, title: str, who: str, zone: str, role: str):
        super().__init__()
        self.title, self.who, self.zone, self.role = title, who, zone, role


class LoadFailed(Message):
    def __init__(self, text: str):
        super().__init__()
        self.text = text


class WarroomApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "warroom"
    BINDINGS = [("q", "quit", "Quit"), ("question_mark", "help", "Help")]
    FULL_COLLECTION_SECONDS = 60.0

    def __init__(self, home: Home, *, clock: Clock | None = None, poll_seconds: float = 0.25, keep_monitor: bool = True, wall: bool = False,
                 freeze_heap: bool = False):
        super().__init__()
        from warroom.tui.wall import HIGH_CONTRAST

        self.register_theme(HIGH_CONTRAST)
        self.wall = wall
        self.home, self.clock, self.poll_seconds = home, clock or SystemClock(), poll_seconds
        self.keep_monitor = keep_monitor
        self.freeze_heap = freeze_heap
        self.keeper = None
        self.board_data: views.Board | None = None
        self.open_incident: int | None = None
        self.zone = ZoneInfo("UTC")
        self.role = "observer"
        self._reload = threading.Event()  # set when the screen wants a read now (an incident was opened)
        self._loaded = threading.Event()
        self._home_config = self._home_store = None

    def action_help(self) -> None:
        from warroom.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen):
        """Every key action of the current screen is in the command palette too, by name."""
        from functools import partial

        from textual.app import SystemCommand
        from textual.binding import Binding

        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(binding.description, f"key: {binding.key}", partial(screen.run_action, binding.action))

    def get_default_screen(self):
        """The board (or the wall) is the app's own first screen: pushed over Textual's default
        one instead, the first frame would lay out and paint two screens."""
        if self.wall:
            from warroom.tui.wall import WallScreen

            return WallScreen(self.clock)
        return BoardScreen(self.clock)

    def on_mount(self) -> None:
        if self.wall:
            from warroom.tui.wall import HIGH_CONTRAST

            self.theme = HIGH_CONTRAST.name
        # Paint first: the watcher imports SQLAlchemy and reads the home, which on two cores under
        # one GIL would hold back the first frame.
        self.call_after_refresh(self.watch_database)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_database(self) -> None:
        """Poll PRAGMA data_version; on a change, read the board through the services. Runs in a
        thread: the imports and queries here never stall the screen."""
        from warroom.errors import WarroomError
        from warroom.services import actors, library
        from warroom.store.changes import watch
        from warroom.tui.reader import Reader

        worker = get_current_worker()
        try:
            config = library.config(self.home)
            actor = actors.current(config)
            store = self.home.open_store()
        except WarroomError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        self._home_config, self._home_store = config, store
        self._loaded.set()
        self.post_message(Identity(config.settings.title, f"{actor.name} ({actor.role})", config.settings.timezone, actor.role))
        changes = watch(self.home.url)  # --db: the database the app reads, not the home's own file
        reader = Reader(store, changes, config, self.clock)
        if self.keep_monitor:
            from warroom.monitor.keeper import MonitorKeeper

            self.keeper = MonitorKeeper(self.home)
        next_lease_look = 0.0
        try:
            while not worker.is_cancelled:
                if self.keeper is not None and time.monotonic() >= next_lease_look:
                    next_lease_look = time.monotonic() + 3.0
                    if self.keeper.ensure(store, SystemClock().now()):  # the lease is in real time
                        self.post_message(MonitorStarted(self.keeper.child.pid))
                forced = self._reload.is_set()
                self._reload.clear()
                data, view = reader.poll(forced=forced, incident_id=self.open_incident)
                if data is not None:
                    self.post_message(BoardChanged(data))
                if view is not None:
                    self.post_message(IncidentChanged(view))
                self._reload.wait(self.poll_seconds)  # the poll's cadence; wakes at once when asked
        finally:
            changes.close()
            store.dispose()

    @work(thread=True, group="act", exit_on_error=False)
    def act(self, what: str, **arguments: Any) -> None:
        """Run one action through its service function, in one write transaction, off the UI loop.
        Refusals (an observer, an illegal transition) become a notification, never a crash."""
        from warroom.errors import WarroomError
        from warroom.services import actors, escalation, fallbacks, incidents, library, suggestions

        self._loaded.wait(30)
        config = self._home_config
        actor = actors.current(config)
        now = self.clock.now()
        try:
            with self._home_store.write() as session:
                if what == "step":
                    incidents.step(session, now=now, actor=actor, **arguments)
                elif what == "ack":
                    escalation.acknowledge(session, now=now, actor=actor, **arguments)
                elif what == "activate":
                    fallbacks.activate(session, now=now, actor=actor, config=config, **arguments)
                elif what == "deactivate":
                    fallbacks.deactivate(session, now=now, actor=actor, **arguments)
                elif what == "transition":
                    incidents.transition(session, now=now, actor=actor, **arguments)
                elif what == "log":
                    incidents.log(session, now=now, actor=actor, **arguments)
                elif what == "start":
                    playbook = library.find(self.home, config, arguments["playbook_id"])
                    created = incidents.start(session, playbook=playbook, mode=arguments["mode"], now=now, actor=actor)
                    literal.notify(self, f"incident #{created.id} started ({arguments['mode']})")
                elif what == "dismiss":
                    suggestions.dismiss(session, now=now, actor=actor, **arguments)
                else:
                    raise ValueError(what)
        except WarroomError as exc:
            literal.notify(self, exc, severity="error", timeout=8)
            return
        self._warn_if_unwitnessed()
        self._reload.set()

    def _warn_if_unwitnessed(self) -> None:
        """The action is recorded, but its head could not be witnessed (issue 9): say so, as the
        CLI does on stderr; the next write that can witness heals it."""
        witness = self._home_store.witness
        if witness is not None and witness.problem:
            self.call_from_thread(self.notify, f"recorded, but not witnessed: {witness.problem} (see warroom doctor)",
                                  severity="warning", timeout=10, markup=False)

    @work(thread=True, group="fault", exit_on_error=False)
    def toggle_fault(self, supplier_id: str) -> None:
        """Break a simulated supplier, or heal it (the demo's and the drill facilitator's key)."""
        import httpx

        self._loaded.wait(30)
        base = self._home_config.settings.simulator
        if not base:
            literal.notify(self, "this home has no simulator ([settings] simulator)", severity="warning")
            return
        try:
            with httpx.Client(timeout=5) as client:
                mode = client.get(f"{base}/_control").json().get(supplier_id, "up")
                new = "up" if mode != "up" else "down"
                client.put(f"{base}/_control/{supplier_id}", json={"mode": new}).raise_for_status()
        except (httpx.HTTPError, ValueError) as exc:
            literal.notify(self, f"simulator at {base} did not answer: {exc}", severity="error")
            return
        literal.notify(self, f"simulated {supplier_id}: {'broken (down)' if new == 'down' else 'healed (up)'}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error in any worker is shown, never swallowed: an action that silently
        did nothing is the worst thing a war-room tool can do."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            literal.notify(self, f"{event.worker.name} failed: {type(error).__name__}: {error}", severity="error", timeout=15)

    def open_room(self, incident_id: int) -> None:
        from warroom.tui.room import IncidentScreen

        self.open_incident = incident_id
        self.push_screen(IncidentScreen(incident_id, self.clock, self.zone, self.role))
        self._reload.set()

    def on_board_changed(self, message: BoardChanged) -> None:
        from warroom.tui.wall import WallScreen

        first = self.board_data is None
        self.board_data = message.read.board
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.show(message.read.board, message.read.trends)
            elif isinstance(screen, WallScreen):
                screen.show(message.read.board)
        if first and self.freeze_heap:
            self.call_after_refresh(self._freeze_heap)

    def _freeze_heap(self) -> None:
        """Once loaded, take the collector's full passes off the key path. Left to itself, Python
        walked every object of Textual, SQLAlchemy and the board every two or three seconds at
        1,000 suppliers, 170-300 ms each, and a key pressed meanwhile waited for it (measured,
        bench_tui_wire). What is loaded now is frozen out of those passes, the automatic full
        pass is switched off, and a full pass runs once a minute instead: a key meets one a
        quarter of a percent of the time, and cyclic garbage still goes within the minute."""
        import gc

        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)
        self.set_interval(self.FULL_COLLECTION_SECONDS, self._collect)

    def _collect(self) -> None:
        import gc

        gc.collect()

    def on_incident_changed(self, message: IncidentChanged) -> None:
        from warroom.tui.room import IncidentScreen

        for screen in self.screen_stack:
            if isinstance(screen, IncidentScreen) and screen.incident_id == message.view.incident.id:
                screen.show(message.view)

    def on_monitor_started(self, message: MonitorStarted) -> None:
        literal.notify(self, f"no monitor was running: started one (pid {message.pid}); it stops when you quit", timeout=6)

    def on_unmount(self) -> None:
        if self.keeper is not None:
            self.keeper.stop()

    def on_identity(self, message: Identity) -> None:
        from warroom.tui.wall import WallScreen

        self.zone, self.role = ZoneInfo(message.zone), message.role
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.set_identity(message.title, message.who, message.zone)
            elif isinstance(screen, WallScreen):
                screen.set_title(message.title)

    def on_load_failed(self, message: LoadFailed) -> None:
        if isinstance(self.screen, BoardScreen):
            self.screen.set_problem(message.text)


def make_app(home: Home, *, clock: Clock | None = None, keep_monitor: bool = False, wall: bool = False) -> WarroomApp:
    """The app as tests drive it (no child monitor unless a test asks for one). The wall view
    changes nothing, so it never starts a monitor."""
    return WarroomApp(home, clock=clock, keep_monitor=keep_monitor and not wall, wall=wall)


def run(home: Home, *, wall: bool = False, mouse: bool = True) -> None:
    """The app as a person runs it, alone in its process: a monitor kept running, and the heap
    frozen once loaded (never in a test process, where many apps come and go)."""
    WarroomApp(home, keep_monitor=not wall, wall=wall, freeze_heap=True).run(mouse=mouse)
