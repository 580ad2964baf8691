"""The Markdown report a crisis team pastes into its minutes: the summary, the key times, the
decisions with their rationale, and an activity log in the manner of an ICS 214 unit log (time,
who, what), ending with the chain head and whether the events verified.

Recorded text is data, never markup: every character Markdown gives a meaning inside a line is
escaped with a backslash, so nothing a person typed becomes a link, an image, emphasis, raw HTML or
a table column; a line break in a cell is `<br>`, the only HTML here; control and invisible
reordering characters are shown as visible symbols (warroom.text)."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from warroom import eventtext, i18n, text, words
from warroom.export import parts, reviewed, shown
from warroom.export.model import Events, Tally, Timeline
from warroom.i18n import N_, _
from warroom.store.chain import IN_ACTOR, IN_AT, IN_DATA, IN_KIND, IN_SUMMARY

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_SPECIALS = "\\`*_[]<>|~&#"  # what Markdown gives a meaning inside a line; the backslash first
_NEWLINES = re.compile(r"\r\n|\n|\r")
_BATCH = 500


def md(value: object) -> str:
    """Recorded text for one Markdown line or table cell."""
    value = "" if value is None else str(value)
    if text.is_safe(value):  # no control, newline or reordering character: only the escapes
        return _escaped(value)
    parts = _NEWLINES.split(value)
    return "<br>".join(_escaped(text.line(part, limit=sys.maxsize)) for part in parts)


def _escaped(value: str) -> str:
    """Each of _SPECIALS after a backslash. One replace a character present, the backslash
    first (so that none added is doubled): five times quicker than the regex's template per match."""
    for special in _SPECIALS:
        if special in value:
            value = value.replace(special, "\\" + special)
    return value


def header(timeline: Timeline, clock: shown.Clock, title: str) -> list[str]:
    i = timeline.incident
    mode = words.shown(i["mode"], words.MODE).upper()
    lines = [f"# {title} #{i['id']}: {md(i['title'])} ({mode})", ""]
    lines.append(_("Times are in {zone}. Prepared {when} by {who} from the war-room's event log.").format(
        zone=clock.named(i["opened_at"]), when=clock.stamp(timeline.generated_at),
        who=md(shown.person(timeline.generated_by, timeline.people))))
    if timeline.window:
        lines += ["", _("**Window:** only what was recorded {window}; the incident's events in it are complete and unbroken.").format(
            window=window_words(timeline.window, clock))]
    return lines + [""]


def window_words(window: Any, clock: shown.Clock) -> str:
    """Plain text: the HTML escapes it."""
    if window.since and window.until:
        return _("from {since} until {until}").format(since=clock.stamp(window.since), until=clock.stamp(window.until))
    if window.since:
        return _("from {since} until the export").format(since=clock.stamp(window.since))
    if window.until:
        return _("from the opening until {until}").format(until=clock.stamp(window.until))
    return _("from the opening until the export")


def summary(timeline: Timeline, clock: shown.Clock) -> list[str]:
    i, p = timeline.incident, timeline.playbook
    rows = [
        (_("Status"), words.shown(i["status"], words.INCIDENT_STATUS).upper()),
        (_("Mode"), _("drill (exercise)") if i["mode"] == "drill" else words.shown("live", words.MODE)),
        (_("Playbook"), shown.playbook_line(p, i)),
        (_("Severity"), words.shown(p["severity"], words.SEVERITY) if p.get("severity") else "—"),
        (_("Opened by"), shown.person(i["opened_by"], timeline.people)),
    ]
    lines = ["## " + _("Summary"), ""]
    if p.get("summary", "").strip():
        lines += [md(p["summary"].strip()), ""]
    lines += ["| | |", "| --- | --- |"] + [f"| {name} | {md(value)} |" for name, value in rows]
    return lines + [""]


def key_times(timeline: Timeline) -> list[tuple[str, str | None]]:
    """(what, when) of the moments an after-action review measures, in order."""
    i, state = timeline.incident, timeline.state
    fired = [e["fired_at"] for e in state.get("ladder", []) if e["fired_at"]]
    acked = [e["acked_at"] for e in state.get("ladder", []) if e["acked_at"]]
    activated = [a["activated_at"] for f in state.get("fallbacks", []) for a in f["activations"]]
    moments = [(N_("Opened"), i["opened_at"]), (N_("First escalation"), min(fired, default=None)),
               (N_("First escalation acknowledged"), min(acked, default=None)), (N_("First fallback activated"), min(activated, default=None)),
               (N_("Stabilised"), i["stabilised_at"]), (N_("Resolved"), i["resolved_at"]), (N_("Closed"), i["closed_at"])]
    return [(_(what), when) for what, when in moments if when]


def key_times_lines(timeline: Timeline, clock: shown.Clock) -> list[str]:
    opened = timeline.incident["opened_at"]
    lines = ["## " + _("Key times"), "", f"| {_('What')} | {_('When')} | {_('After opening')} |", "| --- | --- | --- |"]
    for what, when in key_times(timeline):
        after = shown.between(when, opened)
        lines.append(f"| {what} | {clock.stamp(when)} | {shown.span(after) if after is not None else '—'} |")
    for target in timeline.playbook.get("targets", []):
        lines.append(f"| {shown.target_words(target)} | {_('due {when}').format(when=clock.stamp(target['due_at']))} | |")
    return lines + [""]


def review_lines(timeline: Timeline, clock: shown.Clock) -> list[str]:
    """The after-action review, when the incident has one."""
    if timeline.review is None:
        return []
    lines = ["## " + _("After-action review"), "", md(reviewed.totals(timeline.review)), ""]
    for table in reviewed.tables(timeline.review, clock, timeline.people):
        lines += [f"### {table.title}", ""]
        if not table.rows:
            lines += [table.empty, ""]
            continue
        lines += ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
        lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in table.rows]
        lines.append("")
    return lines


class Decisions:
    """The decisions table's rows, written to `out` as the one read of the events finds them."""

    def __init__(self, timeline: Timeline, clock: shown.Clock, out: SupportsWrite[str]):
        self._clock, self._out = clock, out
        self._people = shown.people_index(timeline.people)
        self.count = 0

    def add(self, d: shown.Decision) -> None:
        clock = self._clock
        self.count += 1
        when = clock.format(d.occurred_at, "%Y-%m-%d %H:%M")
        if d.occurred_at != d.at:
            when += " " + _("(logged {time})").format(time=clock.time(d.at))
        what = _("correction of seq {seq}: {text}").format(seq=d.corrects, text=d.text) if d.corrects is not None else d.text
        self._out.write(f"| {when} | {md(self._people.get(d.actor, d.actor))} | {md(what)} ({_('seq {seq}').format(seq=d.seq)}) "
                        f"| {md(d.rationale or '—')} |\n")


def decisions_lines(timeline: Timeline, read: parts.Read, out: TextIO) -> None:
    """The decisions table (its rows from the read), and the decisions still open."""
    out.write("## " + _("Decisions") + "\n\n")
    if read.counts[DECISIONS]:
        out.write(f"| {_('Time')} | {_('Who')} | {_('Decision')} | {_('Rationale')} |\n| --- | --- | --- | --- |\n")
        read.into(DECISIONS, out)
    else:
        out.write(_("No decisions were logged.") + "\n")
    lines = []
    open_ = timeline.state.get("open_decisions", [])
    if open_:
        lines += ["", _("Still open: {decisions}").format(decisions="; ".join(f"{md(d['question'])} ({md(d['id'])})" for d in open_))]
    out.write("\n".join([*lines, ""]) + "\n")


SECTIONS = 2
DECISIONS, ACTIVITY = range(SECTIONS)
"""What one read of the events writes (parts.PartReader): the decisions' rows, the activity log's rows."""


def read_part(timeline: Timeline, events: Events, tally: Tally, sinks: Sequence[SupportsWrite[str]]) -> tuple[int]:
    """One part of the read of the events (parts.PartReader): each a row of the activity log, each
    decision a row of its table. Returns how many decisions."""
    clock = shown.Clock(timeline.timezone)
    decisions = Decisions(timeline, clock, sinks[DECISIONS])
    activity_rows(timeline, events, clock, sinks[ACTIVITY], tally, decisions)
    return (decisions.count,)


READING = parts.Reading(read_part, SECTIONS, counts=1)


def activity_rows(timeline: Timeline, events: Events, clock: shown.Clock, out: SupportsWrite[str], tally: Tally,
                  decisions: Decisions | None = None) -> None:
    """The activity log's rows, every event one; each decision found on the way goes to `decisions`."""
    said, composed, stored_text = eventtext.summary, eventtext.composes(), eventtext.stored_text
    people = shown.people_index(timeline.people)
    who: dict[str, str] = {}  # actor → shown: a few people write 100,000 events
    time, quick = clock.format, clock.quick()
    decision, decided, may_decide = shown.decision, (decisions.add if decisions is not None else None), shown.may_decide
    checked = tally.row
    rows: list[str] = []
    for row in events.rows():  # store.chain.ROW's columns: a record made only for what needs one
        e = None
        if checked(row) is None:  # not the usual event, checked as it is: its record checked whole
            e = events.record(row)
            tally.add(e)
        kind, actor = row[IN_KIND], row[IN_ACTOR]
        if e is None and (composed or (decided is not None and kind == "decision.logged" and may_decide(row[IN_DATA]))):
            e = events.record(row)
        shown_actor = who.get(actor) if type(actor) is str else None
        if shown_actor is None:
            shown_actor = md(people.get(actor, actor))
            if type(actor) is str and len(who) < 1000:
                who[actor] = shown_actor
        rows.append(f"| {quick(row[IN_AT]) or time(row[IN_AT])} | {shown_actor} | {md(said(e) if composed and e is not None else stored_text(row[IN_SUMMARY]))} |\n")
        if decided is not None and e is not None and kind == "decision.logged":
            found = decision(e)
            if found is not None:
                decided(found)
        if len(rows) >= _BATCH:
            out.write("".join(rows))
            rows.clear()
    out.write("".join(rows))


def activity_log(read: parts.Read, out: TextIO) -> None:
    """The activity log: its rows from the read."""
    out.write("## " + _("Activity log") + "\n\n" + _("In the manner of an ICS 214 activity log: every event of the incident, and the health "
                                                       "changes of the suppliers it involves, in the order they were recorded.")
              + f"\n\n| {_('Time')} | {_('Who')} | {_('What')} |\n| --- | --- | --- |\n")
    read.into(ACTIVITY, out)
    if not read.tally.count:
        out.write(f"| | | {_('No events.')} |\n")
    out.write("\n")


def chain_lines(tally: parts.Tallied) -> list[str]:
    if tally.problem is None:
        line = i18n.ngettext("{n} event; chain head `{head}`; verified: every hash holds and the incident's events are complete.",
                             "{n} events; chain head `{head}`; verified: every hash holds and the incident's events are complete.", tally.count)
    else:
        line = i18n.ngettext("{n} event; chain head `{head}`; NOT VERIFIED: {problem}.", "{n} events; chain head `{head}`; NOT VERIFIED: {problem}.",
                             tally.count)
    return ["## " + _("Integrity"), "", line.format(n=i18n.number(tally.count), head=tally.head or _("none"), problem=md(tally.problem)),
            _("The signed JSON export of the same incident can be checked with `warroom verify --export FILE.json`."), ""]


def render(timeline: Timeline, out: TextIO) -> None:
    """One read of the events (parts.read) gives the decisions table and the activity log."""
    clock = shown.Clock(timeline.timezone)
    with parts.read(timeline, READING) as read:
        out.write("\n".join(header(timeline, clock, _("Incident report")) + summary(timeline, clock) + key_times_lines(timeline, clock)
                            + review_lines(timeline, clock)) + "\n")
        decisions_lines(timeline, read, out)
        activity_log(read, out)
    out.write("\n".join(chain_lines(read.tally)))
