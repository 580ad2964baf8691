"""The facilitator's MSEL screen: every inject of a drill with its scenario time, planned and actual
time and state, and keys to fire, hold or skip the selected one. Reached from the room with `m`.

What it shows comes from `drills.msel`, which refuses anyone but the drill's facilitator: a player
who opens it sees that refusal and nothing of the script (the service enforces it, not this screen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from warroom import durations, text
from warroom.clock import Clock
from warroom.services import commands, views
from warroom.tui import literal
from warroom.tui.quiet import Rows

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


class MselScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Room"),
        Binding("f", "by_hand('fire')", "Fire now"),
        Binding("h", "by_hand('hold')", "Hold"),
        Binding("x", "by_hand('skip')", "Skip"),  # x skips, as in the room's steps; j/k move
    ]

    def __init__(self, incident_id: int, clock: Clock, zone: ZoneInfo):
        super().__init__()
        self.incident_id, self.clock, self.zone = incident_id, clock, zone
        self.msel: views.Msel | None = None

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(f"MSEL of drill #{self.incident_id} · loading…", id="mselline")
        yield Rows(id="msel", cursor_type="row", columns=(("#", "n"), ("at", "at"), ("planned", "planned"), ("actual", "actual"),
                                                          ("state", "state", 8), ("inject", "what")))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#msel").border_title = "Injects (facilitator only)"
        self.refresh_msel()
        self.set_interval(1.0, self.refresh_msel)

    @work(thread=True, exclusive=True, group="msel", exit_on_error=False)
    def refresh_msel(self) -> None:
        from warroom.errors import WarroomError
        from warroom.services import actors, drills

        app = self.warroom
        if (home := app.loaded_home()) is None:
            return
        config, store = home
        try:
            with store.read() as session:
                msel = drills.msel(session, incident_id=self.incident_id, actor=actors.current(config), now=self.clock.now())
        except WarroomError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self.show, msel)

    def _refused(self, why: str) -> None:
        self.query_one("#mselline", Static).update(literal.plain(why, "bold"))
        self.query_one("#msel", Rows).sync([])

    def _t(self, when) -> str:
        return when.astimezone(self.zone).strftime("%H:%M:%S") if when else "—"

    def show(self, msel: views.Msel) -> None:
        self.msel = msel
        faster = f" · {msel.speed:g}× faster" if msel.speed != 1 else ""
        upcoming = sum(r.state == "upcoming" for r in msel.injects)
        # "+" in the # column: an inject added by hand (`drill inject`), not one of the script's numbered ones.
        adhoc = " · +: added by hand, not scripted" if any(r.n is None for r in msel.injects) else ""
        self.query_one("#mselline", Static).update(Content(f"MSEL of drill #{msel.incident}{faster} · {upcoming} upcoming{adhoc}"))
        rows = []
        for r in msel.injects:
            what = " — ".join(x for x in (r.message, f"fault {r.fault}" if r.fault else "", f"expect {r.expect}" if r.expect else "") if x)
            if r.error:
                what += f"  FAILED: {r.error}"
            key = str(r.n) if r.n is not None else f"adhoc-{r.actual_at}"
            rows.append((key, (str(r.n) if r.n is not None else "+", f"+{durations.format(r.at)}" if r.at is not None else "ad hoc",
                               self._t(r.planned_at), self._t(r.actual_at), r.state, text.words(what))))
        self.query_one("#msel", Rows).sync(rows)

    def action_by_hand(self, verb: str) -> None:
        key = self.query_one("#msel", Rows).selected_key
        if key is None or not key.isdigit():
            return
        command = {"fire": commands.FireScripted, "hold": commands.HoldInject, "skip": commands.SkipInject}[verb]
        self.warroom.act(command(self.incident_id, int(key)))
