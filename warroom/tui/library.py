"""The playbook library: every playbook of the home with its validation problems shown inline, a
readable preview (steps, ladder, fallbacks, targets), and starting one live or as a drill. All of
it is the playbook authors' text, file names included: shown as written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from warroom import text
from warroom import words as vocab
from warroom.i18n import N_, _, word
from warroom.services import commands
from warroom.tui import literal
from warroom.tui.dialogs import Confirm
from warroom.tui.footer import Footer
from warroom.tui.quiet import Rows
from warroom.vocabulary import Mode

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


def preview(description: str) -> Content:
    """The preview's lines as written, each control character in them a visible symbol. The line
    breaks are kept: `describe` lays the preview out in lines (a summary may have several)."""
    return Content("\n").join(Content(text.line(row)) for row in description.split("\n"))


# A playbook's severity as shown (the stored value stays English).
SEVERITY = vocab.SEVERITY
NARROW = 100  # below this width the preview goes under the list, at the full width


class Preview(VerticalScroll):
    """The preview's panel: focusable (tab), it scrolls by up/down, pgup/pgdn, home/end."""


class PlaybooksScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Board")),
        Binding("L", "start('live')", N_("Start LIVE")),
        Binding("D", "start('drill')", N_("Start drill")),
        Binding("tab", "app.focus_next", N_("Preview ↔ list (↑↓ pgup pgdn scroll it)"), show=False),  # the line above says it
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.entries: list[dict[str, Any]] = []
        self.select = select  # the playbook to show first (the command palette found it)

    @property
    def warroom(self) -> WarroomApp:
        """The app as what it is, so a type checker sees what this screen asks of it."""
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(_("Playbooks · L start live · D drill · tab preview (↑↓ pgup pgdn) · esc back"), id="libline", markup=False)
        with Horizontal(id="library"):
            yield Rows(id="playbooks", cursor_type="row", columns=((_("playbook"), "id"), (_("severity"), "severity"), (_("checks"), "checks")))
            with Preview(id="preview"):
                yield Static("", id="preview-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#playbooks").border_title = _("Library")
        self.query_one("#preview", Preview).border_title = _("Preview")
        self.set_class(self.size.width < NARROW, "narrow")
        self.load()

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < NARROW, "narrow")

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def load(self) -> None:
        from warroom.services import actors, library

        config = library.config(self.warroom.home)
        actor = actors.current(config)  # a player's preview counts the drill's injects, never shows them
        entries = []
        for entry in library.library(self.warroom.home, config):
            playbook = entry.playbook if not entry.problems else None
            entries.append({
                "key": entry.playbook.id if entry.playbook else entry.shown,
                "id": entry.playbook.id if entry.playbook else entry.shown,
                "severity": word(entry.playbook.severity, SEVERITY) if entry.playbook else "—",
                "ok": playbook is not None,
                "preview": preview(library.describe(playbook, config, actor) if playbook else _("Not valid, so it cannot be started:") + "\n\n" + "\n".join(entry.problems)),
            })
        self.app.call_from_thread(self._show, entries)

    def _show(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        table = self.query_one("#playbooks", Rows)
        table.sync([(e["key"], (e["id"], e["severity"], _("ok") if e["ok"] else _("✖ problems"))) for e in entries])
        table.focus()
        chosen = next((n for n, e in enumerate(entries) if e["key"] == self.select), None)
        if chosen is not None:
            table.move_cursor(row=chosen)
        self._preview()

    def _current(self) -> dict[str, Any] | None:
        key = self.query_one("#playbooks", Rows).selected_key
        return next((e for e in self.entries if e["key"] == key), None)

    @on(DataTable.RowHighlighted, "#playbooks")
    def _preview(self, event: DataTable.RowHighlighted | None = None) -> None:
        entry = self._current()
        if entry:
            self.query_one("#preview-text", Static).update(entry["preview"])
            self.query_one("#preview", Preview).scroll_home(animate=False)

    def action_start(self, mode: str) -> None:
        entry = self._current()
        if entry is None:
            return
        if not entry["ok"]:
            literal.notify(self.app, _("{playbook} has problems; fix them first (warroom playbook validate)").format(playbook=entry["id"]),
                           severity="error")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.warroom.start(commands.StartIncident(entry["id"], Mode(mode)))
                self.app.pop_screen()

        question = _("Start a LIVE incident from {playbook}?") if mode == "live" else _("Start a DRILL from {playbook}?")
        self.app.push_screen(Confirm(question.format(playbook=entry["id"])), confirmed)
