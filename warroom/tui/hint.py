"""The demo board's first-run hint: what to press to see the whole story. Shown in a home with a
simulator until someone hides it; hidden, it stays hidden in that home (`warroom.hints`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from warroom import hints
from warroom.i18n import N_, _
from warroom.tui import literal

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.tui.app import WarroomApp

# Our markup; the supplier's name (from warroom.toml) is filled in as text.
# TRANSLATORS: our markup; $first is a supplier's name, filled in as text. f, D, d, l and h are keys: keep them.
TEXT = N_("[b]Try it:[/b] [b]f[/b] breaks $first; soon a playbook is suggested: [b]D[/b] drills it; in its room "
        "[b]d[/b] marks a step done, [b]l[/b] logs a decision · [b]h[/b] hides this")


def hint_text(first: str) -> Content:
    return literal.template(_(TEXT), first=first)


class FirstRunHint(Static):
    DEFAULT_CSS = """
    FirstRunHint { display: none; height: auto; padding: 0 1; background: $boost; border-top: tall $accent; }
    FirstRunHint.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="first-run-hint")

    @property
    def shown(self) -> bool:
        return self.has_class("shown")

    def show(self, first: str) -> None:
        """Show the hint, naming the supplier the board's cursor starts on."""
        self.update(hint_text(first))
        self.set_class(True, "shown")

    def hide(self) -> None:
        self.set_class(False, "shown")


def shown_on(screen: Screen) -> bool:
    return any(hint.shown for hint in screen.query(FirstRunHint))


def offer(app: WarroomApp, config: Config) -> None:
    """Show the hint on the board of a home with a simulator (the demo) whose hint nobody hid."""
    if not config.settings.simulator or not config.suppliers or hints.FIRST_RUN in hints.dismissed(app.home):
        return
    for screen in app.screen_stack:
        for hint in screen.query(FirstRunHint):
            hint.show(config.suppliers[0].name)
    app.refresh_bindings()


def dismiss(app: WarroomApp) -> None:
    """Hide the hint, and remember that in the home (if the file cannot be written, the hint
    stays hidden until the app ends)."""
    for hint in app.screen.query(FirstRunHint):
        hint.hide()
    hints.dismiss(app.home, hints.FIRST_RUN)
    app.refresh_bindings()
