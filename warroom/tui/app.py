"""The war-room app: one factory for the CLI and the tests, a worker that watches the database,
and the screens on top. The app holds no state the database does not have: it shows the latest
read model and sends every action through the services."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Generic, TypeVar
from zoneinfo import ZoneInfo

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from warroom import i18n
from warroom.clock import Clock, SystemClock
from warroom.home import Home
from warroom.i18n import N_, _, ngettext
from warroom.services import views
from warroom.tui import literal
from warroom.tui.board import BoardScreen
from warroom.tui.palette import FINDERS
from warroom.vocabulary import SimulatorMode

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.monitor.keeper import MonitorKeeper
    from warroom.services import commands  # imported when an action runs: its many dataclasses are not the first frame's
    from warroom.store.engine import Store
    from warroom.tui.reader import BoardRead  # the reader imports SQLAlchemy: in the watcher thread, after the first frame
    from warroom.tui.room import IncidentScreen


# Textual's own words that reach a person (the footer's palette key, the palette's system commands
# and its placeholder), marked here so the catalogue translates them: `_()` of a string Textual
# wrote finds them. Its "No matches found" is drawn inside the palette, out of reach.
TEXTUAL_WORDS = (
    N_("palette"), N_("Open the command palette"), N_("Quit the app and return to the command prompt."), N_("Search for commands…"),
    N_("Theme"), N_("Change the current theme"), N_("Quit the application as soon as possible"),
    N_("Keys"), N_("Hide the keys and widget help panel"), N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"), N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)


def speak_bindings(node: DOMNode) -> None:
    """The node's key descriptions (and tooltips) in the language spoken: the footer, Textual's,
    shows `binding.description` as the class bound it at import, before the language was chosen,
    so each node's own copy of its bindings is said again as the app registers it. The classes'
    BINDINGS stay as marked (`N_`): a test process switches language between apps."""
    if i18n.current() == i18n.DEFAULT:
        return
    bindings = node._bindings
    bindings.key_to_bindings = {key: [said(binding) for binding in group] for key, group in bindings.key_to_bindings.items()}


def said(binding: Binding) -> Binding:
    return replace(binding, description=_(binding.description) if binding.description else "",
                   tooltip=_(binding.tooltip) if binding.tooltip else "")


KEPT_ROOM = "room"  # the installed name of the one room kept composed (WarroomApp.open_room)
HELP = "help"  # the help screen, installed once it is first opened
ROOM_FRAME_SECONDS = 0.1  # after a room's read, the watcher's next poll waits this long: the room is drawn meanwhile
ROOM_READ_WAIT = 1.0  # seconds a kept room waits for its incident's read before a new room opens instead
# Seconds at most a held key waits for the one before it to be handled: one that neither comes back
# to the app nor is used (its widget removed on the way) lets the next go after this long.
KEY_SETTLES = 2.0
NEVER_HELD = frozenset({"ctrl+q", "ctrl+c"})  # Textual's way out (quit, and how to quit) is never held for a room
START_HOLDS = 3.0  # seconds at most keys typed after a start are held for its room (the write may wait for the database's lock)


Said = TypeVar("Said", bound=Message)
T = TypeVar("T")
Typed = events.Key | events.Paste | events.MouseDown | events.MouseUp  # what a person does: held in order (WarroomApp._holds)
TYPED = (events.Key, events.Paste, events.MouseDown, events.MouseUp)


def while_open(handler: Callable[[WarroomApp, Said], None]) -> Callable[[WarroomApp, Said], None]:
    """The watcher's messages are dropped once the app closes: what it posted just before is
    handled while Textual takes the screens down (under Pilot the app's loop goes on meanwhile),
    and a board whose widgets were gone raised NoMatches at quit (seen in CI)."""
    @functools.wraps(handler)
    def handle(app: WarroomApp, message: Said) -> None:
        if app.is_running:
            handler(app, message)
    return handle


class Newest(Generic[T]):
    """The newest read of one kind from the watcher thread, for the UI loop to take. A read that
    lands while the one before still waits for the loop takes its place: each read is whole (a
    board, a room), so the loop shows only the newest, once. Under load (20 TUIs on two cores) the
    loop fell behind the 0.25 s poll and painted every stale read in turn, seconds late (bench_load)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def put(self, value: T) -> bool:
        """Keep `value`; True when none was waiting (say so to the loop), False when it replaced one."""
        with self._lock:
            waiting, self._value = self._value is not None, value
        return not waiting

    def take(self) -> T | None:
        with self._lock:
            value, self._value = self._value, None
        return value


class BoardChanged(Message):
    """A fresh read of the board, after someone (anyone) committed something: the app's
    `board_reads` holds the newest."""


class IncidentChanged(Message):
    """A fresh read of a room: `view`, or the newest in the app's `room_reads`."""

    def __init__(self, view: views.IncidentView | None = None):
        super().__init__()
        self.view = view


class RoomRead(Message):
    """The incident of a room being opened, read after its key was pressed (None: it cannot be
    read): a kept room is shown again only with this read in it."""

    def __init__(self, incident_id: int, view: views.IncidentView | None):
        super().__init__()
        self.incident_id, self.view = incident_id, view


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
    BINDINGS = [("q", "quit", N_("Quit")), ("question_mark", "help", N_("Help")), Binding("h", "dismiss_hint", N_("Hide hint"))]
    COMMANDS = App.COMMANDS | set(FINDERS)  # ctrl+p finds incidents, suppliers and playbooks by name
    FULL_COLLECTION_SECONDS = 60.0  # the collector's full pass at most this often (see _freeze_heap)
    KEYS_QUIET_SECONDS = 2.0  # ... and only once no key has been pressed for this long
    FULL_COLLECTION_LATEST = 300.0  # ... unless keys never stop for this long: then at once
    FULL_THAW_SECONDS = 900.0  # a full pass at most this often walks everything frozen too (see _collect)

    def __init__(self, home: Home, *, clock: Clock | None = None, poll_seconds: float = 0.25, keep_monitor: bool = True, wall: bool = False,
                 freeze_heap: bool = False, collector_paused: bool = False):
        super().__init__()
        speak_bindings(self)  # the app's own keys, Textual's palette key among them: every screen's are said as they mount
        from warroom.tui.wall import HIGH_CONTRAST

        self.register_theme(HIGH_CONTRAST)
        self.wall = wall
        self.home, self.clock, self.poll_seconds = home, clock or SystemClock(), poll_seconds
        self.keep_monitor = keep_monitor
        self.freeze_heap = freeze_heap
        self.collector_paused = collector_paused  # the CLI paused Python's collector for the start: resumed after the first frame
        self.board_data: views.Board | None = None
        self.open_incident: int | None = None
        self.zone = ZoneInfo("UTC")
        self.role = "observer"
        self._reload = threading.Event()  # set when the screen wants a read now (an incident was opened)
        self.board_reads: Newest[BoardRead] = Newest()
        self.room_reads: Newest[views.IncidentView] = Newest()
        self._room_first = False  # a room was just opened: its incident is read before the board
        self._kept_room: IncidentScreen | None = None  # the last room opened (or built ahead), kept composed: see open_room
        self._retired: list[IncidentScreen] = []  # rooms kept before, removed once they are not open
        self._reopening: tuple[IncidentScreen, asyncio.Future[None]] | None = None  # a kept room waiting for its incident's read
        self._last_key = self._last_full = self._last_thaw = time.monotonic()  # for the collector's full pass (_collect)
        # Rooms removed, until they are freed: a pass may have frozen one alive, its whole log with
        # it, and it would wait for FULL_THAW_SECONDS (a coordinator going from room to room kept
        # every room left). Each full pass thaws while one is left; its timers let go of it late.
        self._let_go: list[weakref.ref[IncidentScreen]] = []
        self._typed_ahead: list[Typed] = []  # keys, pastes and mouse buttons held, in their order (_holds)
        self._replaying: Typed | None = None  # the held one given now (_replay)
        self._in_flight: Typed | None = None  # the last one handed on, until it has done what it does (_pending)
        self._in_flight_to: DOMNode | None = None  # where it was handed: it travels up from there
        self._replayer: Worker[None] | None = None  # gives the held ones, one at a time (_replay)
        self._starting: Worker | None = None  # a start on its way to its room: keys typed meanwhile are the room's
        self._acts = 0  # actions of ours landed, counted: the read after one hands everything on, changed or not
        self._loaded = threading.Event()
        self._home_config: Config | None = None
        self._home_store: Store | None = None
        self.keeper: MonitorKeeper | None = None
        self._gone: str | None = None  # the database file was deleted or replaced under this TUI
        self.actor_user: str | None = None
        from warroom.tui.injects import Announcer

        self.injects = Announcer()  # drill injects, told to whoever is at this screen

    def _register(self, parent: DOMNode, *widgets, **kwargs):
        """Every screen and widget passes here as it joins the app (Textual's one door for them,
        private but the only one): its key descriptions are said in the language spoken before
        a footer can show them."""
        for widget in widgets:
            speak_bindings(widget)
        return super()._register(parent, *widgets, **kwargs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from warroom.tui import hint

        return hint.shown_on(self.screen) if action == "dismiss_hint" else True  # `h` only while a hint is there

    def action_dismiss_hint(self) -> None:
        from warroom.tui import hint

        hint.dismiss(self)

    def action_command_palette(self) -> None:
        """One palette at a time, and none over a dialog: Textual checks only the top screen, so a
        second ctrl+p over a quit dialog opened from the palette pushed a second palette with the
        same id, and the app died (issue 11, found by key mashing)."""
        from textual.command import CommandPalette
        from textual.screen import ModalScreen

        if any(isinstance(screen, CommandPalette) for screen in self.screen_stack) or isinstance(self.screen, ModalScreen):
            return
        if self.use_command_palette:  # Textual's own action, with its placeholder in the language spoken
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    async def action_quit(self) -> None:
        """Quitting asks first: a `q` meant for a room that had not opened yet, or pressed on the
        wrong pane over SSH, must not take a coordinator out of the war-room (and, with them, the
        monitor this TUI started)."""
        from warroom.tui.dialogs import Confirm

        if isinstance(self.screen, Confirm):
            return
        started = self.keeper is not None and self.keeper.child is not None
        question = (_("Quit warroom? The monitor it started stops too (another takes over if one runs).") if started
                    else _("Quit warroom?"))

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(Confirm(question), answered)

    def action_help(self) -> None:
        from warroom.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            # Composed once and kept (Textual's installed screens): the same keys in the same
            # language for the app's life, and composing some thirty sections was most of `?`.
            if not self.is_screen_installed(HELP):
                self.install_screen(HelpScreen(), HELP)
            self.push_screen(HELP)

    def get_system_commands(self, screen):
        """Every key action of the current screen is in the command palette too, by name; Textual's
        own commands in the language spoken (TEXTUAL_WORDS)."""
        from functools import partial

        from textual.app import SystemCommand
        from textual.binding import Binding

        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(_(binding.description), _("key: {key}").format(key=binding.key), partial(screen.run_action, binding.action))

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
        if self.collector_paused:
            self.call_after_refresh(_resume_collector)
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
        loaded = False
        try:
            config = library.config(self.home)
            actor = actors.current(config)
            store = self.home.open_store()
            loaded = True
        except WarroomError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        finally:
            if not loaded:  # a problem said, or anything else raised: those waiting for the home learn now there is none
                self._loaded.set()  # (they waited 30 s for it, and quitting with them)
        self._home_config, self._home_store = config, store
        self.actor_user = actor.user  # the board tells a coordinator of incidents someone else started
        self._loaded.set()
        self.post_message(Identity(config.settings.title, f"{actor.name} ({actor.role})", config.settings.timezone, actor.role))
        changes = watch(self.home.url)  # --db: the database the app reads, not the home's own file
        reader = Reader(store, changes, config, self.clock)
        opened = _file_identity(self.home.url)
        if self.keep_monitor:
            from warroom.monitor.keeper import MonitorKeeper

            self.keeper = MonitorKeeper(self.home)
        next_lease_look = 0.0
        failing: str | None = None
        acts_seen = 0
        try:
            while not worker.is_cancelled:
                try:
                    if self.keeper is not None and time.monotonic() >= next_lease_look:
                        next_lease_look = time.monotonic() + 3.0
                        if self.keeper.ensure(store, SystemClock().now()) and self.keeper.child:  # the lease is in real time
                            self.post_message(MonitorStarted(self.keeper.child.pid))
                    self._gone = _gone(self.home.url, opened)
                    if self._gone:
                        raise WarroomError(self._gone)
                    # A room opened wakes the loop too, but forces no board read: the room is read
                    # first, and a board read beside it held the GIL from the room's first frame
                    # (most of `enter` under load); what changed reaches the board as ever.
                    self._reload.clear()
                    if self._room_first and self.open_incident is not None:
                        # The person opening a room waits for its incident, not for the board behind it.
                        self._room_first = False
                        opening = self.open_incident
                        self.post_message(RoomRead(opening, reader.room(opening)))
                        # Nor for the poll: beside the room's first frame it took the GIL from it.
                        self._reload.wait(ROOM_FRAME_SECONDS)
                        self._reload.clear()
                    acts = self._acts  # read once: one landing meanwhile is seen by the next turn
                    forced = acts != acts_seen or failing is not None
                    acts_seen = acts
                    data, view = reader.poll(forced=forced, incident_id=self.open_incident, board_covered=self._board_covered())
                except Exception as exc:
                    problem = _("cannot read the war-room: {error}: {detail} (still trying; run warroom verify)").format(
                        error=type(exc).__name__, detail=exc)
                    if problem != failing:
                        failing = problem
                        self.post_message(LoadFailed(problem))
                    self._reload.wait(max(self.poll_seconds, 2.0))
                    continue
                if failing is not None:
                    failing = None
                    self.post_message(LoadFailed(""))  # read again: the problem line goes
                if data is not None and self.board_reads.put(data):
                    self.post_message(BoardChanged())
                if view is not None and self.room_reads.put(view):
                    self.post_message(IncidentChanged())
                self._reload.wait(self.poll_seconds)  # the poll's cadence; wakes at once when asked
        finally:
            changes.close()
            store.dispose()

    def _board_covered(self) -> bool:
        """Whether a screen hides every screen that shows the board (the board, the wall); a
        modal one shows what is beneath. Asked from the watcher thread: a copy of the stack."""
        from warroom.tui.board import hidden

        shows = [screen for screen in self.screen_stack if getattr(screen, "SHOWS_BOARD", False)]
        return bool(shows) and hidden(shows[-1])

    def read_now(self) -> None:
        """Wake the watcher for a read now (the board is back on top)."""
        self._reload.set()

    def loaded_home(self, timeout: float = 30) -> tuple[Config, Store] | None:
        """The war-room's config and store, once loaded (a screen's worker waits here, never the UI
        loop); None when the home could not be loaded: the board says why."""
        if not self._loaded.wait(timeout) or self._home_config is None or self._home_store is None:
            return None
        return self._home_config, self._home_store

    @property
    def home_config(self) -> Config | None:
        """The war-room's config when loaded (None before, or when it could not be)."""
        return self._home_config

    @work(thread=True, group="act", exit_on_error=False)
    def act(self, command: commands.Command, report: Callable[[str, bool], None] | None = None,
            landed: Callable[[commands.Outcome], object] | None = None) -> None:
        """Run one command as its CLI command runs it (prepared, then one write transaction), off
        the UI loop. Refusals (an observer, an illegal transition) become a notification, never a
        crash; what happened, a short one. A screen that shows outcomes next to the action passes
        `report` (message, whether it was done), called on the UI loop, instead; `landed` is called
        there with the outcome of a command that was done (a start opens the new incident's room)."""
        from warroom.errors import WarroomError
        from warroom.services import commands

        def tell(message: object, done: bool, timeout: float | None = None) -> None:
            if report is not None:
                self.call_from_thread(report, str(message), done)
            else:
                literal.notify(self, message, severity="information" if done else "error", timeout=timeout)

        if (home := self.loaded_home()) is None:
            tell(_("nothing was done: the war-room could not be loaded (the board says why)"), False)
            return
        config, store = home
        if self._gone:
            tell(_("nothing was done: {why}").format(why=self._gone), False)
            return
        try:
            outcome = commands.execute(store, command, commands.context(self.home, config, self.clock.now(), self.clock))
        except WarroomError as exc:
            tell(exc, False, 8)
            return
        tell(outcome.message, not outcome.error, 8 if outcome.error else None)
        if landed is not None and not outcome.error:
            self.call_from_thread(landed, outcome)
        self._warn_if_unwitnessed()
        self._acts += 1
        self._reload.set()

    def _warn_if_unwitnessed(self) -> None:
        """The action is recorded, but its head could not be witnessed (issue 9): say so, as the
        CLI does on stderr; the next write that can witness heals it."""
        witness = self._home_store.witness if self._home_store is not None else None
        if witness is not None and witness.problem:
            self.call_from_thread(self.notify, _("recorded, but not witnessed: {problem} (see warroom doctor)").format(problem=witness.problem),
                                  severity="warning", timeout=10, markup=False)

    @work(thread=True, group="fault", exit_on_error=False)
    def toggle_fault(self, supplier_id: str) -> None:
        """Break a simulated supplier, or heal it (the demo's and the drill facilitator's key):
        `warroom simulate set` in a key."""
        from warroom.errors import WarroomError
        from warroom.services import commands, simulator

        if (home := self.loaded_home()) is None:
            literal.notify(self, _("nothing was done: the war-room could not be loaded (the board says why)"), severity="error")
            return
        config, store = home
        drills = [i.id for i in self.board_data.status.incidents if i.mode == "drill"] if self.board_data else []
        try:
            if drills:  # during a drill, a break is an inject of the newest drill: logged, and healed when it ends
                mode = SimulatorMode.UP if simulator.modes(config).get(supplier_id, "up") != "up" else SimulatorMode.DOWN
                outcome = commands.execute(store, commands.FireInject(max(drills), None, f"{supplier_id}={mode}"),
                                           commands.context(self.home, config, self.clock.now(), self.clock))
                literal.notify(self, outcome.message, severity="error" if outcome.error else "information")
                self._acts += 1
                self._reload.set()
                return
            mode = simulator.toggle(config, supplier_id)
        except WarroomError as exc:
            literal.notify(self, exc, severity="error", timeout=8)
            return
        literal.notify(self, (_("simulated {supplier}: healed (up)") if mode == SimulatorMode.UP else _("simulated {supplier}: broken (down)"))
                       .format(supplier=supplier_id))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error in any worker is shown, never swallowed: an action that silently
        did nothing is the worst thing a war-room tool can do."""
        if event.worker is self._starting and event.worker.is_finished:
            self._start_ended(event.worker, opened=False)  # (neither refused nor landed: it raised, or was cancelled)
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            literal.notify(self, _("{worker} failed: {error}: {detail}").format(worker=event.worker.name, error=type(error).__name__, detail=error),
                           severity="error", timeout=15)

    def start(self, command: commands.StartIncident) -> None:
        """Start an incident and land in its room: whoever started it has work there, and reads
        the outcome on the room's notice line (a notification covered its entry line). Keys typed
        before the room is on top (`D l Called the desk`) are held and given to the room: on the
        board, `l` opened the playbooks and the words were lost."""
        def refused(message: str, done: bool) -> None:
            if not done:
                literal.notify(self, message, severity="error", timeout=8)
                self._start_ended(starting, opened=False)

        async def landed(outcome: commands.Outcome) -> None:
            if outcome.value is None:
                literal.notify(self, outcome.message)
                self._start_ended(starting, opened=False)
                return
            from warroom.tui.room import IncidentScreen

            if self._dialog_on_top:  # (asked meanwhile, "Quit warroom?" say): not buried under the room
                literal.notify(self, outcome.message)
                self._start_ended(starting, opened=False)
                return
            await self.open_room(int(outcome.value))
            if isinstance(self.screen, IncidentScreen):
                self.screen.say(outcome.message)
            self._start_ended(starting, opened=True)

        starting = self._starting = self.act(command, report=refused, landed=landed)
        self.set_timer(START_HOLDS, lambda: self._start_slow(starting))

    def _start_slow(self, starting: Worker) -> None:
        """A start still writing after START_HOLDS (its transaction waits up to 30 s for the
        database's lock): keys must not do nothing for that long. Those held are dropped, and
        said to be; the keys from now on are the board's. Its room still opens when it lands."""
        self._start_ended(starting, opened=False)

    def _start_ended(self, starting: Worker, *, opened: bool) -> None:
        """The keys held while a start was on its way go to the room it opened; if it opened none,
        they are dropped, and said to be: they were typed for that room, and on the board they
        were keys of its own (`l` the playbooks, `D` another start). Only the newest start's end
        counts: one begun before it (with the mouse, while it was on its way) holds no keys."""
        if self._starting is not starting:
            return
        self._starting = None
        if opened:
            self._replay_typed_ahead()
        else:
            self._drop_held(lambda held: ngettext("{count} key typed while it was starting was not used: no room opened",
                                                  "{count} keys typed while it was starting were not used: no room opened", held))

    def _drop_held(self, said: Callable[[int], str]) -> None:
        """The keys held for a room that does not open are dropped, and said to be (`said` words
        their count, `{count}`): on the board or under a dialog they would do something else."""
        if self._typed_ahead:
            held = len(self._typed_ahead)
            self._typed_ahead.clear()
            literal.notify(self, said(held).format(count=held), severity="warning", timeout=8)

    def open_room(self, incident_id: int) -> Awaitable[object]:
        """Open the incident's room; awaiting the result waits until it is on the screen.

        Composing a room (five tables, some thirty widgets) and styling it took most of `enter`
        (about 100 ms of CPU here), so the last room opened, or the one the board built ahead
        (`build_room`), is kept composed and pushed again. It is shown only once its incident
        has been read after the key (`RoomRead`): its first frame says what the database holds
        now, never what it held when the room was closed. Opened again, it is where a fresh
        room would be (`IncidentScreen.reopen`); what was typed in its entry line stays."""
        from warroom.tui.room import IncidentScreen

        self.open_incident = incident_id
        kept = self._kept_room
        if kept is not None and self._fits(kept, incident_id) and kept not in self.screen_stack:
            if self._reopening is None:  # (a second `enter` meanwhile waits for the same read)
                shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._reopening = (kept, shown)
                self.set_timer(ROOM_READ_WAIT, lambda: self._read_late(shown))
            mounted: Awaitable[object] = self._reopening[1]
        else:
            waiting = self._reopening
            self._reopening = None
            room = IncidentScreen(incident_id, self.clock, self.zone, self.role)
            self._keep(room)
            mounted = self.push_screen(room)
            if waiting is not None:  # another room asked for before the kept one was read: it stays closed
                if not waiting[1].done():
                    waiting[1].set_result(None)
                self._replay_typed_ahead()
        self._room_first = True
        self._reload.set()
        return mounted

    @property
    def _dialog_on_top(self) -> bool:
        from textual.screen import ModalScreen

        return bool(self.screen_stack) and isinstance(self.screen, ModalScreen)

    @property
    def _room_on_its_way(self) -> bool:
        """Whether keys typed now are for a room not yet on top: a kept room waiting for its read,
        or the room of a start still writing."""
        return self._reopening is not None or self._starting is not None

    @property
    def room_coming(self) -> bool:
        """Whether a kept room waits for its read to be pushed: `enter` was pressed, and whatever
        the read says, a room covers the board next (on_room_read, _read_late, open_room). Not a
        start still writing: it may open no room, and the board it left unpainted would stay so."""
        return self._reopening is not None

    def build_room(self, incident_id: int) -> None:
        """Compose the room `enter` would open, off the screen, while the board waits for a key
        (the board asks once its cursor rests): the key then costs a read and a repaint. One
        room is kept; the one it replaces goes. None once the app is closing: the board's cursor
        may come to rest while `_close_all` waits, and a room begun then would be closed with
        what is left, in no order (NoMatches from its Select at quit, seen in CI)."""
        from warroom.tui.room import IncidentScreen

        if not self.is_running:
            return
        kept = self._kept_room
        if (kept is not None and self._fits(kept, incident_id)) or self._reopening is not None:
            return
        if kept is not None and kept in self.screen_stack:
            return  # its room is open under what covers the board: not replaced from behind
        room = IncidentScreen(incident_id, self.clock, self.zone, self.role)
        self._keep(room)
        # Textual mounts a screen as it is first pushed; a screen built ahead is mounted here
        # by the same door (App._register, which push_screen takes for a screen not running).
        self._register(self, room)

    def _fits(self, room: IncidentScreen, incident_id: int) -> bool:
        return room.incident_id == incident_id and room.zone == self.zone and room.read_only == (self.role == "observer")

    def _keep(self, room: IncidentScreen) -> None:
        """`room` becomes the one kept (installed: popping it does not remove it). The one kept
        before goes now; if it is open (on the stack, under a room opened from the palette) it
        goes once it is closed, at the next `_keep`: at most one room is kept besides those open."""
        if self._kept_room is not None:
            self._retired.append(self._kept_room)
        for old in [r for r in self._retired if r not in self.screen_stack]:
            self._retired.remove(old)
            self.uninstall_screen(old)
            old.remove()
            self._let_go.append(weakref.ref(old))
        self._kept_room = room
        self.install_screen(room, f"{KEPT_ROOM}-{id(room)}")

    @while_open
    def on_room_read(self, message: RoomRead) -> None:
        reopening = self._reopening
        if reopening is not None and reopening[0].incident_id == message.incident_id:
            room, shown = reopening
            self._reopening = None
            if self._dialog_on_top:
                self._room_kept_back(shown)
                return
            if message.view is None or not room.is_mounted:
                # Cannot be read now (a new room says it is loading), or built so late that it
                # is still mounting: a new room, read again, as at a first opening (nothing on
                # the app's loop waits for a mount).
                self._replace_kept(room, shown)
                if message.view is not None:
                    self._room_first = True
                    self._reload.set()
                return
            room.reopen(message.view)  # before it is pushed: its first frame is this read
            self.push_screen(room)
            if not shown.done():
                shown.set_result(None)
            self._replay_typed_ahead()
            return
        if message.view is not None:
            self.on_incident_changed(IncidentChanged(message.view))

    def _read_late(self, shown: asyncio.Future[None]) -> None:
        """The kept room's read did not come (the war-room cannot be read, or the watcher is
        stuck): a key must not do nothing, so a new room opens and says it is loading (the
        read, when it comes, is shown in it)."""
        if self._reopening is not None and self._reopening[1] is shown:
            room, _ = self._reopening
            self._reopening = None
            if self._dialog_on_top:
                self._room_kept_back(shown)
                return
            self._replace_kept(room, shown)

    def _room_kept_back(self, shown: asyncio.Future[None]) -> None:
        """A dialog came on top while the room was on its way (ctrl+q after `enter`, which is
        never held): the room is not pushed over the question, which a `y` typed next must
        answer, as a start that lands under a dialog does. The keys held for the room are
        dropped, and said to be; `enter` opens it again."""
        if not shown.done():
            shown.set_result(None)
        self._drop_held(lambda held: ngettext("{count} key typed for the room was not used: a question came first",
                                              "{count} keys typed for the room were not used: a question came first", held))

    def _replace_kept(self, room: IncidentScreen, shown: asyncio.Future[None]) -> None:
        from warroom.tui.room import IncidentScreen

        fresh = IncidentScreen(room.incident_id, self.clock, self.zone, self.role)
        self._keep(fresh)
        self.push_screen(fresh)
        if not shown.done():
            shown.set_result(None)
        self._replay_typed_ahead()

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, TYPED):
            await super().on_event(event)
            return
        self._last_key = time.monotonic()
        if event.is_forwarded:  # back up from the focused widget: a key's binding runs now
            await super().on_event(event)
            if event is self._in_flight:
                self._in_flight = self._in_flight_to = None
            return
        if event is not self._replaying and self._holds(event):
            self._typed_ahead.append(event)
            if not self._room_on_its_way:
                self._replay_typed_ahead()
            return
        if isinstance(event, events.MouseEvent):  # (the screen hands it to what is under the pointer)
            await super().on_event(event)
            return
        # Sent by the widget it is handed to: Textual stops a message at a node whose parent sent
        # it, and the app (the driver's sender) is the screen's parent, so every key passing the
        # screen looked used there. Now a key stopped on its way is one a widget used.
        target = self.focused or self.screen
        event.set_sender(target)
        await super().on_event(event)
        if event.is_forwarded:  # (not taken by a priority binding of the app's own, which has run)
            self._in_flight, self._in_flight_to = event, target

    def _holds(self, event: Typed) -> bool:
        """Whether a key (a paste, a mouse button) just come waits before it is handed on.

        Textual hands a key to the focused widget and goes on to the next key at once, while the
        first still travels up to the binding it is for: typed quickly, or arriving together over
        a slow link, `l C…` in a room gave `C` to the steps, where it did nothing, before `l` had
        moved the focus to the entry line, and `D l…` on the board's suggestion gave `l` to the
        board before `D` had started anything. So each waits until the one before it has done
        what it does, and they are given in their order (`_replay`). A paste or a click among
        them waits its turn too: `A<paste>B` typed `A`, the paste, then `B`, and a click on a
        step after `x` was typed in the entry line gave `x` to the steps (skip a step).

        While a room is on its way (after `enter`, while the kept room waits for its read, or
        after a start, while its room is written) they wait for that room: on the board `l` would
        open the playbooks. Not those for a dialog on top (opened with the mouse, or by ctrl+q,
        meanwhile), and not Textual's way out, which goes at once."""
        if self._room_on_its_way:  # (a click on the board is the board's, as it was)
            if isinstance(event, events.Key):
                return event.key not in NEVER_HELD and not self._dialog_on_top
            return isinstance(event, events.Paste) and not self._dialog_on_top
        return self._pending() or bool(self._typed_ahead) or self._replaying is not None

    def _pending(self) -> bool:
        """Whether the last key handed on may not have done what it does yet: it has neither come
        back up to the app (where its binding runs) nor been used by a widget on its way (Input
        takes a character and stops it). Textual says "stopped" only in `_stop_propagation`."""
        if self._in_flight is not None and self._in_flight._stop_propagation:
            self._in_flight = self._in_flight_to = None  # (not kept: an event refers to the node it was sent from)
        return self._in_flight is not None

    def _replay_typed_ahead(self) -> None:
        if self._typed_ahead and (self._replayer is None or self._replayer.is_finished):
            self._replayer = self.run_worker(self._replay(), group="typed-ahead")

    async def _replay(self) -> None:
        """The keys held, in their order, to what is on top now, each once the one before it has
        done what it does (`_handled`): a key's binding runs on its way back up from the focused
        widget, so `l` then `x` posted together would give `x` to the steps (skip a step) before
        `l` had moved the focus to the entry line. A key given that opens a room (`enter` on an
        incident, `D` on a suggestion) makes the rest wait for that room, as the first did
        (`on_room_read`, `_start_ended` give them)."""
        try:
            while True:
                waited = self._replaying if self._replaying is not None else self._in_flight
                if waited is not None and not await self._handled(waited, time.monotonic() + KEY_SETTLES):
                    self.log.warning(f"{waited!r} was not handled within {KEY_SETTLES} s; the next is given anyway")
                self._in_flight = self._in_flight_to = None
                if not self._typed_ahead or self._room_on_its_way or not self.is_running:
                    return
                held = self._typed_ahead.pop(0)
                if isinstance(held, events.Key):
                    held = events.Key(held.key, held.character)
                elif isinstance(held, events.Paste):
                    held = events.Paste(held.text)
                self._replaying = held  # (a mouse button as it came: where it was pressed is in it)
                self.post_message(held)
        finally:
            self._replaying = None

    async def _handled(self, event: Typed, deadline: float) -> bool:
        """Until `event` (handed on, or posted to the app to be) has done what it does, or until
        `deadline` (False). Used by a widget on its way (a character typed into a line: most of
        a burst), it is done. Back at the app, where a key's binding ran, it is done once what
        the binding set going has run (`_settled`): a binding may do anything. Followed up from
        where it was handed, one hop a round: a whole screen's every round cost some 10 ms a
        key, seconds for a paragraph typed ahead."""
        if not event.is_forwarded:  # still in the app's queue, or taken there by a priority binding
            if not await _queues_drained([self], deadline):
                return False
            if not event.is_forwarded:
                return await self._settled(deadline)
        if isinstance(event, events.MouseEvent):  # handed to what is under the pointer: its click may do anything
            return await self._settled(deadline)
        while time.monotonic() < deadline:
            if event._stop_propagation:
                return True
            if event is not self._in_flight or self._in_flight_to is None:
                return await self._settled(deadline)
            path = list(self._in_flight_to.ancestors_with_self)
            if not any(node.is_running for node in path):
                return True  # (its widget went: it is nowhere)
            if not await _queues_drained(path, deadline):
                return False
        return False

    async def _settled(self, deadline: float) -> bool:
        """Until the app and every widget of the screen on top have handled what they had to, or
        until `deadline` (False). A round asks each of them to call back once what is queued for
        it is handled (as Textual's Pilot waits for a screen, which no public call does); the
        round that counts began and ended with nothing queued anywhere: a widget still handling a
        message when it began (not counted as queued) holds its call back until it is done, and a
        key travels up by being posted to each parent in turn, its binding's focus change posted
        again. Not a pause of some length, which a machine whose cores are taken outlasts."""
        while time.monotonic() < deadline:
            nodes = [self, *self.screen.walk_children(with_self=True)]
            quiet_before = not any(node.message_queue_size for node in nodes)
            if not await _queues_drained(nodes, deadline):
                return False
            if quiet_before and not any(node.message_queue_size for node in nodes):
                return True
        return False

    @while_open
    def on_board_changed(self, message: BoardChanged) -> None:
        from warroom.tui.wall import WallScreen

        read = self.board_reads.take()
        if read is None:
            return
        first = self.board_data is None
        self.board_data = read.board
        self.injects.announce(self, read.board)
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.show(read.board, read.trends, read.troubles)
            elif isinstance(screen, WallScreen):
                screen.show(read.board)
        if first and self.freeze_heap:
            self.call_after_refresh(self._freeze_heap)

    def _freeze_heap(self) -> None:
        """Once loaded, take the collector's full passes off the key path. Left to itself, Python
        walked every object of Textual, SQLAlchemy and the board every two or three seconds at
        1,000 suppliers, 170-300 ms each, and a key pressed meanwhile waited for it (measured,
        bench_tui_wire). What is loaded now is frozen out of those passes, the automatic full
        pass is switched off, and a full pass runs once a minute instead, when no key has been
        pressed for two seconds: a press that met one waited up to a second (bench_keys --trace),
        and a coordinator working the keys is not kept waiting by the collector. Cyclic garbage
        still goes, even from a TUI whose keys never stop: within minutes, or at the next thaw if
        what it came from had been frozen alive (see _collect)."""
        import gc

        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)
        self._last_full = self._last_thaw = time.monotonic()
        self.set_interval(min(1.0, self.FULL_COLLECTION_SECONDS), self._collect)

    def _collect(self) -> None:
        """The minute's full pass, and what survives it frozen too: a room's log grows by every
        entry, and each pass walked all of it again; now it walks what came since the last (a
        room of 3,000 entries taking entries: 11.9 ms a pass before, 7.1 ms after). What a pass
        frees is most of its cost under load (bench_load: 55-87 ms of CPU either way, some 17,000
        of Textual's self-referring strips a minute), and that stays. A cycle among objects frozen
        alive and dropped since is garbage no such pass sees: every FULL_THAW_SECONDS, and at the
        passes while a removed room is not yet freed (_let_go), everything is thawed and walked, so memory
        stays bounded by what a quarter of an hour leaves besides rooms."""
        import gc

        now = time.monotonic()
        if full_pass_due(now, last_full=self._last_full, last_key=self._last_key, every=self.FULL_COLLECTION_SECONDS,
                         quiet=self.KEYS_QUIET_SECONDS, latest=self.FULL_COLLECTION_LATEST):
            self._let_go = [room for room in self._let_go if room() is not None]
            if self._let_go or now - self._last_thaw >= self.FULL_THAW_SECONDS:
                gc.unfreeze()
                self._last_thaw = now
            gc.collect()
            gc.freeze()
            self._last_full = time.monotonic()

    @while_open
    def on_incident_changed(self, message: IncidentChanged) -> None:
        from warroom.tui.review import ReviewScreen
        from warroom.tui.room import IncidentScreen

        view = message.view if message.view is not None else self.room_reads.take()
        if view is None:
            return
        for screen in self.screen_stack:
            if isinstance(screen, IncidentScreen) and screen.incident_id == view.incident.id:
                screen.show(view)
            elif isinstance(screen, ReviewScreen) and screen.incident_id == view.incident.id:
                screen.refresh_review()  # an observation or an action arrived: read the review again

    @while_open
    def on_monitor_started(self, message: MonitorStarted) -> None:
        literal.notify(self, _("no monitor was running: started one (pid {pid}); it stops when you quit").format(pid=message.pid), timeout=6)

    async def _close_all(self) -> None:
        """Screens kept off the stack (a room built ahead or closed, the help) are removed before
        Textual closes the rest. It prunes only the screens on a stack, a parent after its
        children have finished, and closes what remains one node at a time in no order: a room
        built ahead still mounting lost its Select's parts before the Select had mounted them
        (NoMatches at quit, seen in CI). Textual's own closing step, private like `_register`."""
        from textual.screen import Screen

        shown = {screen for stack in self._screen_stacks.values() for screen in stack}
        kept = {s for s in [*self._installed_screens.values(), *self._retired] if isinstance(s, Screen)}
        for screen in kept - shown:  # (one built just before the close has not started yet: it is waited for, and pruned)
            await screen.remove()
        await super()._close_all()

    def on_unmount(self) -> None:
        if self.keeper is not None:
            self.keeper.stop()

    @while_open
    def on_identity(self, message: Identity) -> None:
        from warroom.tui.wall import WallScreen

        self.zone, self.role = ZoneInfo(message.zone), message.role
        if self._home_config is not None:
            from warroom.tui import hint

            hint.offer(self, self._home_config)
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.set_identity(message.title, message.who, message.zone)
            elif isinstance(screen, WallScreen):
                screen.set_title(message.title, message.zone)

    @while_open
    def on_load_failed(self, message: LoadFailed) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.set_problem(message.text)
        if message.text and not isinstance(self.screen, BoardScreen):
            literal.notify(self, message.text, severity="error", timeout=15)


def _resume_collector() -> None:
    import gc

    gc.enable()


def _file_identity(url: str) -> tuple[int, int] | None:
    from warroom.store.engine import sqlite_path

    path = sqlite_path(url)
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def _gone(url: str, opened: tuple[int, int] | None) -> str | None:
    """Why the SQLite file this TUI opened is no longer the home's, or None. A deleted or replaced
    file stays open here and takes writes that no one else will ever read: say so, and act no more."""
    if opened is None:
        return None
    from warroom.store.engine import sqlite_path

    path = sqlite_path(url)
    now = _file_identity(url)
    if now == opened:
        return None
    if now is None:
        return _("the database {path} was deleted while this TUI ran; quit and start warroom again (then run warroom verify)").format(path=path)
    return _("the database {path} was replaced by another file while this TUI ran; quit and start warroom again (then run warroom verify)"
             ).format(path=path)


def full_pass_due(now: float, *, last_full: float, last_key: float, every: float, quiet: float, latest: float) -> bool:
    """Whether the collector's full pass runs now (monotonic seconds): `every` since the last one
    and no key for `quiet`, or `latest` since the last one whatever the keys."""
    since = now - last_full
    return since >= latest or (since >= every and now - last_key >= quiet)


async def _queues_drained(nodes: list[DOMNode], deadline: float) -> bool:
    """Until each of `nodes` has handled what was queued for it when asked (a callback queued
    behind it); False when `deadline` came first."""
    waiting = 0
    drained = asyncio.Event()

    def called_back() -> None:
        nonlocal waiting
        waiting -= 1
        if waiting == 0:
            drained.set()

    for node in nodes:
        if node.call_later(called_back):  # False for one no longer running: nothing to wait for
            waiting += 1
    if waiting == 0:
        return True
    try:
        await asyncio.wait_for(drained.wait(), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        return False
    return True


def make_app(home: Home, *, clock: Clock | None = None, keep_monitor: bool = False, wall: bool = False) -> WarroomApp:
    """The app as tests drive it (no child monitor unless a test asks for one). The wall view
    changes nothing, so it never starts a monitor."""
    return WarroomApp(home, clock=clock, keep_monitor=keep_monitor and not wall, wall=wall)


def run(home: Home, *, wall: bool = False, mouse: bool = True, collector_paused: bool = False) -> int:
    """The app as a person runs it, alone in its process: a monitor kept running, and the heap
    frozen once loaded (never in a test process, where many apps come and go); `collector_paused`:
    the caller turned Python's collector off for the start (cli), and it goes on again once the
    first frame is on screen. Its exit status: not 0 when it ended on an error, so a supervisor
    (or the SSH door) does not take a crash for a coordinator's quit."""
    app = WarroomApp(home, keep_monitor=not wall, wall=wall, freeze_heap=True, collector_paused=collector_paused)
    app.run(mouse=mouse)
    return app.return_code or 0
