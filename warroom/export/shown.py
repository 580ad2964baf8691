"""How the formats people read (HTML, Markdown, the sitrep) show times, people, durations and the
decisions taken: in the war-room's time zone, named; a person by name with their OS user. Escaping
is each format's own."""

from __future__ import annotations

import json
import json.scanner
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import IO, Any, NamedTuple, TextIO
from zoneinfo import ZoneInfo

from warroom import durations, eventtext, i18n
from warroom.clock import parse_iso
from warroom.export import document
from warroom.export.model import Events
from warroom.health.states import worst
from warroom.i18n import C_, N_, _

ROLE_WORDS = {"commander": N_("Commander"), "coordinator": N_("Coordinator"), "scribe": N_("Scribe"), "observer": N_("Observer")}
KIND_WORDS = {
    "incident.opened": C_("timeline kind", "opened"), "incident.stabilised": C_("timeline kind", "stabilised"), "incident.resolved": C_("timeline kind", "resolved"), "incident.closed": C_("timeline kind", "closed"),
    "step.started": C_("timeline kind", "step started"), "step.done": C_("timeline kind", "step done"), "step.skipped": C_("timeline kind", "step skipped"), "step.overdue": C_("timeline kind", "step overdue"),
    "escalation.due": C_("timeline kind", "escalation"), "escalation.acknowledged": C_("timeline kind", "escalation acknowledged"),
    "fallback.activated": C_("timeline kind", "fallback on"), "fallback.deactivated": C_("timeline kind", "fallback off"), "decision.logged": C_("timeline kind", "log"),
    "supplier.state": C_("timeline kind", "supplier health"), "drill.inject": C_("timeline kind", "inject"), "drill.inject_failed": C_("timeline kind", "inject failed"),
}
"""The timeline's column of kinds: marked here, translated where shown (`kind_word`)."""
TARGET_WORDS = {"acknowledge_within": C_("target", "acknowledge within"), "fallback_within": C_("target", "fallback within"),
                "stabilise_within": C_("target", "stabilise within"), "resolve_within": C_("target", "resolve within")}


def role_word(role: str) -> str:
    return _(ROLE_WORDS[role]) if role in ROLE_WORDS else role


def kind_word(kind: str) -> str:
    return i18n.word(KIND_WORDS[kind], "timeline kind") if kind in KIND_WORDS else kind


def target_words(target: dict[str, Any]) -> str:
    """`Target: acknowledge within 10m`: a playbook's target as the key times table names it (plain text)."""
    name = target["target"]
    named = i18n.word(TARGET_WORDS[name], "target") if name in TARGET_WORDS else name.replace("_", " ")
    within = str(target["within"])  # as the playbook spells it (`10m`); in Dutch said as a span is (`10 min`)
    if i18n.current() != i18n.DEFAULT:
        try:
            within = durations.shown_span(durations.parse(within))
        except ValueError:
            pass
    return _("Target: {target} {within}").format(target=named, within=within)


def playbook_line(playbook: dict[str, Any], incident: dict[str, Any]) -> str:
    """`Quick drill (quick-drill, version 2)` (plain text)."""
    return _("{title} ({id}, version {version})").format(title=playbook.get("title", incident["playbook"]), id=incident["playbook"],
                                                         version=incident["playbook_version"])


FULL = "%Y-%m-%d %H:%M:%S"
_STORED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]\.[0-9]{6}Z")  # clock.iso's spelling
_BY_MINUTE = {fmt: (fmt, False) for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M %Z", "%H:%M", "%d-%m %H:%M")}
_BY_MINUTE.update({FULL: ("%Y-%m-%d %H:%M", True), "%H:%M:%S": ("%H:%M", True)})
"""The formats that need nothing finer than the minute, and those that are the minute's format
followed by ":" and the seconds."""


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class Clock:
    """Stored UTC instants as the war-room reads them."""

    def __init__(self, zone: str):
        self.zone = zone
        self._tz = _zone(zone)
        self._minutes: dict[tuple[str, str], str] = {}

    def at(self, text: str | None) -> datetime | None:
        if not text:
            return None
        try:
            return parse_iso(text).astimezone(self._tz)
        except ValueError:
            return None

    def local(self, text: str | None, fmt: str = FULL) -> str | None:
        """A stored instant in the war-room's zone as `fmt` spells it; None when `text` is not one.
        An export shows 100,000 of them: a format of the minute (and the seconds) is worked out
        once a minute, and the seconds copied, where the zone's offset is whole minutes all that
        minute; otherwise, and for any other format, each is converted."""
        by_minute = _BY_MINUTE.get(fmt)
        if by_minute is not None and type(text) is str and _STORED.fullmatch(text) is not None:
            key = (fmt, text[:16])
            shown = self._minutes.get(key)
            if shown is None:
                if len(self._minutes) > 100_000:
                    self._minutes.clear()
                shown = self._minutes[key] = self._minute(text, by_minute[0])
            if shown:
                return shown + ":" + text[17:19] if by_minute[1] else shown
        when = self.at(text)
        return None if when is None else when.strftime(fmt)

    def quick(self, fmt: str = FULL) -> Callable[[Any], str | None]:
        """`local` for a loop over 100,000 stored instants in one `fmt` (one of the formats of the
        minute): the same text for an instant in clock.iso's spelling whose minute `local` would
        work out once, None for anything else, which the caller takes through `local` (or
        `format`). An instant it returns text for holds only digits, `-`, `:`, `T`, `.` and `Z`."""
        minute_fmt, with_seconds = _BY_MINUTE[fmt]
        minutes: dict[str, str] = {}
        stored, minute_of = _STORED.fullmatch, self._minute

        def shown(text: Any) -> str | None:
            if type(text) is not str or stored(text) is None:
                return None
            key = text[:16]
            minute = minutes.get(key)
            if minute is None:
                if len(minutes) > 100_000:
                    minutes.clear()
                minute = minutes[key] = minute_of(text, minute_fmt)
            if not minute:
                return None
            return minute + ":" + text[17:19] if with_seconds else minute

        return shown

    def _minute(self, text: str, fmt: str) -> str:
        """The minute of `text` in `fmt`, or "" when the zone's offset or name changes within it, or
        is not whole minutes (local seconds are then not the stored ones)."""
        first, last = self.at(text[:17] + "00.000000Z"), self.at(text[:17] + "59.999999Z")
        if first is None or last is None:
            return ""
        offset = first.utcoffset()
        if offset != last.utcoffset() or first.tzname() != last.tzname() or offset is None or offset % timedelta(minutes=1):
            return ""
        return first.strftime(fmt)

    def format(self, text: str | None, fmt: str = FULL) -> str:
        shown = self.local(text, fmt)
        return (text or "—") if shown is None else shown

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
    """How long, whichever way (`in`/`ago` say which), rounded down: durations.shown_span: `1h30m`, `45s` (Dutch `1 u 30 min`)."""
    return durations.shown_span(timedelta(seconds=abs(seconds)))


def between(later: str | None, earlier: str | None) -> float | None:
    try:
        return (parse_iso(later) - parse_iso(earlier)).total_seconds() if later and earlier else None
    except ValueError:
        return None


def services_hit(situation: dict[str, Any], own_drill: int | None) -> list[tuple[dict[str, Any], str, list[dict[str, Any]]]]:
    """(service, state, through) for each crucial service hit, as an incident's export shows it: a
    supplier a drill holds counts only in that drill's own export (`own_drill`; None for a live
    incident), never in a live one's or another drill's, and the service's state is then the worst
    of what is left."""
    hit = []
    for service in situation.get("services", []):
        through = [t for t in service["through"] if t.get("drill") is None or t.get("drill") == own_drill]
        if not through:
            continue
        state = service["state"] if len(through) == len(service["through"]) else worst(t["state"] for t in through)
        if state in ("down", "degraded", "maintenance"):
            hit.append((service, state, through))
    return hit


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


class Decision(NamedTuple):
    """A decision logged in the timeline, as the reports show it."""

    seq: int
    actor: str
    at: str  # when it was logged
    occurred_at: str  # when it was taken: what the entry says (logged by phone later), else when it was logged
    text: str
    rationale: str | None
    corrects: Any  # the seq of the entry it corrects, when it is a correction


def decisions(events: Events) -> Iterator[Decision]:
    """The decisions of a timeline in seq order: its log entries of kind decision (the kind an
    entry has when it names none)."""
    for e in events.of(("decision.logged",)):
        d = decision(e)
        if d is not None:
            yield d


def decision(e: dict[str, Any]) -> Decision | None:
    """The decision an event of the timeline records, if it is one (`decisions`, an event at a time:
    the reports read the timeline once, the decisions on the way)."""
    if e["kind"] != "decision.logged":
        return None
    data = e["data"] if isinstance(e["data"], dict) else {}
    if data.get("kind", "decision") != "decision":
        return None
    occurred = data.get("occurred_at") if isinstance(data.get("occurred_at"), str) else e["at"]
    return Decision(e["seq"], e["actor"], e["at"], occurred, eventtext.decision_text(data, e["summary"]), data.get("rationale"), data.get("corrects"))


CHUNK = 1024 * 1024
"""How much of a Later's file `chunks` reads at a time: a piece may end in the middle of a character."""

_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def may_decide(data: object) -> bool:
    """Whether a `decision.logged` event whose data is stored as the text `data` may record a
    decision (`decision` says): False only when that text is a JSON object naming another kind
    (an observation, an action), read as the event's record would read it. A long incident's tens
    of thousands of other log entries are not made records to find that out."""
    if type(data) is not str:
        return True
    try:  # the decoder's C scanner, as eventlog's records parse: only a whole object counts
        value, end = _SCAN(data, 0)
    except (StopIteration, ValueError, RecursionError):
        return True
    return end != len(data) or type(value) is not dict or value.get("kind", "decision") == "decision"


class Later:
    """What a report writes after what it is still reading for (the activity log comes after the
    decisions, which are found on the same read of the events): kept in memory, and past
    `in_memory` bytes in an anonymous temporary file, so that memory stays flat whatever the
    number of events. `into` writes it all to the report, in large pieces. A context manager: the
    file goes when it ends. `file`: kept in that file instead (a temporary file another process
    writes: export/parts.py)."""

    def __init__(self, in_memory: int = 32 * 1024 * 1024, file: IO[bytes] | None = None):
        self._in_memory = in_memory
        self._given = file

    def __enter__(self) -> Later:
        # Kept as the UTF-8 the report is written in: `into` copies the bytes to a UTF-8 file as
        # they are, not decoded and encoded again (28 MB of an HTML export's 100,000 rows).
        self._file: IO[bytes] = self._given or tempfile.SpooledTemporaryFile(max_size=self._in_memory)
        write = self.write_bytes = self._file.write
        self.write = lambda text: write(text.encode("utf-8"))
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def flush(self) -> None:
        self._file.flush()

    def chunks(self) -> Iterator[bytes]:
        """What was written, from the start, in large pieces of UTF-8."""
        self._file.seek(0)
        while chunk := self._file.read(CHUNK):
            yield chunk

    def into(self, out: TextIO) -> None:
        write = document.Utf8Writer(out)
        for chunk in self.chunks():
            write(chunk)
        write.end()
