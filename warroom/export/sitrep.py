"""The situation report (`--format sitrep`, Markdown): the briefing a commander hands over at a
change of shift, in the manner of an ICS 201 incident briefing, for someone who has seen nothing
yet. The situation now (suppliers down, services hit), objectives, actions taken, who holds which
role, fallbacks active, open steps and decisions, and the next escalation. Escaped as the Markdown
report is (markdown.md)."""

from __future__ import annotations

from typing import TextIO

from warroom.export import shown
from warroom.export.markdown import md
from warroom.export.model import Timeline

ACTIONS = ("incident.opened", "incident.stabilised", "incident.resolved", "incident.closed", "step.done", "step.skipped",
           "escalation.acknowledged", "fallback.activated", "fallback.deactivated", "decision.logged", "drill.inject",
           "drill.inject_failed")
SHOWN_ACTIONS = 25
_TARGETS = {"acknowledge_within": "Acknowledge the first escalation", "fallback_within": "Have a fallback in place",
            "stabilise_within": "Stabilise the situation", "resolve_within": "Resolve the incident"}


def _ago(clock_now: str, at: str | None) -> str:
    seconds = shown.between(clock_now, at)
    if seconds is None:
        return ""
    return f"{shown.span(seconds)} ago" if seconds >= 0 else f"in {shown.span(seconds)}"


def _situation(timeline: Timeline, clock: shown.Clock) -> list[str]:
    now = timeline.generated_at
    situation = timeline.situation
    lines = ["## 1. Situation now", ""]
    if timeline.playbook.get("summary", "").strip():
        lines += [f"Scenario: {md(timeline.playbook['summary'].strip())}", ""]
    # A live incident's commander must not read a drill's fault as the situation: drill-held suppliers
    # (and the services hit only through them) leave the picture, named once as an exercise.
    own = timeline.incident["id"] if timeline.incident.get("mode") == "drill" else None
    exercised = {s["id"]: s["drill"] for s in situation.get("suppliers", []) if s.get("drill") is not None and s["drill"] != own}
    suppliers = [s for s in situation.get("suppliers", []) if s["state"] in ("down", "degraded", "maintenance") and s["id"] not in exercised]
    for drill in sorted(set(exercised.values())):
        ids = ", ".join(md(i) for i, d in exercised.items() if d == drill)
        lines += [f"Drill #{drill} is exercising {ids} (not an outage, not part of this incident).", ""]
    if suppliers:
        lines += ["Suppliers not up:", ""]
        for s in suppliers:
            via = f" (through {md(s['via'])})" if s.get("via") else ""
            since = f", since {clock.format(s['since'], '%H:%M')} ({_ago(now, s['since'])})" if s.get("since") else ""
            fallback = f"; fallback **{md(s['fallback']['id'])}** active" if s.get("fallback") else ""
            drill = f" [DRILL #{s['drill']}: a drill's fault, not an outage]" if s.get("drill") is not None else ""
            lines.append(f"- **{md(s['name'])}** ({md(s['id'])}): **{s['state'].upper()}**{drill}{via}{since} — {md(s.get('detail') or '')}{fallback}")
    else:
        lines.append("Every supplier the war-room watches is up (or not checked yet).")
    hit = shown.services_hit(situation, own)
    lines.append("")
    if hit:
        lines += ["Crucial services hit:", ""]
        for v, state, through in hit:
            via = ", ".join(f"{md(t['supplier'])} {t['state']}" + (" [DRILL]" if t.get("drill") is not None else "") for t in through)
            lines.append(f"- **{md(v['name'])}** ({md(v['sector'])}): {state.upper()} — through {via}")
    else:
        lines.append("No crucial service is hit right now.")
    return lines + [""]


def _objectives(timeline: Timeline, clock: shown.Clock) -> list[str]:
    i = timeline.incident
    met = dict(key_moments(timeline))
    lines = ["## 2. Objectives", ""]
    for target in timeline.playbook.get("targets", []):
        what = _TARGETS.get(target["target"], target["target"].replace("_", " "))
        done = met.get(target["target"])
        if done:
            state = f"done {clock.format(done, '%H:%M')}" + (" (late)" if done > target["due_at"] else "")
        else:
            state = "OVERDUE" if timeline.generated_at > target["due_at"] else "open"
        lines.append(f"- {what} within {target['within']}: due {clock.format(target['due_at'], '%H:%M')} — {state}")
    for d in timeline.playbook.get("decisions", []):
        taken = all(d["id"] != o["id"] for o in timeline.state.get("open_decisions", []))
        lines.append(f"- Decide: {md(d['question'])} — {'decided' if taken else 'open'}")
    if len(lines) == 2:
        lines.append(f"- Bring incident #{i['id']} to resolution (the playbook sets no targets).")
    return lines + [""]


def key_moments(timeline: Timeline) -> list[tuple[str, str]]:
    """When each target was met, as far as the state shows it."""
    i, state = timeline.incident, timeline.state
    acked = [e["acked_at"] for e in state.get("ladder", []) if e["acked_at"]]
    activated = [a["activated_at"] for f in state.get("fallbacks", []) for a in f["activations"]]
    found = [("acknowledge_within", min(acked, default=None)), ("fallback_within", min(activated, default=None)),
             ("stabilise_within", i["stabilised_at"] or i["resolved_at"]), ("resolve_within", i["resolved_at"])]
    return [(k, v) for k, v in found if v]


def _actions(timeline: Timeline, clock: shown.Clock) -> list[str]:
    people = shown.people_index(timeline.people)
    recent, count = timeline.events.latest(ACTIONS, SHOWN_ACTIONS)
    lines = ["## 3. Actions taken", ""]
    if count > SHOWN_ACTIONS:
        lines += [f"The latest {SHOWN_ACTIONS} of {count:,}; the full activity log is in `warroom export {timeline.incident['id']} --format md`.", ""]
    if not recent:
        return lines + ["None yet.", ""]
    lines += ["| Time | Who | Action |", "| --- | --- | --- |"]
    lines += [f"| {clock.format(e['at'], '%d-%m %H:%M')} | {md(people.get(e['actor'], e['actor']))} | {md(e['summary'])} |" for e in recent]
    return lines + [""]


def _organisation(timeline: Timeline) -> list[str]:
    lines = ["## 4. Organisation: who holds which role", ""]
    if not timeline.people:
        return lines + ["No roles are configured: everyone who uses this war-room may act ([people] in warroom.toml is empty).", ""]
    lines += ["| Role | Name | OS user |", "| --- | --- | --- |"]
    lines += [f"| {shown.ROLE_WORDS.get(p['role'], md(p['role']))} | {md(p['name'])} | {md(p['user'])} |" for p in timeline.people]
    return lines + [""]


def _fallbacks(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## 5. Fallbacks", ""]
    fallbacks = timeline.state.get("fallbacks", [])
    if not fallbacks:
        return lines + ["The playbook names no fallbacks.", ""]
    for f in fallbacks:
        active = [a for a in f["activations"] if not a["deactivated_at"]]
        if active:
            a = active[-1]
            lines.append(f"- **ACTIVE: {md(f['title'])}** ({md(f['id'])}) since {clock.format(a['activated_at'], '%H:%M')}, by "
                         f"{md(shown.person(a['by'], timeline.people))}: {md(a['reason'] or 'no reason given')}")
        elif f["activations"]:
            a = f["activations"][-1]
            lines.append(f"- {md(f['title'])} ({md(f['id'])}): stood down {clock.format(a['deactivated_at'], '%H:%M')} — {md(a['result'] or 'result not said')}")
        else:
            owner = f", owner {md(f['owner'])}" if f.get("owner") else ""
            lines.append(f"- Available, not used: {md(f['title'])} ({md(f['id'])}{owner})")
    return lines + [""]


def _open_work(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## 6. Open steps and decisions", ""]
    steps = [s for s in timeline.state.get("steps", []) if s["status"] in ("pending", "started")]
    decisions = timeline.state.get("open_decisions", [])
    for s in steps:
        due = f", due {clock.format(s['due_at'], '%H:%M')}" if s["due_at"] else ""
        flag = " — **OVERDUE**" if s["overdue"] else ""
        lines.append(f"- [ ] Step {md(s['id'])} ({s['status']}{due}): {md(s['title'])}{flag}")
    for d in decisions:
        due = f", due {clock.format(d['due_at'], '%H:%M')}" if d["due_at"] else ""
        flag = " — **OVERDUE**" if d["overdue"] else ""
        who = f" ({shown.ROLE_WORDS.get(d['role'], d['role'])})" if d.get("role") else ""
        lines.append(f"- [ ] Decision {md(d['id'])}{who}{due}: {md(d['question'])}{flag}")
    if not steps and not decisions:
        lines.append("Nothing open: every step is done or skipped and every expected decision taken.")
    return lines + [""]


def _next_escalation(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## 7. Next escalation", ""]
    ladder = timeline.state.get("ladder", [])
    waiting = [e for e in ladder if e["state"] == "fired"]
    pending = [e for e in ladder if e["state"] == "pending"]
    for e in waiting:
        lines.append(f"- Level {e['level']} FIRED at {clock.format(e['fired_at'], '%H:%M')} and not yet acknowledged "
                     f"(`warroom escalation ack {timeline.incident['id']} {e['level']}`).")
    if pending:
        e = pending[0]
        contacts = "; ".join(md(c["name"]) + (f" ({md(c['phone'])})" if c.get("phone") else "") for c in e.get("contacts", []))
        due = (f"was due at {clock.format(e['due_at'], '%H:%M')} ({_ago(timeline.generated_at, e['due_at'])}) and has not fired: is the monitor running?"
               if timeline.generated_at > e["due_at"] else f"is due at {clock.format(e['due_at'], '%H:%M')} ({_ago(timeline.generated_at, e['due_at'])})")
        lines.append(f"- Level {e['level']} {due} Notify: {contacts or md(e['who'])}. {md(e['message'])}")
    elif not waiting:
        lines.append("No escalation is pending" + (" (the incident is resolved: the ladder stopped)." if timeline.incident["resolved_at"] else "."))
    return lines + [""]


def render(timeline: Timeline, out: TextIO) -> None:
    clock = shown.Clock(timeline.timezone)
    i = timeline.incident
    mode = "DRILL (exercise)" if i["mode"] == "drill" else "LIVE"
    lines = [f"# Situation report: incident #{i['id']}, {md(i['title'])}", "",
             f"**{mode}** · status **{i['status'].upper()}** · opened {clock.stamp(i['opened_at'])} ({_ago(timeline.generated_at, i['opened_at'])}) "
             f"by {md(shown.person(i['opened_by'], timeline.people))} · playbook {md(i['playbook'])} v{i['playbook_version']}",
             "", f"Prepared {clock.stamp(timeline.generated_at)} by {md(shown.person(timeline.generated_by, timeline.people))}. "
             f"Times are in {clock.named(timeline.generated_at)}.", ""]
    lines += _situation(timeline, clock) + _objectives(timeline, clock) + _actions(timeline, clock) + _organisation(timeline)
    lines += _fallbacks(timeline, clock) + _open_work(timeline, clock) + _next_escalation(timeline, clock)
    out.write("\n".join(lines))
