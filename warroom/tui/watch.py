"""Watching suppliers for the long term: the risk screen (every supplier ranked, the factors of the
highlighted one), the supplier screen (its facts, availability over 24 h / 30 d / 90 d, fallbacks,
risk factors). Reads run in threads through the services; supplier names, notes and facts come
from warroom.toml: shown as written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from warroom import durations, i18n
from warroom import words as vocab
from warroom.health.shown import FULLY_WATCHED, uptime_text
from warroom.health.shown import detail as shown_detail
from warroom.i18n import N_, _, ngettext, word
from warroom.symbols import SUPPLIER
from warroom.tui import literal
from warroom.tui.footer import Footer
from warroom.tui.quiet import Rows

if TYPE_CHECKING:
    from warroom.health.availability import Availability
    from warroom.risk import Ranked
    from warroom.tui.app import WarroomApp



# A supplier's criticality as shown (the stored value stays English).
CRITICALITY = vocab.CRITICALITY

# The availability table's headings and the widths their values right-align in.
AVAILABILITY_HEADS = (N_("uptime"), N_("outages"), N_("MTTR"), N_("longest"), N_("unknown"), N_("maint."))
AVAILABILITY_WIDTHS = (9, 7, 10, 12, 9, 9)


def span(seconds: float | None) -> str:
    """A duration spelt out (durations.readable), or — for none."""
    return "—" if seconds is None else durations.readable(seconds)


def availability_lines(windows: dict[str, Availability] | None) -> list[Content]:
    if not windows:
        return [Content("  " + _("no history yet"))]
    # 67 cells in English: the supplier screen's panel at 80 columns holds it on one line (73 wrapped
    # a lone `s`); a longer translated heading widens its own column only.
    heads = [_(h) for h in AVAILABILITY_HEADS]
    widths = [max(w, cell_len(h)) for w, h in zip(AVAILABILITY_WIDTHS, heads, strict=True)]

    def row(first: str, cells: list[object]) -> str:
        return f"  {first:<4}" + " ".join(f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True))

    lines = [Content.styled(row("", list(heads)), "bold")]
    for name, a in windows.items():
        longest = span(a.longest_outage_seconds) + (" " + _("⚠ now") if a.ongoing_outage else "")
        lines.append(Content(row(name, [uptime_text(a, short=True), a.outages, span(a.mttr_seconds), longest, span(a.unknown_seconds),
                                        span(a.maintenance_seconds)])))
    lines.append(Content.styled("  " + _("unknown: no monitor watched. Uptime leaves maintenance windows out"), "dim"))
    thin = {name: a.watched_seconds for name, a in windows.items() if a.uptime is not None and a.coverage < FULLY_WATCHED}
    if thin:  # an uptime over minutes of a month is no monthly uptime: say how little it rests on
        lines.append(Content.styled("  " + _("~: only part of the window watched: {spans}").format(
            spans=", ".join(f"{span(s)} ({n})" for n, s in thin.items())), "dim"))
    gaps = {name: a.outage_unknown_seconds for name, a in windows.items() if a.outage_unknown_seconds}
    if gaps:  # an outage's length is its watched time; say what nobody saw of it
        lines.append(Content.styled("  " + _("outages leave out unwatched time inside them: {spans}").format(
            spans=", ".join(f"{span(s)} ({n})" for n, s in gaps.items())), "dim"))
    drilled = {name: a.exercised_seconds for name, a in windows.items() if a.exercised_seconds}
    if drilled:  # a drill's fault is no outage: said apart, like maintenance
        lines.append(Content.styled("  " + _("DRILL: broken by a drill's fault, left out of uptime and outages: {spans}").format(
            spans=", ".join(f"{span(s)} ({n})" for n, s in drilled.items())), "dim"))
    return lines


def factor_lines(ranked: Ranked | None) -> list[Content]:
    if ranked is None:
        return [Content("  " + _("not ranked"))]
    if ranked.rank is None:  # scored alone (the supplier screen): its rank is on the risk screen (R)
        lines = [literal.template("  " + _("score [b]$score[/b] (points = weight × count; its rank: the risk screen, R)"), score=i18n.figure(ranked.score))]
    else:
        lines = [literal.template("  " + _("rank [b]$rank[/b], score [b]$score[/b] (points = weight × count)"), rank=ranked.rank, score=i18n.figure(ranked.score))]
    for f in ranked.factors:
        lines.append(literal.template("  $factor $sum  $why", factor=f"{f.factor:<25}", sum=f"{f.weight:>5g} × {f.count:<5g} = {f.points:>6g}", why=f.why))
    if not ranked.factors:
        lines.append(Content("  " + _("no risk factor applies")))
    return lines


class RisksScreen(Screen):
    """Every supplier, highest risk first; the factors of the highlighted one beside them."""

    BINDINGS = [Binding("escape", "app.pop_screen", N_("Board")), Binding("i", "details", N_("Supplier details"))]

    def __init__(self) -> None:
        super().__init__()
        self.ranked: tuple[Ranked, ...] = ()

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("Supplier risk · highest first · weights from [risk.weights] in warroom.toml · i details · esc board"),
                     id="riskline", markup=False)
        with Horizontal(id="risks"):
            yield Rows(id="ranking", cursor_type="row", columns=(("#", "rank"), (_("supplier"), "id"), (_("score"), "score"),
                                                                 (_("criticality"), "crit")))
            yield Static("", id="factors")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ranking").border_title = _("Ranking")
        self.query_one("#factors", Static).border_title = _("Why")
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
        table.sync([(r.id, (str(r.rank), r.id, i18n.figure(r.score), word(r.criticality, CRITICALITY))) for r in ranked])
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

    BINDINGS = [Binding("escape", "app.pop_screen", N_("Back"))]

    def __init__(self, supplier_id: str) -> None:
        super().__init__()
        self.supplier_id = supplier_id

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="supplierdetail"):
            yield Static(_("loading…"), id="supplierfacts", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#supplierdetail").border_title = _("Supplier")
        self.load()

    @work(thread=True, exclusive=True, group="supplier", exit_on_error=False)
    def load(self) -> None:
        from warroom.services import fallbacks, health, history
        from warroom.services import risk as risk_service

        if (home := self.warroom.loaded_home()) is None:
            self.app.call_from_thread(self._put, Content(_("the war-room could not be loaded (the board says why)")))
            return
        config, store = home
        supplier = config.supplier(self.supplier_id)
        if supplier is None:
            self.app.call_from_thread(self._put, Content(_("no supplier {id} in warroom.toml").format(id=repr(self.supplier_id))))
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
    state = _("down via {via}").format(via=view.via) if view.via else vocab.shown(view.state, vocab.SUPPLIER_STATE)
    lines: list[Content] = [
        literal.template("[b]$name[/b] ($id) · $crit", name=supplier.name, id=supplier.id, crit=word(supplier.criticality, CRITICALITY)),
        literal.template(_("$mark $state since $since · $detail"), mark=SUPPLIER[view.state], state=state,
                         since=local(view.since, zone, "%Y-%m-%d %H:%M"), detail=shown_detail(view.detail)),
        Content(""), Content.styled(_("Sourcing"), "bold"),
    ]

    def fact(label: str, value: object) -> None:
        if value not in (None, "", [], ()):  # a long value wraps under itself, not under the labels
            lines.append(Content.assemble(f"  {_(label):<16} ", literal.hanging(value, " " * 19, width)))

    outside = s.outside_eu()
    country = s.country or "—"
    fact(N_("jurisdiction"), _("{country} (parent {parent})").format(country=country, parent=s.parent_country) if s.parent_country else country)
    fact(N_("data location"), ", ".join(s.data_locations))
    fact(N_("outside the EU"), ", ".join(outside) if outside else _("none known") if s.country else "")
    fact(N_("contract ends"), s.contract_end)
    fact(N_("notice"), ngettext("{n} day", "{n} days", s.notice.days).format(n=s.notice.days) if s.notice else None)
    fact(N_("contract owner"), s.contract_owner)
    if s.exit_plan:
        fact(N_("exit plan"), s.exit_plan.location)
        fact(N_("reviewed"), s.exit_plan.reviewed or _("never"))  # its own line: a date never split from its word
    else:
        fact(N_("exit plan"), _("none"))
    fact(N_("certifications"), ", ".join(s.certifications))
    fact(N_("notes"), s.notes)
    fact(N_("depends on"), ", ".join(supplier.depends_on))
    fact(N_("services"), ", ".join(view.services))
    lines += [Content(""), Content.styled(_("Availability"), "bold"), *availability_lines(windows)]
    lines += [Content(""), Content.styled(_("Fallbacks"), "bold")]
    for entry in register:
        last = entry.last_exercised
        said = (_("last exercised {date} ({mode}, {result})").format(
                    date=local(last.at, zone, "%Y-%m-%d"), mode=vocab.shown(last.mode, vocab.MODE),
                    result=vocab.shown(last.result, vocab.FALLBACK_RESULT) if last.result else _("no result said")) if last
                else _("NEVER EXERCISED ⚠"))
        lines.append(literal.template("  $id  $title · $said", id=entry.id, title=entry.title, said=said))
    if not register:
        lines.append(Content("  " + _("none in the register ⚠")))
    lines += [Content(""), Content.styled(_("Risk"), "bold"), *factor_lines(ranked)]
    return Content("\n").join(lines)
