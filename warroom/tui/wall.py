"""The wall view (`warroom --wall`): a read-only board for a projector. Large state words for the
suppliers that are not up, the services hit, each open incident with its mode and its next
deadline counting down. Nothing to type; q quits."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from warroom.clock import Clock
from warroom.symbols import SERVICE, SUPPLIER
from warroom.tui.board import countdown
from warroom.tui.quiet import QuietTexts

HIGH_CONTRAST = Theme(
    name="warroom-high-contrast", primary="#ffff00", secondary="#00ffff", warning="#ffff00", error="#ff3030",
    success="#00ff00", accent="#ffffff", foreground="#ffffff", background="#000000", surface="#000000", panel="#000000", dark=True,
)


def tiles(suppliers: list[dict[str, Any]]) -> str:
    failing = [s for s in suppliers if s["state"] != "up"]
    if not failing:
        return "[b]▲ ALL SUPPLIERS UP[/b]"
    lines = []
    for s in failing:
        word = f"DOWN VIA {s['via'].upper()}" if s["via"] else s["state"].upper()
        lines.append(f"[reverse b] {SUPPLIER[s['state']]} {word} [/reverse b]  [b]{s['name']}[/b]  {s['detail']}")
    return "\n\n".join(lines)


def services(rows: list[dict[str, Any]]) -> str:
    hit = [v for v in rows if v["state"] not in ("up",)]
    if not hit:
        return "[b]✔ ALL CRUCIAL SERVICES UP[/b]"
    return "\n".join(f"[b]{SERVICE[v['state']]} {v['sector'].upper()}[/b]  {v['name']}" for v in hit)


def incident_lines(incidents: list[dict[str, Any]], now) -> str:
    if not incidents:
        return "no open incidents"
    out = []
    for i in incidents:
        mode = "[reverse] DRILL [/reverse]" if i["mode"] == "drill" else "[reverse b] LIVE [/reverse b]"
        nxt = i["next_escalation"]
        # Seconds all the way: the projector is in the room, not at the end of a phone hotspot.
        deadline = f"L{nxt['level']} {countdown(nxt['due_at'], now, seconds_within=24 * 3600)}" if nxt else "no escalation pending"
        out.append(f"{mode} [b]#{i['id']} {i['title']}[/b]  {i['status'].upper()}  ·  next: [b]{deadline}[/b]")
    return "\n".join(out)


class WallScreen(QuietTexts, Screen):
    DEFAULT_CSS = """
    WallScreen { layout: vertical; }
    WallScreen #walltitle { height: 1; text-style: bold; padding: 0 1; }
    WallScreen .wallpanel { border: heavy $primary; padding: 1 2; height: auto; }
    WallScreen #walltiles { height: 1fr; }
    WallScreen #wallhint { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [("q", "app.quit", "Quit")]

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static("warroom · wall", id="walltitle")
        with Vertical():
            yield Static("loading…", id="walltiles", classes="wallpanel")
            yield Static("", id="wallservices", classes="wallpanel")
            yield Static("", id="wallincidents", classes="wallpanel")
        yield Static("read-only wall view · q quit", id="wallhint")

    def on_mount(self) -> None:
        self.query_one("#walltiles").border_title = "SUPPLIERS NOT UP"
        self.query_one("#wallservices").border_title = "CRUCIAL SERVICES HIT"
        self.query_one("#wallincidents").border_title = "OPEN INCIDENTS"
        self.set_interval(1.0, self._tick)
        if self.data is not None:  # the first read came before the screen was mounted
            self.show(self.data)

    def set_title(self, title: str) -> None:
        self.query_one("#walltitle", Static).update(f"{title} · wall")

    def _tick(self, layout: bool = False) -> None:
        """Once a second the countdowns; the lines stay as many, so no layout pass, unless a new
        read changed which incidents are open."""
        if self.data:
            self._put("#wallincidents", incident_lines(self.data["incidents"], self.clock.now()), layout=layout)

    def show(self, data: dict[str, Any]) -> None:
        self.data = data
        if not self.is_mounted:
            return
        self._put("#walltiles", tiles(data["suppliers"]))
        self._put("#wallservices", services(data["services"]))
        self._tick(layout=True)
