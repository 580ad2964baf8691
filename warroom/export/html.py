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
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any, TextIO

from warroom import eventtext, i18n, text, words
from warroom.config import notified
from warroom.export import parts, reviewed, shown
from warroom.export.markdown import key_times, window_words
from warroom.export.model import Events, Tally, Timeline
from warroom.i18n import _
from warroom.store.chain import IN_ACTOR, IN_AT, IN_DATA, IN_INCIDENT_ID, IN_KIND, IN_SEQ, IN_SUMMARY

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_NEWLINES = re.compile(r"\r\n|\n|\r")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17)) + "]")
_BMP_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_SUSPECT = re.compile("[" + text.UNSAFE_CLASS + "\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]")
"""Any character `h` might not pass through as it is, in one search of a few runs: text without
one is safe (text.is_safe) and holds no noncharacter, with no max() over every character."""
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
    if _SUSPECT.search(value) is None or (text.is_safe(value) and not _noncharacter(value)):  # the common case: nothing to show or break
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
    mode = words.shown(i["mode"], words.MODE).upper()
    running = css_string(_("{mode} · incident #{id}: {title}").format(mode=mode, id=i["id"], title=i["title"]))
    page, of = css_string(_("page") + " "), css_string(" " + _("of") + " ")
    return ("@page { size: A4; margin: 18mm 14mm 16mm;"
            f" @top-left {{ content: {running}; font: 8pt system-ui, sans-serif; color: #555; }}"
            f" @bottom-right {{ content: {page} counter(page) {of} counter(pages); font: 8pt system-ui, sans-serif; color: #555; }} }}")


def _t(value: str) -> str:
    """Our own words (a translation) as HTML: only what would be markup is escaped."""
    return escape(value, quote=False)


def _columns(*names: str) -> str:
    return "".join(f'<th scope="col">{_t(name)}</th>' for name in names)


def _by(when: str, person: str) -> str:
    """`14:05 by Alice (alice)`: both already HTML."""
    return _t(_("{when} by {who}")).format(when=when, who=person)


def _state(state: object) -> str:
    return words.shown(state, words.SUPPLIER_STATE) if isinstance(state, str) else "" if state is None else str(state)


def _head(timeline: Timeline, clock: shown.Clock) -> str:
    i = timeline.incident
    mode = "drill" if i["mode"] == "drill" else "live"
    badge = h(words.shown(mode, words.MODE).upper())
    window = ""
    if timeline.window:
        window = ('<p class="meta">' + _t(_("**Window:** only what was recorded {window}; the incident's events in it are complete and unbroken.")
                                         .format(window=window_words(timeline.window, clock))).replace("**", "<strong>", 1).replace("**", "</strong>", 1)
                  + "</p>\n")
    heading = _t(_("Incident #{id}: {title}")).format(id=i["id"], title=h(i["title"]))  # the title as recorded text: nothing invisible left
    return (
        f"<!DOCTYPE html>\n<html lang=\"{i18n.current()}\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"warroom\">\n"
        f"<title>{heading} ({badge})</title>\n"
        f"<style>{STYLE}{_page_css(timeline)}\n</style>\n</head>\n<body>\n<header>\n"
        f'<p><span class="badge {mode}">{badge}</span> <span class="badge">{h(words.shown(i["status"], words.INCIDENT_STATUS).upper())}</span></p>\n'
        f"<h1>{heading}</h1>\n"
        f'<p class="meta">' + _("Times are in {zone}. Prepared {when} by {who} from the war-room's event log.").format(
            zone=h(clock.named(i["opened_at"])), when=h(clock.stamp(timeline.generated_at)), who=who(timeline.generated_by, timeline.people))
        + f"</p>\n{window}</header>\n<main>\n"
    )


def _summary(timeline: Timeline, clock: shown.Clock) -> str:
    i, p = timeline.incident, timeline.playbook
    facts = [(_("Status"), words.shown(i["status"], words.INCIDENT_STATUS)),
             (_("Mode"), _("drill (exercise)") if i["mode"] == "drill" else words.shown("live", words.MODE)),
             (_("Playbook"), shown.playbook_line(p, i)), (_("Severity"), words.shown(p["severity"], words.SEVERITY) if p.get("severity") else "—"), (_("Opened by"), None)]
    out = [f'<section id="summary">\n<h2>{_t(_("Summary"))}</h2>\n']
    if p.get("summary", "").strip():
        out.append(f"<p>{h(p['summary'].strip())}</p>\n")
    out.append('<dl class="facts">' + "".join(f"<dt>{h(name)}</dt><dd>{h(value) if value is not None else who(i['opened_by'], timeline.people)}</dd>" for name, value in facts) + "</dl>\n")
    out.append(f'<h2>{_t(_("Key times"))}</h2>\n<table>\n<thead><tr>' + _columns(_("What"), _("When"), _("After opening")) + '</tr></thead>\n<tbody>\n')
    for what, when in key_times(timeline):
        after = shown.between(when, i["opened_at"])
        out.append(f'<tr><td>{h(what)}</td><td class="time">{_time(clock, when)}</td><td class="num">{shown.span(after) if after is not None else "—"}</td></tr>\n')
    for target in p.get("targets", []):
        out.append(f"<tr><td>{h(shown.target_words(target))}</td>"
                   f'<td class="time">{_t(_("due {when}")).format(when=_time(clock, target["due_at"]))}</td><td></td></tr>\n')
    out.append("</tbody>\n</table>\n</section>\n")
    return "".join(out)


def _review(timeline: Timeline, clock: shown.Clock) -> str:
    """The after-action review, when the incident has one: its numbers as `warroom review` has them."""
    if timeline.review is None:
        return ""
    out = [f'<section id="review">\n<h2>{_t(_("After-action review"))}</h2>\n', f"<p>{h(reviewed.totals(timeline.review))}</p>\n"]
    for table in reviewed.tables(timeline.review, clock, timeline.people):
        out.append(f'<h3 id="{table.id}">{h(table.title)}</h3>\n')
        if not table.rows:
            out.append(f'<p class="muted">{h(table.empty)}</p>\n')
            continue
        out.append("<table>\n<thead><tr>" + "".join(f'<th scope="col">{h(c)}</th>' for c in table.columns) + "</tr></thead>\n<tbody>\n")
        out.extend("<tr>" + "".join(f"<td>{h(cell)}</td>" for cell in row) + "</tr>\n" for row in table.rows)
        out.append("</tbody>\n</table>\n")
    return "".join(out) + "</section>\n"


class _Decisions:
    """The decisions table's rows, written to `out` as the one read of the events finds them."""

    def __init__(self, timeline: Timeline, clock: shown.Clock, out: SupportsWrite[str]):
        self._clock, self._out = clock, out
        self._people = _who_index(timeline.people)
        self.count = 0

    def add(self, d: shown.Decision) -> None:
        clock = self._clock
        self.count += 1
        logged = (' <span class="muted">' + _t(_("(logged {time})")).format(time=_time(clock, d.at, "%H:%M:%S")) + "</span>"
                  if d.occurred_at != d.at else "")
        what = h(d.text)
        if d.corrects is not None:
            what = f"<em>{_t(_('Correction of seq {seq}:').format(seq=d.corrects))}</em> {what}"
        seq = _t(_("seq {seq}").format(seq=d.seq))
        self._out.write(f'<tr><td class="time">{_time(clock, d.occurred_at, "%Y-%m-%d %H:%M")}{logged}</td>'
                        f'<td>{self._people.get(d.actor) or who(d.actor, [])}</td>'
                        f'<td>{what} <span class="muted">({seq})</span></td><td>{h(d.rationale or "—")}</td></tr>\n')


def _decisions(timeline: Timeline, clock: shown.Clock, read: parts.Read, out: TextIO) -> None:
    """The decisions table (its rows from the read), and the decisions still open."""
    out.write(f'<section id="decisions">\n<h2>{_t(_("Decisions"))}</h2>\n<table>\n<thead><tr>'
              + _columns(_("When"), _("Who"), _("Decision"), _("Rationale")) + '</tr></thead>\n<tbody>\n')
    _rows(read, DECISIONS, read.counts[DECISIONS], 4, _("No decisions were logged."), out)
    open_ = timeline.state.get("open_decisions", [])
    if open_:
        out.write(f"<p><strong>{_t(_('Still open:'))}</strong></p>\n<ul>\n" + "".join(
            f"<li>{h(d['question'])} <span class=\"muted\">({h(d['id'])}{', ' + _t(_('due {when}')).format(when=_time(clock, d['due_at'], '%H:%M')) if d['due_at'] else ''})</span></li>\n"
            for d in open_) + "</ul>\n")
    out.write("</section>\n")


def _escalations(timeline: Timeline, clock: shown.Clock) -> str:
    ladder = timeline.state.get("ladder", [])
    out = [f'<section id="escalations">\n<h2>{_t(_("Escalations"))}</h2>\n']
    if not ladder:
        return out[0] + f"<p>{_t(_('The playbook has no escalation ladder.'))}</p>\n</section>\n"
    out.append('<table>\n<thead><tr>' + _columns(_("Level"), _("Notify"), _("Due"), _("State"), _("Fired"), _("Acknowledged"))
               + '</tr></thead>\n<tbody>\n')
    for e in ladder:
        contacts = "<br>".join(h(c["name"]) + (f" ({h(c['phone'])})" if c.get("phone") else "") for c in e.get("contacts", []))
        late = " " + _("({span} late)").format(span=shown.span(e["late_seconds"])) if e.get("late_seconds") else ""
        acked = _by(_time(clock, e["acked_at"]), who(e["acked_by"], timeline.people)) if e["acked_at"] else "—"
        out.append(f'<tr><td class="num">{e["level"]}</td><td>{contacts or h(notified(e["notify"], drill=timeline.incident["mode"] == "drill", shown=True))}</td><td class="time">{_time(clock, e["due_at"])}</td>'
                   f'<td>{h(words.shown(e["state"], words.LEVEL_STATE))}</td><td class="time">{_time(clock, e["fired_at"])}{h(late)}</td><td>{acked}</td></tr>\n')
    return "".join(out) + "</tbody>\n</table>\n</section>\n"


def _fallbacks(timeline: Timeline, clock: shown.Clock) -> str:
    fallbacks = timeline.state.get("fallbacks", [])
    out = [f'<section id="fallbacks">\n<h2>{_t(_("Fallbacks"))}</h2>\n']
    if not fallbacks:
        return out[0] + f"<p>{_t(_('The playbook names no fallbacks.'))}</p>\n</section>\n"
    out.append('<table>\n<thead><tr>' + _columns(_("Fallback"), _("Activated"), _("Reason"), _("Stood down"), _("Result"))
               + '</tr></thead>\n<tbody>\n')
    for f in fallbacks:
        name = f"{h(f['title'])} <span class=\"muted\">({h(f['id'])})</span>"
        if not f["activations"]:
            out.append(f'<tr><td>{name}</td><td colspan="4">{_t(_("not used"))}</td></tr>\n')
        for a in f["activations"]:
            down = (_by(_time(clock, a["deactivated_at"]), who(a["deactivated_by"], timeline.people)) if a["deactivated_at"]
                    else f"<strong>{_t(_('still active'))}</strong>")
            result = h(words.shown(a["result"], words.FALLBACK_RESULT)) if a["result"] else "—"
            out.append(f"<tr><td>{name}</td><td>{_by(_time(clock, a['activated_at']), who(a['by'], timeline.people))}</td>"
                       f"<td>{h(a['reason'] or '—')}</td><td>{down}</td><td>{result}</td></tr>\n")
    return "".join(out) + "</tbody>\n</table>\n</section>\n"


def _health_row(e: dict[str, Any], clock: shown.Clock) -> str:
    """A supplier's health change (an event of no incident) as a row of its table."""
    data = e["data"] if isinstance(e["data"], dict) else {}
    via = " " + _t(_("via {supplier}")).format(supplier=h(data["via"])) if data.get("via") else ""
    cause = " — ".join(h(x) for x in (data.get("cause"), data.get("detail")) if x)
    return (f'<tr><td class="time">{_time(clock, e["at"])}</td><td>{h(data.get("supplier"))}</td>'
            f'<td>{h(_state(data.get("from")))} → <strong>{h(_state(data.get("to")))}</strong>{via}</td><td>{cause or "—"}</td></tr>\n')


def _health(read: parts.Read, out: TextIO) -> None:
    out.write(f'<section id="health">\n<h2>{_t(_("Health changes of the suppliers involved"))}</h2>\n<table>\n<thead><tr>'
              + _columns(_("When"), _("Supplier"), _("Change"), _("Cause")) + '</tr></thead>\n<tbody>\n')
    _rows(read, HEALTH, read.counts[HEALTH], 4, _("No health changes were recorded while the incident was open."), out)
    out.write("</section>\n")


SECTIONS = 3
DECISIONS, HEALTH, ROWS = range(SECTIONS)
"""What one read of the events writes (parts.PartReader): the decisions' rows, the health changes' rows, the timeline's rows."""


def read_part(timeline: Timeline, events: Events, tally: Tally, sinks: Sequence[SupportsWrite[str]]) -> tuple[int, int]:
    """One part of the read of the events (parts.PartReader): each a row of the timeline, each
    decision a row of its table, each supplier's health change a row of its own. Returns how many
    decisions and how many health changes."""
    clock = shown.Clock(timeline.timezone)
    decisions = _Decisions(timeline, clock, sinks[DECISIONS])
    changes = _read(timeline, events, clock, tally, decisions, sinks[HEALTH], sinks[ROWS])
    return decisions.count, changes


READING = parts.Reading(read_part, SECTIONS, counts=2)


def _read(timeline: Timeline, events: Events, clock: shown.Clock, tally: Tally, decisions: _Decisions, health: SupportsWrite[str],
          rows_out: SupportsWrite[str]) -> int:
    """Each event a row of the timeline (into `rows_out`), each decision into its table, each
    supplier's health change into `health`. Returns how many health changes."""
    people = _who_index(timeline.people)
    said = eventtext.summary
    actors: dict[Any, str] = {}  # actor → shown, kind → shown: 100,000 events have a few of each
    kinds: dict[Any, str] = {}

    def once(what: str, value: Any) -> str:
        html = (people.get(value) or who(value, [])) if what == "actor" else h(shown.kind_word(value))
        known = actors if what == "actor" else kinds
        if type(value) is str and len(known) < 1000:
            known[value] = html
        return html

    decision, may_decide, changes = shown.decision, shown.may_decide, 0
    composed, stored_text = eventtext.composes(), eventtext.stored_text
    checked = tally.row
    quick = clock.quick()
    rows: list[str] = []
    for row in events.rows():  # store.chain.ROW's columns: a record made only for what needs one
        e = None
        if checked(row) is None:  # not the usual event, checked as it is: its record checked whole
            e = events.record(row)
            tally.add(e)
        kind = row[IN_KIND]
        health_change = kind == "supplier.state" and row[IN_INCIDENT_ID] is None
        if e is None and (composed or (kind == "decision.logged" and may_decide(row[IN_DATA])) or health_change):
            e = events.record(row)
        at = row[IN_AT]
        shown_at = quick(at)  # the stored spelling: nothing in its datetime to escape
        shown_at = f'<time datetime="{at[:23]}Z">{shown_at}</time>' if shown_at is not None else _time(clock, at)
        actor = row[IN_ACTOR]
        rows.append(f'<tr><td class="num">{row[IN_SEQ]}</td><td class="time">{shown_at}</td><td>{actors.get(actor) or once("actor", actor)}</td>'
                    f'<td>{kinds.get(kind) or once("kind", kind)}</td><td>{h(said(e) if composed and e is not None else stored_text(row[IN_SUMMARY]))}</td></tr>\n')
        if e is None:
            pass
        elif kind == "decision.logged":
            found = decision(e)
            if found is not None:
                decisions.add(found)
        elif health_change:
            changes += 1
            health.write(_health_row(e, clock))
        if len(rows) >= _BATCH:
            rows_out.write("".join(rows))
            rows.clear()
    rows_out.write("".join(rows))
    return changes


def _timeline(read: parts.Read, out: TextIO) -> None:
    out.write(f'<section id="timeline" class="timeline">\n<h2>{_t(_("Timeline"))}</h2>\n<p class="muted">'
              + _t(_("Every event of the incident and the health changes of the suppliers it involves, in the order they were recorded."))
              + "</p>\n<table>\n<thead><tr>" + _columns(_("Seq"), _("Time"), _("Who"), _("Kind"), _("What")) + "</tr></thead>\n<tbody>\n")
    _rows(read, ROWS, read.tally.count, 5, _("No events."), out)
    out.write("</section>\n")


def _rows(read: parts.Read, section: int, count: int, width: int, empty: str, out: TextIO) -> None:
    """A table's rows from the read (`count` of them), or one row saying `empty`; the table ends."""
    read.into(section, out)
    if not count:
        out.write(f'<tr><td colspan="{width}">{_t(empty)}</td></tr>\n')
    out.write("</tbody>\n</table>\n")


def _integrity(tally: parts.Tallied) -> str:
    if tally.problem is None:
        verdict = f'<span class="verified">{_t(_("Verified"))}</span>: ' + _t(_("every hash holds and the incident's events are complete."))
    else:
        verdict = f'<span class="broken">{_t(_("NOT VERIFIED"))}</span>: {h(tally.problem)}'
    return (f'<section id="integrity">\n<h2>{_t(_("Integrity"))}</h2>\n<dl class="facts">'
            f"<dt>{_t(_('Events'))}</dt><dd>{h(i18n.number(tally.count))}</dd><dt>{_t(_('Chain head'))}</dt><dd><code>{h(tally.head or _('none'))}</code></dd>"
            f"<dt>{_t(_('Check'))}</dt><dd>{verdict}</dd></dl>\n"
            '<p class="muted">' + _t(_("The signed JSON export of the same incident proves this on its own:"))
            + " <code>warroom verify --export FILE.json --key warroom.pub</code>.</p>\n</section>\n")


def render(timeline: Timeline, out: TextIO) -> None:
    clock = shown.Clock(timeline.timezone)
    # One read of the events (parts.read) gives the decisions, the health changes and the timeline.
    with parts.read(timeline, READING) as read:
        out.write(_head(timeline, clock))
        out.write(_summary(timeline, clock))
        out.write(_review(timeline, clock))
        _decisions(timeline, clock, read, out)
        out.write(_escalations(timeline, clock))
        out.write(_fallbacks(timeline, clock))
        _health(read, out)
        _timeline(read, out)
    tally = read.tally
    out.write(_integrity(tally))
    footer = i18n.ngettext("warroom export · incident #{id} · {n} event", "warroom export · incident #{id} · {n} events", tally.count)
    out.write(f'</main>\n<footer><p class="muted">{h(footer.format(id=timeline.incident["id"], n=i18n.number(tally.count)))}</p></footer>\n</body>\n</html>\n')
