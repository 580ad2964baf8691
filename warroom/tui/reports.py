"""The incident room's rows for its legal reporting clocks (NIS2, CER), under its open decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from warroom import i18n
from warroom.i18n import _, ngettext
from warroom.tui.watch import span

if TYPE_CHECKING:
    from warroom.services.views import ReportClock

REPORT_KEY = "report:"  # a reporting clock's row among the room's decisions


def report_rows(clocks: tuple[ReportClock, ...], now: datetime, zone: ZoneInfo) -> list[tuple[str, tuple[str, str, str]]]:
    """The incident room's rows for its legal reporting clocks (under the open decisions): every
    late report (on a closed incident, every one never sent), the next one due, and how many more (`warroom report list ID` has them all)."""
    open_ = [c for c in clocks if c.state != "sent"]
    running = sorted((c for c in open_ if c.due_at is not None), key=lambda c: c.due_at or now)
    shown = [c for c in running if c.state in ("overdue", "unsent")] + [c for c in running if c.state == "pending"][:1]
    rows = []
    for c in shown:
        assert c.due_at is not None
        left = (c.due_at - now).total_seconds()
        when = i18n.weekday_time(c.due_at.astimezone(zone))
        if c.state == "overdue":
            when = _("!late {time}").format(time=when)
        told = (_("never sent: the incident was closed") if c.state == "unsent" else
                _("in {span}").format(span=span(left)) if left >= 0 else _("{span} late").format(span=span(-left)))
        rows.append((f"{REPORT_KEY}{c.id}", (_("report {id}").format(id=c.id), when,
                                             _("→ {recipient} ({said})").format(recipient=c.recipient, said=told))))
    rest = [c.id for c in open_ if c not in shown]
    if rest:
        rows.append((f"{REPORT_KEY}more", (_("reports"), "", ngettext("{n} more: {ids} (warroom report list)", "{n} more: {ids} (warroom report list)",
                                                                      len(rest)).format(n=len(rest), ids=", ".join(rest)))))
    return rows
