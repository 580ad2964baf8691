"""Time, injectable: services take a clock so tests can move it; storage is UTC text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Protocol

from warroom.i18n import _


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock for tests and drills: starts where you say and moves only when told."""

    def __init__(self, start: datetime):
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


def iso(when: datetime) -> str:
    """The one stored spelling of an instant: UTC, microseconds, `Z` (sorts as text)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: every instant warroom stores must be timezone-aware")
    return when.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"  # strftime's spelling, three times quicker


def parse_iso(text: str) -> datetime:
    """The stored spelling back to an instant. fromisoformat is twenty times quicker than
    strptime (the board parses thousands a read); the shape is checked first, so nothing but
    the stored spelling is accepted."""
    if len(text) != 27 or text[10] != "T" or text[19] != "." or text[-1] != "Z":
        raise ValueError(f"not a stored UTC instant (YYYY-MM-DDTHH:MM:SS.ffffffZ): {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def parse_when(text: str, zone: str, now: datetime) -> datetime:
    """When something happened, as a person types it: `10:05` (today, in the war-room's zone),
    `2026-11-29 10:05`, or ISO 8601 with an offset. ValueError says what to write."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    text = text.strip()
    try:
        if len(text) in (4, 5) and ":" in text:
            # A bare time is the latest such moment that is not ahead of now: `23:50` typed at
            # 00:30 is last night, not tomorrow (a minute of slack, as logging allows).
            hour, minute = (int(p) for p in text.split(":"))
            today = now.astimezone(local).date()
            when = datetime.combine(today, dt_time(hour, minute), tzinfo=local)
            if when > now + timedelta(minutes=1):
                when = datetime.combine(today - timedelta(days=1), dt_time(hour, minute), tzinfo=local)
            return when
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise ValueError(_("{text} is not a time: write 10:05, 2026-11-29 10:05 or 2026-11-29T10:05+01:00").format(text=repr(text))) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=local)
    try:
        parsed.astimezone(UTC)  # the stored spelling; at the calendar's ends there is none
    except OverflowError:
        raise ValueError(_("{text} is out of range: write a time near the incident, like 10:05 or 2026-11-29 10:05").format(text=repr(text))) from None
    return parsed


def local(when: datetime | str | None, zone: str, fmt: str = "%H:%M") -> str:
    """An instant (a view's datetime, or the stored spelling) as the war-room reads it: in its
    configured time zone."""
    from zoneinfo import ZoneInfo

    if not when:
        return "—"
    return (parse_iso(when) if isinstance(when, str) else when).astimezone(ZoneInfo(zone)).strftime(fmt)


def today(when: datetime, zone: str) -> date:
    """The day `when` falls on, on the war-room's calendar (its configured time zone): the day a
    contract ends, an exit plan was reviewed, a corrective action is due."""
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(zone)).date()


def parse_day(text: str) -> date:
    """A calendar day written `YYYY-MM-DD` exactly (ValueError otherwise): `date.fromisoformat`
    alone also takes `20260105` and `2026-W01-1`, and strptime takes `2026-1-5`."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(_("{text} is not written YYYY-MM-DD").format(text=repr(text)))
    return date.fromisoformat(text)
