"""The board (home screen): suppliers, the crucial services they hit, open incidents, the fallback
register. Every state is a symbol and a word, never colour alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from warroom.clock import Clock, parse_iso

SYMBOL = {"up": "▲", "degraded": "◆", "down": "▼", "maintenance": "◌", "unknown": "?"}
SERVICE_MARK = {"down": "✖", "degraded": "◆", "maintenance": "◌", "unknown": "?", "up": "✔"}
SECTORS = ("income", "care", "safety", "justice", "other")
NARROW = 100  # below this width the services panel folds away (DESIGN: 80×24 must still work)
NAME_WIDTH = 22  # long supplier names are cut so the notes (active fallback, stale) stay in view


def supplier_row(s: dict[str, Any], zone: ZoneInfo) -> tuple[str, ...]:
    state = f"↳ down via {s['via']}" if s["via"] else f"{SYMBOL[s['state']]} {s['state']}"
    latency = f"{s['latency_ms']:,.0f} ms" if s["latency_ms"] is not None else "—"
    since = parse_iso(s["since"]).astimezone(zone).strftime("%H:%M") if s["since"] else "—"
    notes = []
    if s["fallback"]:
        notes.append(f"fallback {s['fallback']['id']}")
    if s["disagreement"]:
        notes.append("status page disagrees")
    if s["stale"] and s["state"] != "unknown":
        notes.append("stale")
    name = s["name"] if len(s["name"]) <= NAME_WIDTH else s["name"][: NAME_WIDTH - 1] + "…"
    return (state, name, latency, since, "; ".join(notes) or s["detail"])


def services_text(services: list[dict[str, Any]]) -> str:
    lines = []
    for sector in SECTORS:
        mine = [v for v in services if v["sector"] == sector]
        if not mine:
            continue
        lines.append(f"[b]{sector.upper()}[/b]")
        hit = [v for v in mine if v["state"] != "up"]
        if not hit:
            lines.append("  all services up")
        for v in hit:
            through = ", ".join(t["supplier"] + (f" (via {t['via']})" if t["via"] else "") for t in v["through"]) or "not checked yet"
            lines.append(f"  {SERVICE_MARK[v['state']]} {v['name']}  [dim]{through}[/dim]")
    return "\n".join(lines)


def countdown(due: str | None, now: datetime) -> str:
    if not due:
        return "no escalation pending"
    seconds = int((parse_iso(due) - now).total_seconds())
    if seconds < 0:
        return f"due {-seconds // 60:d}:{-seconds % 60:02d} ago"
    return f"in {seconds // 60:d}:{seconds % 60:02d}"


def elapsed(opened: str, now: datetime) -> str:
    minutes = int((now - parse_iso(opened)).total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def register_text(rows: list[dict[str, Any]]) -> str:
    parts = []
    for r in rows:
        last = r["last_exercised"]
        if r["active"]:
            parts.append(f"[b]{r['id']}[/b] ({r['supplier']}) ACTIVE")
        elif last is None:
            parts.append(f"{r['id']} ({r['supplier']}) [b]NEVER EXERCISED ⚠[/b]")
        else:
            flag = " ⚠ overdue" if r["overdue"] else ""
            parts.append(f"{r['id']} ({r['supplier']}) last exercised {last['at'][:10]} {last['result'] or last['mode']}{flag}")
    return " · ".join(parts)


class BoardScreen(Screen):
    BINDINGS = [
        Binding("enter", "open_incident", "Open incident"),
        Binding("p", "playbooks", "Playbooks"),
        Binding("s", "accept('live')", "Start suggested"),
        Binding("D", "accept('drill')", "…as drill"),
        Binding("x", "dismiss_suggestion", "Dismiss"),
        Binding("f", "fault", "Break/heal (simulator)"),
    ]

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.zone = ZoneInfo("UTC")
        self.title_text, self.who = "warroom", ""
        self.data: dict[str, Any] | None = None
        self._shown_rows: dict[str, tuple[str, ...]] = {}
        self._tables_ready = False

    def compose(self) -> ComposeResult:
        yield Static("warroom · loading…", id="topline")
        yield Static("", id="problem")
        with Horizontal(id="main"):
            yield DataTable(id="suppliers", cursor_type="row", zebra_stripes=False)
            yield Static("", id="services")
        yield DataTable(id="incidents", cursor_type="row")
        yield Static("", id="register")
        yield Static("", id="suggestion")
        yield Footer()

    def on_mount(self) -> None:
        suppliers = self.query_one("#suppliers", DataTable)
        suppliers.border_title = "Suppliers"
        for label, key in (("state", "state"), ("supplier", "name"), ("latency", "latency"), ("since", "since"), ("", "note")):
            suppliers.add_column(label, key=key)
        incidents = self.query_one("#incidents", DataTable)
        incidents.border_title = "Incidents"
        for label, key in (("#", "id"), ("mode", "mode"), ("incident", "title"), ("status", "status"), ("open", "open"), ("next escalation", "next")):
            incidents.add_column(label, key=key)
        self.query_one("#services", Static).border_title = "Crucial services hit"
        self.query_one("#register", Static).border_title = "Fallback register"
        self.set_interval(1.0, self._tick)
        self._fit(self.size.width)
        self._tables_ready = True
        if self.data is not None:  # the first read came before the tables had their columns
            early, self.data = self.data, None
            self.show(early)

    def on_screen_resume(self) -> None:
        self.app.open_incident = None  # back on the board: stop reading a room nobody looks at

    def action_open_incident(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if table.row_count:
            self.app.open_room(int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @on(DataTable.RowSelected, "#incidents")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_room(int(event.row_key.value))

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def set_identity(self, title: str, who: str, zone: str) -> None:
        self.title_text, self.who, self.zone = title, who, ZoneInfo(zone)
        self._tick()

    def set_problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(text)
        problem.add_class("shown")

    def _tick(self) -> None:
        """Once a second: the clock and the countdowns, touching only what changed."""
        now = self.clock.now()
        self.query_one("#topline", Static).update(
            f"[b]{self.title_text}[/b]   {self.who}   {now.astimezone(self.zone):%a %d %b %H:%M:%S %Z}", layout=False)
        if self.data:
            table = self.query_one("#incidents", DataTable)
            for i in self.data["incidents"]:
                key = str(i["id"])
                nxt = i["next_escalation"]
                table.update_cell(key, "open", elapsed(i["opened_at"], now))
                table.update_cell(key, "next", f"L{nxt['level']} {countdown(nxt['due_at'], now)}" if nxt else "—")

    def _announce_changes(self, before: dict[str, Any] | None, data: dict[str, Any]) -> None:
        """A notification for each supplier that changed state, except those down via a parent."""
        if before is None:
            return
        old = {s["id"]: (s["state"], s["via"]) for s in before["suppliers"]}
        for s in data["suppliers"]:
            if s["id"] in old and old[s["id"]] != (s["state"], s["via"]) and not s["via"]:
                severity = "error" if s["state"] == "down" else "warning" if s["state"] == "degraded" else "information"
                self.app.notify(f"{SYMBOL[s['state']]} {s['name']} {s['state']} ({s['detail']})", severity=severity, timeout=8)

    def _show_suggestion(self, data: dict[str, Any]) -> None:
        bar = self.query_one("#suggestion", Static)
        waiting = data.get("suggestions") or []
        if waiting:
            newest = waiting[0]
            at = parse_iso(newest["at"]).astimezone(self.zone).strftime("%H:%M")
            bar.update(f"⚠ {at}  {newest['summary']}   [b]s[/b] start it live   [b]D[/b] as a drill   [b]x[/b] dismiss")
        bar.set_class(bool(waiting), "shown")

    def action_fault(self) -> None:
        table = self.query_one("#suppliers", DataTable)
        if table.row_count:
            self.app.toggle_fault(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_playbooks(self) -> None:
        from warroom.tui.library import PlaybooksScreen

        self.app.push_screen(PlaybooksScreen())

    def action_accept(self, mode: str) -> None:
        waiting = (self.data or {}).get("suggestions") or []
        if waiting:
            self.app.act("start", playbook_id=waiting[0]["playbook"], mode=mode)

    def action_dismiss_suggestion(self) -> None:
        waiting = (self.data or {}).get("suggestions") or []
        if waiting:
            self.app.act("dismiss", suggestion=waiting[0]["seq"])

    def show(self, data: dict[str, Any]) -> None:
        if not self._tables_ready:
            self.data = data  # on_mount shows it
            return
        self._announce_changes(self.data, data)
        self._show_suggestion(data)
        self.data = data
        suppliers = self.query_one("#suppliers", DataTable)
        seen = set()
        for s in data["suppliers"]:
            row = supplier_row(s, self.zone)
            seen.add(s["id"])
            before = self._shown_rows.get(s["id"])
            if before is None:
                suppliers.add_row(*row, key=s["id"])
            elif before != row:
                for column, old, new in zip(("state", "name", "latency", "since", "note"), before, row):
                    if old != new:  # widen the column if the new text needs it ("down via nlcloud")
                        suppliers.update_cell(s["id"], column, new, update_width=True)
            self._shown_rows[s["id"]] = row
        for gone in set(self._shown_rows) - seen:
            suppliers.remove_row(gone)
            del self._shown_rows[gone]
        hit = [v for v in data["services"] if v["state"] != "up"]
        self.query_one("#services", Static).update(services_text(data["services"]))
        self.query_one("#services", Static).border_title = f"Crucial services hit ({len(hit)})"
        incidents = self.query_one("#incidents", DataTable)
        incidents.clear()
        now = self.clock.now()
        for i in data["incidents"]:
            nxt = i["next_escalation"]
            incidents.add_row(f"#{i['id']}", "DRILL" if i["mode"] == "drill" else "LIVE", i["title"], i["status"], elapsed(i["opened_at"], now),
                              f"L{nxt['level']} {countdown(nxt['due_at'], now)}" if nxt else "—", key=str(i["id"]))
        incidents.border_title = f"Incidents ({len(data['incidents'])})"
        self.query_one("#register", Static).update(register_text(data["fallbacks"]))
