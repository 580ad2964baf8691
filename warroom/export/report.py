"""A draft of one legal report (`--format report --obligation NAME`, Markdown): the NIS2 early
warning, notification or final report, a CER report, drafted from the timeline for a person to
finish and send. What happened, the impact on services, the measures taken, cross-border impact
(unknown until a person says otherwise), and a section for everything the obligation says the
report must contain. Every fact cites the event it comes from (#seq), so the draft can be checked
against the signed JSON export of the same incident."""

from __future__ import annotations

from typing import Any, TextIO

from warroom.export import shown
from warroom.export.markdown import header, md
from warroom.export.model import Timeline

HAPPENED = ("incident.opened", "supplier.state", "drill.inject", "drill.inject_failed", "incident.stabilised", "incident.resolved", "incident.closed")
MEASURES = ("step.done", "step.skipped", "fallback.activated", "fallback.deactivated", "decision.logged", "escalation.acknowledged", "report.sent")


def clock_of(timeline: Timeline, obligation: str) -> dict[str, Any] | None:
    return next((c for c in timeline.state.get("reporting", []) if c["id"] == obligation), None)


def _cited(event: dict[str, Any], clock: shown.Clock) -> str:
    return f"- {clock.format(event['at'], '%Y-%m-%d %H:%M')} — {md(event['summary'])} (#{event['seq']})"


def render(timeline: Timeline, out: TextIO, obligation: str) -> None:
    report = clock_of(timeline, obligation)
    if report is None:  # the command checks first; a render on its own must not guess
        raise ValueError(f"no reporting obligation {obligation!r} in this incident")
    clock = shown.Clock(timeline.timezone)
    i = timeline.incident
    drill = i["mode"] == "drill"
    lines = header(timeline, clock, f"DRAFT {'[DRILL] ' if drill else ''}{report['title']} — incident")
    lines += [
        "> **Draft for a person to complete, check and send.** warroom drafted it from the event log; it has not been sent."
        + (" This is a DRILL: do not send it to the recipient." if drill else ""), "",
        f"- **Report:** {md(report['title'])} ({md(report['id'])})",
        f"- **To:** {md(report['recipient'])}",
        f"- **Due:** {clock.stamp(report['due_at']) if report['due_at'] else 'not yet: the clock starts with ' + md(report['starts'])}"
        f" (state: {report['state']}; counted from the {md(report['starts'])}"
        + (f" at {clock.stamp(report['started_at'])}" if report['started_at'] else "") + ")",
        "",
    ]
    happened: list[str] = []
    measures: list[str] = []
    for event in timeline.events.of(HAPPENED + MEASURES):
        (happened if event["kind"] in HAPPENED else measures).append(_cited(event, clock))
    summary = timeline.playbook.get("summary", "").strip()
    lines += ["## 1. What happened", ""]
    if summary:
        lines += [f"Scenario: {md(summary)}", ""]
    lines += happened or ["- nothing recorded yet"]
    lines += ["", "## 2. Impact on services", ""]
    # A supplier a drill broke hits no service of a live incident's report, nor another drill's; a drill's own says DRILL.
    hit = shown.services_hit(timeline.situation, i["id"] if drill else None)
    for v, state, through in hit:
        named = ", ".join(f"{md(t['supplier'])} {t['state']}" + (f" [DRILL #{t['drill']}]" if t.get("drill") is not None else "")
                          for t in through)
        lines.append(f"- **{md(v['name'])}** ({md(v['sector'])}): {state} — through {named}")
    if not hit:
        lines.append("- No crucial service is hit at the time of drafting; describe the impact while it lasted.")
    lines += ["", "## 3. Measures taken", ""]
    lines += measures or ["- none recorded yet"]
    lines += ["", "## 4. Cross-border impact", "",
              "- [ ] unknown — to be assessed (the event log holds no assessment)",
              "- [ ] none",
              "- [ ] yes: which member states, and how:", ""]
    lines += ["## 5. What this report must contain", ""]
    lines += [f"- [ ] {md(item)}: _to be completed_" for item in report["content"]] or ["- (the obligation names no required content)"]
    lines += ["", f"Drafted {clock.stamp(timeline.generated_at)} from incident #{i['id']}; every (#N) is an event of its signed JSON export "
                  f"(`warroom export {i['id']} --format json`)."]
    out.write("\n".join(lines) + "\n")
