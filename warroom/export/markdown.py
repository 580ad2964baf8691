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
from typing import Any, TextIO

from warroom import text
from warroom.export import reviewed, shown
from warroom.export.model import Tally, Timeline

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
    mode = "DRILL" if i["mode"] == "drill" else "LIVE"
    lines = [f"# {title} #{i['id']}: {md(i['title'])} ({mode})", ""]
    lines.append(f"Times are in {clock.named(i['opened_at'])}. Prepared {clock.stamp(timeline.generated_at)} "
                 f"by {md(shown.person(timeline.generated_by, timeline.people))} from the war-room's event log.")
    if timeline.window:
        w = timeline.window
        lines += ["", f"**Window:** only what was recorded {_window_words(w, clock)}; "
                      "the incident's events in it are complete and unbroken."]
    return lines + [""]


def _window_words(window: Any, clock: shown.Clock) -> str:
    since = f"from {clock.stamp(window.since)}" if window.since else "from the opening"
    until = f"until {clock.stamp(window.until)}" if window.until else "until the export"
    return f"{since} {until}"


def summary(timeline: Timeline, clock: shown.Clock) -> list[str]:
    i, p = timeline.incident, timeline.playbook
    rows = [
        ("Status", i["status"].upper()),
        ("Mode", "drill (exercise)" if i["mode"] == "drill" else "live"),
        ("Playbook", f"{p.get('title', i['playbook'])} ({i['playbook']}, version {i['playbook_version']})"),
        ("Severity", p.get("severity", "—")),
        ("Opened by", shown.person(i["opened_by"], timeline.people)),
    ]
    lines = ["## Summary", ""]
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
    moments = [("Opened", i["opened_at"]), ("First escalation", min(fired, default=None)),
               ("First escalation acknowledged", min(acked, default=None)), ("First fallback activated", min(activated, default=None)),
               ("Stabilised", i["stabilised_at"]), ("Resolved", i["resolved_at"]), ("Closed", i["closed_at"])]
    return [(what, when) for what, when in moments if when]


def key_times_lines(timeline: Timeline, clock: shown.Clock) -> list[str]:
    opened = timeline.incident["opened_at"]
    lines = ["## Key times", "", "| What | When | After opening |", "| --- | --- | --- |"]
    for what, when in key_times(timeline):
        after = shown.between(when, opened)
        lines.append(f"| {what} | {clock.stamp(when)} | {shown.span(after) if after is not None else '—'} |")
    for target in timeline.playbook.get("targets", []):
        lines.append(f"| Target: {target['target'].replace('_', ' ')} {target['within']} | due {clock.stamp(target['due_at'])} | |")
    return lines + [""]


def review_lines(timeline: Timeline, clock: shown.Clock) -> list[str]:
    """The after-action review, when the incident has one."""
    if timeline.review is None:
        return []
    lines = ["## After-action review", "", md(reviewed.totals(timeline.review)), ""]
    for table in reviewed.tables(timeline.review, clock, timeline.people):
        lines += [f"### {table.title}", ""]
        if not table.rows:
            lines += [table.empty, ""]
            continue
        lines += ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
        lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in table.rows]
        lines.append("")
    return lines


def decisions(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## Decisions", "", "| Time | Who | Decision | Rationale |", "| --- | --- | --- | --- |"]
    people = shown.people_index(timeline.people)
    count = 0
    for d in shown.decisions(timeline.events):
        count += 1
        when = clock.format(d.occurred_at, "%Y-%m-%d %H:%M")
        if d.occurred_at != d.at:
            when += f" (logged {clock.time(d.at)})"
        what = f"correction of seq {d.corrects}: {d.text}" if d.corrects is not None else d.text
        lines.append(f"| {when} | {md(people.get(d.actor, d.actor))} | {md(what)} (seq {d.seq}) | {md(d.rationale or '—')} |")
    if not count:
        lines = lines[:2] + ["No decisions were logged."]
    open_ = timeline.state.get("open_decisions", [])
    if open_:
        lines += ["", "Still open: " + "; ".join(f"{md(d['question'])} ({md(d['id'])})" for d in open_)]
    return lines + [""]


def activity_log(timeline: Timeline, clock: shown.Clock, out: TextIO, tally: Tally) -> None:
    out.write("## Activity log\n\nIn the manner of an ICS 214 activity log: every event of the incident, and the health changes of "
              "the suppliers it involves, in the order they were recorded.\n\n| Time | Who | What |\n| --- | --- | --- |\n")
    people = shown.people_index(timeline.people)
    who: dict[str, str] = {}  # actor → shown: a few people write 100,000 events
    time = clock.format
    rows: list[str] = []
    for e in tally.over(timeline.events):
        actor = e["actor"]
        shown_actor = who.get(actor) if type(actor) is str else None
        if shown_actor is None:
            shown_actor = md(people.get(actor, actor))
            if type(actor) is str and len(who) < 1000:
                who[actor] = shown_actor
        rows.append(f"| {time(e['at'])} | {shown_actor} | {md(e['summary'])} |\n")
        if len(rows) >= _BATCH:
            out.write("".join(rows))
            rows.clear()
    out.write("".join(rows))
    if not tally.count:
        out.write("| | | No events. |\n")
    out.write("\n")


def chain_lines(tally: Tally) -> list[str]:
    state = "verified: every hash holds and the incident's events are complete" if tally.problem is None else f"NOT VERIFIED: {md(tally.problem)}"
    return ["## Integrity", "", f"{tally.count:,} events; chain head `{tally.head or 'none'}`; {state}.",
            "The signed JSON export of the same incident can be checked with `warroom verify --export FILE.json`.", ""]


def render(timeline: Timeline, out: TextIO) -> None:
    clock = shown.Clock(timeline.timezone)
    out.write("\n".join(header(timeline, clock, "Incident report") + summary(timeline, clock) + key_times_lines(timeline, clock)
                        + review_lines(timeline, clock) + decisions(timeline, clock)) + "\n")
    tally = Tally(timeline.stream, timeline.starts())
    activity_log(timeline, clock, out, tally)
    out.write("\n".join(chain_lines(tally)))
