"""The demo board's first-run hint: what to press to see the whole story. Shown in a home with a
simulator until someone hides it; hidden, it stays hidden in that home (`warroom.hints`)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from warroom.tui import literal

# Our markup; the supplier's name (from warroom.toml) is filled in as text.
TEXT = ("[b]Try it:[/b] [b]f[/b] breaks $first; soon a playbook is suggested: [b]D[/b] drills it; in its room "
        "[b]d[/b] marks a step done, [b]l[/b] logs a decision · [b]h[/b] hides this")


def hint_text(first: str) -> Content:
    return literal.template(TEXT, first=first)


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
