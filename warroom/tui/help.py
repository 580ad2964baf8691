"""The help screen: every key of every screen, generated from the screens' own bindings (a key
added to a screen is in the help with it; nothing here lists a key by hand but Textual's own).

It fits any width from 80 columns: a line too long for it wraps, never cut; the sections stand
side by side where the terminal is wide, one under the other where it is not, and the help
scrolls (↑↓ pgup pgdn) when taller than the terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from warroom.i18n import N_, _

KEY_WIDTH = 10
SHOWN = {"question_mark": "?", "escape": "esc", "enter": "enter", "tab": "tab", "shift+tab": "shift+tab", "space": "space",
         "pageup": "pgup", "pagedown": "pgdn", "slash": "/", "up": "↑", "down": "↓", "left": "←", "right": "→"}


def key_name(key: str) -> str:
    """A key as a person types it: `?` for question_mark, `esc`, `ctrl+p`."""
    return SHOWN.get(key, key)


def keys_of(screen_class: type[Screen] | type) -> list[tuple[str, str]]:
    """(keys, description) for each action a class binds, in its order, then the keys its panels
    bind themselves (HELP_KEYS: the room's panels own their keys, grouped there), each said once."""
    return once(keys_in(getattr(screen_class, "BINDINGS", [])) + [(keys, _(what)) for keys, what in getattr(screen_class, "HELP_KEYS", [])])


def once(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each line said once: a screen's keys may list a panel's key its bindings list too."""
    return list(dict.fromkeys(keys))


def overridden(app_keys: list[tuple[str, str]], screens: list[tuple[str, type]]) -> list[tuple[str, str]]:
    """An app key a screen binds to something else says so (`q Quit` while q in a room goes back)."""
    out = []
    for key, what in app_keys:
        other = [f"{title.split(' (')[0]}: {_(b.description)}" for title, cls in screens for b in Binding.make_bindings(getattr(cls, "BINDINGS", []))
                 if key in (b.key, key_name(b.key)) and b.description and _(b.description) != what]
        out.append((key, _("{what} (in {where})").format(what=what, where="; ".join(dict.fromkeys(other))) if other else what))
    return out


def keys_in(bindings: list[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for each described action; one action bound to several keys is one
    line (`j/↓`). Descriptions are marked where they are bound (`N_`) and said here in the language spoken."""
    actions: dict[tuple[str, str], list[str]] = {}
    for binding in Binding.make_bindings(bindings):
        if not binding.description or binding.system:
            continue
        shown = binding.key_display or key_name(binding.key)
        keys = actions.setdefault((binding.action, _(binding.tooltip or binding.description)), [])  # a tooltip says more
        if shown not in keys:
            keys.append(shown)
    return [("/".join(keys), description) for (_action, description), keys in actions.items()]


def sections() -> list[tuple[str, list[tuple[str, str]]]]:
    from warroom.tui.app import WarroomApp
    from warroom.tui.board import BoardScreen
    from warroom.tui.library import PlaybooksScreen
    from warroom.tui.msel import MselScreen
    from warroom.tui.review import ReviewScreen
    from warroom.tui.room import IncidentScreen
    from warroom.tui.wall import WallScreen
    from warroom.tui.watch import RisksScreen, SupplierScreen

    screens: list[tuple[str, type]] = [
        (_("Board"), BoardScreen), (_("Incident room"), IncidentScreen), (_("Playbooks"), PlaybooksScreen),
        (_("Supplier (i on the board)"), SupplierScreen), (_("Risks (R on the board)"), RisksScreen),
        (_("MSEL (m in a drill's room)"), MselScreen), (_("After-action review (v in a room)"), ReviewScreen),
    ]
    everywhere = [
        *overridden(keys_of(WarroomApp), screens),
        (key_name(WarroomApp.COMMAND_PALETTE_BINDING), _("Find incidents, suppliers, playbooks, actions")),
        ("tab", _("Next panel (shift+tab: the one before)")),
        ("↑ ↓", _("Move in a list; scroll a panel")),
        ("pgup pgdn", _("A page up or down")),
    ]
    from warroom.tui.quiet import Rows

    lists = list(Rows.__dict__.get("BINDINGS", []))  # keys a list of ours adds to a table's own (j/k, say)
    return [
        *([(_("Lists (every screen)"), keys_in(lists))] if lists else []),
        *((title, keys_of(cls)) for title, cls in screens),
        (_("Everywhere"), everywhere),
        (_("Wall view (--wall)"), keys_of(WallScreen)),
        (_("This help"), keys_of(HelpScreen)),
    ]


def section_text(title: str, keys: list[tuple[str, str]]) -> Content:
    # Assembled from pieces, not formatted into markup: a key or description with a bracket in
    # it must show as it is.
    return Content("\n").join([Content.styled(title, "bold underline"),
                               *(Content.assemble((f"{key:<{KEY_WIDTH}}", "bold"), " ", what) for key, what in keys)])


def help_text() -> Content:
    """Every section, one under the other (what the help shows on a narrow terminal)."""
    return Content("\n\n").join(section_text(title, keys) for title, keys in sections())


class HelpSection(Static):
    """One screen's keys."""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100%; max-width: 132; height: auto; max-height: 100%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    HelpScreen > VerticalScroll:focus { border: round $accent; }
    HelpScreen Grid { grid-size: 1; grid-rows: auto; grid-gutter: 1 2; height: auto; }
    HelpScreen.wide Grid { grid-size: 2; }
    HelpScreen HelpSection { height: auto; }
    """
    BINDINGS = [("escape", "dismiss", N_("Close")), ("question_mark", "dismiss", N_("Close"))]
    WIDE = 110  # from this width the sections stand in two columns

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = _("Keys · esc closes · ↑↓ pgup pgdn scroll")
            with Grid():
                for title, keys in sections():
                    yield HelpSection(section_text(title, keys))

    def on_screen_resume(self) -> None:
        # Each time it is shown (it is kept between showings): laid out for the terminal as it is
        # now, from the top, as if new.
        self.set_class(self.app.size.width >= self.WIDE, "wide")
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_home(animate=False)
        scroll.focus()

    def on_resize(self, event) -> None:
        self.set_class(event.size.width >= self.WIDE, "wide")
