"""The after-action review (DESIGN §6): `review ID [--json]` measures a drill (or a live incident)
against its playbook's targets; `review --playbook ID` compares every drill of a playbook; and the
evaluators' record: `review ID observe …`, `review ID action …`, `review ID action-status …`."""

from __future__ import annotations

from datetime import datetime

import click

from warroom import durations, i18n
from warroom import words as vocabulary
from warroom.cli import Env
from warroom.cli.incidents import reading
from warroom.cli.language import Group
from warroom.cli.output import echo, echo_json, entry
from warroom.cli.params import INCIDENT, SEQ, TEXT
from warroom.i18n import N_, _, word
from warroom.services import commands
from warroom.services.views import to_json
from warroom.text import line
from warroom.vocabulary import ActionStatus, words


class _Review(Group):
    """`review ID --json` takes its options after the id; `review ID observe …` leaves the rest
    to the subcommand (a group parses its own options only before the subcommand's name)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not any(a in self.commands for a in args):
            ctx.allow_interspersed_args = True
        return super().parse_args(ctx, args)


@click.group(cls=_Review, invoke_without_command=True, help=N_(
    "After-action review: times measured from the log against the playbook's targets.\n\n"
    "\b\n"
    "warroom review ID [--json]                       the review of one incident\n"
    "warroom review --playbook PLAYBOOK [--json]      every drill of a playbook, oldest first\n"
    "warroom review ID observe strength|improvement TEXT (--target NAME | --step STEP)\n"
    "warroom review ID action TEXT --owner WHO --due YYYY-MM-DD\n"
    "warroom review ID action-status ACTION open|in-progress|done"))
@click.argument("incident_id", metavar="[ID]", type=INCIDENT, required=False)
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: the measures, steps, decisions, injects, escalations, observations, actions."))
@click.option("--playbook", "playbook_id", metavar="PLAYBOOK", type=TEXT, help=N_("Compare every drill of this playbook instead."))
@click.pass_context
def review(ctx: click.Context, incident_id: int | None, as_json: bool, playbook_id: str | None) -> None:
    from warroom.errors import BadInput

    env: Env = ctx.obj
    ctx.meta["review_incident"] = incident_id
    if ctx.invoked_subcommand is not None:
        if incident_id is None:
            raise BadInput(_("review {command}: name the incident first (warroom review ID {command} …)").format(command=ctx.invoked_subcommand))
        if playbook_id is not None or as_json:
            raise BadInput(_("review ID {command} takes no --playbook or --json").format(command=ctx.invoked_subcommand))
        return
    if (incident_id is None) == (playbook_id is None):
        raise BadInput(_("review: give an incident ID or --playbook PLAYBOOK (one of them)"))
    from warroom.services import review as service

    with reading(env) as w:
        result = service.review(w.session, incident_id, w.config, w.now) if incident_id is not None else \
            service.compare(w.session, playbook_id, w.config, w.now)  # type: ignore[arg-type]
    if as_json:
        echo_json(to_json(result))
        return
    zone = w.config.settings.timezone
    echo(_render(result, zone) if incident_id is not None else _render_comparison(result, zone))


# The review's own words (a measure's name, a result, an observation's kind), shown in the chosen
# language; the JSON keeps them as they are.
MEASURE, RESULT, OBSERVATION = vocabulary.REVIEW_MEASURE, vocabulary.REVIEW_RESULT, vocabulary.OBSERVATION_KIND


def _render(r, zone: str) -> str:
    from warroom.clock import local

    def t(when: datetime | None) -> str:
        return local(when, zone, "%H:%M:%S")

    def took(seconds: float | None) -> str:
        return durations.scenario(seconds, r.speed)

    mode = vocabulary.shown(r.mode, vocabulary.MODE).upper()
    status = vocabulary.shown(r.status, vocabulary.INCIDENT_STATUS).upper()
    faster = _(", {speed}× faster").format(speed=i18n.figure(r.speed)) if r.speed != 1 else ""
    lines = [line(_("Review of #{id} {mode} · {title} · {status}{faster}").format(id=r.incident, mode=mode, title=r.title, status=status, faster=faster)),
             _("wall-clock {wall}, scenario time {scenario}").format(wall=durations.spoken(r.wall_seconds), scenario=durations.spoken(r.scenario_seconds))
             + ("" if r.ended_at else _(" (still running)")),
             _("targets met: {met} of {total}").format(met=r.targets_met, total=r.targets_total), "", _("Times (in scenario time, against the targets)")]
    for m in r.measures:
        target = _(" target {time}").format(time=durations.spoken(m.target_seconds)) if m.target_seconds is not None else ""
        by = _(" by {time}").format(time=durations.spoken(m.by_seconds)) if m.by_seconds is not None else ""
        lines.append(line(f"  {word(m.name, MEASURE):<24} {took(m.seconds):<20} {word(m.result, RESULT)}{by}{target}"))
    lines += ["", _("Steps")]
    for s in r.steps:
        late = _(" ({time} late)").format(time=took(s.late_seconds)) if s.late_seconds else ""
        lines.append(line(f"  {s.id:<24} {word(s.result, RESULT)}{late}" + (_(" at {time}").format(time=t(s.at)) if s.at else "")))
    if r.decisions:
        lines += ["", _("Decisions")]
        for d in r.decisions:
            if d.made:
                state = _("made at {time}").format(time=t(d.at)) + (_(" ({time} late)").format(time=took(d.late_seconds)) if d.late_seconds else "")
            else:
                state = _("MISSING")
            lines.append(line(f"  {d.id:<24} {state}"))
    if r.injects:
        lines += ["", _("Injects (time to the team's first response; to what it expects)")]
        for i in r.injects:
            name = _("inject {n}").format(n=i.n) if i.n is not None else _("ad hoc #{seq}").format(seq=i.seq)
            if i.expect and i.expect_seconds is not None:
                expect = _("; {expect} after {time}").format(expect=i.expect, time=took(i.expect_seconds))
            else:
                expect = _("; {expect} never").format(expect=i.expect) if i.expect else ""
            failed = _("  FAULT FAILED: {error}").format(error=i.error) if i.error else ""
            lines.append(line(f"  {name:<12} " + _("at {time}  first response after {took}").format(time=t(i.at), took=took(i.first_response_seconds))
                              + f"{expect}{failed}"))
    if r.escalations:
        lines += ["", _("Escalation")]
        for e in r.escalations:
            if e.fired_at:
                fired = _("fired {time}").format(time=t(e.fired_at)) + (_(" ({time} late)").format(time=took(e.late_seconds)) if e.late else "")
            else:
                fired = _("not fired")
            if e.acked_at:
                acked = _(", acknowledged by {who} after {time}").format(who=e.acked_by, time=took(e.ack_seconds))
            else:
                acked = _(", not acknowledged") if e.fired_at else ""
            lines.append(line(f"  L{e.level} {fired}{acked}"))
    if r.observations:
        lines += ["", _("Observations")]
        for o in r.observations:
            about = _("target {name}").format(name=o.target) if o.target else _("step {id}").format(id=o.step)
            lead = line(f"  {word(o.kind, OBSERVATION):<12} ({about}) ")
            lines.append(lead + entry(f"{o.text} — {o.by}", len(lead)))  # a person's words: wrapped, each line marked
    if r.actions:
        lines += ["", _("Improvement plan")]
        for a in r.actions:
            lead = line(f"  #{a.seq:<6} {word(a.status, 'action status'):<12} " + _("{owner}, due {date}: ").format(owner=a.owner, date=a.due))
            lines.append(lead + entry(a.text, len(lead)))
    return "\n".join(lines)


def _render_comparison(c, zone: str) -> str:
    """A column a drill: each measure in scenario time (what the targets are written in) and, in
    brackets, the wall-clock time it took (a drill at --speed 4 took a quarter of it)."""
    from warroom.clock import local

    width = max([20, *(len(durations.scenario(r.wall_seconds, r.speed)) + 2 for r in c.drills),
                 *(len(durations.scenario(d.wall_seconds, d.speed)) + 4 for m in c.measures for d in m.drills)])
    labels = {"measure": _("measure"), "opened": _("opened"), "speed": _("speed"), "duration": _("duration"), "targets met": _("targets met")}
    left = max(24, *(len(v) + 1 for v in labels.values()))
    lines = [line(_("Drills of {playbook}: {n}").format(playbook=c.playbook, n=len(c.drills))),
             _("  each time in scenario time (and wall-clock, when the drill ran faster); ✔ target met, ✘ missed"), ""]
    lines.append(f"  {labels['measure']:<{left}}" + "".join(f"{'#' + str(r.incident):>{width}}" for r in c.drills))
    lines.append(f"  {labels['opened']:<{left}}" + "".join(f"{local(r.opened_at, zone, '%m-%d %H:%M'):>{width}}" for r in c.drills))
    lines.append(f"  {labels['speed']:<{left}}" + "".join(f"{i18n.figure(r.speed) + '×':>{width}}" for r in c.drills))
    lines.append(f"  {labels['duration']:<{left}}" + "".join(f"{durations.scenario(r.wall_seconds, r.speed):>{width}}" for r in c.drills))
    for m in c.measures:
        cells = []
        for d in m.drills:
            mark = {"met": " ✔", "missed": " ✘", "not reached": " ✘"}.get(d.result or "", "")
            took = durations.scenario(d.wall_seconds, d.speed) if d.wall_seconds is not None else "—" if d.result else ""
            cells.append(f"{took + mark:>{width}}")
        lines.append(line(f"  {word(m.name, MEASURE):<{left}}" + "".join(cells)))
    lines.append(f"  {labels['targets met']:<{left}}" + "".join(f"{f'{r.targets_met}/{r.targets_total}':>{width}}" for r in c.drills))
    lines += ["", _("Corrective actions of earlier drills still open") if c.open_actions else _("No corrective action of an earlier drill is open")]
    for a in c.open_actions:
        lead = line(f"  #{a.seq:<6} " + _("(drill #{incident})").format(incident=a.incident) + f" {word(a.status, 'action status'):<12} "
                    + _("{owner}, due {date}: ").format(owner=a.owner, date=a.due))
        lines.append(lead + entry(a.text, len(lead)))
    return "\n".join(lines)


def _incident(ctx: click.Context) -> int:
    return ctx.parent.meta["review_incident"]  # type: ignore[union-attr]


@review.command(help=N_("An evaluator's observation: a strength or an area for improvement, tied to a target or a step."))
@click.argument("kind", type=click.Choice(["strength", "improvement"]))
@click.argument("text", type=TEXT)
@click.option("--target", type=click.Choice(["acknowledge_within", "fallback_within", "stabilise_within", "resolve_within"]),
              help=N_("The playbook target it is about."))
@click.option("--step", "step_id", metavar="STEP", type=TEXT, help=N_("The step it is about."))
@click.pass_context
def observe(ctx: click.Context, kind: str, text: str, target: str | None, step_id: str | None) -> None:
    from warroom.cli.incidents import act, context

    act(commands.Observe(_incident(ctx), kind, text, target, step_id), context(ctx.obj))


@review.command(help=N_("A corrective action of the improvement plan; prints its id (what action-status takes)."))
@click.argument("text", type=TEXT)
@click.option("--owner", required=True, type=TEXT, help=N_("Who is responsible."))
@click.option("--due", required=True, metavar="YYYY-MM-DD", type=TEXT, help=N_("When it must be done."))
@click.pass_context
def action(ctx: click.Context, text: str, owner: str, due: str) -> None:
    from warroom.cli.incidents import act, context

    act(commands.AddAction(_incident(ctx), text, owner, due), context(ctx.obj))


@review.command("action-status", help=N_("Track a corrective action: open, in-progress or done."))
@click.argument("action_id", metavar="ACTION", type=SEQ)
@click.argument("status", type=click.Choice(words(ActionStatus)))
@click.pass_context
def action_status(ctx: click.Context, action_id: int, status: str) -> None:
    from warroom.cli.incidents import act, context

    act(commands.SetActionStatus(_incident(ctx), action_id, status), context(ctx.obj))


COMMANDS = [review]
