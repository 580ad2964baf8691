"""The wall view (`warroom --wall`): a read-only board for a projector. Large state words for the
suppliers that are not up, the services hit, each open incident with its mode and its next
deadline counting down. Nothing to type; q quits. Names, details and titles are shown as written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from warroom import words
from warroom.clock import Clock
from warroom.health.shown import detail as shown_detail
from warroom.i18n import N_, _
from warroom.services import views
from warroom.symbols import SERVICE, SUPPLIER
from warroom.tui import literal
from warroom.tui.board import MODE_MARK, STATE_STYLE, countdown, in_order, most_urgent, owed_text, sector_word, state_word
from warroom.tui.quiet import QuietTexts, cut_words

HIGH_CONTRAST = Theme(
    name="warroom-high-contrast", primary="#ffff00", secondary="#00ffff", warning="#ffff00", error="#ff3030",
    success="#00ff00", accent="#ffffff", foreground="#ffffff", background="#000000", surface="#000000", panel="#000000", dark=True,
)


def tiles(suppliers: Sequence[views.SupplierView], gap: bool = True) -> Content:
    failing = [s for s in in_order(suppliers) if s.state != "up"]
    if not failing:
        return Content.styled(_("▲ ALL SUPPLIERS UP"), "bold")
    lines = []
    for s in failing:
        word = _("{down} VIA {parent}").format(down=state_word("down").upper(), parent=s.via.upper()) if s.via else state_word(s.state).upper()
        style = STATE_STYLE.get("down" if s.via else s.state, "bold")
        lines.append(Content.assemble(literal.plain(f" {SUPPLIER.get(s.state, '?')} {word} ", f"{style} reverse" if "reverse" not in style else style),
                                      literal.template("  [b]$name[/b]  $detail", name=s.name, detail=shown_detail(s.detail))))
    return Content("\n\n" if gap else "\n").join(lines)


def services(rows: Sequence[views.ServiceView]) -> Content:
    hit = [v for v in rows if v.state != "up"]
    if not hit:
        return Content.styled(_("✔ ALL CRUCIAL SERVICES UP"), "bold")
    return Content("\n").join(literal.template("[b]$sector[/b]  $name", sector=f"{SERVICE[v.state]} {sector_word(v.sector).upper()}", name=v.name)
                              for v in hit)


def incident_lines(incidents: Sequence[views.OpenIncident], now: datetime, width: int = 0) -> Content:
    """Each incident: its mode as a block no one can mistake (LIVE red, DRILL hatched yellow), what
    it owes in red (fired levels nobody acknowledged, late steps, overdue decisions), and then its
    next deadline counting down. Each line cut after a whole word to `width` when known."""
    if not incidents:
        return Content(_("no open incidents"))
    out = []
    for i in incidents:
        nxt = i.next_escalation
        # Seconds all the way: the projector is in the room, not at the end of a phone hotspot.
        deadline = f"L{nxt.level} {countdown(nxt.due_at, now, seconds_within=24 * 3600)}" if nxt else _("no escalation pending")
        # What counts down and what is owed come before the title: a long title is what gets cut.
        # TRANSLATORS: our markup; $id, $status, $deadline and $title are filled in as text.
        line = Content.assemble(MODE_MARK[i.mode], " ", literal.template(_("[b]#$id[/b] $status · next: [b]$deadline[/b] · [b]$title[/b]"),
                                                                       id=i.id, title=i.title, deadline=deadline,
                                                                       status=words.shown(i.status, words.INCIDENT_STATUS).upper()))
        owed = owed_text(i, now)
        out.append(cut_words(line, width))
        if owed:
            out.append(cut_words(literal.template("  [b reverse red] ⚠ $owed [/]", owed=owed), width))
    return Content("\n").join(out)


def headline(title: str, zone: ZoneInfo, incidents: Sequence[views.OpenIncident], now: datetime) -> Content:
    """The clock first, then the most pressing thing owed, then the title: cut from the right."""
    return Content.assemble((f"{now.astimezone(zone):%H:%M %Z}", "bold"), "  ", most_urgent(incidents, now), literal.plain(_("{title} · wall").format(title=title), "bold"))


class WallScreen(QuietTexts, Screen):
    SHOWS_BOARD = True  # while one is visible, the watcher reads what moves with time alone (WarroomApp._board_covered)
    DEFAULT_CSS = """
    WallScreen { layout: vertical; }
    WallScreen #walltitle { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    WallScreen .wallpanel { border: heavy $primary; padding: 1 2; height: auto; }
    WallScreen #wallincidents { text-wrap: nowrap; text-overflow: ellipsis; }
    WallScreen.short .wallpanel { padding: 0 1; }
    WallScreen #walltiles { height: 1fr; }
    WallScreen #wallhint { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [("q", "app.quit", N_("Quit"))]

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.title_text, self.zone = "warroom", ZoneInfo("UTC")
        self.data: views.Board | None = None

    def compose(self) -> ComposeResult:
        yield Static(_("{title} · wall").format(title="warroom"), id="walltitle")
        with Vertical():
            yield Static(_("loading…"), id="walltiles", classes="wallpanel")
            yield Static("", id="wallservices", classes="wallpanel")
            yield Static("", id="wallincidents", classes="wallpanel")
        yield Static(_("read-only wall view · q quit"), id="wallhint")

    def on_resize(self, event) -> None:
        self.set_class(event.size.height < 40, "short")  # a small terminal: every line for the facts
        if self.is_mounted:
            self.call_after_refresh(self._tick, True)  # lines cut to the new width, once it is laid out

    def on_mount(self) -> None:
        self.set_class(self.size.height < 40, "short")
        self.query_one("#walltiles").border_title = _("SUPPLIERS NOT UP")
        self.query_one("#wallservices").border_title = _("CRUCIAL SERVICES HIT")
        self.query_one("#wallincidents").border_title = _("OPEN INCIDENTS")
        self.set_interval(1.0, self._tick)
        if self.data is not None:  # the first read came before the screen was mounted
            self.show(self.data)

    def set_title(self, title: str, zone: str | None = None) -> None:
        self.title_text = title
        if zone:
            self.zone = ZoneInfo(zone)
        if self.is_mounted:
            self._tick()

    def _tick(self, layout: bool = False) -> None:
        """Once a second the clock and the countdowns; the lines stay as many, so no layout pass,
        unless a new read changed which incidents are open or what they owe."""
        now = self.clock.now()
        incidents = self.data.status.incidents if self.data else ()
        self._put("#walltitle", cut_words(headline(self.title_text, self.zone, incidents, now), self._width("#walltitle")), layout=False)
        if self.data:
            self._put("#wallincidents", incident_lines(incidents, now, self._width("#wallincidents")), layout=layout)

    def _width(self, selector: str) -> int:
        """The cells a line of the widget has (0 before the first layout: nothing is cut then)."""
        return self.query_one(selector).content_region.width

    def show(self, data: views.Board) -> None:
        self.data = data
        if not self.is_mounted:
            return
        self._put("#walltiles", tiles(data.status.suppliers, gap=not self.has_class("short")))
        self._put("#wallservices", services(data.status.services))
        self._tick(layout=True)
