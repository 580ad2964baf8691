"""Watching suppliers for the long term: the risk screen (every supplier ranked, the factors of the
highlighted one), the supplier screen (its facts, availability over 24 h / 30 d / 90 d, fallbacks,
risk factors). Reads run in threads through the services; supplier names, notes and facts come
from warroom.toml: shown as written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from warroom import durations
from warroom.health.shown import FULLY_WATCHED, uptime_text
from warroom.symbols import SUPPLIER
from warroom.tui import literal
from warroom.tui.quiet import Rows

if TYPE_CHECKING:
    from warroom.health.availability import Availability
    from warroom.risk import Ranked
    from warroom.tui.app import WarroomApp



def span(seconds: float | None) -> str:
    """A duration spelt out (durations.readable), or — for none."""
    return "—" if seconds is None else durations.readable(seconds)


def availability_lines(windows: dict[str, Availability] | None) -> list[Content]:
    if not windows:
        return [Content("  no history yet")]
    # 67 cells: the supplier screen's panel at 80 columns holds it on one line (73 wrapped a lone `s`)
    lines = [Content.styled(f"  {'':<4}{'uptime':>9} {'outages':>7} {'MTTR':>10} {'longest':>12} {'unknown':>9} {'maint.':>9}", "bold")]
    for name, a in windows.items():
        longest = span(a.longest_outage_seconds) + (" ⚠ now" if a.ongoing_outage else "")
        lines.append(Content(f"  {name:<4}{uptime_text(a, short=True):>9} {a.outages:>7} {span(a.mttr_seconds):>10} {longest:>12} "
                             f"{span(a.unknown_seconds):>9} {span(a.maintenance_seconds):>9}"))
    lines.append(Content.styled("  unknown: no monitor watched. Uptime leaves maintenance windows out", "dim"))
    thin = {name: a.watched_seconds for name, a in windows.items() if a.uptime is not None and a.coverage < FULLY_WATCHED}
    if thin:  # an uptime over minutes of a month is no monthly uptime: say how little it rests on
        lines.append(Content.styled("  ~: only part of the window watched: " + ", ".join(f"{span(s)} ({n})" for n, s in thin.items()), "dim"))
    gaps = {name: a.outage_unknown_seconds for name, a in windows.items() if a.outage_unknown_seconds}
    if gaps:  # an outage's length is its watched time; say what nobody saw of it
        lines.append(Content.styled("  outages leave out unwatched time inside them: " + ", ".join(f"{span(s)} ({n})" for n, s in gaps.items()), "dim"))
    drilled = {name: a.exercised_seconds for name, a in windows.items() if a.exercised_seconds}
    if drilled:  # a drill's fault is no outage: said apart, like maintenance
        lines.append(Content.styled("  DRILL: broken by a drill's fault, left out of uptime and outages: "
                                    + ", ".join(f"{span(s)} ({n})" for n, s in drilled.items()), "dim"))
    return lines


def factor_lines(ranked: Ranked | None) -> list[Content]:
    if ranked is None:
        return [Content("  not ranked")]
    if ranked.rank is None:  # scored alone (the supplier screen): its rank is on the risk screen (R)
        lines = [literal.template("  score [b]$score[/b] (points = weight × count; its rank: the risk screen, R)", score=f"{ranked.score:g}")]
    else:
        lines = [literal.template("  rank [b]$rank[/b], score [b]$score[/b] (points = weight × count)", rank=ranked.rank, score=f"{ranked.score:g}")]
    for f in ranked.factors:
        lines.append(literal.template("  $factor $sum  $why", factor=f"{f.factor:<25}", sum=f"{f.weight:>5g} × {f.count:<5g} = {f.points:>6g}", why=f.why))
    if not ranked.factors:
        lines.append(Content("  no risk factor applies"))
    return lines


class RisksScreen(Screen):
    """Every supplier, highest risk first; the factors of the highlighted one beside them."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Board"), Binding("i", "details", "Supplier details")]

    def __init__(self) -> None:
        super().__init__()
        self.ranked: tuple[Ranked, ...] = ()

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("Supplier risk · highest first · weights from [risk.weights] in warroom.toml · i details · esc board",
                     id="riskline", markup=False)
        with Horizontal(id="risks"):
            yield Rows(id="ranking", cursor_type="row", columns=(("#", "rank"), ("supplier", "id"), ("score", "score"), ("criticality", "crit")))
            yield Static("", id="factors")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ranking").border_title = "Ranking"
        self.query_one("#factors", Static).border_title = "Why"
        self.load()

    @work(thread=True, exclusive=True, group="risks", exit_on_error=False)
    def load(self) -> None:
        from warroom.services import risk as risk_service

        if (home := self.warroom.loaded_home()) is None:
            return  # the board says what is wrong with the home already
        config, store = home
        with store.read() as session:
            ranked = risk_service.ranking(session, config, self.warroom.clock.now())
        self.app.call_from_thread(self._show, ranked)

    def _show(self, ranked: tuple[Ranked, ...]) -> None:
        if not self.query("#ranking"):
            return  # closed before the read came
        self.ranked = ranked
        table = self.query_one("#ranking", Rows)
        table.sync([(r.id, (str(r.rank), r.id, f"{r.score:g}", r.criticality)) for r in ranked])
        table.focus()
        self._factors()

    def _current(self) -> Ranked | None:
        key = self.query_one("#ranking", Rows).selected_key
        return next((r for r in self.ranked if r.id == key), None)

    @on(DataTable.RowHighlighted, "#ranking")
    def _factors(self, event: DataTable.RowHighlighted | None = None) -> None:
        current = self._current()
        if current is not None:
            head = literal.template("[b]$name[/b] ($id)", name=current.name, id=current.id)
            self.query_one("#factors", Static).update(Content("\n").join([head, *factor_lines(current)]))

    def action_details(self) -> None:
        current = self._current()
        if current is not None:
            self.app.push_screen(SupplierScreen(current.id))


class SupplierScreen(Screen):
    """One supplier for the sourcing officer and the coordinator: state, facts, history, fallbacks, risk."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, supplier_id: str) -> None:
        super().__init__()
        self.supplier_id = supplier_id

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="supplierdetail"):
            yield Static("loading…", id="supplierfacts")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#supplierdetail").border_title = "Supplier"
        self.load()

    @work(thread=True, exclusive=True, group="supplier", exit_on_error=False)
    def load(self) -> None:
        from warroom.services import fallbacks, health, history
        from warroom.services import risk as risk_service

        if (home := self.warroom.loaded_home()) is None:
            self.app.call_from_thread(self._put, Content("the war-room could not be loaded (the board says why)"))
            return
        config, store = home
        supplier = config.supplier(self.supplier_id)
        if supplier is None:
            self.app.call_from_thread(self._put, Content(f"no supplier {self.supplier_id!r} in warroom.toml"))
            return
        now = self.warroom.clock.now()
        with store.read() as session:
            status = health.status(session, config, now)
            windows = history.availability(session, config, now, only=[supplier.id]).get(supplier.id)
            register = list(fallbacks.register(session, config, now, supplier=supplier.id))
            ranked = risk_service.one(session, config, now, supplier.id)  # not the landscape's ranking: no rank
        view = next(s for s in status.suppliers if s.id == supplier.id)
        zone = config.settings.timezone
        width = self.app.size.width - 6  # the border, padding and scroll bar
        self.app.call_from_thread(self._put, detail(supplier, view, windows, register, ranked, zone, width))

    def _put(self, content: Content) -> None:
        for facts in self.query("#supplierfacts").results(Static):  # none when the screen was closed before the read came
            facts.update(content)


def detail(supplier: Any, view: Any, windows: dict[str, Availability] | None, register: list[Any], ranked: Ranked | None, zone: str,
           width: int = 80) -> Content:
    """The supplier screen's text: what the config says, what the monitor saw, what the log remembers."""
    from warroom.clock import local

    s = supplier.sourcing
    state = f"down via {view.via}" if view.via else view.state
    lines: list[Content] = [
        literal.template("[b]$name[/b] ($id) · $crit", name=supplier.name, id=supplier.id, crit=supplier.criticality),
        literal.template("$mark $state since $since · $detail", mark=SUPPLIER[view.state], state=state,
                         since=local(view.since, zone, "%Y-%m-%d %H:%M"), detail=view.detail),
        Content(""), Content.styled("Sourcing", "bold"),
    ]

    def fact(label: str, value: object) -> None:
        if value not in (None, "", [], ()):  # a long value wraps under itself, not under the labels
            lines.append(Content.assemble(f"  {label:<16} ", literal.hanging(value, " " * 19, width)))

    outside = s.outside_eu()
    fact("jurisdiction", (s.country or "—") + (f" (parent {s.parent_country})" if s.parent_country else ""))
    fact("data location", ", ".join(s.data_locations))
    fact("outside the EU", ", ".join(outside) if outside else "none known" if s.country else "")
    fact("contract ends", s.contract_end)
    fact("notice", f"{s.notice.days} days" if s.notice else None)
    fact("contract owner", s.contract_owner)
    if s.exit_plan:
        fact("exit plan", s.exit_plan.location)
        fact("reviewed", s.exit_plan.reviewed or "never")  # its own line: a date never split from its word
    else:
        fact("exit plan", "none")
    fact("certifications", ", ".join(s.certifications))
    fact("notes", s.notes)
    fact("depends on", ", ".join(supplier.depends_on))
    fact("services", ", ".join(view.services))
    lines += [Content(""), Content.styled("Availability", "bold"), *availability_lines(windows)]
    lines += [Content(""), Content.styled("Fallbacks", "bold")]
    for entry in register:
        last = entry.last_exercised
        said = (f"last exercised {local(last.at, zone, '%Y-%m-%d')} ({last.mode}, {last.result or 'no result said'})" if last
                else "NEVER EXERCISED ⚠")
        lines.append(literal.template("  $id  $title · $said", id=entry.id, title=entry.title, said=said))
    if not register:
        lines.append(Content("  none in the register ⚠"))
    lines += [Content(""), Content.styled("Risk", "bold"), *factor_lines(ranked)]
    return Content("\n").join(lines)
