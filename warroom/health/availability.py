"""Availability history of one supplier over a window: pure arithmetic on what the log and the
monitor recorded, no I/O, no clock of its own.

The rules, as a sourcing officer may ask for them:
- Time is known only while a monitor watched the supplier (`watched` spans: consecutive check
  rounds no further apart than the check tolerance). Time nobody watched is unknown, never up.
- Inside a configured maintenance window time counts as maintenance, whatever was seen.
- Otherwise the confirmed state (the `supplier.state` events) decides. Degraded counts as available.
- Uptime is available time over known, non-maintenance time (up + degraded + down); None when
  there is none.
- An outage is a confirmed `down` episode of the log, from the event that made the supplier down
  to the event that ended it (a monitor gap in between does not split it), clipped to the window;
  MTTR is the mean length of those that ended, the longest counts one still under way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Availability:
    window_seconds: float
    up_seconds: float
    degraded_seconds: float
    down_seconds: float
    maintenance_seconds: float
    unknown_seconds: float  # not watched by any monitor, or a state nobody could tell
    uptime: float | None  # percent of known, non-maintenance time the supplier was up or degraded
    outages: int
    mttr_seconds: float | None  # mean time to recover, over the outages that ended
    longest_outage_seconds: float | None
    ongoing_outage: bool


def merge(spans: Sequence[Span]) -> list[Span]:
    """Overlapping or touching spans joined, in order."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def compute(*, start_state: str, changes: Sequence[tuple[datetime, str]], watched: Sequence[Span],
            maintenance: Sequence[Span], since: datetime, until: datetime) -> Availability:
    """The supplier's availability in [since, until). `start_state` is its confirmed state at
    `since`; `changes` the confirmed states it took after, (when, new state), in order."""
    changes = [(at, state) for at, state in changes if since < at < until]
    seen = merge([(max(a, since), min(b, until)) for a, b in watched if b > since and a < until])
    planned = merge([(max(a, since), min(b, until)) for a, b in maintenance if b > since and a < until])
    points = sorted({since, until, *(at for at, _ in changes), *(p for span in seen + planned for p in span)})
    totals = {"up": 0.0, "degraded": 0.0, "down": 0.0, "maintenance": 0.0, "unknown": 0.0}
    # One sweep over the elementary segments, a pointer into each sorted list.
    state, c, w, m = start_state, 0, 0, 0
    for a, b in zip(points, points[1:], strict=False):
        while c < len(changes) and changes[c][0] <= a:
            state = changes[c][1]
            c += 1
        while w < len(seen) and seen[w][1] <= a:
            w += 1
        while m < len(planned) and planned[m][1] <= a:
            m += 1
        if not (w < len(seen) and seen[w][0] <= a):
            shown = "unknown"
        elif m < len(planned) and planned[m][0] <= a:
            shown = "maintenance"
        else:
            shown = state if state in totals else "unknown"
        totals[shown] += (b - a).total_seconds()
    known = totals["up"] + totals["degraded"] + totals["down"]
    uptime = round(100.0 * (totals["up"] + totals["degraded"]) / known, 6) if known else None  # no 100.00000000000001

    episodes: list[tuple[float, bool]] = []  # (seconds, ended)
    began = since if start_state == "down" else None
    for at, state in changes:
        if state == "down" and began is None:
            began = at
        elif state != "down" and began is not None:
            episodes.append(((at - began).total_seconds(), True))
            began = None
    if began is not None:
        episodes.append(((until - began).total_seconds(), False))
    ended = [s for s, done in episodes if done]
    return Availability(
        window_seconds=(until - since).total_seconds(),
        up_seconds=totals["up"], degraded_seconds=totals["degraded"], down_seconds=totals["down"],
        maintenance_seconds=totals["maintenance"], unknown_seconds=totals["unknown"], uptime=uptime,
        outages=len(episodes), mttr_seconds=sum(ended) / len(ended) if ended else None,
        longest_outage_seconds=max((s for s, _ in episodes), default=None),
        ongoing_outage=bool(episodes) and not episodes[-1][1],
    )
