"""The board (home screen): suppliers, the crucial services they hit, open incidents, the fallback
register. Every state is a symbol and a word, never colour alone. Names, details and titles come
from warroom.toml, playbooks and suppliers' status pages: shown as written (`literal`)."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from warroom import durations, i18n, text, words
from warroom.clock import Clock
from warroom.health.shown import detail as shown_detail
from warroom.i18n import C_, N_, _, ngettext
from warroom.services import views
from warroom.symbols import SERVICE, SUPPLIER, spark
from warroom.tui import literal
from warroom.tui.footer import Footer
from warroom.tui.hint import FirstRunHint
from warroom.tui.quiet import QuietTexts, Rows, cut, cut_cell, cut_words, fit
from warroom.vocabulary import Mode

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

SECTORS = ("income", "care", "safety", "justice", "other")
SECTOR = "sector"  # a crucial service's sector, a config value: shown translated, stored as written
SECTOR_WORDS = (C_("sector", "income"), C_("sector", "care"), C_("sector", "safety"), C_("sector", "justice"), C_("sector", "other"))
REMAKE_AT_ONCE = 150  # rows out of view made again a turn, when many moved (a minute rolling over: every latency bar)
CATCH_UP = 0.05  # seconds between such turns: a key pressed meanwhile goes first
NARROW = 100  # below this width the services panel folds away (DESIGN: 80×24 must still work)
SHORT = 30  # below this height the incident and register panels keep fewer rows
NAME_WIDTH = 22  # the least a supplier's name is cut to when the terminal is really too narrow
TITLE_WIDTH = 48  # long incident titles are cut so status, what is owed and the next escalation stay in view
BUILD_ROOM_AFTER = 0.5  # seconds the board rests before the room `enter` would open is built (BoardScreen._room_ahead)
SECONDS_WITHIN = 120  # countdowns show seconds only this close to the deadline: no churn before
# LIVE and DRILL differ by word, symbol, colour and style: a live incident is a red block, a drill
# a hatched yellow label. With NO_COLOR the reverse block and the hatching still tell them apart.
# The word is the mode's in the chosen language (`‼ ECHT ‼`, `░ OEFENING ░`), so these are made
# when shown, never at import.
MODE_FRAME = {"live": ("‼ {word} ‼", "bold reverse red"), "drill": ("░ {word} ░", "bold yellow")}


def mode_word(mode: str) -> str:
    """`LIVE` / `DRILL` (`ECHT` / `OEFENING`): a mode as its mark says it."""
    return words.shown(str(mode), words.MODE).upper()


class _ModeStyles(Mapping[str, tuple[str, str]]):
    """mode → (its framed word, its style), the word in the language spoken when looked up."""

    def __getitem__(self, mode: str) -> tuple[str, str]:
        frame, style = MODE_FRAME[mode]
        return frame.format(word=mode_word(mode)), style

    def __iter__(self) -> Iterator[str]:
        return iter(MODE_FRAME)

    def __len__(self) -> int:
        return len(MODE_FRAME)


class _ModeMarks(Mapping[str, Content]):
    """mode → its mark as a styled block (` ‼ LIVE ‼ `), made in the language spoken."""

    def __getitem__(self, mode: str) -> Content:
        word, style = MODE_STYLE[mode]
        return Content.styled(f" {word} ", style)

    def __iter__(self) -> Iterator[str]:
        return iter(MODE_FRAME)

    def __len__(self) -> int:
        return len(MODE_FRAME)


MODE_STYLE: Mapping[str, tuple[str, str]] = _ModeStyles()
MODE_MARK: Mapping[str, Content] = _ModeMarks()
# Suppliers not up come first: down, degraded, unknown, maintenance, then up (config order within).
STATE_RANK = {"down": 0, "degraded": 1, "unknown": 2, "maintenance": 3, "up": 4}
STATE_STYLE = {"down": "bold reverse red", "degraded": "bold reverse yellow", "unknown": "bold italic", "maintenance": "dim", "up": "green"}
TROUBLE_STYLE = {"down": "bold red", "degraded": "bold yellow"}


Trends = Mapping[str, list[float | None]]
Troubles = Mapping[str, list[str | None]]


def latency_shows(trend: list[float | None] | None, troubles: list[str | None] | None) -> tuple[Any, ...]:
    """What the latency cell draws of a trend (empty: nothing, a dash): the full minutes, the figure
    shown, and the failed checks of the full minutes. The figure is the latest full minute that had
    an answer (a supplier checked every few minutes has gaps), the minute under way before the first
    full one. Per minute, not per check: a number that changed every five seconds would repaint
    every row for nobody's benefit. The board remakes a row when this changes (BoardScreen._supplier_natural)."""
    if not trend:
        return ()
    full = tuple(trend[:-1])
    return full, next((v for v in reversed(full) if v is not None), trend[-1]), tuple(troubles[:-1]) if troubles else None


def latency_text(state: str, trend: list[float | None] | None, troubles: list[str | None] | None = None) -> str:
    """The figure and a bar for each full minute (a minute in which a check failed is that state's
    symbol, not a bar); nothing for a supplier that is down now."""
    shows = latency_shows(trend, troubles)
    if not shows:
        return "—"
    full, figure, failed = shows
    number = f"{i18n.number(figure)} ms" if figure is not None and state != "down" else "—"
    return f"{number:>8} {spark(list(full), list(failed) if failed else None)}"


def latency_cell(state: str, trend: list[float | None] | None, troubles: list[str | None] | None) -> Text:
    shown = latency_text(state, trend, troubles)
    cell = Text(shown, no_wrap=True, end="")
    if troubles and trend:
        bars = len(shown) - (len(trend) - 1)
        for n, trouble in enumerate(troubles[:-1]):
            if trouble in TROUBLE_STYLE:
                cell.stylize(TROUBLE_STYLE[trouble], bars + n, bars + n + 1)
    return cell


def state_cell(s: views.SupplierView) -> Text:
    """The state as symbol, word and colour: not up is upper case, bold and coloured, so a down row
    stands out without colour too."""
    if s.via:
        shown = f"▼ {state_word('down').upper()} ↳"  # the parent it is down through leads the cause column
    elif s.state in ("up", "maintenance"):
        shown = f"{SUPPLIER[s.state]} {state_word(s.state)}"
    else:
        shown = f"{SUPPLIER.get(s.state, '?')} {state_word(s.state).upper()}"
    return Text(shown, style=STATE_STYLE.get("down" if s.via else s.state, ""), no_wrap=True, end="")


def state_word(state: str) -> str:
    return words.shown(state, words.SUPPLIER_STATE)


def sector_word(sector: str) -> str:
    return i18n.word(sector, SECTOR)


def rank(s: views.SupplierView) -> int:
    return STATE_RANK["down"] if s.via else STATE_RANK.get(s.state, STATE_RANK["unknown"])


def in_order(suppliers: Sequence[views.SupplierView]) -> list[views.SupplierView]:
    """Suppliers not up first, worst first; the config's order within a state (a stable sort)."""
    return sorted(suppliers, key=rank)


def supplier_note(s: views.SupplierView) -> str:
    """For a supplier that is not up, its cause first, then the notes (an active fallback, a
    disagreeing status page, stale): a narrow column cuts the notes, never why it is down. For
    one that is up, the notes, or its last check's detail when there are none."""
    notes = []
    if s.fallback:
        notes.append(_("fallback {id} ({mode})").format(id=s.fallback.id, mode=mode_word(s.fallback.mode)) if s.fallback.mode == "drill"
                     else _("fallback {id}").format(id=s.fallback.id))
    if s.disagreement:
        notes.append(_("status page disagrees"))
    if s.stale and s.state != "unknown":
        notes.append(_("stale"))
    if s.state != "up":
        notes.insert(0, shown_detail(s.detail))
    elif not notes:
        notes.append(shown_detail(s.detail))
    via = _("via {parent}: ").format(parent=text.line(s.via)) if s.via else ""
    # A drill's fault, not an outage: said first.
    drill = _("{drill} #{incident}: ").format(drill=mode_word("drill"), incident=s.drill) if s.drill is not None else ""
    return drill + via + "; ".join(text.line(n) for n in notes)


def supplier_row(s: views.SupplierView, zone: ZoneInfo, trend: list[float | None] | None = None, troubles: list[str | None] | None = None,
                 *, name_width: int = 200, note_width: int = 400, uptime: str | None = None, latency: Text | None = None) -> tuple[str | Text, ...]:
    """`latency`: the latency cell to show, made by the caller (then `trend` and `troubles` are not read)."""
    since = s.since.astimezone(zone).strftime("%H:%M") if s.since else "—"
    name = cut(text.line(s.name), name_width)  # cut what is shown, escapes included
    shown_name: str | Text = name if s.state == "up" and not s.via else Text(name, style="bold", no_wrap=True, end="")
    note = uptime_note(uptime) + supplier_note(s)
    return (state_cell(s), shown_name, latency_cell(s.state, trend, troubles) if latency is None else latency, since, cut(note, note_width))


@dataclass(slots=True)
class _Made:
    """A supplier's row as the board last made it: from what (`shows`), the natural width of its
    state, name, latency and note, and the row cut to the name and note widths it was cut to."""

    shows: tuple[Any, ...]
    natural: tuple[int, int, int, int]
    latency: Text  # measured for `natural`, shown in `row`: made once
    widths: tuple[int, int] | None = None
    row: tuple[str | Text, ...] = ()


def uptime_note(uptime: str | None) -> str:
    """The 30-day uptime (health.shown.uptime_text, short: `~` when not nearly all the window was
    watched) before the notes, on a board wide enough for it (warroom/tui/watch.py)."""
    return f"30 d {uptime} · " if uptime is not None else ""


def services_lines(services: Sequence[views.ServiceView]) -> list[Content]:
    lines = []
    for sector in SECTORS:
        mine = [v for v in services if v.sector == sector]
        if not mine:
            continue
        lines.append(literal.plain(sector_word(sector).upper(), "bold"))
        hit = [v for v in mine if v.state != "up"]
        if not hit:
            lines.append(Content("  " + _("all services up")))
        for v in hit:
            through = ", ".join(t.supplier + (" " + _("(via {parent})").format(parent=t.via) if t.via else "")
                                + (f" {mode_word('drill')} #{t.drill}" if t.drill is not None else "")
                                for t in v.through) or _("not checked yet")
            lines.append(literal.template("  $mark $name  [dim]$through[/dim]", mark=SERVICE[v.state], name=v.name, through=through))
    return lines


def countdown(due: datetime | None, now: datetime, seconds_within: int = SECONDS_WITHIN) -> str:
    """Minutes while the deadline is far, minutes and seconds when it is near (or just past):
    `durations.countdown`, the one wording of a deadline on every screen."""
    return durations.countdown(due, now, seconds_within=seconds_within) if due else _("no escalation pending")


def next_escalation(i: views.OpenIncident, now: datetime) -> str:
    nxt = i.next_escalation
    return f"L{nxt.level} {countdown(nxt.due_at, now)}" if nxt else "—"


def ago(then: datetime, now: datetime) -> str:
    minutes = max(0, int((now - then).total_seconds()) // 60)
    if minutes < 60:
        return _("{minutes}m ago").format(minutes=minutes)
    return _("{hours}h{minutes:02d}m ago").format(hours=minutes // 60, minutes=minutes % 60)


def fired_text(level: views.FiredLevel, now: datetime) -> str:
    """`L2 FIRED · ack (cio) · 3m ago`: a level that fired and that its people have not acknowledged."""
    return _("L{levels} FIRED · ack ({who}) · {ago}").format(levels=level.level, who=level.who, ago=ago(level.fired_at, now))


def fired_all(levels: Sequence[views.FiredLevel], now: datetime) -> str:
    """Every fired, unacknowledged level in one phrase: `L1, L2 FIRED · ack (duty-officer; cio) · 3m ago`
    (since the first fired). A level that reaches no one says so once (`who`, config.notified)."""
    if len(levels) == 1:
        return fired_text(levels[0], now)
    owed = "; ".join(level.who for level in levels) if any(level.notify for level in levels) else levels[0].who
    return _("L{levels} FIRED · ack ({who}) · {ago}").format(levels=", L".join(str(level.level) for level in levels), who=owed,
                                                            ago=ago(min(level.fired_at for level in levels), now))


def owed_text(i: views.OpenIncident, now: datetime) -> str:
    """What the incident owes now: fired levels nobody acknowledged, late steps, overdue decisions, a late legal report."""
    parts = [fired_all(i.fired_unacknowledged, now)] if i.fired_unacknowledged else []
    if i.late_steps:
        parts.append(ngettext("{n} late step", "{n} late steps", i.late_steps).format(n=i.late_steps))
    if i.overdue_decisions:
        parts.append(ngettext("{n} decision overdue", "{n} decisions overdue", i.overdue_decisions).format(n=i.overdue_decisions))
    if i.next_report is not None and i.next_report.overdue:  # an id is a slug: nothing to escape
        parts.append(_("report {obligation} late").format(obligation=i.next_report.obligation))
    return " · ".join(parts)


def most_urgent(incidents: Sequence[views.OpenIncident], now: datetime, *, pending: bool = False) -> Content:
    """The headline's most pressing thing (the board's top line and the wall's title): a fired
    level nobody acknowledged, with its incident's mode (a drill's says DRILL, in the drill's
    yellow), else with `pending` the next escalation due; nothing when none."""
    fired = [i for i in incidents if i.fired_unacknowledged]
    if fired:
        i = fired[0]
        more = " " + _("(+{n} more)").format(n=len(fired) - 1) if len(fired) > 1 else ""
        colour = "red" if i.mode == Mode.LIVE else "yellow"
        return literal.template(f"[b reverse {colour}] ⚠ $mode #$id $what$more [/]  ", mode=mode_word(i.mode), id=i.id,
                                what=fired_all(i.fired_unacknowledged, now), more=more)
    waiting = sorted((i for i in incidents if i.next_escalation), key=lambda i: i.next_escalation.due_at if i.next_escalation else now)
    if pending and waiting:
        i = waiting[0]
        # TRANSLATORS: our markup; $mode, $id and $what are filled in as text (the next escalation: `L2 in 4 min`).
        return literal.template(_("[b]next: $mode #$id $what[/b]  "), mode=mode_word(i.mode), id=i.id, what=next_escalation(i, now))
    return Content("")


def mode_cell(mode: str) -> Text:
    word, style = MODE_STYLE[str(mode)]
    return Text(word, style=style, no_wrap=True, end="")


def incident_row(i: views.OpenIncident, now: datetime, title_width: int = TITLE_WIDTH) -> tuple[str | Text, ...]:
    # The title is cut like a supplier's name: its padding or length must not push status,
    # elapsed time, what is owed and the next escalation off the screen.
    owed = owed_text(i, now)
    return (f"#{i.id}", mode_cell(i.mode), cut(text.words(i.title), title_width), words.shown(i.status, words.INCIDENT_STATUS), elapsed(i.age(now)),
            Text(f"⚠ {owed}", style="bold red", no_wrap=True, end="") if owed else "—", next_escalation(i, now))


def elapsed(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds())) // 60  # a clock a second behind another host's never shows -0:01
    return f"{minutes // 60}:{minutes % 60:02d}"


def register_row(r: views.RegisterEntry, zone: ZoneInfo) -> tuple[str | Text, ...]:
    """fallback, supplier, owner, last exercised and its result, when it is due, whether it is on."""
    last = r.last_exercised
    result = (words.shown(last.result, words.FALLBACK_RESULT) if last.result else words.shown(last.mode, words.MODE)) if last else ""
    exercised = f"{last.at.astimezone(zone):%Y-%m-%d} {result}" if last else "—"
    due: str | Text
    if last is None:
        due = Text(_("NEVER EXERCISED ⚠"), style="bold red", no_wrap=True, end="")
    elif r.overdue:
        late = _("⚠ overdue since {date}").format(date=f"{r.due_at.astimezone(zone):%Y-%m-%d}") if r.due_at else _("⚠ overdue")
        due = Text(late, style="bold red", no_wrap=True, end="")
    else:
        due = _("due {date}").format(date=f"{r.due_at.astimezone(zone):%Y-%m-%d}") if r.due_at else "—"
    active: str | Text = "—"
    if r.active:
        word, style = MODE_STYLE[r.active.mode] if r.active.mode in MODE_STYLE else (r.active.mode.upper(), "bold")
        active = Text(_("{mode} ACTIVE #{incident}").format(mode=word, incident=r.active.incident), style=style, no_wrap=True, end="")
    return (r.id, r.supplier, r.owner, exercised, due, active)


# The tables' column labels: short words that mean other things elsewhere, so marked with their context.
COLUMN = "board column"
SUPPLIER_COLUMNS = (C_("board column", "state"), C_("board column", "supplier"), C_("board column", "latency/minute"),
                    C_("board column", "since"), C_("board column", "cause"))
INCIDENT_COLUMNS = ("#", C_("board column", "mode"), C_("board column", "incident"), C_("board column", "status"), C_("board column", "open"),
                    C_("board column", "owed"), C_("board column", "next"))
REGISTER_COLUMNS = (C_("board column", "fallback"), C_("board column", "supplier"), C_("board column", "owner"),
                    C_("board column", "last exercised"), C_("board column", "due"), C_("board column", "active"))


def column(label: str) -> str:
    return i18n.pgettext(COLUMN, label)


def whole_labels(shrink: Sequence[tuple[int, int]], labels: Sequence[str]) -> list[tuple[int, int]]:
    """`fit`'s shrink list with each column's least width at least its label's longest word: a
    narrow terminal cuts cells with `…`, never a header word in two (Dutch words are longer)."""
    return [(index, max(least, *(cell_len(word) for word in labels[index].split()))) for index, least in shrink]


def state_width() -> int:
    """The state column as wide as its usual widest word (`◆ DEGRADED`, `◆ VERSTOORD`): it starts so."""
    return cell_len(f"◆ {state_word('degraded').upper()}")


def mode_width() -> int:
    return max(cell_len(word) for word, _style in MODE_STYLE.values())


ANNOUNCE_AFTER = 2.0  # seconds over which supplier changes are gathered into one notification


def changes_line(changes: Sequence[tuple[views.SupplierView, str]]) -> tuple[str, SeverityLevel]:
    """Supplier state changes seen over a short while, as one line: a burst is one notification."""
    parts = [f"{SUPPLIER.get(s.state, '?')} {text.line(s.name)} {state_word(s.state)}"
             + (f" [{mode_word('drill')} #{s.drill}]" if s.drill is not None else "")
             + (f" ({text.line(shown_detail(s.detail))})" if len(changes) == 1 else "")
             for s, _before in changes]
    shown = parts[:4] + ([_("+{n} more").format(n=len(parts) - 4)] if len(parts) > 4 else [])
    states = {s.state for s, _before in changes if s.drill is None}  # a drill's fault is no alarm
    severity: SeverityLevel = "error" if "down" in states else "warning" if states - {"up"} else "information"
    return " · ".join(shown), severity


def hidden(screen: Screen) -> bool:
    """Whether a screen that hides `screen` is above it in its app's stack (a modal one shows what is
    beneath it). The board and the wall are neither painted nor read for time alone while hidden."""
    stack = screen.app.screen_stack
    return screen in stack and any(not isinstance(above, ModalScreen) for above in stack[stack.index(screen) + 1:])


class BoardScreen(QuietTexts, Screen):
    SHOWS_BOARD = True  # while one is visible, the watcher reads what moves with time alone (WarroomApp._board_covered)
    # The order is the footer's: at 80 columns the first ones are what stays in view.
    BINDINGS = [
        Binding("question_mark", "app.help", N_("Help")),
        Binding("q", "app.quit", N_("Quit")),
        Binding("enter", "open_incident", N_("Open"), priority=True),  # before a table's own enter: the board's, from any panel
        Binding("l", "playbooks", N_("Library")),
        # Priority: handled as the key arrives, so the keys typed right after it reach the filter
        # line (as a table's key bubbling up, they went to the table in a burst or a paste).
        Binding("slash", "filter", N_("Filter"), priority=True),
        Binding("s", "accept('live')", N_("Start live")),
        Binding("D", "accept('drill')", N_("As drill")),
        Binding("x", "dismiss_suggestion", N_("Dismiss")),
        Binding("f", "fault", N_("Break/heal")),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("i", "supplier", N_("Supplier details"), show=False),  # warroom/tui/watch.py; in help and the palette
        Binding("R", "risks", N_("Supplier risks"), show=False),
    ]

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.zone = ZoneInfo("UTC")
        self.title_text, self.who = "warroom", ""
        self.data: views.Board | None = None
        self.trends: Trends = {}
        self.troubles: Troubles = {}
        self.filter_text = ""
        self.uptime: dict[str, str | None] = {}  # 30-day uptime by supplier, as shown, from uptime.follow_uptime
        self._made: dict[str, _Made] = {}  # each supplier's row as last made (_supplier_natural)
        self._rows_behind = False  # rows out of view left as they were at the last read (_supplier_natural)
        self._refit_due = False  # a table's room changed: its rows are cut to it again after the layout (_refit_soon)
        self._catch_up: Timer | None = None  # when it fires, the next batch of them is made
        self._uptime_resized: Callable[[int], None] = lambda width: None  # follow_uptime's hook, from mount on
        self._tables_ready = False
        self._ahead: Timer | None = None  # when it fires, the room `enter` would open is built (_room_ahead)
        self._behind = False  # a read came while a room covered the board: painted when it is back on top
        self._service_lines: list[Content] = []  # the services panel's lines, made once a read (the layout counts them)
        # Supplier changes waiting to be said: id → (state and via before the burst, latest view).
        self._changes: dict[str, tuple[tuple[str, str | None], views.SupplierView]] = {}
        self._announcing = False

    @property
    def warroom(self) -> WarroomApp:
        """The app as what it is, so a type checker sees what this screen asks of it."""
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("warroom · loading…"), id="topline")
        yield Static("", id="problem")
        with Horizontal(id="main"):
            with Vertical(id="supplierside"):
                yield Input(placeholder=_("filter suppliers by name (esc clears)"), id="filter")
                yield Rows(id="suppliers", cursor_type="row", columns=(
                    (column(SUPPLIER_COLUMNS[0]), "state", state_width()), (column(SUPPLIER_COLUMNS[1]), "name"),
                    (column(SUPPLIER_COLUMNS[2]), "latency"), (column(SUPPLIER_COLUMNS[3]), "since"), (column(SUPPLIER_COLUMNS[4]), "note")))
            yield Static("", id="services")
        labels = [column(label) for label in INCIDENT_COLUMNS]
        yield Rows(id="incidents", cursor_type="row", columns=(
            (labels[0], "id"), (labels[1], "mode", mode_width()), (labels[2], "title"), (labels[3], "status"), (labels[4], "open"),
            (labels[5], "owed"), (labels[6], "next")))
        yield Rows(id="register", cursor_type="row", columns=tuple(
            (column(label), key) for label, key in zip(REGISTER_COLUMNS, ("id", "supplier", "owner", "last", "due", "active"), strict=True)))
        yield Static("", id="suggestion")
        yield FirstRunHint()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#suppliers").border_title = _("Suppliers")
        self.query_one("#incidents").border_title = _("Incidents")
        self.query_one("#services", Static).border_title = _("Crucial services hit")
        self.query_one("#register").border_title = _("Fallback register")
        self.set_interval(1.0, self._tick)
        from warroom.tui.uptime import follow_uptime

        self._uptime_resized = follow_uptime(self)
        self._fit(self.size.width, self.size.height)
        self._tables_ready = True
        for table in self.query(Rows):
            table.fitted_by = self._refit_soon
        self.query_one("#suppliers").focus()
        if self.data is not None:  # the first read came before the tables had their columns
            early, self.data = self.data, None
            self.show(early, self.trends, self.troubles)
        else:
            self._first_look()

    def _first_look(self) -> None:
        """Content in the first frame: the suppliers and the services they hit, read now from the
        database with the standard library (services/glance.py), while the full read waits for
        SQLAlchemy to load after the frame. `data` stays None: the full read is the first one."""
        from warroom.services import glance

        look = glance.status(self.warroom.home, self.clock.now())
        if look is None:
            return
        status, self.zone = look.status, look.timezone  # the full read's set_identity says the same zone
        self._service_lines = lines = services_lines(status.services)
        natural = self._measured(status)
        self._size_services(status, lines, natural=natural)
        self._put("#services", Content("\n").join(lines), layout=False)
        self._show_suppliers(views.Board(status=status, fallbacks=(), suggestions=()), natural)

    def on_screen_resume(self) -> None:
        self.warroom.open_incident = None  # back on the board: stop reading a room nobody looks at
        self.warroom.read_now()  # and read what moved with time alone while it was covered (Reader.poll)
        if self._behind and self.data is not None and self._tables_ready:
            self._paint(self.data, True)
        elif self._rows_behind and self._catch_up is None:  # covered before the last batch was made
            self._catch_up = self.set_timer(CATCH_UP, self._make_rows_behind)

    # ── keys ──────────────────────────────────────────────────────────────────────────────────

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys act on the focused panel only, and a key with nothing to act on is not offered
        (the footer at 80 columns keeps what can be pressed now)."""
        if action in ("accept", "dismiss_suggestion"):
            return bool(self.data and self.data.suggestions)
        if action == "fault":
            return self.focused is not None and self.focused.id == "suppliers"
        if action == "open_incident":
            return not isinstance(self.focused, Input) and self._incident_to_open() is not None
        if action == "filter":
            return not isinstance(self.focused, Input)  # a `/` in the filter line is the filter's
        return True

    def _incident_to_open(self) -> int | None:
        """The incident `enter` opens: the selected supplier's open incident when the Suppliers
        panel has focus, else the Incidents panel's cursor row (the only one, if only one)."""
        if self.data is None:
            return None
        open_ids = [i.id for i in self.data.status.incidents]
        if not open_ids:
            return None
        focused = self.focused.id if self.focused is not None else None
        if focused == "suppliers":
            key = self.query_one("#suppliers", Rows).selected_key
            supplier = next((s for s in self.data.status.suppliers if s.id == key), None)
            if supplier is not None:
                if supplier.fallback and supplier.fallback.incident in open_ids:
                    return supplier.fallback.incident
                mine = [i.id for i in self.data.status.incidents if i.supplier == supplier.id]
                if mine:
                    return mine[-1]
        if focused == "register":
            key = self.query_one("#register", Rows).selected_key
            entry = next((r for r in self.data.fallbacks if r.id == key), None)
            if entry is not None and entry.active and entry.active.incident in open_ids:
                return entry.active.incident
        key = self.query_one("#incidents", Rows).selected_key
        return int(key) if key is not None else open_ids[0]

    def action_open_incident(self) -> None:
        incident_id = self._incident_to_open()
        if incident_id is not None:
            self.warroom.open_room(incident_id)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on the selected row opens as `enter` does (the key itself is the screen's)."""
        event.stop()
        self.action_open_incident()

    @on(DataTable.RowHighlighted)
    @on(DataTable.CellHighlighted)
    def _moved(self, event) -> None:
        self.refresh_bindings()  # what `enter` would open changed
        self._room_ahead()

    def _room_ahead(self) -> None:
        """Once the board rests, the room `enter` would open is built, off the screen
        (WarroomApp.build_room): the key then costs a read and a repaint, not composing a room."""
        if self._ahead is None and not self.warroom.wall:
            self._ahead = self.set_timer(BUILD_ROOM_AFTER, self._build_ahead)

    def _build_ahead(self) -> None:
        self._ahead = None
        if self.app.screen is self and self.data is not None and not isinstance(self.focused, Input):
            incident_id = self._incident_to_open()
            if incident_id is not None:
                self.warroom.build_room(incident_id)

    def on_descendant_focus(self, event) -> None:
        self.refresh_bindings()

    def action_filter(self) -> None:
        line = self.query_one("#filter", Input)
        line.add_class("shown")
        self.set_focus(line)  # at once, not after the frame: the keys typed next are the filter's

    def action_clear_filter(self) -> None:
        line = self.query_one("#filter", Input)
        if line.has_class("shown") or line.value:
            line.value = ""
            line.remove_class("shown")
            self.set_focus(self.query_one("#suppliers"))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        if self.data:
            self._show_suppliers(self.data)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.query_one("#filter").remove_class("shown")
        self.set_focus(self.query_one("#suppliers"))

    def action_fault(self) -> None:
        suppliers = self.query_one("#suppliers", Rows)
        if self.focused is suppliers and suppliers.selected_key is not None:
            self.warroom.toggle_fault(suppliers.selected_key)

    def action_playbooks(self) -> None:
        from warroom.tui.library import PlaybooksScreen

        self.app.push_screen(PlaybooksScreen())

    def action_accept(self, mode: str) -> None:
        """Start the newest suggestion. A LIVE start is asked first, as the library's `L` asks: it
        pages people and cannot be taken back; a drill starts at once."""
        from warroom.services import commands
        from warroom.tui.dialogs import Confirm

        waiting = self.data.suggestions if self.data else ()
        if not waiting:
            return
        newest = waiting[0]
        if mode != "live":
            self.warroom.start(commands.StartIncident(newest.playbook, Mode(mode)))
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.warroom.start(commands.StartIncident(newest.playbook, Mode.LIVE))

        self.app.push_screen(Confirm(_("Start a {live} incident from {playbook}? ({summary})").format(
            live=mode_word("live"), playbook=newest.playbook, summary=newest.said or newest.summary)), confirmed)

    def action_supplier(self) -> None:
        from warroom.tui.watch import SupplierScreen

        key = self.query_one("#suppliers", Rows).selected_key
        if key is not None:
            self.app.push_screen(SupplierScreen(key))

    def action_risks(self) -> None:
        from warroom.tui.watch import RisksScreen

        self.app.push_screen(RisksScreen())

    def action_dismiss_suggestion(self) -> None:
        from warroom.services import commands

        waiting = self.data.suggestions if self.data else ()
        if waiting:
            self.warroom.act(commands.DismissSuggestion(waiting[0].seq))

    # ── what is shown ────────────────────────────────────────────────────────────────────────

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)
        self.call_after_refresh(self._put_topline)  # cut to the new width once it is laid out
        self._uptime_resized(event.size.width)
        if self.data is not None and self._tables_ready:
            natural = self._measured(self.data.status)
            self._size_services(self.data.status, self._service_lines, event.size.width, natural=natural)
            self._show_tables(self.data, natural)

    def _size_services(self, status: views.Status, lines: list[Content], width: int | None = None, *, natural: list[int]) -> None:
        """As wide as its lines where the suppliers' full text leaves room (again on a resize);
        `natural`: every supplier measured (_measured)."""
        title = cell_len(_("Crucial services hit ({n})").format(n="00")) + 6  # its title whole (a Dutch one is longer)
        wanted = max([line.cell_length + 4 for line in lines] + [title])
        left = (width or self.size.width) - (sum(natural) + 2 * 5 + 4)  # what the suppliers' full text leaves
        self.query_one("#services", Static).styles.width = min(wanted, max(32, title, left))

    def _fit(self, width: int, height: int) -> None:
        self.set_class(width < NARROW, "narrow")
        self.set_class(height < SHORT, "short")

    def set_identity(self, title: str, who: str, zone: str) -> None:
        self.title_text, self.who, self.zone = title, who, ZoneInfo(zone)
        self._tick()

    def set_problem(self, text: str) -> None:
        """A problem line over the board; an empty text takes it away."""
        self._put("#problem", literal.block(text))
        self.query_one("#problem").set_class(bool(text), "shown")
        if text and self.data is None and self._tables_ready:  # the first look's rows go with what could not be loaded
            self.query_one("#suppliers", Rows).sync([])

    def _topline(self, now: datetime) -> Content:
        """The clock first, then what is owed or the next escalation, then who you are and the
        title: cut from the right, what matters most stays at 80 columns."""
        here = now.astimezone(self.zone)
        clock = f"{i18n.weekday_time(here)} {here:%Z}"  # the day and the time: the date would push the owed level out
        urgent = most_urgent(self.data.status.incidents if self.data else (), now, pending=True)
        # Who you act as before the war-room's name: every key acts in your name. Cut after a whole word.
        line = Content.assemble(literal.plain(clock, "bold"), "  ", urgent, literal.template("$who  [b]$title[/b]", title=self.title_text, who=self.who))
        return cut_words(line, self.query_one("#topline").content_region.width)

    def _put_topline(self) -> None:
        self._put("#topline", self._topline(self.clock.now()), layout=False)

    def _tick(self) -> None:
        """Once a second; the clock shows minutes, and countdowns show seconds only near their
        deadline, so most ticks send nothing at all."""
        now = self.clock.now()
        self._put("#topline", self._topline(now), layout=False)
        if self.data and self._tables_ready and not self._behind:
            if self._covered():
                self._behind = True  # its countdowns are painted when it is back on top
                return
            self._show_incidents(self.data, now)

    def _announce_changes(self, before: views.Board | None, data: views.Board) -> None:
        """Changes are collected for ANNOUNCE_AFTER seconds and said in one line: the monitor
        writes each supplier in its own transaction, so one heal arrives over several reads. Never
        for a supplier's first check (unknown → up is no news), nor for those down via a parent."""
        if before is None:
            return
        old = {s.id: (s.state, s.via) for s in before.status.suppliers}
        for s in data.status.suppliers:
            if s.id in old and old[s.id] != (s.state, s.via):
                self._changes[s.id] = (self._changes[s.id][0] if s.id in self._changes else old[s.id], s)
        if self._changes and not self._announcing:
            self._announcing = True
            self.set_timer(ANNOUNCE_AFTER, self._say_changes)

    def _say_changes(self) -> None:
        self._announcing = False
        pending, self._changes = self._changes, {}
        changed = [(s, first[0]) for first, s in pending.values()
                   if first != (s.state, s.via) and not s.via and not (first[0] == "unknown" and s.state == "up")]
        if changed:
            message, severity = changes_line(changed)
            literal.notify(self.app, message, severity=severity, timeout=8)

    def _announce_incidents(self, before: views.Board | None, data: views.Board) -> None:
        """A coordinator is told when someone else starts an incident (their own start says so)."""
        if before is None:
            return
        known = {i.id for i in before.status.incidents}
        me = getattr(self.warroom, "actor_user", None)
        for i in data.status.incidents:
            if i.id not in known and i.opened_by != me:
                word = MODE_STYLE[str(i.mode)][0]
                literal.notify(self.app, _("{mode} #{id} {title} started by {who}").format(mode=word, id=i.id, title=text.words(i.title), who=i.opened_by),
                               severity="error" if i.mode == Mode.LIVE else "warning", timeout=12)

    def _show_suggestion(self, data: views.Board) -> None:
        bar = self.query_one("#suggestion", Static)
        waiting = data.suggestions
        if waiting:
            newest = waiting[0]
            # What is suggested first; the keys are in the footer too, so a narrow screen cuts them here.
            # TRANSLATORS: our markup; $at and $summary are filled in as text. s, D and x are the keys: keep them.
            bar.update(literal.template(_("⚠ $at  $summary   [b]s[/b] live · [b]D[/b] drill · [b]x[/b] dismiss"),
                                        at=newest.at.astimezone(self.zone).strftime("%H:%M"), summary=newest.said or newest.summary))
        bar.set_class(bool(waiting), "shown")

    def show(self, data: views.Board, trends: Trends, troubles: Troubles | None = None) -> None:
        if not self._tables_ready:
            self.data, self.trends, self.troubles = data, trends, troubles or {}
            return
        self._announce_changes(self.data, data)  # said on whatever screen is up
        self._announce_incidents(self.data, data)
        suggestions_changed = self.data is None or bool(self.data.suggestions) != bool(data.suggestions)
        self.data, self.trends, self.troubles = data, trends, troubles or {}
        if self._covered():
            # Under a room nobody sees the board: it is painted from the newest read when it is
            # back on top (on_screen_resume), not at every read behind the room (a sixth of a
            # TUI's CPU with a room open under load, py-spy). Nor while a room is about to cover
            # it: a read of 1,000 suppliers painted then held `enter` up to 130 ms (bench_keys).
            self._behind = True
            return
        self._paint(data, suggestions_changed)

    def _paint(self, data: views.Board, suggestions_changed: bool) -> None:
        self._behind = False
        self._show_suggestion(data)
        status = data.status
        self._service_lines = lines = services_lines(status.services)
        natural = self._measured(status)  # once a read: the services' width and the table's both need it
        self._size_services(status, lines, natural=natural)
        self._put("#services", Content("\n").join(lines), layout=False)  # its size is the layout's, not its text's
        self._show_tables(data, natural)
        self._put("#topline", self._topline(self.clock.now()), layout=False)
        if suggestions_changed:
            self.refresh_bindings()
        self._room_ahead()

    def _show_tables(self, data: views.Board, natural: list[int] | None = None) -> None:
        self._show_suppliers(data, natural)
        self._show_incidents(data, self.clock.now())
        register = self.query_one("#register", Rows)
        rows = [(r.id, register_row(r, self.zone)) for r in data.fallbacks]
        shrink = whole_labels([(3, 10), (2, 6), (0, 14), (1, 8), (4, 12), (5, 7)], [column(label) for label in REGISTER_COLUMNS])
        register.sync_fitted(rows, self._panel_width("#register", len(rows)), shrink)
        self._title("#register", _("Fallback register ({n})").format(n=len(data.fallbacks)))

    def _panel_width(self, selector: str, rows: int) -> int:
        """The width a table's cells can use: the panel's, less its border and (when its rows
        will not all fit) a scroll bar."""
        width = self.size.width
        if selector == "#suppliers" and not self.has_class("narrow"):
            services = self.query_one("#services").styles.width
            width -= int(services.value) if services is not None else 36
        table = self.query_one(selector)
        most = table.styles.max_height  # a panel that grows with its rows up to a limit, or one the layout sizes
        room = int(most.value) - 2 if most is not None and selector != "#suppliers" else table.size.height or self.size.height
        scrolls = rows + 1 > room  # the header takes a line
        return max(20, int(width) - 2 - (2 if scrolls else 0))

    def _show_suppliers(self, data: views.Board, every: list[int] | None = None) -> None:
        """`every`: _supplier_natural of every supplier of `data`, when the caller has it (a read
        of 1,000 suppliers measured them all twice, with a key waiting)."""
        status = data.status
        wanted = self.filter_text.casefold().strip()
        shown = self._listed(status)
        table = self.query_one("#suppliers", Rows)
        natural = every if every is not None and not wanted else self._supplier_natural(shown, self._in_view(status, shown))
        widths = fit(natural, self._panel_width("#suppliers", len(shown)) - 2 * len(natural),
                     whole_labels([(4, 10), (1, NAME_WIDTH), (4, 5), (1, 8)], [column(label) for label in SUPPLIER_COLUMNS]))
        uptime = self._uptime_shown()
        rows = []
        for s in shown:
            made = self._made[s.id]  # by _supplier_natural, this read
            if made.widths != (widths[1], widths[4]):
                made.widths = (widths[1], widths[4])
                made.row = supplier_row(s, self.zone, self.trends.get(s.id), self.troubles.get(s.id), name_width=widths[1], note_width=widths[4],
                                        uptime=uptime.get(s.id), latency=made.latency)
            rows.append((s.id, made.row))
        table.sync_at(rows, widths)
        if self._rows_behind and self._catch_up is None:
            self._catch_up = self.set_timer(CATCH_UP, self._make_rows_behind)
        counts: dict[str, int] = {}
        for s in status.suppliers:
            if s.state != "up":
                counts[s.state] = counts.get(s.state, 0) + 1
        states = " · ".join(f"{counts[state]} {state_word(state)}" for state in sorted(counts, key=lambda state: STATE_RANK.get(state, 2)))
        title = _("Suppliers ({n}) · {states}").format(n=len(status.suppliers), states=states or _("all up"))
        hit = sum(1 for v in status.services if v.state != "up")  # as the services panel lists them
        if self.has_class("narrow"):  # the services panel has folded away: its count stays in view
            title += " · " + ngettext("{n} service hit", "{n} services hit", hit).format(n=hit)
        if wanted:
            title += " · " + _("filter: {text} ({n})").format(text=text.line(self.filter_text), n=len(shown))
        self._title("#suppliers", title)
        self._title("#services", _("Crucial services hit ({n})").format(n=hit))
        self._size_main(len(status.suppliers), len(self._service_lines))

    def _size_main(self, suppliers: int, services: int) -> None:
        """The suppliers and services as tall as their rows (app.tcss caps it), so the incidents
        and the register below get the rest: at 120×40 the Suppliers panel kept ~12 empty rows
        while the register showed 6 of 9. A short terminal keeps the old split (the layout's)."""
        main = self.query_one("#main")
        if self.has_class("short"):
            main.styles.height = "1fr"
            return
        filter_line = 1 if self.query_one("#filter").has_class("shown") else 0
        main.styles.height = max(suppliers + 3 + filter_line, services + 2)  # a header, a border above and below

    def _refit_soon(self) -> None:
        """A table's room changed under its rows (the suggestion line or the filter took a line, and
        a scroll bar came): they are cut to it again, once for however many tables it changed."""
        if not self._refit_due:
            self._refit_due = True
            self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        self._refit_due = False
        if self.data is not None and self._tables_ready and not self._behind and not self._covered():
            self._show_tables(self.data)

    def _covered(self) -> bool:
        """Nobody sees the board now, or a room covers it next (the key was pressed): it is
        painted from the newest read once it is back on top (on_screen_resume)."""
        return hidden(self) or self.warroom.room_coming

    def _measured(self, status: views.Status) -> list[int]:
        """_supplier_natural of every supplier, those in view made at once: what sizes the services
        panel and the table both, measured once a read."""
        return self._supplier_natural(status.suppliers, self._in_view(status))

    def _listed(self, status: views.Status) -> list[views.SupplierView]:
        """The suppliers the table lists, in its order: those the filter leaves, worst first."""
        wanted = self.filter_text.casefold().strip()
        return [s for s in in_order(status.suppliers) if not wanted or wanted in s.name.casefold() or wanted in s.id.casefold()]

    def _in_view(self, status: views.Status, listed: Sequence[views.SupplierView] | None = None) -> frozenset[str]:
        """The suppliers whose rows are in view now (and the one under the cursor): made at once
        whatever else waits (_supplier_natural)."""
        table = self.query_one("#suppliers", Rows)
        listed = self._listed(status) if listed is None else listed
        top, height = table.scroll_offset.y, (table.size.height or self.size.height) - (table.header_height if table.show_header else 0)
        return frozenset([s.id for s in listed[top:top + height]] + ([table.selected_key] if table.selected_key else []))

    def _make_rows_behind(self) -> None:
        """The rows left as they were at the last read (_supplier_natural): the next batch, on a turn of its own."""
        self._catch_up = None
        if self._rows_behind and self.data is not None and self._tables_ready and not self._behind and not self._covered():
            status = self.data.status
            natural = self._measured(status)
            self._size_services(status, self._service_lines, natural=natural)
            self._show_suppliers(self.data, natural)

    def _supplier_natural(self, shown: Sequence[views.SupplierView], urgent: Container[str]) -> list[int]:
        """Each column of the supplier table as wide as its widest text (or its label), each row
        made again when what it shows moved (_make). When a minute rolls over every latency bar
        moves: a row out of view (not in `urgent`) whose bar alone moved, once REMAKE_AT_ONCE
        such rows are made, stays as it was for now (_rows_behind: made on the next turns, a key
        between them), so that a key waits for the rows in view and a batch, not for a thousand
        (100 ms). A row whose state or note moved is made at once, in view or not."""
        uptime = self._uptime_shown()
        self._rows_behind = False
        left = REMAKE_AT_ONCE
        naturals = []
        for s in shown:
            trend, troubles = self.trends.get(s.id), self.troubles.get(s.id)
            shows = (views.supplier_shown(s), latency_shows(trend, troubles), uptime.get(s.id), self.zone)
            made = self._made.get(s.id)
            if made is not None and made.shows != shows and s.id not in urgent and made.shows[0] == shows[0] and made.shows[2:] == shows[2:]:
                if not left:
                    self._rows_behind = True
                    naturals.append(made.natural)
                    continue
                left -= 1
            if made is None or made.shows != shows:
                made = self._make(s, uptime, shows)
            naturals.append(made.natural)
        states, names, latency, notes = (max(widths) for widths in zip(*naturals, strict=True)) if naturals else (10, 8, 0, 5)
        labels = [cell_len(column(label)) for label in SUPPLIER_COLUMNS]
        return [max(states, state_width(), labels[0]), max(names, labels[1]), max(latency, labels[2]), max(5, labels[3]), max(notes, labels[4])]

    def _make(self, s: views.SupplierView, uptime: Mapping[str, str | None], shows: tuple[Any, ...]) -> _Made:
        """A supplier's row made again, measured, and kept with what it shows (`shows`): made only
        when that moved (_supplier_natural). A board read of 1,000 suppliers made every row, and
        measured each cell twice more, on the screen's thread, where a key pressed meanwhile
        waits: 50 ms a read, every few seconds under load (profiled)."""
        trend, troubles = self.trends.get(s.id), self.troubles.get(s.id)
        latency = latency_cell(s.state, trend, troubles)
        natural = (state_cell(s).cell_len, len(text.line(s.name)), latency.cell_len, len(uptime_note(uptime.get(s.id)) + supplier_note(s)))
        made = self._made[s.id] = _Made(shows, natural, latency)
        return made

    def _uptime_shown(self) -> dict[str, str | None]:
        from warroom.tui.uptime import WIDE

        return self.uptime if self.size.width >= WIDE else {}

    def _show_incidents(self, data: views.Board, now: datetime) -> None:
        incidents = data.status.incidents
        table = self.query_one("#incidents", Rows)
        plain = [(str(i.id), incident_row(i, now, title_width=400)) for i in incidents]
        natural = [max([cell_len(c) if isinstance(c, str) else c.cell_len for _key, row in plain for c in [row[n]]] + [len(label)])
                   for n, label in enumerate(("#", MODE_STYLE["drill"][0], *(column(label) for label in INCIDENT_COLUMNS[2:])))]
        widths = fit(natural, self._panel_width("#incidents", len(incidents)) - 2 * len(natural),
                     whole_labels([(5, 26), (2, 24), (5, 20), (2, 10), (5, 12), (2, 6)], ["#", MODE_STYLE["drill"][0], *(column(label) for label in INCIDENT_COLUMNS[2:])]))
        # Built once (this runs every second), then cut to the widths: the title as incident_row would cut it.
        rows = [(key, tuple(cut_cell(c, w) for c, w in zip(row, widths, strict=True))) for key, row in plain]
        table.sync_at(rows, widths)
        self._title("#incidents", _("Incidents ({n})").format(n=len(incidents)))
