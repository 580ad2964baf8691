"""Durations as people write them in playbooks: `30s`, `10m`, `2h`, `1d` (and `1h30m`)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+)([smhd])")
_WHOLE = re.compile(r"^(?:\d+[smhd])+$")

PATTERN = r"^([0-9]+[smhd])+$"
HINT = "use 30s, 10m, 2h, 1d"


def parse(text: str) -> timedelta:
    """`"1h30m"` → 1:30:00. Raises ValueError with a message fit to show an author."""
    if not isinstance(text, str) or not _WHOLE.match(text.strip()):
        raise ValueError(f"{text!r} is not a duration ({HINT})")
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(text.strip()))
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
