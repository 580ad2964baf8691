"""Availability history of one supplier over a window: pure arithmetic on what the log and the
monitor recorded, no I/O, no clock of its own.

The rules, as a sourcing officer may ask for them:
- Time is known only while a monitor watched the supplier (`watched` spans: consecutive check
  rounds no further apart than the check tolerance). Time nobody watched is unknown, never up.
- Inside a configured maintenance window time counts as maintenance, whatever was seen.
- A drill's fault is not the supplier's outage: from a state change a drill caused (marked in the
  log) until the drill's recovery, time counts as "exercised" — known to be a drill, not up, not
  down. Like maintenance it is left out of uptime, and it makes and ends no outage. (Counting it
  as the state before the fault would pretend to know what a simulated supplier did meanwhile.)
- Otherwise the confirmed state (the `supplier.state` events) decides. Degraded counts as available.
- Uptime is available time over known, non-maintenance time (up + degraded + down); None when
  there is none.
- An outage is a confirmed `down` episode of the log, from the event that made the supplier down
  to the event that ended it (a monitor gap in between does not split it), clipped to the window.
  Its length is only the time it was watched and outside maintenance (the down time uptime
  counts); unwatched time inside it is reported apart (`outage_unknown_seconds`), and an episode
  with no such time (wholly in maintenance or unwatched) is no outage. MTTR is the mean length of
  those that ended, the longest counts one still under way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

Span = tuple[datetime, datetime]
EXERCISED = "exercised"  # the state of a supplier a drill's fault holds broken (history.py maps it)


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
    outage_unknown_seconds: float = 0.0  # unwatched time inside the outages, left out of their lengths
    exercised_seconds: float = 0.0  # watched while a drill's fault held it (not up, not down: a drill)

    @property
    def watched_seconds(self) -> float:
        return max(0.0, self.window_seconds - self.unknown_seconds)

    @property
    def coverage(self) -> float:
        """The share (0 to 1) of the window some monitor watched: an uptime over 3 minutes of 30 days is no 30-day uptime."""
        return self.watched_seconds / self.window_seconds if self.window_seconds > 0 else 0.0


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
    totals = {"up": 0.0, "degraded": 0.0, "down": 0.0, "maintenance": 0.0, "unknown": 0.0, EXERCISED: 0.0}
    # One sweep over the elementary segments, a pointer into each sorted list.
    state, c, w, m = start_state, 0, 0, 0
    # Outages, built in the same sweep: [known down seconds, unknown seconds inside, ended].
    episodes: list[list] = []
    current: list | None = None
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
        if state == "down":
            if current is None:
                current = [0.0, 0.0, False]
                episodes.append(current)
            if shown in ("down", "unknown"):  # maintenance inside an outage is neither
                current[0 if shown == "down" else 1] += (b - a).total_seconds()
        elif current is not None:
            current[2], current = True, None
    known = totals["up"] + totals["degraded"] + totals["down"]
    uptime = round(100.0 * (totals["up"] + totals["degraded"]) / known, 6) if known else None  # no 100.00000000000001

    # An outage is as long as it was watched and not planned: a monitor gap inside it is said apart
    # (outage_unknown_seconds), and one wholly inside maintenance or unwatched is no outage.
    episodes = [e for e in episodes if e[0] > 0]
    ended = [s for s, _, done in episodes if done]
    return Availability(
        window_seconds=(until - since).total_seconds(),
        up_seconds=totals["up"], degraded_seconds=totals["degraded"], down_seconds=totals["down"],
        maintenance_seconds=totals["maintenance"], unknown_seconds=totals["unknown"], uptime=uptime,
        outages=len(episodes), mttr_seconds=sum(ended) / len(ended) if ended else None,
        longest_outage_seconds=max((s for s, _, _ in episodes), default=None),
        ongoing_outage=bool(episodes) and not episodes[-1][2],
        outage_unknown_seconds=sum(u for _, u, _ in episodes), exercised_seconds=totals[EXERCISED],
    )
