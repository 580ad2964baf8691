"""How the formats people read (HTML, Markdown, the sitrep) show times, people and durations: in
the war-room's time zone, named; a person by name with their OS user. Escaping is each format's own."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from warroom import durations
from warroom.clock import parse_iso

ROLE_WORDS = {"commander": "Commander", "coordinator": "Coordinator", "scribe": "Scribe", "observer": "Observer"}
KIND_WORDS = {
    "incident.opened": "opened", "incident.stabilised": "stabilised", "incident.resolved": "resolved", "incident.closed": "closed",
    "step.started": "step started", "step.done": "step done", "step.skipped": "step skipped", "step.overdue": "step overdue",
    "escalation.due": "escalation", "escalation.acknowledged": "escalation acknowledged",
    "fallback.activated": "fallback on", "fallback.deactivated": "fallback off", "decision.logged": "log",
    "supplier.state": "supplier health", "drill.inject": "inject",
}


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class Clock:
    """Stored UTC instants as the war-room reads them."""

    def __init__(self, zone: str):
        self.zone = zone
        self._tz = _zone(zone)

    def at(self, text: str | None) -> datetime | None:
        if not text:
            return None
        try:
            return parse_iso(text).astimezone(self._tz)
        except ValueError:
            return None

    def format(self, text: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        when = self.at(text)
        return when.strftime(fmt) if when else (text or "—")

    def time(self, text: str | None) -> str:
        return self.format(text, "%H:%M:%S")

    def stamp(self, text: str | None) -> str:
        """Date, time and the zone's abbreviation: 2026-11-29 14:05 CET."""
        return self.format(text, "%Y-%m-%d %H:%M %Z")

    def named(self, when: str | None) -> str:
        """The zone by name and its offset at `when`: Europe/Amsterdam (CET, UTC+01:00)."""
        moment = self.at(when) or datetime.now(self._tz)
        offset = moment.strftime("%z")
        return f"{self.zone} ({moment.strftime('%Z')}, UTC{offset[:3]}:{offset[3:]})"


def span(seconds: float) -> str:
    """A duration as a person says it: 1h30m, 45s."""
    return durations.format(timedelta(seconds=int(abs(seconds))))


def between(later: str | None, earlier: str | None) -> float | None:
    try:
        return (parse_iso(later) - parse_iso(earlier)).total_seconds() if later and earlier else None
    except ValueError:
        return None


def person(user: str | None, people: list[dict[str, Any]]) -> str:
    """`Alice de Vries (alice)` for a person [people] names; the OS user alone otherwise."""
    if not user:
        return "—"
    for p in people:
        if p["user"] == user and p["name"] != user:
            return f"{p['name']} ({user})"
    return user


def people_index(people: list[dict[str, Any]]) -> dict[str, str]:
    return {p["user"]: f"{p['name']} ({p['user']})" if p["name"] != p["user"] else p["user"] for p in people}
