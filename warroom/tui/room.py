"""The incident room: steps, escalation ladder, fallbacks, open decisions and the log, with an
entry line that is always there. Every action goes through the same service function as its CLI
command (the app runs it in a worker thread); the room only shows what the database says. Log
entries, titles and names are anyone's text: shown as written (`literal`), never as markup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static

from warroom import text
from warroom.clock import Clock
from warroom.services import commands, views
from warroom.tui import literal
from warroom.tui.board import MODE_MARK, elapsed
from warroom.tui.dialogs import AskText, Confirm
from warroom.tui.quiet import QuietTexts, Rows
from warroom.vocabulary import FallbackResult, LogKind, StepAction, words
from warroom.vocabulary import Status as IncidentStatus

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

STEP_MARK = {"pending": "☐", "started": "▶", "done": "✔", "skipped": "–"}
KINDS = [(kind, kind) for kind in words(LogKind)]


class IncidentScreen(QuietTexts, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Board"),
        Binding("s", "step('start')", "Start step"),
        Binding("d", "step('done')", "Done"),
        Binding("k", "step('skip')", "Skip"),
        Binding("e", "ack", "Ack escalation"),
        Binding("a", "activate", "Activate fallback"),
        Binding("x", "stand_down", "Stand down"),
        Binding("b", "transition('stabilised')", "Stabilised"),
        Binding("r", "transition('resolved')", "Resolve"),
        Binding("c", "transition('closed')", "Close"),
        Binding("l", "focus_log", "Log entry"),
        # Out of the footer (the command palette and help list them): the room's footer is full.
        Binding("m", "msel", "MSEL (drill facilitator)", show=False),
        Binding("v", "review", "After-action review", show=False),
    ]

    def __init__(self, incident_id: int, clock: Clock, zone: ZoneInfo, role: str):
        super().__init__()
        self.incident_id, self.clock, self.zone = incident_id, clock, zone
        self.view: views.IncidentView | None = None
        self.read_only = role == "observer"
        self._tables_ready = False

    @property
    def warroom(self) -> WarroomApp:
        """The app as what it is, so a type checker sees what this screen asks of it."""
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(f"#{self.incident_id} · loading…", id="roomline")
        yield Static("", id="readonly")
        with Horizontal(id="roomtop"):
            # What decides first: narrow screens cut the right.
            yield Rows(id="steps", cursor_type="row", columns=(("", "mark"), ("step", "id"), ("due", "due"), ("title", "title")))
            yield Rows(id="ladder", cursor_type="row", columns=(("level", "level"), ("state", "state"), ("notify", "notify")))
            yield Rows(id="fallbacks", cursor_type="row", columns=(("fallback", "id"), ("state", "state")))
        yield Static("", id="decisions")
        yield Rows(id="log", cursor_type="row", columns=(("time", "time"), ("who", "who"), ("what", "what")))
        with Horizontal(id="entry"):
            yield Select(KINDS, value=LogKind.DECISION.value, allow_blank=False, id="kind")
            yield Input(placeholder="log entry ▸ type and press enter", id="text")
            yield Input(placeholder="rationale (optional)", id="rationale")
        yield Footer()

    def on_mount(self) -> None:
        for table_id, title in (("#steps", "Steps"), ("#ladder", "Escalation"), ("#fallbacks", "Fallbacks"), ("#log", "Log")):
            self.query_one(table_id).border_title = title
        self.query_one("#decisions", Static).border_title = "Open decisions"
        self.set_interval(1.0, self._tick)
        self._show_role()
        self.set_class(self.size.height < 32, "short")
        self._tables_ready = True
        if self.view is not None:  # the data came before the tables had their columns
            self.show(self.view)

    def on_resize(self, event) -> None:
        self.set_class(event.size.height < 32, "short")  # keep lines for the log on small terminals

    def _show_role(self) -> None:
        banner = self.query_one("#readonly", Static)
        banner.update(Content("READ-ONLY: you are an observer here; you can read everything and change nothing." if self.read_only else ""))
        banner.set_class(self.read_only, "shown")
        self.query_one("#entry").display = not self.read_only

    def _t(self, when: datetime | None, fmt: str = "%H:%M") -> str:
        return when.astimezone(self.zone).strftime(fmt) if when else "—"

    def _tick(self) -> None:
        if not self.view:
            return
        i = self.view.incident
        self._put("#roomline", Content.assemble(
            f"#{i.id} ", MODE_MARK[i.mode], " · ", literal.plain(i.title, "bold"),
            literal.plain(f" · {i.status.upper()} · {elapsed(i.opened_at, self.clock.now())}")), layout=False)

    def show(self, view: views.IncidentView) -> None:
        self.view = view
        if not self._tables_ready:
            return  # on_mount shows it
        self._tick()
        steps = []
        for st in view.steps:
            due = ("!late " if st.overdue else "") + (self._t(st.due_at) if st.due_at and st.status in ("pending", "started") else "")
            steps.append((st.id, (STEP_MARK[st.status], st.id, due, text.words(st.title))))
        self.query_one("#steps", Rows).sync(steps)
        ladder = []
        for e in view.ladder:
            state = {"acknowledged": f"✔ {e.acked_by}", "fired": f"fired {self._t(e.fired_at)}", "cancelled": "cancelled"}.get(
                e.state, f"due {self._t(e.due_at)}")
            ladder.append((str(e.level), (f"L{e.level}", state, ", ".join(e.notify))))
        self.query_one("#ladder", Rows).sync(ladder)
        self.query_one("#fallbacks", Rows).sync([
            (f.id, (f.id, "ACTIVE" if f.active else "available" + (" · needs a decision" if f.needs_decision else "")))
            for f in view.fallbacks])
        decisions = [literal.template("$id  $question  [b]!late[/b]" if d.overdue else "$id  $question$due", id=d.id,
                                      question=d.question, due=f"  due {self._t(d.due_at)}" if d.due_at else "")
                     for d in view.open_decisions]
        self._put("#decisions", Content("\n").join(decisions) if decisions else Content("none open"))
        log = self.query_one("#log", Rows)
        following = log.row_count == 0 or log.cursor_row >= log.row_count - 1  # a reader scrolled back is left where they are
        log.sync([(str(e.seq), (self._t(e.at, "%H:%M:%S"), e.actor, text.words(e.summary))) for e in view.events])
        if following:
            log.move_cursor(row=log.row_count - 1)

    # ── actions: each asks the app to run one service function ─────────────────────────────────

    def _selected(self, table_id: str) -> str | None:
        return self.query_one(table_id, Rows).selected_key

    def action_step(self, action: str) -> None:
        step_id = self._selected("#steps")
        if step_id is None:
            return
        if StepAction(action) == StepAction.SKIP:
            def skipped(note: str | None) -> None:
                if note is not None:
                    self.warroom.act(commands.MarkStep(self.incident_id, step_id, StepAction.SKIP, note or None))

            self.app.push_screen(AskText(f"Skip step {step_id}: why?", placeholder="a note for the log"), skipped)
            return
        self.warroom.act(commands.MarkStep(self.incident_id, step_id, StepAction(action)))

    def action_ack(self) -> None:
        level = self._selected("#ladder")
        if level is not None:
            self.warroom.act(commands.AcknowledgeEscalation(self.incident_id, int(level)))

    def action_activate(self) -> None:
        fallback_id = self._selected("#fallbacks")
        if fallback_id is None or self.view is None:
            return
        needs = next(f.needs_decision for f in self.view.fallbacks if f.id == fallback_id)

        def answered(reason: str | None) -> None:
            if reason is not None:
                self.warroom.act(commands.ActivateFallback(self.incident_id, fallback_id, reason or None))

        question = f"Activate {fallback_id}: the reason (logged as a decision)" if needs else f"Activate {fallback_id}: why? (optional)"
        self.app.push_screen(AskText(question, required=needs), answered)

    def action_stand_down(self) -> None:
        fallback_id = self._selected("#fallbacks")
        if fallback_id is None:
            return

        def answered(answer: str | None) -> None:
            if answer is not None:  # one of the results, or in other words why (then no result is kept)
                result = FallbackResult(answer.strip().lower()) if answer.strip().lower() in words(FallbackResult) else None
                self.warroom.act(commands.DeactivateFallback(self.incident_id, fallback_id, result, None if result else answer or None))

        self.app.push_screen(AskText(f"Stand down {fallback_id}: how did it go? ({', '.join(words(FallbackResult))})"), answered)

    def action_transition(self, to: str) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.warroom.act(commands.Transition(self.incident_id, IncidentStatus(to)))

        self.app.push_screen(Confirm(f"Mark incident #{self.incident_id} {to}?"), confirmed)

    def action_msel(self) -> None:
        from warroom.tui.msel import MselScreen

        self.app.push_screen(MselScreen(self.incident_id, self.clock, self.zone))

    def action_review(self) -> None:
        from warroom.tui.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.incident_id, self.clock, self.zone))

    def action_focus_log(self) -> None:
        # At once, not via Widget.focus() (deferred with call_later): text typed straight after
        # `l` must land in the entry line, never on the single-key actions of the tables
        # ("Fail over" holds an `a`, which would activate a fallback).
        self.set_focus(self.query_one("#text", Input))

    @on(Input.Submitted)
    def submit_log(self, event: Input.Submitted) -> None:
        text_input, rationale_input = self.query_one("#text", Input), self.query_one("#rationale", Input)
        if event.input is rationale_input and not text_input.value.strip():
            text_input.focus()
            return
        text = text_input.value.strip()
        if not text:
            return
        self.warroom.act(commands.LogEntry(self.incident_id, text, LogKind(str(self.query_one("#kind", Select).value)),
                                       rationale_input.value.strip() or None))
        text_input.value = rationale_input.value = ""
