"""How a supplier's availability is shown to a person (board, supplier screen, `warroom health`):
the uptime with how much of its window was watched. The arithmetic is availability.py's."""

from __future__ import annotations

from warroom import durations
from warroom.health.availability import Availability

FULLY_WATCHED = 0.99  # below this share of its window watched, an uptime is shown with how much was watched


def uptime_text(a: Availability, *, short: bool = False) -> str:
    """The uptime as a person reads it, with how little was watched when that is not (nearly) all
    the window: `100.00 % (watched 3 min)`; `short`: `~100.00 %` (a narrow column's mark)."""
    if a.uptime is None:
        return "—"
    if a.coverage >= FULLY_WATCHED:
        return f"{a.uptime:.2f} %"
    return f"~{a.uptime:.2f} %" if short else f"{a.uptime:.2f} % (watched {durations.readable(a.watched_seconds)})"
