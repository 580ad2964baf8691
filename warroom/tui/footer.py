"""The footer of every screen: Textual's, made again only when the keys it shows changed.

Textual's footer rebuilds itself at every refresh of a screen's bindings: a dozen key widgets
made, mounted and styled twice each (a key is born compact and is then told it is not). The
board refreshes its bindings at every cursor move, because what `enter` opens changed, so each
`j` rebuilt the footer though it showed the same keys (profiled: most of a cursor key's time
at 1,000 suppliers, and a room's opening rebuilt it four times, the board's among them beneath
the room). Now it is rebuilt when the keys it shows changed, once for changes that come before
it is, and not while its screen is covered."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


def shown_keys(screen: Screen) -> tuple[Any, ...]:
    """Everything the footer's compose reads from the screen's bindings: the keys it would show,
    each as it would show it (key, label, action, group, whether it can be pressed, tooltip), and
    the command palette's key."""
    bindings = screen.active_bindings
    keys = tuple((b.key, b.key_display, b.description, b.action, b.group, enabled, tooltip, b.tooltip)
                 for _node, b, enabled, tooltip in bindings.values() if b.show)
    palette = bindings.get(screen.app.COMMAND_PALETTE_BINDING)
    return keys, palette[1:] if palette is not None else None


class Footer(TextualFooter):
    _shown: tuple[Any, ...] | None = None  # the keys as last composed
    _due = False  # a rebuild is asked for and not yet made: it will read the keys as they are then

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown, self._due = shown_keys(self.screen), False
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.screen_stack[-1:] != [screen]:
            # Covered, even by a dialog whose keys are the ones that work: its screen's bindings are
            # refreshed again as it comes back on top (Textual's stack_updates watcher).
            return
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # no rebuild now: the next change compares with what is shown
            return
        if self._due or shown_keys(screen) == self._shown:
            self._bindings_ready = True
            return
        self._due = True
        super().bindings_changed(screen)
