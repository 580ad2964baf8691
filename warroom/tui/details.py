"""What the room's `enter` shows about one row: a step, an escalation level, a fallback, a log
entry, each with its history and whom to call. Pure functions of the incident's view (no screen),
built from `literal` pieces: people's and suppliers' text is never markup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content

from warroom import i18n
from warroom import words as vocab
from warroom.clock import parse_iso
from warroom.i18n import _
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
        return i18n.date_time(when.astimezone(self.zone), seconds=True, zone_name=True) if when else "—"

    def _history(self, lines: list[Content], matches) -> None:
        events = [e for e in self.view.events if isinstance(e.data, dict) and matches(e.data)]
        lines.append(Content.styled("\n" + _("History"), "bold"))
        if not events:
            lines.append(Content("  " + _("nothing yet")))
        for e in events:
            head = Content.assemble(f"  {self._t(e.at, '%H:%M:%S')}  ", literal.plain(e.actor), "  ")
            lines.append(Content.assemble(head, self._wrapped(e.said(self.view.incident.id), HISTORY_INDENT, first=head.cell_length)))

    def _contacts(self, lines: list[Content], suppliers: list[views.SupplierContacts]) -> None:
        for s in suppliers:
            lines.append(Content.assemble(Content.styled("\n", ""), literal.plain(f"{s.name} ({s.id})", "bold")))
            for c in s.contacts or (_("no contacts in warroom.toml"),):
                lines.append(Content.assemble("  ☎ ", literal.plain(c)))

    def _field(self, name: str, value: object) -> Content:
        width = 12 if len(name) <= 12 else len(name) + 1  # a longer (translated) name keeps a space before its value
        return Content.assemble((f"{name:<{width}}", "bold"), self._wrapped(value, " " * width))

    def _wrapped(self, value: object, indent: str, first: int | None = None) -> Content:
        return literal.hanging(value, indent, self.width, first)

    def step(self, key: str) -> tuple[Content, Content]:
        st = next(s for s in self.view.steps if s.id == key)
        state = vocab.shown(st.status, vocab.STEP_STATUS)
        lines = [literal.block(st.title, ""), Content(""),
                 self._field(_("step"), st.id),
                 self._field(_("state"), _("{state} by {who}, {when}").format(state=state, who=st.changed_by, when=self._when(st.changed_at))
                             if st.changed_by else state),
                 self._field(_("owner"), st.role or "—"),
                 self._field(_("due"), (_("{time} (late)").format(time=self._when(st.due_at)) if st.overdue else self._when(st.due_at)) if st.due_at else "—"),
                 self._field(_("from"), st.source)]
        if st.note:
            lines.append(self._field(_("note"), st.note))
        if st.details:
            lines += [Content.styled("\n" + _("How"), "bold"), literal.block(st.details, "")]
        self._history(lines, lambda d: d.get("step") == key)
        if st.source == "playbook":
            self._contacts(lines, list(self.view.suppliers))
        else:
            fallback = st.source.removeprefix("fallback:")
            supplier = next((f.supplier for f in self.view.fallbacks if f.id == fallback), "")
            self._contacts(lines, [s for s in self.view.suppliers if s.id == supplier])
        return literal.plain(_("Step {step}").format(step=st.id)), Content("\n").join(lines)

    def level(self, key: str) -> tuple[Content, Content]:
        e = next(e for e in self.view.ladder if str(e.level) == key)
        fired = self._when(e.fired_at)
        if e.late_seconds and e.late_seconds >= 2:
            fired = _("{time} ({seconds} s late)").format(time=fired, seconds=int(e.late_seconds))
        lines = [self._field(_("level"), f"L{e.level}"), self._field(_("state"), vocab.shown(e.state, vocab.LEVEL_STATE)),
                 self._field(_("due"), self._when(e.due_at)), self._field(_("fired"), fired),
                 self._field(_("acknowledged"), _("{when} by {who}").format(when=self._when(e.acked_at), who=e.acked_by) if e.acked_at else "—")]
        if e.message:
            lines.append(self._field(_("message"), e.message))
        lines.append(Content.styled("\n" + _("Notify"), "bold"))
        for c in e.contacts or e.notify:
            lines.append(Content.assemble("  ☎ ", literal.plain(c)))
        if not e.notify:
            lines.append(literal.plain(f"  {e.who}"))
        self._history(lines, lambda d: str(d.get("level")) == key)
        return literal.plain(_("Escalation L{level}").format(level=e.level)), Content("\n").join(lines)

    def decision(self, key: str) -> tuple[Content, Content] | None:
        """An open expected decision (a reporting clock's row has its own command: warroom report)."""
        d = next((d for d in self.view.open_decisions if d.id == key), None)
        if d is None:
            return None
        lines = [literal.block(d.question, ""), Content(""), self._field(_("decision"), d.id),
                 self._field(_("due"), _("{time} (overdue)").format(time=self._when(d.due_at)) if d.overdue else self._when(d.due_at)),
                 Content.styled("\n" + _("d answers it: the entry line, tied to it; logging closes it"), "dim")]
        return literal.plain(_("Decision {decision}").format(decision=d.id)), Content("\n").join(lines)

    def fallback(self, key: str) -> tuple[Content, Content]:
        f = next(f for f in self.view.fallbacks if f.id == key)
        lines = [literal.block(f.title, ""), Content(""), self._field(_("fallback"), f.id), self._field(_("supplier"), f.supplier or "—"),
                 self._field(_("owner"), f.owner or "—"), self._field(_("state"), _("ACTIVE") if f.active else _("available")),
                 self._field(_("decision"), _("activation must carry a logged decision") if f.needs_decision else _("not needed"))]
        lines.append(Content.styled("\n" + _("Activation steps"), "bold"))
        for n, step in enumerate(f.steps or (_("none in the register"),), start=1):
            lines.append(Content.assemble(f"  {n}. ", literal.block(step, "     ")))
        if f.activations:
            lines.append(Content.styled("\n" + _("In this incident"), "bold"))
        for a in f.activations:
            # TRANSLATORS: "on <time> by <who> — <reason>": a fallback was activated; who and the reason follow
            lines.append(Content.assemble("  " + _("on {time} by ").format(time=self._when(a.activated_at)), literal.plain(a.by), " — ",
                                          literal.block(a.reason or _("no reason"), "    ")))
            if a.deactivated_at:
                off = self._when(a.deactivated_at)
                lines.append(Content("  " + (_("off {time} — result: {result}").format(time=off, result=vocab.shown(a.result, vocab.FALLBACK_RESULT))
                                             if a.result else _("off {time}").format(time=off))))
        self._contacts(lines, [s for s in self.view.suppliers if s.id == f.supplier])
        return literal.plain(_("Fallback {fallback}").format(fallback=f.id)), Content("\n").join(lines)

    def event(self, key: str) -> tuple[Content, Content]:
        e = next(e for e in self.view.events if str(e.seq) == key)
        origin = e.origin if isinstance(e.origin, dict) else {}
        where = ", ".join(f"{k} {v}" for k, v in origin.items() if v) or "—"
        lines = [self._field(_("time"), self._when(e.at)), self._field(_("who"), e.actor), self._field(_("from"), where),
                 self._field(_("kind"), e.kind), self._field(_("seq"), e.seq)]
        data = e.data if isinstance(e.data, dict) else {}
        if data.get("occurred_at"):
            try:
                lines.append(self._field(_("happened"), self._when(parse_iso(data["occurred_at"]))))
            except (TypeError, ValueError):
                lines.append(self._field(_("happened"), data["occurred_at"]))
        if data.get("decision"):
            lines.append(self._field(_("answers"), data["decision"]))
        lines += [Content.styled("\n" + _("Entry"), "bold"), literal.block(data.get("text") or e.summary, "")]
        if data.get("rationale"):
            lines += [Content.styled("\n" + _("Rationale"), "bold"), literal.block(data["rationale"], "")]
        return literal.plain(_("Log #{seq}").format(seq=e.seq)), Content("\n").join(lines)
