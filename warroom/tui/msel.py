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
from textual.widgets import Static

from warroom import durations, i18n, text
from warroom import words as vocab
from warroom.clock import Clock
from warroom.i18n import N_, _
from warroom.services import commands, views
from warroom.tui import literal
from warroom.tui.footer import Footer
from warroom.tui.quiet import Rows

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


def speed(value: float) -> str:
    """A drill's speed as `{:g}` writes it (`2`, `1.5`), with the language's decimal sign."""
    return i18n.figure(value)


class MselScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Room")),
        Binding("f", "by_hand('fire')", N_("Fire now")),
        Binding("h", "by_hand('hold')", N_("Hold")),
        Binding("x", "by_hand('skip')", N_("Skip")),  # x skips, as in the room's steps; j/k move
    ]

    def __init__(self, incident_id: int, clock: Clock, zone: ZoneInfo):
        super().__init__()
        self.incident_id, self.clock, self.zone = incident_id, clock, zone
        self.msel: views.Msel | None = None

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("MSEL of drill #{id} · loading…").format(id=self.incident_id), id="mselline")
        yield Rows(id="msel", cursor_type="row", columns=(("#", "n"), (_("at"), "at"), (_("planned"), "planned"), (_("actual"), "actual"),
                                                          (_("state"), "state", 8), (_("inject"), "what")))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#msel").border_title = _("Injects (facilitator only)")
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
        faster = " · " + _("{speed}× faster").format(speed=speed(msel.speed)) if msel.speed != 1 else ""
        upcoming = sum(r.state == "upcoming" for r in msel.injects)
        # "+" in the # column: an inject added by hand (`drill inject`), not one of the script's numbered ones.
        adhoc = " · " + _("+: added by hand, not scripted") if any(r.n is None for r in msel.injects) else ""
        # TRANSLATORS: "MSEL of drill #3 · 2× faster · 4 upcoming · +: added by hand"; {faster} and {adhoc} may be empty
        self.query_one("#mselline", Static).update(Content(_("MSEL of drill #{id}{faster} · {n} upcoming{adhoc}").format(
            id=msel.incident, faster=faster, n=upcoming, adhoc=adhoc)))
        rows = []
        for r in msel.injects:
            what = " — ".join(x for x in (r.message, _("fault {fault}").format(fault=r.fault) if r.fault else "",
                                          _("expect {what}").format(what=r.expect) if r.expect else "") if x)
            if r.error:
                what += "  " + _("FAILED: {error}").format(error=r.error)
            key = str(r.n) if r.n is not None else f"adhoc-{r.actual_at}"
            rows.append((key, (str(r.n) if r.n is not None else "+", f"+{durations.format(r.at)}" if r.at is not None else _("ad hoc"),
                               self._t(r.planned_at), self._t(r.actual_at), vocab.shown(r.state, vocab.INJECT_STATE), text.words(what))))
        self.query_one("#msel", Rows).sync(rows)

    def action_by_hand(self, verb: str) -> None:
        key = self.query_one("#msel", Rows).selected_key
        if key is None or not key.isdigit():
            return
        command = {"fire": commands.FireScripted, "hold": commands.HoldInject, "skip": commands.SkipInject}[verb]
        self.warroom.act(command(self.incident_id, int(key)))
