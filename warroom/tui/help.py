"""The help screen: every key of every screen, generated from the screens' own bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def keys_of(screen_class: type[Screen]) -> list[tuple[str, str]]:
    out = []
    for binding in getattr(screen_class, "BINDINGS", []):
        if isinstance(binding, Binding):
            out.append((binding.key, binding.description))
        else:
            out.append((binding[0], binding[2] if len(binding) > 2 else binding[1]))
    return out + list(getattr(screen_class, "HELP_KEYS", []))  # keys of a screen's panels (the room's)


def help_text() -> Content:
    from warroom.tui.board import BoardScreen
    from warroom.tui.library import PlaybooksScreen
    from warroom.tui.room import IncidentScreen

    def section(title: str, keys: list[tuple[str, str]]) -> list[Content]:
        # Assembled from pieces, not formatted into markup: a key or description with a bracket
        # in it must show as it is.
        return [Content.styled(title, "bold"), *(Content.assemble("  ", (f"{key:<8}", "bold"), f" {what}") for key, what in keys), Content("")]

    lines = []
    for title, screen in (("Board", BoardScreen), ("Incident room", IncidentScreen), ("Playbooks", PlaybooksScreen)):
        lines += section(title, keys_of(screen))
    lines += section("Everywhere", [("?", "this help"), ("ctrl+p", "every action by name (command palette)"), ("q", "quit (on the board)")])
    return Content("\n").join([*lines, Content("esc closes this help")])


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 84; height: 90%; border: thick $primary; background: $surface; padding: 1 2; }
    """
    BINDINGS = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text())
