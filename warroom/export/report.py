"""A draft of one legal report (`--format report --obligation NAME`, Markdown): the NIS2 early
warning, notification or final report, a CER report, drafted from the timeline for a person to
finish and send. What happened, the impact on services, the measures taken, cross-border impact
(unknown until a person says otherwise), and a section for everything the obligation says the
report must contain. Every fact cites the event it comes from (#seq), so the draft can be checked
against the signed JSON export of the same incident."""

from __future__ import annotations

from typing import Any, TextIO

from warroom import eventtext, words
from warroom.export import shown
from warroom.export.markdown import header, md
from warroom.export.model import Timeline
from warroom.i18n import _

HAPPENED = ("incident.opened", "supplier.state", "drill.inject", "drill.inject_failed", "incident.stabilised", "incident.resolved", "incident.closed")
MEASURES = ("step.done", "step.skipped", "fallback.activated", "fallback.deactivated", "decision.logged", "escalation.acknowledged", "report.sent")


def clock_of(timeline: Timeline, obligation: str) -> dict[str, Any] | None:
    return next((c for c in timeline.state.get("reporting", []) if c["id"] == obligation), None)


def _cited(event: dict[str, Any], clock: shown.Clock) -> str:
    return f"- {clock.format(event['at'], '%Y-%m-%d %H:%M')} — {md(eventtext.summary(event))} (#{event['seq']})"


def render(timeline: Timeline, out: TextIO, obligation: str) -> None:
    report = clock_of(timeline, obligation)
    if report is None:  # the command checks first; a render on its own must not guess
        raise ValueError(f"no reporting obligation {obligation!r} in this incident")
    clock = shown.Clock(timeline.timezone)
    i = timeline.incident
    drill = i["mode"] == "drill"
    title = (_("DRAFT [DRILL] {title} — incident") if drill else _("DRAFT {title} — incident")).format(title=report["title"])
    lines = header(timeline, clock, title)
    due = clock.stamp(report["due_at"]) if report["due_at"] else _("not yet: the clock starts with {start}").format(start=md(report["starts"]))
    values = {"due": due, "state": words.shown(report["state"], words.CLOCK_STATE), "start": md(report["starts"])}
    counted = (_("**Due:** {due} (state: {state}; counted from the {start} at {at})").format(at=clock.stamp(report["started_at"]), **values)
               if report["started_at"] else _("**Due:** {due} (state: {state}; counted from the {start})").format(**values))
    lines += [
        "> " + (_("**Draft for a person to complete, check and send.** warroom drafted it from the event log; it has not been sent. "
                  "This is a DRILL: do not send it to the recipient.") if drill else
                _("**Draft for a person to complete, check and send.** warroom drafted it from the event log; it has not been sent.")), "",
        "- " + _("**Report:** {title} ({id})").format(title=md(report["title"]), id=md(report["id"])),
        "- " + _("**To:** {recipient}").format(recipient=md(report["recipient"])),
        "- " + counted,
        "",
    ]
    happened: list[str] = []
    measures: list[str] = []
    for event in timeline.events.of(HAPPENED + MEASURES):
        (happened if event["kind"] in HAPPENED else measures).append(_cited(event, clock))
    summary = timeline.playbook.get("summary", "").strip()
    lines += ["## " + _("1. What happened"), ""]
    if summary:
        lines += [_("Scenario: {summary}").format(summary=md(summary)), ""]
    lines += happened or ["- " + _("nothing recorded yet")]
    lines += ["", "## " + _("2. Impact on services"), ""]
    # A supplier a drill broke hits no service of a live incident's report, nor another drill's; a drill's own says DRILL.
    hit = shown.services_hit(timeline.situation, i["id"] if drill else None)
    for v, state, through in hit:
        named = ", ".join(f"{md(t['supplier'])} {words.shown(t['state'], words.SUPPLIER_STATE)}"
                          + (" " + _("[DRILL #{drill}]").format(drill=t["drill"]) if t.get("drill") is not None else "") for t in through)
        lines.append(f"- **{md(v['name'])}** ({md(v['sector'])}): {words.shown(state, words.SUPPLIER_STATE)} — "
                     + _("through {suppliers}").format(suppliers=named))
    if not hit:
        lines.append("- " + _("No crucial service is hit at the time of drafting; describe the impact while it lasted."))
    lines += ["", "## " + _("3. Measures taken"), ""]
    lines += measures or ["- " + _("none recorded yet")]
    lines += ["", "## " + _("4. Cross-border impact"), "",
              "- [ ] " + _("unknown — to be assessed (the event log holds no assessment)"),
              "- [ ] " + _("none"),
              "- [ ] " + _("yes: which member states, and how:"), ""]
    lines += ["## " + _("5. What this report must contain"), ""]
    lines += ["- [ ] " + _("{item}: _to be completed_").format(item=md(item)) for item in report["content"]] or [
        "- " + _("(the obligation names no required content)")]
    lines += ["", _("Drafted {when} from incident #{id}; every (#N) is an event of its signed JSON export (`warroom export {id} --format json`).").format(
        when=clock.stamp(timeline.generated_at), id=i["id"])]
    out.write("\n".join(lines) + "\n")
