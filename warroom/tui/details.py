"""What the room's `enter` shows about one row: a step, an escalation level, a fallback, a log
entry, each with its history and whom to call. Pure functions of the incident's view (no screen),
built from `literal` pieces: people's and suppliers' text is never markup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content

from warroom.clock import parse_iso
from warroom.services import views
from warroom.tui import literal

HISTORY_INDENT = "      "  # a history entry's text, under its time and who


@dataclass(frozen=True)
class About:
    view: views.IncidentView
    zone: ZoneInfo
    width: int = 80  # the page's text width, to wrap long values under their own column

    def _t(self, when: datetime | None, fmt: str = "%H:%M") -> str:
        return when.astimezone(self.zone).strftime(fmt) if when else "—"

    def _when(self, when: datetime | None) -> str:
        return when.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S %Z") if when else "—"

    def _history(self, lines: list[Content], matches) -> None:
        events = [e for e in self.view.events if isinstance(e.data, dict) and matches(e.data)]
        lines.append(Content.styled("\nHistory", "bold"))
        if not events:
            lines.append(Content("  nothing yet"))
        for e in events:
            head = Content.assemble(f"  {self._t(e.at, '%H:%M:%S')}  ", literal.plain(e.actor), "  ")
            lines.append(Content.assemble(head, self._wrapped(e.summary, HISTORY_INDENT, first=head.cell_length)))

    def _contacts(self, lines: list[Content], suppliers: list[views.SupplierContacts]) -> None:
        for s in suppliers:
            lines.append(Content.assemble(Content.styled("\n", ""), literal.plain(f"{s.name} ({s.id})", "bold")))
            for c in s.contacts or ("no contacts in warroom.toml",):
                lines.append(Content.assemble("  ☎ ", literal.plain(c)))

    def _field(self, name: str, value: object) -> Content:
        return Content.assemble((f"{name:<12}", "bold"), self._wrapped(value, " " * 12))

    def _wrapped(self, value: object, indent: str, first: int | None = None) -> Content:
        return literal.hanging(value, indent, self.width, first)

    def step(self, key: str) -> tuple[Content, Content]:
        st = next(s for s in self.view.steps if s.id == key)
        lines = [literal.block(st.title, ""), Content(""),
                 self._field("step", st.id), self._field("state", st.status + (f" by {st.changed_by}, {self._when(st.changed_at)}" if st.changed_by else "")),
                 self._field("owner", st.role or "—"), self._field("due", (self._when(st.due_at) + (" (late)" if st.overdue else "")) if st.due_at else "—"),
                 self._field("from", st.source)]
        if st.note:
            lines.append(self._field("note", st.note))
        if st.details:
            lines += [Content.styled("\nHow", "bold"), literal.block(st.details, "")]
        self._history(lines, lambda d: d.get("step") == key)
        if st.source == "playbook":
            self._contacts(lines, list(self.view.suppliers))
        else:
            fallback = st.source.removeprefix("fallback:")
            supplier = next((f.supplier for f in self.view.fallbacks if f.id == fallback), "")
            self._contacts(lines, [s for s in self.view.suppliers if s.id == supplier])
        return literal.plain(f"Step {st.id}"), Content("\n").join(lines)

    def level(self, key: str) -> tuple[Content, Content]:
        e = next(e for e in self.view.ladder if str(e.level) == key)
        lines = [self._field("level", f"L{e.level}"), self._field("state", e.state), self._field("due", self._when(e.due_at)),
                 self._field("fired", self._when(e.fired_at) + (f" ({int(e.late_seconds)} s late)" if e.late_seconds and e.late_seconds >= 2 else "")),
                 self._field("acknowledged", f"{self._when(e.acked_at)} by {e.acked_by}" if e.acked_at else "—")]
        if e.message:
            lines.append(self._field("message", e.message))
        lines.append(Content.styled("\nNotify", "bold"))
        for c in e.contacts or e.notify:
            lines.append(Content.assemble("  ☎ ", literal.plain(c)))
        if not e.notify:
            lines.append(literal.plain(f"  {e.who}"))
        self._history(lines, lambda d: str(d.get("level")) == key)
        return literal.plain(f"Escalation L{e.level}"), Content("\n").join(lines)

    def decision(self, key: str) -> tuple[Content, Content] | None:
        """An open expected decision (a reporting clock's row has its own command: warroom report)."""
        d = next((d for d in self.view.open_decisions if d.id == key), None)
        if d is None:
            return None
        lines = [literal.block(d.question, ""), Content(""), self._field("decision", d.id),
                 self._field("due", self._when(d.due_at) + (" (overdue)" if d.overdue else "")),
                 Content.styled("\nd answers it: the entry line, tied to it; logging closes it", "dim")]
        return literal.plain(f"Decision {d.id}"), Content("\n").join(lines)

    def fallback(self, key: str) -> tuple[Content, Content]:
        f = next(f for f in self.view.fallbacks if f.id == key)
        lines = [literal.block(f.title, ""), Content(""), self._field("fallback", f.id), self._field("supplier", f.supplier or "—"),
                 self._field("owner", f.owner or "—"), self._field("state", "ACTIVE" if f.active else "available"),
                 self._field("decision", "activation must carry a logged decision" if f.needs_decision else "not needed")]
        lines.append(Content.styled("\nActivation steps", "bold"))
        for n, step in enumerate(f.steps or ("none in the register",), start=1):
            lines.append(Content.assemble(f"  {n}. ", literal.block(step, "     ")))
        if f.activations:
            lines.append(Content.styled("\nIn this incident", "bold"))
        for a in f.activations:
            lines.append(Content.assemble(f"  on {self._when(a.activated_at)} by ", literal.plain(a.by), " — ", literal.block(a.reason or "no reason", "    ")))
            if a.deactivated_at:
                lines.append(Content(f"  off {self._when(a.deactivated_at)}" + (f" — result: {a.result}" if a.result else "")))
        self._contacts(lines, [s for s in self.view.suppliers if s.id == f.supplier])
        return literal.plain(f"Fallback {f.id}"), Content("\n").join(lines)

    def event(self, key: str) -> tuple[Content, Content]:
        e = next(e for e in self.view.events if str(e.seq) == key)
        origin = e.origin if isinstance(e.origin, dict) else {}
        where = ", ".join(f"{k} {v}" for k, v in origin.items() if v) or "—"
        lines = [self._field("time", self._when(e.at)), self._field("who", e.actor), self._field("from", where), self._field("kind", e.kind),
                 self._field("seq", e.seq)]
        data = e.data if isinstance(e.data, dict) else {}
        if data.get("occurred_at"):
            try:
                lines.append(self._field("happened", self._when(parse_iso(data["occurred_at"]))))
            except (TypeError, ValueError):
                lines.append(self._field("happened", data["occurred_at"]))
        if data.get("decision"):
            lines.append(self._field("answers", data["decision"]))
        lines += [Content.styled("\nEntry", "bold"), literal.block(data.get("text") or e.summary, "")]
        if data.get("rationale"):
            lines += [Content.styled("\nRationale", "bold"), literal.block(data["rationale"], "")]
        return literal.plain(f"Log #{e.seq}"), Content("\n").join(lines)
