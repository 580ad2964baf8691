"""Durations as people write them in playbooks: `30s`, `10m`, `2h`, `1d` (and `1h30m`); and a
deadline as every screen says it (`countdown`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Each unit at most once, largest first: `1h30m`, never `5m5m` or `1s1h` (a duration says one
# thing once, so a typo cannot hide in a sum nobody meant).
PATTERN = r"^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
_WHOLE = re.compile(PATTERN)
HINT = "use 30s, 10m, 2h, 1d, or units largest first like 1h30m"
# Durations are added to instants (a step's due time, a deadline): past some length the sum leaves
# the calendar. 100 years is beyond any timeout, interval or deadline a war-room needs.
LONGEST_DAYS = 36_500
LONGEST_SECONDS = LONGEST_DAYS * 86_400


def parse(text: str) -> timedelta:
    """`"1h30m"` → 1:30:00. Raises ValueError with a message fit to show an author."""
    match = _WHOLE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration ({HINT})")
    try:
        seconds = sum(int(part[:-1]) * _UNITS[part[-1]] for part in match.groups() if part)
    except ValueError:  # more digits than int() reads
        seconds = LONGEST_SECONDS + 1
    if seconds > LONGEST_SECONDS:
        raise ValueError(f"{_shown(text)} is longer than {LONGEST_DAYS:,} days (100 years), the longest duration warroom can count with")
    return timedelta(seconds=seconds)


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def format(delta: timedelta) -> str:
    """The shortest spelling that parses back to the same duration: 5400 s → `1h30m`."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def spoken(seconds: float | None) -> str:
    """A measured span as a person says it, to the nearest second: `4m`, `0s`; `—` when not measured."""
    return "—" if seconds is None else format(timedelta(seconds=round(seconds)))


def scenario(seconds: float | None, speed: float) -> str:
    """A measured wall-clock span of a drill in scenario time too, to read against the playbook's
    targets: `4m scenario (1m wall-clock)` at speed 4; a drill at speed 1 has one time, `4m`.
    The one spelling for the review screen, `warroom review` and the exports."""
    if seconds is None or speed == 1:
        return spoken(seconds)
    return f"{spoken(seconds * speed)} scenario ({spoken(seconds)} wall-clock)"


def span(delta: timedelta) -> str:
    """A stretch of time to the second, rounded down, in the compact spelling: `1h5m`, `0s`
    (`spoken` is the same spelling rounded to the nearest second)."""
    seconds = int(delta.total_seconds())
    return format(timedelta(seconds=seconds)) if seconds else "0s"


def readable(seconds: float) -> str:
    """A duration spelt out, rounded down: `40 s`, `7 min`, `2 h 05 min`, `3 d 4 h`. The one home
    of this spelling (countdown's hours and minutes are its)."""
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s >= 86400:
        return f"{s // 86400} d {s // 3600 % 24} h"
    return _hours_minutes(s // 60)


def _hours_minutes(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def scaled(delta: timedelta, speed: float) -> timedelta:
    """A playbook time in a drill run `speed` times faster (one rounding, the same everywhere)."""
    return delta if speed == 1 else delta / speed


def countdown(due: datetime, now: datetime, *, seconds_within: int = 120) -> str:
    """A deadline as every screen words it (board, wall, room): `in 29 min`, `in 1 h 05 min`,
    `due 3 min ago`; with minutes and seconds within `seconds_within` of it (`in 1:59`, or
    `in 1:00:09` on the wall, which counts every second). Rounded down: it never comes sooner
    than it says."""
    seconds = int((due - now).total_seconds())
    left = abs(seconds)
    if left >= seconds_within:
        said = _hours_minutes(left // 60)  # readable's spelling, in hours past a day: `in 25 h 00 min`
    else:
        hours, rest = divmod(left, 3600)
        said = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:d}:{rest % 60:02d}"
    return f"due {said} ago" if seconds < 0 else f"in {said}"
