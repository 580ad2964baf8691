"""The HTML export: one self-contained HTML5 page that reads on screen and prints well. No script,
font, image or stylesheet is fetched: the style is inline and the fonts are the reader's own. Print
CSS puts the incident in a running header on every page, numbers the pages, starts the timeline on
a page of its own and repeats table headers across pages.

Recorded text is data: every piece is escaped with html.escape (quotes too); a line break becomes
`<br>`; control and invisible reordering characters are shown as visible symbols (warroom.text),
and the code points HTML forbids (noncharacters) as U+FFFD. The running header's text sits in a CSS
string, where every character but letters, digits and spaces is a CSS escape, so nothing recorded
can close the style element."""

from __future__ import annotations

import re
import sys
from html import escape
from typing import Any, TextIO

from warroom import text
from warroom.export import reviewed, shown
from warroom.export.markdown import key_times
from warroom.export.model import Tally, Timeline

_NEWLINES = re.compile(r"\r\n|\n|\r")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17)) + "]")
_BMP_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_BATCH = 500


def _noncharacter(value: str) -> bool:
    """Whether `value` holds a noncharacter. The full class is slow to search (each entry tried in
    turn once one lies beyond U+FFFF), and those beyond are at U+1FFFE and above: past any emoji."""
    return _BMP_NONCHARACTERS.search(value) is not None or (value > "" and max(value) >= "\U0001fffe" and _NONCHARACTERS.search(value) is not None)

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --line: #c8c8c8; --drill: #8a5a00; --live: #a00000; --ok: #1d6b2c; --bad: #a00000; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); margin: 2rem auto; max-width: 72rem; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; break-after: avoid; }
h2 { font-size: 1.2rem; border-bottom: 2px solid var(--ink); padding-bottom: .15rem; margin: 2rem 0 .6rem; break-after: avoid; }
p.meta, .muted { color: var(--muted); }
.badge { display: inline-block; font-weight: 700; letter-spacing: .06em; padding: .05rem .5rem; border: 2px solid currentColor; border-radius: .25rem; }
.drill { color: var(--drill); } .live { color: var(--live); }
.verified { color: var(--ok); font-weight: 700; } .broken { color: var(--bad); font-weight: 700; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .25rem .45rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { background: #f0f0f0; }
td.time, td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85em; overflow-wrap: anywhere; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  th { background: none; border-bottom: 1.5px solid var(--ink); }
  section.timeline { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""


def h(value: object) -> str:
    """Recorded text as HTML: escaped, its line breaks kept, nothing invisible or forbidden left."""
    value = "" if value is None else str(value)
    if text.is_safe(value) and not _noncharacter(value):  # the common case: nothing to show or break
        return escape(value, quote=True)
    parts = _NEWLINES.split(value)
    return "<br>".join(escape(_NONCHARACTERS.sub("\ufffd", text.line(part, limit=sys.maxsize)), quote=True) for part in parts)


def who(user: str | None, people: list[dict[str, Any]]) -> str:
    """A person as HTML: their name isolated for direction (a right-to-left name does not reorder
    what follows it), then their OS user."""
    if not user:
        return "—"
    name = next((p["name"] for p in people if p["user"] == user and p["name"] != user), None)
    return f"<bdi>{h(name)}</bdi> (<bdi>{h(user)}</bdi>)" if name else f"<bdi>{h(user)}</bdi>"


def _who_index(people: list[dict[str, Any]]) -> dict[str, str]:
    return {p["user"]: who(p["user"], people) for p in people}


def css_string(value: object) -> str:
    """Text as a CSS string: letters, digits and spaces as they are, everything else escaped."""
    shown_text = _NONCHARACTERS.sub("\ufffd", text.line(value, limit=200))
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in shown_text) + '"'


def _time(clock: shown.Clock, at: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A <time> element: the war-room's local time shown, the UTC instant in its datetime (at most
    milliseconds, as HTML allows)."""
    shown_at = clock.local(at, fmt)
    if shown_at is None:
        return h(at) if at else "—"
    return f'<time datetime="{escape(at[:23] + "Z")}">{shown_at}</time>'


def _page_css(timeline: Timeline) -> str:
    i = timeline.incident
    mode = "DRILL" if i["mode"] == "drill" else "LIVE"
    running = css_string(f"{mode} · incident #{i['id']}: {i['title']}")
    return ("@page { size: A4; margin: 18mm 14mm 16mm;"
            f" @top-left {{ content: {running}; font: 8pt system-ui, sans-serif; color: #555; }}"
            " @bottom-right { content: \"page \" counter(page) \" of \" counter(pages); font: 8pt system-ui, sans-serif; color: #555; } }")


def _head(timeline: Timeline, clock: shown.Clock) -> str:
    i = timeline.incident
    mode = "drill" if i["mode"] == "drill" else "live"
    window = ""
    if timeline.window:
        w = timeline.window
        since = f"from {h(clock.stamp(w.since))}" if w.since else "from the opening"
        until = f"until {h(clock.stamp(w.until))}" if w.until else "until the export"
        window = (f'<p class="meta"><strong>Window:</strong> only what was recorded {since} {until}; '
                  "the incident's events in it are complete and unbroken.</p>\n")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"warroom\">\n"
        f"<title>Incident #{i['id']}: {h(i['title'])} ({mode.upper()})</title>\n"
        f"<style>{STYLE}{_page_css(timeline)}\n</style>\n</head>\n<body>\n<header>\n"
        f'<p><span class="badge {mode}">{mode.upper()}</span> <span class="badge">{h(i["status"].upper())}</span></p>\n'
        f"<h1>Incident #{i['id']}: {h(i['title'])}</h1>\n"
        f'<p class="meta">Times are in {h(clock.named(i["opened_at"]))}. Prepared {h(clock.stamp(timeline.generated_at))} by '
        f"{who(timeline.generated_by, timeline.people)} from the war-room's event log.</p>\n{window}</header>\n<main>\n"
    )


def _summary(timeline: Timeline, clock: shown.Clock) -> str:
    i, p = timeline.incident, timeline.playbook
    facts = [("Status", i["status"]), ("Mode", "drill (exercise)" if i["mode"] == "drill" else "live"),
             ("Playbook", f"{p.get('title', i['playbook'])} ({i['playbook']}, version {i['playbook_version']})"),
             ("Severity", p.get("severity", "—")), ("Opened by", None)]
    out = ['<section id="summary">\n<h2>Summary</h2>\n']
    if p.get("summary", "").strip():
        out.append(f"<p>{h(p['summary'].strip())}</p>\n")
    out.append('<dl class="facts">' + "".join(f"<dt>{name}</dt><dd>{h(value) if value is not None else who(i['opened_by'], timeline.people)}</dd>" for name, value in facts) + "</dl>\n")
    out.append('<h2>Key times</h2>\n<table>\n<thead><tr><th scope="col">What</th><th scope="col">When</th><th scope="col">After opening</th></tr></thead>\n<tbody>\n')
    for what, when in key_times(timeline):
        after = shown.between(when, i["opened_at"])
        out.append(f'<tr><td>{what}</td><td class="time">{_time(clock, when)}</td><td class="num">{shown.span(after) if after is not None else "—"}</td></tr>\n')
    for target in p.get("targets", []):
        out.append(f"<tr><td>Target: {h(target['target'].replace('_', ' '))} {h(target['within'])}</td>"
                   f'<td class="time">due {_time(clock, target["due_at"])}</td><td></td></tr>\n')
    out.append("</tbody>\n</table>\n</section>\n")
    return "".join(out)


def _review(timeline: Timeline, clock: shown.Clock) -> str:
    """The after-action review, when the incident has one: its numbers as `warroom review` has them."""
    if timeline.review is None:
        return ""
    out = ['<section id="review">\n<h2>After-action review</h2>\n', f"<p>{h(reviewed.totals(timeline.review))}</p>\n"]
    for table in reviewed.tables(timeline.review, clock, timeline.people):
        out.append(f'<h3 id="{table.id}">{h(table.title)}</h3>\n')
        if not table.rows:
            out.append(f'<p class="muted">{h(table.empty)}</p>\n')
            continue
        out.append("<table>\n<thead><tr>" + "".join(f'<th scope="col">{h(c)}</th>' for c in table.columns) + "</tr></thead>\n<tbody>\n")
        out.extend("<tr>" + "".join(f"<td>{h(cell)}</td>" for cell in row) + "</tr>\n" for row in table.rows)
        out.append("</tbody>\n</table>\n")
    return "".join(out) + "</section>\n"


def _decisions(timeline: Timeline, clock: shown.Clock, out: TextIO) -> None:
    people = _who_index(timeline.people)
    out.write('<section id="decisions">\n<h2>Decisions</h2>\n<table>\n<thead><tr><th scope="col">When</th><th scope="col">Who</th>'
              '<th scope="col">Decision</th><th scope="col">Rationale</th></tr></thead>\n<tbody>\n')
    count = 0
    for d in shown.decisions(timeline.events):
        count += 1
        logged = f' <span class="muted">(logged {_time(clock, d.at, "%H:%M:%S")})</span>' if d.occurred_at != d.at else ""
        what = h(d.text)
        if d.corrects is not None:
            what = f"<em>Correction of seq {h(d.corrects)}:</em> {what}"
        out.write(f'<tr><td class="time">{_time(clock, d.occurred_at, "%Y-%m-%d %H:%M")}{logged}</td><td>{people.get(d.actor) or who(d.actor, [])}</td>'
                  f'<td>{what} <span class="muted">(seq {d.seq})</span></td><td>{h(d.rationale or "—")}</td></tr>\n')
    if not count:
        out.write('<tr><td colspan="4">No decisions were logged.</td></tr>\n')
    out.write("</tbody>\n</table>\n")
    open_ = timeline.state.get("open_decisions", [])
    if open_:
        out.write("<p><strong>Still open:</strong></p>\n<ul>\n" + "".join(
            f"<li>{h(d['question'])} <span class=\"muted\">({h(d['id'])}{', due ' + _time(clock, d['due_at'], '%H:%M') if d['due_at'] else ''})</span></li>\n"
            for d in open_) + "</ul>\n")
    out.write("</section>\n")


def _escalations(timeline: Timeline, clock: shown.Clock) -> str:
    ladder = timeline.state.get("ladder", [])
    out = ['<section id="escalations">\n<h2>Escalations</h2>\n']
    if not ladder:
        return out[0] + "<p>The playbook has no escalation ladder.</p>\n</section>\n"
    out.append('<table>\n<thead><tr><th scope="col">Level</th><th scope="col">Notify</th><th scope="col">Due</th><th scope="col">State</th>'
               '<th scope="col">Fired</th><th scope="col">Acknowledged</th></tr></thead>\n<tbody>\n')
    for e in ladder:
        contacts = "<br>".join(h(c["name"]) + (f" ({h(c['phone'])})" if c.get("phone") else "") for c in e.get("contacts", []))
        late = f" ({shown.span(e['late_seconds'])} late)" if e.get("late_seconds") else ""
        acked = f"{_time(clock, e['acked_at'])} by {who(e['acked_by'], timeline.people)}" if e["acked_at"] else "—"
        out.append(f'<tr><td class="num">{e["level"]}</td><td>{contacts or h(e["who"])}</td><td class="time">{_time(clock, e["due_at"])}</td>'
                   f'<td>{h(e["state"])}</td><td class="time">{_time(clock, e["fired_at"])}{h(late)}</td><td>{acked}</td></tr>\n')
    return "".join(out) + "</tbody>\n</table>\n</section>\n"


def _fallbacks(timeline: Timeline, clock: shown.Clock) -> str:
    fallbacks = timeline.state.get("fallbacks", [])
    out = ['<section id="fallbacks">\n<h2>Fallbacks</h2>\n']
    if not fallbacks:
        return out[0] + "<p>The playbook names no fallbacks.</p>\n</section>\n"
    out.append('<table>\n<thead><tr><th scope="col">Fallback</th><th scope="col">Activated</th><th scope="col">Reason</th>'
               '<th scope="col">Stood down</th><th scope="col">Result</th></tr></thead>\n<tbody>\n')
    for f in fallbacks:
        name = f"{h(f['title'])} <span class=\"muted\">({h(f['id'])})</span>"
        if not f["activations"]:
            out.append(f'<tr><td>{name}</td><td colspan="4">not used</td></tr>\n')
        for a in f["activations"]:
            down = f"{_time(clock, a['deactivated_at'])} by {who(a['deactivated_by'], timeline.people)}" if a["deactivated_at"] else "<strong>still active</strong>"
            out.append(f"<tr><td>{name}</td><td>{_time(clock, a['activated_at'])} by {who(a['by'], timeline.people)}</td>"
                       f"<td>{h(a['reason'] or '—')}</td><td>{down}</td><td>{h(a['result'] or '—')}</td></tr>\n")
    return "".join(out) + "</tbody>\n</table>\n</section>\n"


def _health(timeline: Timeline, clock: shown.Clock, out: TextIO) -> None:
    out.write('<section id="health">\n<h2>Health changes of the suppliers involved</h2>\n<table>\n<thead><tr><th scope="col">When</th>'
              '<th scope="col">Supplier</th><th scope="col">Change</th><th scope="col">Cause</th></tr></thead>\n<tbody>\n')
    count = 0
    for e in timeline.events.of(("supplier.state",)):
        if e["incident_id"] is not None:
            continue
        data = e["data"] if isinstance(e["data"], dict) else {}
        count += 1
        via = f" via {h(data['via'])}" if data.get("via") else ""
        cause = " — ".join(h(x) for x in (data.get("cause"), data.get("detail")) if x)
        out.write(f'<tr><td class="time">{_time(clock, e["at"])}</td><td>{h(data.get("supplier"))}</td>'
                  f'<td>{h(data.get("from"))} → <strong>{h(data.get("to"))}</strong>{via}</td><td>{cause or "—"}</td></tr>\n')
    if not count:
        out.write('<tr><td colspan="4">No health changes were recorded while the incident was open.</td></tr>\n')
    out.write("</tbody>\n</table>\n</section>\n")


def _timeline(timeline: Timeline, clock: shown.Clock, out: TextIO, tally: Tally) -> None:
    people = _who_index(timeline.people)
    out.write('<section id="timeline" class="timeline">\n<h2>Timeline</h2>\n<p class="muted">Every event of the incident and the health changes '
              "of the suppliers it involves, in the order they were recorded.</p>\n<table>\n<thead><tr><th scope=\"col\">Seq</th>"
              '<th scope="col">Time</th><th scope="col">Who</th><th scope="col">Kind</th><th scope="col">What</th></tr></thead>\n<tbody>\n')
    shown_once: dict[tuple[str, str], str] = {}  # (actor or kind, its text) → shown: 100,000 events have a few of each

    def once(what: str, value: Any) -> str:
        if type(value) is str and (what, value) in shown_once:
            return shown_once[what, value]
        html = (people.get(value) or who(value, [])) if what == "actor" else h(shown.KIND_WORDS.get(value, value))
        if type(value) is str and len(shown_once) < 1000:
            shown_once[what, value] = html
        return html

    rows: list[str] = []
    for e in tally.over(timeline.events):
        rows.append(f'<tr><td class="num">{e["seq"]}</td><td class="time">{_time(clock, e["at"])}</td><td>{once("actor", e["actor"])}</td>'
                    f'<td>{once("kind", e["kind"])}</td><td>{h(e["summary"])}</td></tr>\n')
        if len(rows) >= _BATCH:
            out.write("".join(rows))
            rows.clear()
    out.write("".join(rows))
    if not tally.count:
        out.write('<tr><td colspan="5">No events.</td></tr>\n')
    out.write("</tbody>\n</table>\n</section>\n")


def _integrity(tally: Tally) -> str:
    if tally.problem is None:
        verdict = '<span class="verified">Verified</span>: every hash holds and the incident\'s events are complete.'
    else:
        verdict = f'<span class="broken">NOT VERIFIED</span>: {h(tally.problem)}'
    return ('<section id="integrity">\n<h2>Integrity</h2>\n<dl class="facts">'
            f"<dt>Events</dt><dd>{tally.count:,}</dd><dt>Chain head</dt><dd><code>{h(tally.head or 'none')}</code></dd>"
            f"<dt>Check</dt><dd>{verdict}</dd></dl>\n"
            "<p class=\"muted\">The signed JSON export of the same incident proves this on its own: "
            "<code>warroom verify --export FILE.json --key warroom.pub</code>.</p>\n</section>\n")


def render(timeline: Timeline, out: TextIO) -> None:
    clock = shown.Clock(timeline.timezone)
    out.write(_head(timeline, clock))
    out.write(_summary(timeline, clock))
    out.write(_review(timeline, clock))
    _decisions(timeline, clock, out)
    out.write(_escalations(timeline, clock))
    out.write(_fallbacks(timeline, clock))
    _health(timeline, clock, out)
    tally = Tally(timeline.stream, timeline.starts())
    _timeline(timeline, clock, out, tally)
    out.write(_integrity(tally))
    out.write(f'</main>\n<footer><p class="muted">warroom export · incident #{timeline.incident["id"]} · {tally.count:,} events</p></footer>\n</body>\n</html>\n')
