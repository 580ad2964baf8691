"""The situation report (`--format sitrep`, Markdown): the briefing a commander hands over at a
change of shift, in the manner of an ICS 201 incident briefing, for someone who has seen nothing
yet. The situation now (suppliers down, services hit), objectives, actions taken, who holds which
role, fallbacks active, open steps and decisions, and the next escalation. Escaped as the Markdown
report is (markdown.md)."""

from __future__ import annotations

from typing import TextIO

from warroom import eventtext, i18n, words
from warroom.config import notified
from warroom.export import shown
from warroom.export.markdown import md
from warroom.export.model import Timeline
from warroom.i18n import N_, _

ACTIONS = ("incident.opened", "incident.stabilised", "incident.resolved", "incident.closed", "step.done", "step.skipped",
           "escalation.acknowledged", "fallback.activated", "fallback.deactivated", "decision.logged", "drill.inject",
           "drill.inject_failed")
SHOWN_ACTIONS = 25
_TARGETS = {"acknowledge_within": N_("Acknowledge the first escalation"), "fallback_within": N_("Have a fallback in place"),
            "stabilise_within": N_("Stabilise the situation"), "resolve_within": N_("Resolve the incident")}


def _ago(clock_now: str, at: str | None) -> str:
    seconds = shown.between(clock_now, at)
    if seconds is None:
        return ""
    return _("{span} ago").format(span=shown.span(seconds)) if seconds >= 0 else _("in {span}").format(span=shown.span(seconds))


def _situation(timeline: Timeline, clock: shown.Clock) -> list[str]:
    now = timeline.generated_at
    situation = timeline.situation
    lines = ["## " + _("1. Situation now"), ""]
    if timeline.playbook.get("summary", "").strip():
        lines += [_("Scenario: {summary}").format(summary=md(timeline.playbook["summary"].strip())), ""]
    # A live incident's commander must not read a drill's fault as the situation: drill-held suppliers
    # (and the services hit only through them) leave the picture, named once as an exercise.
    own = timeline.incident["id"] if timeline.incident.get("mode") == "drill" else None
    exercised = {s["id"]: s["drill"] for s in situation.get("suppliers", []) if s.get("drill") is not None and s["drill"] != own}
    suppliers = [s for s in situation.get("suppliers", []) if s["state"] in ("down", "degraded", "maintenance") and s["id"] not in exercised]
    for drill in sorted(set(exercised.values())):
        ids = ", ".join(md(i) for i, d in exercised.items() if d == drill)
        lines += [_("Drill #{drill} is exercising {ids} (not an outage, not part of this incident).").format(drill=drill, ids=ids), ""]
    if suppliers:
        lines += [_("Suppliers not up:"), ""]
        for s in suppliers:
            via = " " + _("(through {supplier})").format(supplier=md(s["via"])) if s.get("via") else ""
            since = ", " + _("since {time} ({ago})").format(time=clock.format(s["since"], "%H:%M"), ago=_ago(now, s["since"])) if s.get("since") else ""
            fallback = "; " + _("fallback **{fallback}** active").format(fallback=md(s["fallback"]["id"])) if s.get("fallback") else ""
            drill = " " + _("[DRILL #{drill}: a drill's fault, not an outage]").format(drill=s["drill"]) if s.get("drill") is not None else ""
            state = words.shown(s["state"], words.SUPPLIER_STATE).upper()
            lines.append(f"- **{md(s['name'])}** ({md(s['id'])}): **{state}**{drill}{via}{since} — {md(s.get('detail') or '')}{fallback}")
    else:
        lines.append(_("Every supplier the war-room watches is up (or not checked yet)."))
    hit = shown.services_hit(situation, own)
    lines.append("")
    if hit:
        lines += [_("Crucial services hit:"), ""]
        for v, state, through in hit:
            via = ", ".join(f"{md(t['supplier'])} {words.shown(t['state'], words.SUPPLIER_STATE)}" + (" " + _("[DRILL]") if t.get("drill") is not None else "")
                            for t in through)
            lines.append(f"- **{md(v['name'])}** ({md(v['sector'])}): {words.shown(state, words.SUPPLIER_STATE).upper()} — "
                         + _("through {suppliers}").format(suppliers=via))
    else:
        lines.append(_("No crucial service is hit right now."))
    return lines + [""]


def _objectives(timeline: Timeline, clock: shown.Clock) -> list[str]:
    i = timeline.incident
    met = dict(key_moments(timeline))
    lines = ["## " + _("2. Objectives"), ""]
    for target in timeline.playbook.get("targets", []):
        what = _(_TARGETS[target["target"]]) if target["target"] in _TARGETS else target["target"].replace("_", " ")
        done = met.get(target["target"])
        if done:
            late = done > target["due_at"]
            state = (_("done {time} (late)") if late else _("done {time}")).format(time=clock.format(done, "%H:%M"))
        else:
            state = _("OVERDUE") if timeline.generated_at > target["due_at"] else _("open")
        lines.append("- " + _("{what} within {within}: due {time} — {state}").format(
            what=what, within=target["within"], time=clock.format(target["due_at"], "%H:%M"), state=state))
    for d in timeline.playbook.get("decisions", []):
        taken = all(d["id"] != o["id"] for o in timeline.state.get("open_decisions", []))
        lines.append("- " + (_("Decide: {question} — decided") if taken else _("Decide: {question} — open")).format(question=md(d["question"])))
    if len(lines) == 2:
        lines.append("- " + _("Bring incident #{id} to resolution (the playbook sets no targets).").format(id=i["id"]))
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
    lines = ["## " + _("3. Actions taken"), ""]
    if count > SHOWN_ACTIONS:
        lines += [_("The latest {shown} of {count}; the full activity log is in `warroom export {id} --format md`.").format(
            shown=SHOWN_ACTIONS, count=i18n.number(count), id=timeline.incident["id"]), ""]
    if not recent:
        return lines + [_("None yet."), ""]
    lines += [f"| {_('Time')} | {_('Who')} | {_('Action')} |", "| --- | --- | --- |"]
    lines += [f"| {clock.format(e['at'], '%d-%m %H:%M')} | {md(people.get(e['actor'], e['actor']))} | {md(eventtext.summary(e))} |" for e in recent]
    return lines + [""]


def _organisation(timeline: Timeline) -> list[str]:
    lines = ["## " + _("4. Organisation: who holds which role"), ""]
    if not timeline.people:
        return lines + [_("No roles are configured: everyone who uses this war-room may act ([people] in warroom.toml is empty)."), ""]
    lines += [f"| {_('Role')} | {_('Name')} | {_('OS user')} |", "| --- | --- | --- |"]
    lines += [f"| {md(shown.role_word(p['role']))} | {md(p['name'])} | {md(p['user'])} |" for p in timeline.people]
    return lines + [""]


def _fallbacks(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## " + _("5. Fallbacks"), ""]
    fallbacks = timeline.state.get("fallbacks", [])
    if not fallbacks:
        return lines + [_("The playbook names no fallbacks."), ""]
    for f in fallbacks:
        active = [a for a in f["activations"] if not a["deactivated_at"]]
        if active:
            a = active[-1]
            lines.append("- " + _("**ACTIVE: {title}** ({id}) since {time}, by {who}: {reason}").format(
                title=md(f["title"]), id=md(f["id"]), time=clock.format(a["activated_at"], "%H:%M"),
                who=md(shown.person(a["by"], timeline.people)), reason=md(a["reason"] or _("no reason given"))))
        elif f["activations"]:
            a = f["activations"][-1]
            result = words.shown(a["result"], words.FALLBACK_RESULT) if a["result"] else _("result not said")
            lines.append("- " + _("{title} ({id}): stood down {time} — {result}").format(
                title=md(f["title"]), id=md(f["id"]), time=clock.format(a["deactivated_at"], "%H:%M"), result=md(result)))
        elif f.get("owner"):
            lines.append("- " + _("Available, not used: {title} ({id}, owner {owner})").format(title=md(f["title"]), id=md(f["id"]), owner=md(f["owner"])))
        else:
            lines.append("- " + _("Available, not used: {title} ({id})").format(title=md(f["title"]), id=md(f["id"])))
    return lines + [""]


def _open_work(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## " + _("6. Open steps and decisions"), ""]
    steps = [s for s in timeline.state.get("steps", []) if s["status"] in ("pending", "started")]
    decisions = timeline.state.get("open_decisions", [])
    for s in steps:
        due = ", " + _("due {time}").format(time=clock.format(s["due_at"], "%H:%M")) if s["due_at"] else ""
        flag = " — **" + _("OVERDUE") + "**" if s["overdue"] else ""
        status = words.shown(s["status"], words.STEP_STATUS)
        lines.append("- [ ] " + _("Step {id} ({status}{due}): {title}").format(id=md(s["id"]), status=status, due=due, title=md(s["title"])) + flag)
    for d in decisions:
        due = ", " + _("due {time}").format(time=clock.format(d["due_at"], "%H:%M")) if d["due_at"] else ""
        flag = " — **" + _("OVERDUE") + "**" if d["overdue"] else ""
        who = f" ({shown.role_word(d['role'])})" if d.get("role") else ""
        lines.append("- [ ] " + _("Decision {id}{who}{due}: {question}").format(id=md(d["id"]), who=who, due=due, question=md(d["question"])) + flag)
    if not steps and not decisions:
        lines.append(_("Nothing open: every step is done or skipped and every expected decision taken."))
    return lines + [""]


def _next_escalation(timeline: Timeline, clock: shown.Clock) -> list[str]:
    lines = ["## " + _("7. Next escalation"), ""]
    ladder = timeline.state.get("ladder", [])
    waiting = [e for e in ladder if e["state"] == "fired"]
    pending = [e for e in ladder if e["state"] == "pending"]
    for e in waiting:
        lines.append("- " + _("Level {level} FIRED at {time} and not yet acknowledged (`warroom escalation ack {id} {level}`).").format(
            level=e["level"], time=clock.format(e["fired_at"], "%H:%M"), id=timeline.incident["id"]))
    if pending:
        e = pending[0]
        contacts = "; ".join(md(c["name"]) + (f" ({md(c['phone'])})" if c.get("phone") else "") for c in e.get("contacts", []))
        values = {"level": e["level"], "time": clock.format(e["due_at"], "%H:%M"), "ago": _ago(timeline.generated_at, e["due_at"]),
                  "who": contacts or md(notified(e["notify"], drill=timeline.incident["mode"] == "drill", shown=True)), "message": md(e["message"])}
        if timeline.generated_at > e["due_at"]:
            line = _("Level {level} was due at {time} ({ago}) and has not fired: is the monitor running? Notify: {who}. {message}")
        else:
            line = _("Level {level} is due at {time} ({ago}) Notify: {who}. {message}")
        lines.append("- " + line.format(**values))
    elif not waiting:
        lines.append(_("No escalation is pending (the incident is resolved: the ladder stopped).") if timeline.incident["resolved_at"]
                     else _("No escalation is pending."))
    return lines + [""]


def render(timeline: Timeline, out: TextIO) -> None:
    clock = shown.Clock(timeline.timezone)
    i = timeline.incident
    mode = _("DRILL (exercise)") if i["mode"] == "drill" else words.shown("live", words.MODE).upper()
    lines = ["# " + _("Situation report: incident #{id}, {title}").format(id=i["id"], title=md(i["title"])), "",
             _("**{mode}** · status **{status}** · opened {when} ({ago}) by {who} · playbook {playbook} v{version}").format(
                 mode=mode, status=words.shown(i["status"], words.INCIDENT_STATUS).upper(), when=clock.stamp(i["opened_at"]),
                 ago=_ago(timeline.generated_at, i["opened_at"]), who=md(shown.person(i["opened_by"], timeline.people)),
                 playbook=md(i["playbook"]), version=i["playbook_version"]),
             "", _("Prepared {when} by {who}. Times are in {zone}.").format(
                 when=clock.stamp(timeline.generated_at), who=md(shown.person(timeline.generated_by, timeline.people)),
                 zone=clock.named(timeline.generated_at)), ""]
    lines += _situation(timeline, clock) + _objectives(timeline, clock) + _actions(timeline, clock) + _organisation(timeline)
    lines += _fallbacks(timeline, clock) + _open_work(timeline, clock) + _next_escalation(timeline, clock)
    out.write("\n".join(lines))
