"""The board (home screen): suppliers, the crucial services they hit, open incidents, the fallback
register. Every state is a symbol and a word, never colour alone. Names, details and titles come
from warroom.toml, playbooks and suppliers' status pages: shown as written (`literal`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from warroom import text
from warroom.clock import Clock
from warroom.services import commands, views
from warroom.symbols import SERVICE, SUPPLIER, spark
from warroom.tui import literal
from warroom.tui.quiet import QuietTexts, Rows
from warroom.vocabulary import Mode

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

SECTORS = ("income", "care", "safety", "justice", "other")
NARROW = 100  # below this width the services panel folds away (DESIGN: 80×24 must still work)
NAME_WIDTH = 22
TITLE_WIDTH = 48  # long supplier names are cut so the notes (active fallback, stale) stay in view
SECONDS_WITHIN = 120  # countdowns show seconds only this close to the deadline: no churn before
MODE_MARK = {"drill": Content.from_markup("[reverse] DRILL [/reverse]"), "live": Content.from_markup("[reverse b] LIVE [/reverse b]")}


Trends = Mapping[str, list[float | None]]


def latency_text(state: str, trend: list[float | None] | None) -> str:
    """The latest full minute's average and a bar for each full minute. Per minute, not per check:
    a number that changed every five seconds would repaint every row for nobody's benefit."""
    if not trend:
        return "—"
    full, under_way = trend[:-1], trend[-1]
    # The latest minute that had an answer (a supplier checked every few minutes has gaps), the
    # minute under way before the first full one; nothing for a supplier that is down now.
    figure = next((v for v in reversed(full) if v is not None), under_way)
    number = f"{figure:,.0f} ms" if figure is not None and state != "down" else "—"
    return f"{number:>8} {spark(full)}"


def supplier_row(s: views.SupplierView, zone: ZoneInfo, trend: list[float | None] | None = None, uptime: float | None = None) -> tuple[str, ...]:
    state = f"↳ down via {s.via}" if s.via else f"{SUPPLIER[s.state]} {s.state}"
    since = s.since.astimezone(zone).strftime("%H:%M") if s.since else "—"
    notes = []
    if s.fallback:
        notes.append(f"fallback {s.fallback.id}")
    if s.disagreement:
        notes.append("status page disagrees")
    if s.stale and s.state != "unknown":
        notes.append("stale")
    name = text.line(s.name)  # cut what is shown, escapes included
    name = name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"
    note = "; ".join(notes) or s.detail
    return (state, name, latency_text(s.state, trend), since, f"30 d {uptime:.2f} % · {note}" if uptime is not None else note)


def services_text(services: Sequence[views.ServiceView]) -> Content:
    lines = []
    for sector in SECTORS:
        mine = [v for v in services if v.sector == sector]
        if not mine:
            continue
        lines.append(literal.plain(sector.upper(), "bold"))
        hit = [v for v in mine if v.state != "up"]
        if not hit:
            lines.append(Content("  all services up"))
        for v in hit:
            through = ", ".join(t.supplier + (f" (via {t.via})" if t.via else "") for t in v.through) or "not checked yet"
            lines.append(literal.template("  $mark $name  [dim]$through[/dim]", mark=SERVICE[v.state], name=v.name, through=through))
    return Content("\n").join(lines)


def countdown(due: datetime | None, now: datetime, seconds_within: int = SECONDS_WITHIN) -> str:
    """Minutes while the deadline is far, minutes and seconds when it is near (or just past)."""
    if not due:
        return "no escalation pending"
    seconds = int((due - now).total_seconds())
    if abs(seconds) >= seconds_within:
        return f"due {-seconds // 60} min ago" if seconds < 0 else f"in {seconds // 60} min"  # never later than it says
    if seconds < 0:
        return f"due {-seconds // 60:d}:{-seconds % 60:02d} ago"
    return f"in {seconds // 60:d}:{seconds % 60:02d}"


def next_escalation(i: views.OpenIncident, now: datetime) -> str:
    nxt = i.next_escalation
    return f"L{nxt.level} {countdown(nxt.due_at, now)}" if nxt else "—"


def incident_row(i: views.OpenIncident, now: datetime) -> tuple[str, ...]:
    # The title is cut like a supplier's name: its padding or length must not push status,
    # elapsed time and the next escalation off the screen.
    return (f"#{i.id}", "DRILL" if i.mode == Mode.DRILL else "LIVE", cut(text.words(i.title), TITLE_WIDTH), i.status,
            elapsed(i.opened_at, now), next_escalation(i, now))


def cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def elapsed(opened: datetime, now: datetime) -> str:
    minutes = int((now - opened).total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def register_text(rows: Sequence[views.RegisterEntry], zone: ZoneInfo) -> Content:
    parts = []
    for r in rows:
        last = r.last_exercised
        if r.active:
            parts.append(literal.template("[b]$id[/b] ($supplier) ACTIVE", id=r.id, supplier=r.supplier))
        elif last is None:
            parts.append(literal.template("$id ($supplier) [b]NEVER EXERCISED ⚠[/b]", id=r.id, supplier=r.supplier))
        else:
            flag = " ⚠ overdue" if r.overdue else ""
            parts.append(literal.plain(f"{r.id} ({r.supplier}) last exercised {last.at.astimezone(zone):%Y-%m-%d} {last.result or last.mode}{flag}"))
    return Content(" · ").join(parts)


class BoardScreen(QuietTexts, Screen):
    BINDINGS = [
        Binding("enter", "open_incident", "Open incident"),
        Binding("p", "playbooks", "Playbooks"),
        Binding("s", "accept('live')", "Start suggested"),
        Binding("D", "accept('drill')", "…as drill"),
        Binding("x", "dismiss_suggestion", "Dismiss"),
        Binding("f", "fault", "Break/heal (simulator)"),
        Binding("i", "supplier", "Supplier details", show=False),  # warroom/tui/watch.py; in help and the palette
        Binding("R", "risks", "Supplier risks", show=False),
    ]

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.zone = ZoneInfo("UTC")
        self.title_text, self.who = "warroom", ""
        self.data: views.Board | None = None
        self.trends: Trends = {}
        self.uptime: dict[str, float | None] = {}  # 30-day uptime by supplier, from watch.follow_uptime
        self._tables_ready = False

    @property
    def warroom(self) -> WarroomApp:
        """The app as what it is, so a type checker sees what this screen asks of it."""
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("warroom · loading…", id="topline")
        yield Static("", id="problem")
        with Horizontal(id="main"):
            yield Rows(id="suppliers", cursor_type="row", columns=(
                ("state", "state", len("◌ maintenance")), ("supplier", "name"), ("latency · per minute", "latency"), ("since", "since"), ("", "note")))
            yield Static("", id="services")
        yield Rows(id="incidents", cursor_type="row", columns=(
            ("#", "id"), ("mode", "mode"), ("incident", "title"), ("status", "status"), ("open", "open"), ("next escalation", "next")))
        yield Static("", id="register")
        yield Static("", id="suggestion")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#suppliers").border_title = "Suppliers"
        self.query_one("#incidents").border_title = "Incidents"
        self.query_one("#services", Static).border_title = "Crucial services hit"
        self.query_one("#register", Static).border_title = "Fallback register"
        self.set_interval(1.0, self._tick)
        from warroom.tui.watch import follow_uptime

        follow_uptime(self)
        self._fit(self.size.width)
        self._tables_ready = True
        if self.data is not None:  # the first read came before the tables had their columns
            early, self.data = self.data, None
            self.show(early, self.trends)

    def on_screen_resume(self) -> None:
        self.warroom.open_incident = None  # back on the board: stop reading a room nobody looks at

    def action_open_incident(self) -> None:
        key = self.query_one("#incidents", Rows).selected_key
        if key is not None:
            self.warroom.open_room(int(key))

    @on(DataTable.RowSelected, "#incidents")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.warroom.open_room(int(event.row_key.value))

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def set_identity(self, title: str, who: str, zone: str) -> None:
        self.title_text, self.who, self.zone = title, who, ZoneInfo(zone)
        self._tick()

    def set_problem(self, text: str) -> None:
        """A problem line over the board; an empty text takes it away."""
        self._put("#problem", literal.block(text))
        self.query_one("#problem").set_class(bool(text), "shown")

    def _tick(self) -> None:
        """Once a second; the clock shows minutes, and countdowns show seconds only near their
        deadline, so most ticks send nothing at all."""
        now = self.clock.now()
        self._put("#topline", literal.template("[b]$title[/b]   $who   $now", title=self.title_text, who=self.who,
                                               now=f"{now.astimezone(self.zone):%a %d %b %H:%M %Z}"), layout=False)
        if self.data:
            self.query_one("#incidents", Rows).sync([(str(i.id), incident_row(i, now)) for i in self.data.status.incidents])

    def _announce_changes(self, before: views.Board | None, data: views.Board) -> None:
        """A notification for each supplier that changed state, except those down via a parent."""
        if before is None:
            return
        old = {s.id: (s.state, s.via) for s in before.status.suppliers}
        for s in data.status.suppliers:
            if s.id in old and old[s.id] != (s.state, s.via) and not s.via:
                severity: SeverityLevel = "error" if s.state == "down" else "warning" if s.state == "degraded" else "information"
                literal.notify(self.app, f"{SUPPLIER[s.state]} {s.name} {s.state} ({s.detail})", severity=severity, timeout=8)

    def _show_suggestion(self, data: views.Board) -> None:
        bar = self.query_one("#suggestion", Static)
        waiting = data.suggestions
        if waiting:
            newest = waiting[0]
            bar.update(literal.template("⚠ $at  $summary   [b]s[/b] start it live   [b]D[/b] as a drill   [b]x[/b] dismiss",
                                        at=newest.at.astimezone(self.zone).strftime("%H:%M"), summary=newest.summary))
        bar.set_class(bool(waiting), "shown")

    def action_fault(self) -> None:
        key = self.query_one("#suppliers", Rows).selected_key
        if key is not None:
            self.warroom.toggle_fault(key)

    def action_supplier(self) -> None:
        from warroom.tui.watch import SupplierScreen

        key = self.query_one("#suppliers", Rows).selected_key
        if key is not None:
            self.app.push_screen(SupplierScreen(key))

    def action_risks(self) -> None:
        from warroom.tui.watch import RisksScreen

        self.app.push_screen(RisksScreen())

    def action_playbooks(self) -> None:
        from warroom.tui.library import PlaybooksScreen

        self.app.push_screen(PlaybooksScreen())

    def action_accept(self, mode: str) -> None:
        waiting = self.data.suggestions if self.data else ()
        if waiting:
            self.warroom.act(commands.StartIncident(waiting[0].playbook, Mode(mode)))

    def action_dismiss_suggestion(self) -> None:
        waiting = self.data.suggestions if self.data else ()
        if waiting:
            self.warroom.act(commands.DismissSuggestion(waiting[0].seq))

    def show(self, data: views.Board, trends: Trends) -> None:
        if not self._tables_ready:
            self.data, self.trends = data, trends  # on_mount shows it
            return
        self._announce_changes(self.data, data)
        self._show_suggestion(data)
        self.data, self.trends = data, trends
        status = data.status
        from warroom.tui.watch import WIDE

        uptime = self.uptime if self.size.width >= WIDE else {}
        self.query_one("#suppliers", Rows).sync([(s.id, supplier_row(s, self.zone, trends.get(s.id), uptime.get(s.id))) for s in status.suppliers])
        hit = [v for v in status.services if v.state != "up"]
        self._put("#services", services_text(status.services), layout=False)  # its size is the layout's, not its text's
        self._title("#services", f"Crucial services hit ({len(hit)})")
        self.query_one("#incidents", Rows).sync([(str(i.id), incident_row(i, self.clock.now())) for i in status.incidents])
        self._title("#incidents", f"Incidents ({len(status.incidents)})")
        self._put("#register", register_text(data.fallbacks, self.zone), layout=False)  # a fixed height, see app.tcss
