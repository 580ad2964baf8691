"""Durations as people write them in playbooks: `30s`, `10m`, `2h`, `1d` (and `1h30m`); and a
deadline as every screen says it (`countdown`).

Two spellings, kept apart. What people type and files hold (`parse`, `format`, `span`) is one
spelling in every language: `format` is the file format and `span` goes into stored event
summaries, which stay language-neutral. What people read (`spoken`, `shown_span`, `scenario`,
`readable`, `countdown`) is the chosen language's: `1h30m` / `1 u 30 min`, `in 5 min` / `over 5 min`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from warroom import i18n
from warroom.i18n import N_, _

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Each unit at most once, largest first: `1h30m`, never `5m5m` or `1s1h` (a duration says one
# thing once, so a typo cannot hide in a sum nobody meant).
PATTERN = r"^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
_WHOLE = re.compile(PATTERN)
HINT = N_("use 30s, 10m, 2h, 1d, or units largest first like 1h30m")
# Durations are added to instants (a step's due time, a deadline): past some length the sum leaves
# the calendar. 100 years is beyond any timeout, interval or deadline a war-room needs.
LONGEST_DAYS = 36_500
LONGEST_SECONDS = LONGEST_DAYS * 86_400


def parse(text: str) -> timedelta:
    """`"1h30m"` → 1:30:00. Raises ValueError with a message fit to show an author."""
    match = _WHOLE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(_("{text} is not a duration ({hint})").format(text=repr(text), hint=_(HINT)))
    try:
        seconds = sum(int(part[:-1]) * _UNITS[part[-1]] for part in match.groups() if part)
    except ValueError:  # more digits than int() reads
        seconds = LONGEST_SECONDS + 1
    if seconds > LONGEST_SECONDS:
        raise ValueError(_("{text} is longer than {days} days (100 years), the longest duration warroom can count with")
                         .format(text=_shown(text), days=i18n.number(LONGEST_DAYS)))
    return timedelta(seconds=seconds)


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def format(delta: timedelta) -> str:
    """The shortest spelling that parses back to the same duration: 5400 s → `1h30m`. The file
    format (a playbook's `5m`, the JSON of a view): the same in every language."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    return "".join(f"{count}{unit}" for count, unit in _parts(seconds))


_SIZES = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
# How each unit of the compact spelling reads in running text; English keeps the compact `1h30m`.
_UNIT_SHOWN = {"d": N_("{n} d"), "h": N_("{n} h"), "m": N_("{n} min"), "s": N_("{n} s")}


def _parts(seconds: int) -> list[tuple[int, str]]:
    parts = []
    for unit, size in _SIZES:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append((count, unit))
    return parts


def _compact_shown(seconds: int) -> str:
    """`format`'s spelling as a person reads it: English keeps `1h30m`; Dutch spells the units out,
    `1 u 30 min` (the glossary's `u` for hours)."""
    if i18n.current() == i18n.DEFAULT:
        return format(timedelta(seconds=seconds))
    return " ".join(_(_UNIT_SHOWN[unit]).format(n=count) for count, unit in _parts(seconds)) or _(_UNIT_SHOWN["s"]).format(n=0)


def spoken(seconds: float | None) -> str:
    """A measured span as a person says it, to the nearest second: `4m`, `0s` (`4 min`, `0 s` in
    Dutch); `—` when not measured."""
    return "—" if seconds is None else _compact_shown(round(seconds))


def scenario(seconds: float | None, speed: float) -> str:
    """A measured wall-clock span of a drill in scenario time too, to read against the playbook's
    targets: `4m scenario (1m wall-clock)` at speed 4; a drill at speed 1 has one time, `4m`.
    The one spelling for the review screen, `warroom review` and the exports."""
    if seconds is None or speed == 1:
        return spoken(seconds)
    # TRANSLATORS: a drill's measured time in scenario time, then in real (wall-clock) time.
    return _("{scenario} scenario ({wall} wall-clock)").format(scenario=spoken(seconds * speed), wall=spoken(seconds))


def span(delta: timedelta) -> str:
    """A stretch of time to the second, rounded down, in the compact spelling: `1h5m`, `0s`
    (`spoken` is the same spelling rounded to the nearest second). The same in every language:
    event summaries are stored with it. What a person reads takes `shown_span`."""
    seconds = int(delta.total_seconds())
    return format(timedelta(seconds=seconds)) if seconds else "0s"


def shown_span(delta: timedelta) -> str:
    """`span` as a person reads it: `1h5m` in English, `1 u 5 min` in Dutch."""
    return _compact_shown(int(delta.total_seconds()))


def readable(seconds: float) -> str:
    """A duration spelt out, rounded down: `40 s`, `7 min`, `2 h 05 min`, `3 d 4 h` (Dutch `2 u 05 min`,
    `3 d 4 u`). The one home of this spelling (countdown's hours and minutes are its)."""
    s = int(seconds)
    if s < 60:
        return _("{seconds} s").format(seconds=s)
    if s >= 86400:
        return _("{days} d {hours} h").format(days=s // 86400, hours=s // 3600 % 24)
    return _hours_minutes(s // 60)


def _hours_minutes(minutes: int) -> str:
    if minutes >= 60:
        return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")
    return _("{minutes} min").format(minutes=minutes)


def scaled(delta: timedelta, speed: float) -> timedelta:
    """A playbook time in a drill run `speed` times faster (one rounding, the same everywhere)."""
    return delta if speed == 1 else delta / speed


def countdown(due: datetime, now: datetime, *, seconds_within: int = 120) -> str:
    """A deadline as every screen words it (board, wall, room): `in 29 min`, `in 1 h 05 min`,
    `due 3 min ago` (Dutch `over 29 min`, `3 min te laat`); with minutes and seconds within
    `seconds_within` of it (`in 1:59`, or `in 1:00:09` on the wall, which counts every second).
    Rounded down: it never comes sooner than it says."""
    seconds = int((due - now).total_seconds())
    left = abs(seconds)
    if left >= seconds_within:
        said = _hours_minutes(left // 60)  # readable's spelling, in hours past a day: `in 25 h 00 min`
    else:
        hours, rest = divmod(left, 3600)
        said = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:d}:{rest % 60:02d}"
    if seconds < 0:
        # TRANSLATORS: a deadline (an escalation level, a step) that has passed: `due 3 min ago`.
        return _("due {time} ago").format(time=said)
    # TRANSLATORS: a deadline still to come: `in 29 min`, `in 1:59`.
    return _("in {time}").format(time=said)
