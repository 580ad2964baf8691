"""The after-action review screen: the measured times against the playbook's targets, the steps,
injects and escalations, and the evaluators' record (observations tied to a target or a step,
corrective actions and their status). Reached from the room of a resolved or closed incident with `v`; every number comes from
`services/review.py`, as `warroom review ID` prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from warroom import durations, text
from warroom import words as vocab
from warroom.clock import Clock
from warroom.errors import BadInput
from warroom.i18n import N_, _, word
from warroom.services import commands
from warroom.tui import literal
from warroom.tui.dialogs import AskText, Choose
from warroom.tui.footer import Footer
from warroom.tui.msel import speed
from warroom.tui.quiet import Rows

if TYPE_CHECKING:
    from warroom.services.review import Review
    from warroom.tui.app import WarroomApp

# The review's own words (services/review.py): the stored values stay English, shown through word().
MEASURE, RESULT, OBSERVATION, ACTION_STATUS = vocab.REVIEW_MEASURE, vocab.REVIEW_RESULT, vocab.OBSERVATION_KIND, vocab.ACTION_STATUS
KIND_TITLES = {"strength": N_("Strength"), "improvement": N_("Improvement")}


def measure_name(name: str) -> str:
    """`acknowledge`, `fallback:dns-backup` as shown: the measure's word translated, a fallback's id as written."""
    kind, colon, which = name.partition(":")
    return word(kind, MEASURE) + colon + which


class ReviewScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Room")),
        Binding("g", "observe('strength')", N_("Strength"), tooltip=N_("Observe a strength, tied to a target or a step")),
        Binding("i", "observe('improvement')", N_("Improvement"), tooltip=N_("Observe an area for improvement, tied to a target or a step")),
        Binding("n", "action", N_("Corrective action"), tooltip=N_("Add a corrective action: what, its owner, its due date")),
        Binding("s", "action_status", N_("Action status"), tooltip=N_("Move a corrective action: open, in progress, done")),
    ]

    def __init__(self, incident_id: int, clock: Clock, zone: ZoneInfo):
        super().__init__()
        self.incident_id, self.clock, self.zone = incident_id, clock, zone
        self.result: Review | None = None
        self.targets: list[str] = []  # what an observation can be tied to: the targets the playbook sets (review.set_targets)
        # Only a running incident's review moves with the clock (pending targets, its duration); an
        # ended one changes when an event arrives, which the app says (refresh_review on IncidentChanged).
        self.ticker: Timer | None = None

    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("Review of #{id} · loading…").format(id=self.incident_id), id="reviewline")
        with Horizontal(id="reviewtop"):
            yield Rows(id="measures", cursor_type="row", columns=((_("measure"), "name"), (_("scenario"), "scenario"), (_("wall"), "wall"),
                                                                   (_("result"), "result", 10), (_("target"), "target")))
            yield Rows(id="rsteps", cursor_type="row", columns=((_("step"), "id"), (_("result"), "result", 9), (_("late"), "late")))
        yield Rows(id="rinjects", cursor_type="row", columns=((_("inject"), "n"), (_("first response"), "first"), (_("expect"), "expect"),
                                                               (_("what"), "what")))
        yield Rows(id="record", cursor_type="row", columns=((_("kind"), "kind"), (_("about"), "about"), (_("what"), "what")))
        yield Footer()

    def on_mount(self) -> None:
        for table_id, title in (("#measures", _("Times against targets")), ("#rsteps", _("Steps")), ("#rinjects", _("Injects")),
                                ("#record", _("Observations and improvement plan"))):
            self.query_one(table_id).border_title = title
        self.refresh_review()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def refresh_review(self) -> None:
        from warroom.errors import WarroomError
        from warroom.services import incidents, review

        app = self.warroom
        if (home := app.loaded_home()) is None:
            return
        config, store = home
        try:
            with store.read() as session:
                result = review.review(session, self.incident_id, config, self.clock.now())
                targets = review.set_targets(incidents.snapshot(incidents.get(session, self.incident_id)))
        except WarroomError as exc:
            self.app.call_from_thread(self.query_one("#reviewline", Static).update, literal.plain(str(exc), "bold"))
            return
        self.app.call_from_thread(self.show, result, targets)

    def on_resize(self) -> None:
        if self.result is not None:  # the measures' cuts follow the panel's width
            self.call_after_refresh(self.show, self.result, self.targets)

    def show(self, r: Review, targets: list[str]) -> None:
        self.result, self.targets = r, targets
        if r.ended_at is None and self.ticker is None:
            self.ticker = self.set_interval(2.0, self.refresh_review)
        elif r.ended_at is not None and self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        faster = " · " + _("{speed}× faster").format(speed=speed(r.speed)) if r.speed != 1 else ""
        self.query_one("#reviewline", Static).update(Content.assemble(
            literal.plain(_("Review of #{id} {mode} · {title}{faster}").format(
                id=r.incident, mode=vocab.shown(r.mode, vocab.MODE).upper(), title=r.title, faster=faster), "bold"),
            literal.plain(" · " + _("wall-clock {wall}, scenario {scenario} · targets met {met}/{total}").format(
                wall=durations.spoken(r.wall_seconds), scenario=durations.spoken(r.scenario_seconds), met=r.targets_met, total=r.targets_total))))
        measures = self.query_one("#measures", Rows)
        rows: list[tuple[str, tuple[str, ...]]] = [(m.name, (measure_name(m.name), durations.spoken(m.scenario_seconds), durations.spoken(m.seconds), word(m.result, RESULT) + (f" {durations.spoken(m.by_seconds)}" if m.by_seconds is not None else ""),
                          durations.spoken(m.target_seconds) if m.target_seconds is not None else "—"))
                for m in r.measures]
        measures.sync_fitted(rows, measures.size.width, [(0, 6), (3, 6), (4, 4), (1, 4), (2, 4)])  # 80 columns cut with `…`
        self.query_one("#rsteps", Rows).sync([(s.id, (s.id, word(s.result, RESULT), durations.scenario(s.late_seconds, r.speed) if s.late_seconds else "")) for s in r.steps])
        self.query_one("#rinjects", Rows).sync([
            (str(i.seq), (str(i.n) if i.n is not None else _("ad hoc"), durations.scenario(i.first_response_seconds, r.speed),
                          f"{i.expect} {durations.scenario(i.expect_seconds, r.speed)}" if i.expect else "—",
                          text.words(" — ".join(x for x in (i.message or "", _("fault {fault}").format(fault=i.fault) if i.fault else "") if x))))
            for i in r.injects])
        record = [(f"o{o.seq}", (word(o.kind, OBSERVATION), _("target {id}").format(id=o.target) if o.target else _("step {id}").format(id=o.step),
                                 text.words(o.text))) for o in r.observations]
        record += [(f"a{a.seq}", (_("action #{seq}").format(seq=a.seq),
                                  _("{owner}, due {due}, {status}").format(owner=a.owner, due=a.due, status=word(a.status, ACTION_STATUS)),
                                  text.words(a.text))) for a in r.actions]
        self.query_one("#record", Rows).sync(record)

    # ── the evaluators' record, through the commands `warroom review ID observe|action|action-status` run ──

    def _about(self) -> list[tuple[str, str]]:
        """What an observation can be tied to: the playbook's targets (those it sets) and its steps;
        the row under the cursor of the focused panel first, so Enter takes it."""
        r = self.result
        if r is None:
            return []
        choices = ([(f"target:{t}", _("target {id}").format(id=t)) for t in self.targets]
                   + [(f"step:{s.id}", _("step {id}: {title}").format(id=s.id, title=s.title)) for s in r.steps])
        focused = self.focused
        here = None
        if isinstance(focused, Rows) and focused.id == "rsteps" and focused.selected_key:
            here = f"step:{focused.selected_key}"
        elif isinstance(focused, Rows) and focused.id == "measures" and focused.selected_key:
            here = next((f"target:{m.target}" for m in r.measures if m.name == focused.selected_key and m.target), None)
        return sorted(choices, key=lambda c: c[0] != here)

    def action_observe(self, kind: str) -> None:
        choices = self._about()
        if not choices:
            return

        def about(picked: str | None) -> None:
            if not picked:
                return
            what, _colon, ref = picked.partition(":")

            def answered(said: str | None) -> None:
                if said:
                    self.warroom.act(commands.Observe(self.incident_id, kind, said, ref if what == "target" else None,
                                                      ref if what == "step" else None))

            question = _("{kind} about target {id}:") if what == "target" else _("{kind} about step {id}:")
            self.app.push_screen(AskText(question.format(kind=title, id=ref), required=True,
                                         refusal=_("Say what was observed: the review records it (esc cancels).")), answered)

        title = _(KIND_TITLES[kind]) if kind in KIND_TITLES else kind.capitalize()
        self.app.push_screen(Choose(_("{kind}: about which target or step?").format(kind=title), choices), about)

    def action_action(self) -> None:
        asked: list[str] = []

        def ask(question: str, then, refusal: str, placeholder: str = "", value: str = "") -> None:
            self.app.push_screen(AskText(question, required=True, refusal=refusal, placeholder=placeholder, value=value), then)

        due_needed = _("A due date is required, as YYYY-MM-DD (esc cancels).")

        def got_due(due: str | None) -> None:
            if not due:
                return
            from warroom.services.review import due_day

            try:  # not a date: asked again with it kept, the text and owner too (the service checks again)
                due_day(due)
            except BadInput as exc:
                literal.notify(self.app, exc, severity="error")
                ask(_("Due date:"), got_due, due_needed, _("YYYY-MM-DD"), due)
                return
            self.warroom.act(commands.AddAction(self.incident_id, asked[0], asked[1], due))

        def got_owner(owner: str | None) -> None:
            if owner:
                asked.append(owner)
                ask(_("Due date:"), got_due, due_needed, _("YYYY-MM-DD"))

        def got_text(said: str | None) -> None:
            if not said:
                return
            asked.append(said)
            people = self.warroom.home_config.people if self.warroom.home_config is not None else {}
            if people:  # an owner is one of [people]: picked, not typed
                self.app.push_screen(Choose(_("Who owns it?"), [(user, f"{user}: {p.name} ({p.role})") for user, p in sorted(people.items())]),
                                     got_owner)
            else:
                ask(_("Who owns it?"), got_owner, _("Name who owns it (esc cancels)."))

        ask(_("Corrective action:"), got_text, _("Say what is to be done (esc cancels)."))

    def action_action_status(self) -> None:
        from warroom.vocabulary import ActionStatus, words

        actions = {f"a{a.seq}": a for a in self.result.actions} if self.result else {}
        if not actions:
            self.notify(_("no corrective action yet (n adds one)"), severity="warning")
            return

        def move(key: str | None) -> None:
            if key is None:
                return
            action = actions[key]

            def picked(status: str | None) -> None:
                if status:
                    self.warroom.act(commands.SetActionStatus(self.incident_id, action.seq, status))

            self.app.push_screen(Choose(_("Corrective action #{seq} is {status}; now:").format(seq=action.seq, status=word(action.status, ACTION_STATUS)),
                                        [(s, word(s, ACTION_STATUS)) for s in words(ActionStatus)]), picked)  # the current one is refused by the service, as from the CLI

        selected = self.query_one("#record", Rows).selected_key
        if selected in actions and self.focused is self.query_one("#record", Rows):
            move(selected)
        else:
            self.app.push_screen(Choose(_("Which corrective action?"), [(k, f"#{a.seq} {word(a.status, ACTION_STATUS)}: {text.words(a.text)}")
                                                                         for k, a in actions.items()]),
                                 move)
