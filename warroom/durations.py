"""Durations as people write them in playbooks: `30s`, `10m`, `2h`, `1d` (and `1h30m`)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Each unit at most once, largest first: `1h30m`, never `5m5m` or `1s1h` (a duration says one
# thing once, so a typo cannot hide in a sum nobody meant).
PATTERN = r"^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
_WHOLE = re.compile(PATTERN)
HINT = "use 30s, 10m, 2h, 1d, or units largest first like 1h30m"


def parse(text: str) -> timedelta:
    """`"1h30m"` → 1:30:00. Raises ValueError with a message fit to show an author."""
    match = _WHOLE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration ({HINT})")
    seconds = sum(int(part[:-1]) * _UNITS[part[-1]] for part in match.groups() if part)
    return timedelta(seconds=seconds)


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
