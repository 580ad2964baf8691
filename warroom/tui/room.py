"""The incident room: steps, escalation ladder, fallbacks, open decisions and the log, with an
entry line that is always there. Every action goes through the same service function as its CLI
command (the app runs it in a worker thread); the room only shows what the database says. Log
entries, titles and names are anyone's text: shown as written (`literal`), never as markup.

Keys belong to the panel that has focus (a panel's keys are its own bindings), so `e` on the Steps
panel can never acknowledge the ladder. `enter` opens the focused row's details; `1`–`4` move
between panels, and on a narrow terminal show one panel at a time instead of cutting all four."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast
from zoneinfo import ZoneInfo

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from warroom import text
from warroom import words as vocab
from warroom.clock import Clock
from warroom.i18n import N_, _, ngettext
from warroom.services import commands, views
from warroom.tui import details, literal
from warroom.tui.board import MODE_MARK, countdown, elapsed
from warroom.tui.dialogs import AskText, Choose, Confirm, Details
from warroom.tui.footer import Footer
from warroom.tui.growing import GrowingRows
from warroom.tui.quiet import QuietTexts, Rows
from warroom.tui.reports import REPORT_KEY, report_rows
from warroom.vocabulary import FallbackResult, LogKind, StepAction, transition_refusal, words
from warroom.vocabulary import Status as IncidentStatus

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

STEP_MARK = {"pending": "☐", "started": "▶", "done": "✔", "skipped": "–"}
RESULTS = [(FallbackResult.WORKED.value, N_("worked: it carried the service")),
           (FallbackResult.PARTIAL.value, N_("partly: it carried some of it")),
           (FallbackResult.FAILED.value, N_("failed: it did not carry the service"))]
PANELS = ("steps", "ladder", "fallbacks", "decisions")
PANEL_NAMES = {"steps": N_("Steps"), "ladder": N_("Escalation"), "fallbacks": N_("Fallbacks"), "decisions": N_("Decisions")}
NARROW = 100  # columns below which the room shows one panel at a time
TYPING_ACTIONS = {"entry_tab", "entry_answers", "leave_entry", "filter_done", "filter_clear"}  # the lines' own keys, which act on the screen
DETAILS_MARGIN = 6  # the details page's border, padding and scroll bar
LOG_LINES = 6  # the log keeps at least this many lines (border and header included)


def _moving(*extra: Binding) -> list[BindingType]:
    return [Binding("j", "cursor_down", N_("Down"), show=False), Binding("k", "cursor_up", N_("Up"), show=False),
            Binding("enter", "screen.details", N_("Details")), *extra]


class StepsPanel(Rows):
    BINDINGS = _moving(Binding("s", "screen.step('start')", N_("Start")), Binding("d", "screen.step('done')", N_("Done")),
                       Binding("x", "screen.step('skip')", N_("Skip")))


class LadderPanel(Rows):
    BINDINGS = _moving(Binding("e", "screen.ack", N_("Ack")))


class FallbacksPanel(Rows):
    BINDINGS = _moving(Binding("a", "screen.activate", N_("Activate")), Binding("x", "screen.stand_down", N_("Stand down")))


class DecisionsPanel(Rows):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", N_("Down"), show=False), Binding("k", "cursor_up", N_("Up"), show=False),
        Binding("d", "screen.decide", N_("Decide")), Binding("enter", "screen.details", N_("Details"))]  # enter reads, as on every panel


class LogPanel(GrowingRows):
    BINDINGS = _moving()


class EntryInput(Input):
    """The entry line's fields: while typing, the footer says what tab, enter and esc do."""

    BINDINGS = [Binding("tab", "screen.entry_tab", N_("rationale")), Binding("enter", "submit", N_("log")),
                Binding("ctrl+t", "screen.entry_answers", N_("answers…")), Binding("escape", "screen.leave_entry", N_("cancel"))]

    def _on_paste(self, event: events.Paste) -> None:
        """A paste of several lines (a supplier's e-mail, a status page) is kept whole, its lines
        joined by a space: Textual's Input, whose handler runs after this one, keeps only the
        first line, and the rest was lost without a word."""
        event.text = " ".join(line.strip() for line in event.text.splitlines() if line.strip())


class FilterInput(Input):
    BINDINGS = [Binding("enter", "screen.filter_done", N_("apply")), Binding("escape", "screen.filter_clear", N_("clear"))]


def entry_row(event: views.EventView, incident_id: int) -> tuple[str, str]:
    """A log row's kind and text: an entry's own kind (decision, note…) and the expected decision it
    answers; any other event's kind (step.done, escalation.due…)."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.kind == "decision.logged":
        kind = vocab.shown(data["kind"], vocab.LOG_KIND) if data.get("kind") else _("entry")
        answers = data.get("decision")
        said = text.words(event.said(incident_id))
        return kind, _("{entry} · answers {decision}").format(entry=said, decision=text.line(str(answers))) if answers else said
    return event.kind, text.words(event.said(incident_id))


def _panel_keys() -> list[tuple[str, str]]:
    """The panels' keys for the help screen, each with the panels it belongs to: the same key and
    action on several panels is one line (`enter Details (any panel)`); a key that does different
    things on different panels (`x Skip (Steps)`, `x Stand down (Fallbacks)`) a line for each."""
    anywhere = _("any panel")
    panels = ((_(PANEL_NAMES["steps"]), StepsPanel), (_(PANEL_NAMES["ladder"]), LadderPanel), (_(PANEL_NAMES["fallbacks"]), FallbacksPanel),
              (_(PANEL_NAMES["decisions"]), DecisionsPanel), (anywhere, LogPanel))
    where: dict[tuple[str, str], list[str]] = {}
    for name, widget in panels:
        for b in widget.BINDINGS:
            if isinstance(b, Binding) and b.show:
                where.setdefault((b.key, _(b.description)), []).append(name)
    # TRANSLATORS: a key's action in the help, then the panels it works on: "Skip (Steps)"
    return [(key, _("{action} ({panels})").format(action=what, panels=anywhere if anywhere in names else ", ".join(names)))
            for (key, what), names in where.items()]


class _HelpKeys:
    """The room's HELP_KEYS, said in the language chosen when the help asks (after import)."""

    def __get__(self, obj: object, owner: type) -> list[tuple[str, str]]:
        return [*_panel_keys(), ("j / k", _("move in a panel")), ("1-4", _("Steps, Escalation, Fallbacks, Decisions"))]


class IncidentScreen(QuietTexts, Screen):
    BINDINGS = [
        Binding("q", "back", N_("Board")),
        Binding("escape", "back", N_("Board"), show=False),
        Binding("l", "focus_log", N_("Log entry")),
        Binding("slash", "filter", N_("Filter")),
        *(Binding(str(n), f"panel('{p}')", PANEL_NAMES[p], show=False) for n, p in enumerate(PANELS, start=1)),
        Binding("b", "transition('stabilised')", N_("Stabilised")),
        Binding("r", "transition('resolved')", N_("Resolve")),
        Binding("c", "transition('closed')", N_("Close")),
        # Out of the footer (the command palette and help list them): the room's footer is full.
        Binding("m", "msel", N_("MSEL (drill facilitator)"), show=False),
        Binding("v", "review", N_("After-action review"), show=False),
        Binding("E", "export", N_("Export to a file"), show=False),
    ]

    # Keys that are the panels' own bindings, not the screen's (q/esc are the screen's: its bindings say them).
    HELP_KEYS = _HelpKeys()

    def __init__(self, incident_id: int, clock: Clock, zone: ZoneInfo, role: str):
        super().__init__()
        self.incident_id, self.clock, self.zone = incident_id, clock, zone
        self.view: views.IncidentView | None = None
        self.read_only = role == "observer"
        self._tables_ready = False
        self._styled_for: tuple[object, ...] | None = None  # the app-wide style inputs its styles were last computed with
        self.current = "steps"  # the panel shown when the room is narrow, and where focus returns
        self.answering: str | None = None  # the expected decision the entry line's text answers
        self.log_filter = ""
        self._log_rows: dict[str, tuple[tuple[str, tuple[str, ...]], str, views.EventView]] = {}  # hash → row, what a filter searches, event
        self._log_made: tuple[tuple[views.EventView, ...], str, list[tuple[str, tuple[str, ...]]]] = ((), "", [])  # events, filter, their rows

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a line is being typed the footer shows that line's keys alone: the room's own
        keys are letters the line takes anyway."""
        return not (isinstance(self.focused, Input) and action not in TYPING_ACTIONS)

    @property
    def warroom(self) -> WarroomApp:
        """The app as what it is, so a type checker sees what this screen asks of it."""
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("#{id} · loading…").format(id=self.incident_id), id="banner")
        yield Static("", id="readonly")
        yield Static("", id="unverified")
        yield Static("", id="tabs")
        with Horizontal(id="roomtop"):
            yield StepsPanel(id="steps", cursor_type="row", columns=(("", "mark"), (_("step"), "id"), (_("due"), "due"), (_("title"), "title")), fill="title")
            with Vertical(id="side"):
                yield LadderPanel(id="ladder", cursor_type="row", columns=((_("level"), "level"), (_("state"), "state"), (_("notify"), "notify")))
                yield FallbacksPanel(id="fallbacks", cursor_type="row", columns=((_("fallback"), "id"), (_("state"), "state")))
        yield DecisionsPanel(id="decisions", cursor_type="row", columns=((_("decision"), "id"), (_("due"), "due"), (_("question"), "question")), fill="question")
        yield Static("", id="notice")
        yield FilterInput(placeholder=_("filter the log: type, enter applies, esc clears"), id="filter")
        yield LogPanel(id="log", cursor_type="row", columns=((_("time"), "time"), (_("who"), "who"), (_("kind"), "kind"), (_("what"), "what")), fill="what")
        with Horizontal(id="entry"):
            yield Select([(vocab.shown(kind, vocab.LOG_KIND), kind) for kind in words(LogKind)], value=LogKind.DECISION.value,
                         allow_blank=False, id="kind")
            yield Static("", id="answers")
            yield EntryInput(placeholder=_("log entry ▸ l, type and press enter"), id="text")
            yield EntryInput(placeholder=_("rationale (optional)"), id="rationale")
        yield Footer()

    def on_mount(self) -> None:
        # The app ended (or let the room go) while the board was building it ahead: its panels are
        # gone or going. An app shut down without an exit asked for (as Pilot ends one) leaves it
        # attached meanwhile, but is no longer running.
        if not self.is_attached or not self.app.is_running:
            return
        for panel in (*PANELS, "log"):
            self.query_one(f"#{panel}").border_title = _(PANEL_NAMES[panel]) if panel in PANEL_NAMES else _("Log")
        self.set_interval(1.0, self._ticking)
        self._show_role()
        self._tables_ready = True
        self._arrange()
        self.set_focus(self.query_one("#steps"))
        if self.view is not None:  # the data came before the tables had their columns
            self.show(self.view)
        self._styled_for = self._style_inputs()  # styled as it was registered, just now

    def on_resize(self, event) -> None:
        self._arrange()

    def _style_inputs(self) -> tuple[object, ...]:
        """What Textual's app-wide styling depends on (its theme; focus, dark, inline… as the
        app's pseudo-classes): a screen pushed is restyled whole in case they changed."""
        return self.app.theme, self.app.pseudo_classes

    def on_screen_suspend(self) -> None:
        self._styled_for = self._style_inputs()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual restyles every node of a screen as it is pushed (Screen._on_screen_resume,
        which runs after this handler), in case something app-wide changed while it was away:
        for a kept room (WarroomApp.open_room) that was half of opening it again, some 40 ms
        of CPU, for styles that are as they were. Restyled only when they may not be. Its own
        classes and focus restyle their nodes as they change, on the screen or off it."""
        if self._styled_for == self._style_inputs():
            event.refresh_styles = False

    def reopen(self, view: views.IncidentView) -> None:
        """Opened again (the app keeps the last room composed: WarroomApp.open_room), with its
        incident as just read. Where one looks is as a fresh room has it: focus on the steps,
        every panel's cursor on its first row, the log on its newest entry and unfiltered (a
        filter left from an hour ago would hide what was logged since), no old outcome on the
        notice line. What was typed stays: a half-written entry (its kind, its rationale, the
        decision it answers) is the coordinator's work, lost to nobody's benefit."""
        self.log_filter = ""
        box = self.query_one("#filter", Input)
        box.display = False
        if box.value:
            with box.prevent(Input.Changed):
                box.value = ""
        notice = self.query_one("#notice", Static)
        notice.set_class(False, "error")
        notice.update(Content(""))
        self.current = "steps"
        self.show(view)
        for panel in PANELS:
            self.query_one(f"#{panel}", Rows).move_cursor(row=0, animate=False)
        log = self.query_one("#log", Rows)
        log.move_cursor(row=max(0, log.row_count - 1), animate=False)
        self.set_focus(self.query_one("#steps"))
        answered = self.answering
        if answered is not None and answered not in self._open_decision_ids():
            # Answered (or settled) by someone else while the room was closed: sent as it was, the
            # kept draft would answer it a second time. It stays, tied to nothing, and the line says so.
            self.answering = None
            self.say(_("your draft no longer answers {decision}: it was answered while the room was closed").format(
                decision=text.line(answered)), done=False)
        # As in a fresh room: the entry line's hint shows once the line is opened (action_focus_log).
        self.query_one("#answers", Static).display = False

    def _show_role(self) -> None:
        banner = self.query_one("#readonly", Static)
        banner.update(Content(_("READ-ONLY: you are an observer here; you can read everything and change nothing.") if self.read_only else ""))
        banner.set_class(self.read_only, "shown")
        self.query_one("#entry").display = not self.read_only

    def _t(self, when: datetime | None, fmt: str = "%H:%M") -> str:
        return when.astimezone(self.zone).strftime(fmt) if when else "—"

    def _zone_name(self, when: datetime) -> str:
        return when.astimezone(self.zone).tzname() or str(self.zone)

    @property
    def live(self) -> bool:
        """Open or stabilised: its clocks run. A resolved or closed incident has no countdowns."""
        return self.view is not None and self.view.incident.status in ("open", "stabilised")

    # ── what is shown ──────────────────────────────────────────────────────────────────────────

    def _dismantled(self) -> bool:
        """The app is quitting: a screen's widgets go before it leaves the stack, and a read that
        lands meanwhile has nothing left to be shown on. Asked at every read: by id, which Textual
        keeps until the screen's children change (a query that is not one walked every widget of
        the room: 6 % of a TUI's CPU while entries came, py-spy)."""
        try:
            self.query_one("#banner")
        except NoMatches:
            return True
        return False

    def _ticking(self) -> None:
        if self in self.app.screen_stack:  # a kept room, closed, waits unseen (WarroomApp.open_room)
            self._tick()

    def _tick(self) -> None:
        if not self.view or self._dismantled():
            return
        i = self.view.incident
        now = self.clock.now()
        banner = self.query_one("#banner", Static)
        drill = i.mode == "drill"
        banner.set_class(drill, "drill")
        banner.set_class(not drill, "live")
        word = _(" EXERCISE — DRILL ") if drill else _(" ● LIVE INCIDENT ")
        clock = f"{elapsed(i.age(now))}" + ("" if self.live else f" ({vocab.shown(i.status, vocab.INCIDENT_STATUS)})")
        # What must stay on an 80-column screen comes first: the mode, the clock, the next
        # escalation; the title last, cut when it must be.
        self._put("#banner", Content.assemble(
            (word, "bold reverse"), f" #{i.id} · {clock}", self._next_escalation(now), " · ", literal.plain(vocab.shown(i.status, vocab.INCIDENT_STATUS).upper(), "bold"),
            " · ", literal.plain(i.title)), layout=False)

    def _next_escalation(self, now: datetime) -> Content:
        if not self.view or not self.live:
            return Content("")
        fired = [e for e in self.view.ladder if e.state == "fired"]
        if fired:
            e = fired[0]
            return Content.assemble(" · ", (_("L{level} FIRED {time} · ack!").format(level=e.level, time=self._t(e.fired_at)), "bold"))
        pending = [e for e in self.view.ladder if e.state == "pending"]
        if not pending:
            return Content(" · " + _("no escalation pending"))
        e = pending[0]
        return Content(" · " + _("next L{level} {time} ({left})").format(level=e.level, time=self._t(e.due_at), left=countdown(e.due_at, now)))

    def show(self, view: views.IncidentView) -> None:
        self.view = view
        if not self._tables_ready or self._dismantled():
            return  # on_mount shows it; or the room is closing
        self._tick()
        problem = view.chain.problem if not view.chain.verified else None
        unverified = self.query_one("#unverified", Static)
        # TRANSLATORS: $problem is the chain check's finding (which event, and what does not hold).
        unverified.update(literal.template(_("NOT VERIFIED: $problem. Run warroom verify."), problem=problem or _("the check failed")) if not view.chain.verified
                          else Content(""))
        unverified.set_class(not view.chain.verified, "shown")
        live = self.live
        steps = []
        for st in view.steps:
            due = ""
            if live and st.due_at and st.status in ("pending", "started"):
                due = self._late(st.overdue, self._t(st.due_at))
            elif st.status in ("done", "skipped") and st.changed_at:
                due = self._t(st.changed_at)
            steps.append((st.id, (STEP_MARK[st.status], st.id, due, text.words(st.title))))
        self.query_one("#steps", Rows).sync(steps)
        ladder = []
        for e in view.ladder:
            state = (f"✔ {e.acked_by}" if e.state == "acknowledged" else
                     _("FIRED {time}").format(time=self._t(e.fired_at)) if e.state == "fired" else
                     vocab.shown(e.state, vocab.LEVEL_STATE) if e.state == "cancelled" else
                     _("due {time}").format(time=self._t(e.due_at)))
            ladder.append((str(e.level), (f"L{e.level}", state, e.who)))
        self.query_one("#ladder", Rows).sync(ladder)
        self.query_one("#fallbacks", Rows).sync([
            (f.id, (f.id, _("ACTIVE since {time}").format(time=self._t(f.activations[-1].activated_at)) if f.active and f.activations else
                    _("ACTIVE") if f.active else _("available · needs a decision") if f.needs_decision else _("available")))
            for f in view.fallbacks])
        self.query_one("#decisions", Rows).sync([
            (d.id, (d.id, self._late(d.overdue, self._t(d.due_at) if d.due_at and live else ""), text.words(d.question)))
            for d in view.open_decisions] + report_rows(view.reporting, self.clock.now(), self.zone))  # the legal reporting clocks
        opened = len(view.open_decisions)
        self._title("#decisions", ngettext("Decisions · {n} open", "Decisions · {n} open", opened).format(n=opened) if opened
                    else _("Decisions · none open"))
        self._show_log()
        self._arrange()

    def _log_row(self, event: views.EventView) -> tuple[tuple[str, tuple[str, ...]], str]:
        """An event's log row and the text a filter looks in, made once an event: the room is
        shown again at every change, with every event of a long incident (kept by its hash; the
        same event, or one equal to it, is the same row)."""
        known = self._log_rows.get(event.hash)
        if known is None or (known[2] is not event and known[2] != event):  # an altered row keeps its hash: compared
            kind, what = entry_row(event, self.incident_id)
            row = (str(event.seq), (self._t(event.at, "%H:%M:%S"), event.actor, kind, what))
            known = (row, "\n".join((event.said(self.incident_id), event.actor, f"{kind} {what}")).casefold(), event)
            self._log_rows[event.hash] = known
        return known[0], known[1]

    @staticmethod
    def _late(late: bool, time: str) -> str:
        return _("!late {time}").format(time=time) if late else time

    def _show_log(self) -> None:
        if self.view is None:
            return
        log = self.query_one("#log", Rows)
        following = log.row_count == 0 or log.cursor_row >= log.row_count - 1  # a reader scrolled back is left where they are
        wanted = self.log_filter.casefold()
        events = self.view.events
        before, shown_for, rows = self._log_made
        if shown_for != wanted or len(events) < len(before) or events[:len(before)] != before:
            before, rows = (), []  # another filter, or not the same events with more at the end: all again
        for e in events[len(before):]:  # each read hands on the events it had and the new: only the new are made
            row, searched = self._log_row(e)
            if not wanted or wanted in searched:
                rows.append(row)
        self._log_made = (events, wanted, rows)
        log.sync(rows)
        self._title("#log", literal.template(_("Log · filter: $f (/ to change)"), f=self.log_filter) if self.log_filter else _("Log"))
        if following and log.row_count:
            log.move_cursor(row=log.row_count - 1)

    def _arrange(self) -> None:
        """Give each panel the lines its rows need and the log the rest; one panel at a time when
        the terminal is too narrow for the panels side by side."""
        if not self._tables_ready:
            return
        width, height = self.app.size  # a room built ahead of its opening has no size of its own yet
        narrow = width < NARROW
        self.set_class(narrow, "narrow")
        tabs = self.query_one("#tabs", Static)
        tabs.display = narrow
        if narrow:
            self._put("#tabs", Content.assemble(*(
                (f" {n} {_(PANEL_NAMES[p])} ", "reverse bold" if p == self.current else "") for n, p in enumerate(PANELS, start=1))), layout=False)
        side_panels = ("ladder", "fallbacks")
        for panel in PANELS:
            self.query_one(f"#{panel}").display = not narrow or panel == self.current
        self.query_one("#side").display = not narrow or self.current in side_panels
        self.query_one("#roomtop").display = not narrow or self.current != "decisions"

        def need(panel: str) -> int:  # rows, header and border
            return max(1, self.query_one(f"#{panel}", Rows).row_count) + 3

        fixed = 1 + (1 if self.read_only else 0) + (2 if self.query_one("#unverified").has_class("shown") else 0) + (1 if narrow else 0) + 1 + (3 if not self.read_only else 0) + 1
        fixed += 1 if self.query_one("#filter").display else 0
        room = max(0, height - fixed - LOG_LINES)
        if narrow:
            if self.current == "decisions":
                self.query_one("#decisions").styles.height = max(4, min(need("decisions"), room))
            else:
                top = max(4, min(need(self.current), room))
                roomtop, side = self.query_one("#roomtop"), self.query_one("#side")
                roomtop.styles.height, roomtop.styles.layout = top, "horizontal"
                side.styles.width, side.styles.height, side.styles.layout = "1fr", "100%", "vertical"
                for panel in ("steps", *side_panels):
                    self.query_one(f"#{panel}").styles.width = "1fr"
                    self.query_one(f"#{panel}").styles.height = "100%"
            return
        decisions = min(need("decisions"), max(4, room // 3))
        roomtop, side = self.query_one("#roomtop"), self.query_one("#side")
        steps, ladder, fallbacks = (self.query_one(f"#{p}") for p in ("steps", "ladder", "fallbacks"))
        side_width = max(self._content_width("ladder"), self._content_width("fallbacks")) + 2
        if self._content_width("steps") + 2 + side_width <= width:
            # Side by side: the steps on the left, the ladder over the fallbacks on the right.
            roomtop.styles.layout, side.styles.layout = "horizontal", "vertical"
            top = max(6, min(max(need("steps"), need("ladder") + need("fallbacks")), room - decisions))
            side.styles.width, side.styles.height = side_width, "100%"
            steps.styles.width, steps.styles.height = "1fr", "100%"
            ladder.styles.width = fallbacks.styles.width = "100%"
            ladder.styles.height = min(need("ladder"), max(4, top - min(need("fallbacks"), top // 2)))
            fallbacks.styles.height = "1fr"
        else:
            # Stacked: the steps across the whole width (their titles whole), the ladder beside the
            # fallbacks under them.
            roomtop.styles.layout, side.styles.layout = "vertical", "horizontal"
            lower = max(need("ladder"), need("fallbacks"))
            top = max(8, min(need("steps") + lower, room - decisions))
            lower = min(lower, max(4, top // 2))
            steps.styles.width, steps.styles.height = "100%", "1fr"
            side.styles.width, side.styles.height = "100%", lower
            ladder.styles.width, fallbacks.styles.width = self._content_width("ladder") + 2, "1fr"
            ladder.styles.height = fallbacks.styles.height = "100%"
        roomtop.styles.height = top
        self.query_one("#decisions").styles.height = decisions

    def _content_width(self, panel: str) -> int:
        return self.query_one(f"#{panel}", Rows).text_width()

    # ── feedback next to the action ────────────────────────────────────────────────────────────

    def say(self, message: str, done: bool = True, mark: str | None = None) -> None:
        """An outcome or a refusal (or a drill's inject: `mark`), on the line under the panels:
        where the eye is, never over the entry line (a notification covers it)."""
        notice = self.query_one("#notice", Static)
        notice.set_class(not done, "error")
        stamp = self._t(self.clock.now(), "%H:%M")
        notice.update(Content.assemble(((mark or ("✔ " if done else "✖ ")), "bold"), literal.plain(f"{message} ({stamp})")))

    def _act(self, command: commands.Command, then=None) -> None:
        def report(message: str, done: bool) -> None:
            self.say(message, done)
            if then is not None:
                then(done)

        self.warroom.act(command, report)

    # ── actions: each asks the app to run one service function ─────────────────────────────────

    def _selected(self, table_id: str) -> str | None:
        return self.query_one(table_id, Rows).selected_key

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_panel(self, panel: str) -> None:
        self.current = panel
        self._arrange()
        self.set_focus(self.query_one(f"#{panel}"))

    def on_descendant_focus(self, event) -> None:
        panel = getattr(event.widget, "id", None)
        if panel in PANELS and panel != self.current:
            self.current = panel
            if self.has_class("narrow"):
                self._arrange()

    def _panel(self) -> Widget:
        return self.query_one(f"#{self.current}")

    def action_step(self, action: str) -> None:
        step_id = self._selected("#steps")
        if step_id is None:
            return
        if StepAction(action) == StepAction.SKIP:
            def skipped(note: str | None) -> None:
                if note is not None:
                    self._act(commands.MarkStep(self.incident_id, step_id, StepAction.SKIP, note or None))

            self.app.push_screen(AskText(_("Skip step {step}: why?").format(step=step_id), placeholder=_("a note for the log")), skipped)
            return
        self._act(commands.MarkStep(self.incident_id, step_id, StepAction(action)))

    def action_ack(self) -> None:
        level = self._selected("#ladder")
        if level is None or self.view is None:
            return
        row = next(e for e in self.view.ladder if str(e.level) == level)
        if row.state == "pending":  # said here, in the room's zone, before the service is asked
            left = countdown(row.due_at, self.clock.now())
            self.say(_("L{level} has not fired yet: due {time} {zone}, {left}").format(
                level=row.level, time=self._t(row.due_at), zone=self._zone_name(row.due_at), left=left), False)
            return
        self._act(commands.AcknowledgeEscalation(self.incident_id, int(level)))

    def action_activate(self) -> None:
        fallback_id = self._selected("#fallbacks")
        if fallback_id is None or self.view is None:
            return
        needs = next(f.needs_decision for f in self.view.fallbacks if f.id == fallback_id)
        open_decisions = [(d.id, f"{d.id}: {d.question}") for d in self.view.open_decisions]

        def activate(reason: str | None, decision: str | None = None) -> None:
            self._act(commands.ActivateFallback(self.incident_id, fallback_id, reason or None, decision))

        def answered(reason: str | None) -> None:
            if reason is None:
                return
            if needs and open_decisions:  # the reason is logged as a decision: which expected one does it answer?
                def chosen(decision: str | None) -> None:
                    if decision is not None:
                        activate(reason, decision or None)

                self.app.push_screen(Choose(_("Activate {fallback}: does this answer an expected decision?").format(fallback=fallback_id),
                                            [*open_decisions, ("", _("none of these"))]), chosen)
                return
            activate(reason)

        question = (_("Activate {fallback}: the reason (logged as a decision)") if needs
                    else _("Activate {fallback}: why? (optional)")).format(fallback=fallback_id)
        self.app.push_screen(AskText(question, required=needs, refusal=_("A reason is required: it is logged as a decision.")), answered)

    def action_stand_down(self) -> None:
        fallback_id = self._selected("#fallbacks")
        if fallback_id is None or self.view is None:
            return
        if not any(f.id == fallback_id and f.active for f in self.view.fallbacks):
            self.say(_("{fallback} is not active: nothing to stand down").format(fallback=fallback_id), False)
            return

        def answered(result: str | None) -> None:
            if result is not None:
                self._act(commands.DeactivateFallback(self.incident_id, fallback_id, FallbackResult(result)))

        self.app.push_screen(Choose(_("Stand down {fallback}: how did it go? (kept in the register)").format(fallback=fallback_id),
                                    [(value, _(label)) for value, label in RESULTS]), answered)

    def action_transition(self, to: str) -> None:
        if self.view is None:
            return
        refusal = transition_refusal(self.view.incident.status, to)
        if refusal is None and to == "closed":
            active = [f.id for f in self.view.fallbacks if f.active]
            refusal = ngettext("fallback {ids} is still active (stand it down first, saying how it went)",
                               "fallback {ids} is still active (stand it down first, saying how it went)",
                               len(active)).format(ids=", ".join(active)) if active else None
        if refusal:
            self.say(_("cannot mark incident #{id} {status}: {why}").format(
                id=self.incident_id, status=vocab.shown(to, vocab.INCIDENT_STATUS), why=refusal), False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._act(commands.Transition(self.incident_id, IncidentStatus(to)))

        self.app.push_screen(Confirm(_("Mark incident #{id} {status}?").format(id=self.incident_id, status=vocab.shown(to, vocab.INCIDENT_STATUS))),
                             confirmed)

    def action_msel(self) -> None:
        from warroom.tui.msel import MselScreen

        self.app.push_screen(MselScreen(self.incident_id, self.clock, self.zone))

    def action_review(self) -> None:
        from warroom.tui.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.incident_id, self.clock, self.zone))

    def action_export(self) -> None:
        from warroom.tui import exporting

        if self.view is not None:
            exporting.start(self.warroom, self.view)

    # ── the entry line ─────────────────────────────────────────────────────────────────────────

    def action_focus_log(self) -> None:
        # At once, not via Widget.focus() (deferred with call_later): text typed straight after
        # `l` must land in the entry line, never on the single-key actions of the tables
        # ("Fail over" holds an `a`, which would activate a fallback).
        if not self.read_only:
            self.set_focus(self.query_one("#text", Input))
            self._show_answers()

    def _open_decision_ids(self) -> list[str]:
        return [d.id for d in self.view.open_decisions] if self.view else []

    def _show_answers(self) -> None:
        """Beside a decision entry: which expected decision it answers, or, while some are open and
        it answers none, that ctrl+t ties it to one (logging it then closes that decision)."""
        answers = self.query_one("#answers", Static)
        is_decision = self.query_one("#kind", Select).value == LogKind.DECISION.value
        if self.answering:
            answers.update(literal.template(_("[b]answers $d[/b] ▸"), d=self.answering))
        elif is_decision and self._open_decision_ids():
            answers.update(Content(_("answers none (ctrl+t) ▸")))
        answers.display = bool(self.answering) or (is_decision and bool(self._open_decision_ids()))

    def action_entry_answers(self) -> None:
        """Cycle the decision entry's answer: each open expected decision in turn, then none."""
        choices: list[str | None] = [None, *self._open_decision_ids()]
        if len(choices) == 1:
            self.say(_("no expected decision is open"), done=False)
            return
        self.query_one("#kind", Select).value = LogKind.DECISION.value
        at = choices.index(self.answering) if self.answering in choices else 0
        self.answering = choices[(at + 1) % len(choices)]
        self._show_answers()

    @on(Select.Changed, "#kind")
    def kind_changed(self, event: Select.Changed) -> None:
        if event.value != LogKind.DECISION.value:  # only a decision answers an expected decision
            self.answering = None
        self._show_answers()

    def action_decide(self) -> None:
        """Answer the focused expected decision: the entry line, tied to it, takes the decision."""
        decision = self._selected("#decisions")
        if decision is None or decision.startswith(REPORT_KEY) or self.read_only:  # a report is sent with warroom report sent
            return
        self.answering = decision
        self.query_one("#kind", Select).value = LogKind.DECISION.value
        self._show_answers()
        self.action_focus_log()

    def action_entry_tab(self) -> None:
        text_input, rationale = self.query_one("#text", Input), self.query_one("#rationale", Input)
        self.set_focus(rationale if self.focused is text_input else text_input)

    def action_leave_entry(self) -> None:
        """Back to the panel the line was opened from; the draft stays for later. Left empty, it
        answers nothing any more: a stray `d` must not tie the next entry, typed much later, to an
        expected decision."""
        if not self.query_one("#text", Input).value.strip() and not self.query_one("#rationale", Input).value.strip():
            self._untie()
        self.set_focus(self._panel())

    @on(Input.Submitted)
    def submit_log(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            return
        text_input, rationale_input = self.query_one("#text", Input), self.query_one("#rationale", Input)
        if event.input is rationale_input and not text_input.value.strip():
            self.set_focus(text_input)
            return
        entry = text_input.value.strip()
        if not entry:
            return
        sent = (text_input.value, rationale_input.value, self.answering)

        def landed(done: bool) -> None:
            # Cleared only once it is recorded, and only if no one typed over it since: a refused
            # entry keeps its text to fix and send again.
            if done and (text_input.value, rationale_input.value, self.answering) == sent:
                text_input.value = rationale_input.value = ""
                self._untie()

        self._act(commands.LogEntry(self.incident_id, entry, LogKind(str(self.query_one("#kind", Select).value)),
                                    rationale_input.value.strip() or None, decision=self.answering), landed)
        self.set_focus(self._panel())

    def _untie(self) -> None:
        self.answering = None
        self._show_answers()

    # ── the log's filter ───────────────────────────────────────────────────────────────────────

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.log_filter
        self._arrange()
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.log_filter = event.value.strip()
        self._show_log()

    def action_filter_done(self) -> None:
        self.query_one("#filter").display = False
        self._arrange()
        self.set_focus(self.query_one("#log"))

    def action_filter_clear(self) -> None:
        self.log_filter = ""
        self.query_one("#filter", Input).value = ""
        self._show_log()
        self.action_filter_done()

    # ── details ────────────────────────────────────────────────────────────────────────────────

    def action_details(self) -> None:
        focused = self.focused
        panel = getattr(focused, "id", None)
        if self.view is None or not isinstance(focused, Rows) or focused.selected_key is None:
            return
        key = focused.selected_key
        about = details.About(self.view, self.zone, width=self.app.size.width - DETAILS_MARGIN)
        built = {"steps": about.step, "ladder": about.level, "fallbacks": about.fallback, "decisions": about.decision,
                 "log": about.event}.get(panel or "")
        page = built(key) if built is not None else None
        if page is not None:
            title, body = page
            # The pane covers the banner: its title keeps the incident's number and mode in view.
            incident = self.view.incident
            self.app.push_screen(Details(Content.assemble(MODE_MARK[incident.mode], f" #{incident.id} · ", title), body))
