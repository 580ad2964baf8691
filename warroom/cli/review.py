"""The after-action review (DESIGN §6): `review ID [--json]` measures a drill (or a live incident)
against its playbook's targets; `review --playbook ID` compares every drill of a playbook; and the
evaluators' record: `review ID observe …`, `review ID action …`, `review ID action-status …`."""

from __future__ import annotations

from datetime import datetime

import click

from warroom import durations
from warroom.cli import Env
from warroom.cli.incidents import reading
from warroom.cli.output import echo, echo_json, entry
from warroom.cli.params import INCIDENT, SEQ, TEXT
from warroom.services import commands
from warroom.services.views import to_json
from warroom.text import line
from warroom.vocabulary import ActionStatus, words


class _Review(click.Group):
    """`review ID --json` takes its options after the id; `review ID observe …` leaves the rest
    to the subcommand (a group parses its own options only before the subcommand's name)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not any(a in self.commands for a in args):
            ctx.allow_interspersed_args = True
        return super().parse_args(ctx, args)


@click.group(cls=_Review, invoke_without_command=True)
@click.argument("incident_id", metavar="[ID]", type=INCIDENT, required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON: the measures, steps, decisions, injects, escalations, observations, actions.")
@click.option("--playbook", "playbook_id", metavar="PLAYBOOK", type=TEXT, help="Compare every drill of this playbook instead.")
@click.pass_context
def review(ctx: click.Context, incident_id: int | None, as_json: bool, playbook_id: str | None) -> None:
    """After-action review: times measured from the log against the playbook's targets.

    \b
    warroom review ID [--json]                       the review of one incident
    warroom review --playbook PLAYBOOK [--json]      every drill of a playbook, oldest first
    warroom review ID observe strength|improvement TEXT (--target NAME | --step STEP)
    warroom review ID action TEXT --owner WHO --due YYYY-MM-DD
    warroom review ID action-status ACTION open|in-progress|done"""
    from warroom.errors import BadInput

    env: Env = ctx.obj
    ctx.meta["review_incident"] = incident_id
    if ctx.invoked_subcommand is not None:
        if incident_id is None:
            raise BadInput(f"review {ctx.invoked_subcommand}: name the incident first (warroom review ID {ctx.invoked_subcommand} …)")
        if playbook_id is not None or as_json:
            raise BadInput(f"review ID {ctx.invoked_subcommand} takes no --playbook or --json")
        return
    if (incident_id is None) == (playbook_id is None):
        raise BadInput("review: give an incident ID or --playbook PLAYBOOK (one of them)")
    from warroom.services import review as service

    with reading(env) as w:
        result = service.review(w.session, incident_id, w.config, w.now) if incident_id is not None else \
            service.compare(w.session, playbook_id, w.config, w.now)  # type: ignore[arg-type]
    if as_json:
        echo_json(to_json(result))
        return
    zone = w.config.settings.timezone
    echo(_render(result, zone) if incident_id is not None else _render_comparison(result, zone))


def _render(r, zone: str) -> str:
    from warroom.clock import local

    def t(when: datetime | None) -> str:
        return local(when, zone, "%H:%M:%S")

    faster = f", {r.speed:g}× faster" if r.speed != 1 else ""
    lines = [line(f"Review of #{r.incident} {r.mode.upper()} · {r.title} · {r.status.upper()}{faster}"),
             f"wall-clock {durations.spoken(r.wall_seconds)}, scenario time {durations.spoken(r.scenario_seconds)}"
             + ("" if r.ended_at else " (still running)"),
             f"targets met: {r.targets_met} of {r.targets_total}", "", "Times (in scenario time, against the targets)"]
    for m in r.measures:
        target = f" target {durations.spoken(m.target_seconds)}" if m.target_seconds is not None else ""
        by = f" by {durations.spoken(m.by_seconds)}" if m.by_seconds is not None else ""
        took = durations.scenario(m.seconds, r.speed)
        lines.append(line(f"  {m.name:<24} {took:<20} {m.result}{by}{target}"))
    lines += ["", "Steps"]
    for s in r.steps:
        late = f" ({durations.scenario(s.late_seconds, r.speed)} late)" if s.late_seconds else ""
        lines.append(line(f"  {s.id:<24} {s.result}{late}" + (f" at {t(s.at)}" if s.at else "")))
    if r.decisions:
        lines += ["", "Decisions"]
        for d in r.decisions:
            state = f"made at {t(d.at)}" + (f" ({durations.scenario(d.late_seconds, r.speed)} late)" if d.late_seconds else "") if d.made else "MISSING"
            lines.append(line(f"  {d.id:<24} {state}"))
    if r.injects:
        lines += ["", "Injects (time to the team's first response; to what it expects)"]
        for i in r.injects:
            name = f"inject {i.n}" if i.n is not None else f"ad hoc #{i.seq}"
            expect = f"; {i.expect} after {durations.scenario(i.expect_seconds, r.speed)}" if i.expect and i.expect_seconds is not None else \
                f"; {i.expect} never" if i.expect else ""
            failed = f"  FAULT FAILED: {i.error}" if i.error else ""
            lines.append(line(f"  {name:<12} at {t(i.at)}  first response after {durations.scenario(i.first_response_seconds, r.speed)}{expect}{failed}"))
    if r.escalations:
        lines += ["", "Escalation"]
        for e in r.escalations:
            fired = (f"fired {t(e.fired_at)}" + (f" ({durations.scenario(e.late_seconds, r.speed)} late)" if e.late else "")) if e.fired_at else "not fired"
            acked = f", acknowledged by {e.acked_by} after {durations.scenario(e.ack_seconds, r.speed)}" if e.acked_at else ", not acknowledged" if e.fired_at else ""
            lines.append(line(f"  L{e.level} {fired}{acked}"))
    if r.observations:
        lines += ["", "Observations"]
        for o in r.observations:
            lead = line(f"  {o.kind:<12} ({'target ' + o.target if o.target else 'step ' + str(o.step)}) ")
            lines.append(lead + entry(f"{o.text} — {o.by}", len(lead)))  # a person's words: wrapped, each line marked
    if r.actions:
        lines += ["", "Improvement plan"]
        for a in r.actions:
            lead = line(f"  #{a.seq:<6} {a.status:<12} {a.owner}, due {a.due}: ")
            lines.append(lead + entry(a.text, len(lead)))
    return "\n".join(lines)


def _render_comparison(c, zone: str) -> str:
    """A column a drill: each measure in scenario time (what the targets are written in) and, in
    brackets, the wall-clock time it took (a drill at --speed 4 took a quarter of it)."""
    from warroom.clock import local

    width = max([20, *(len(durations.scenario(r.wall_seconds, r.speed)) + 2 for r in c.drills),
                 *(len(durations.scenario(d.wall_seconds, d.speed)) + 4 for m in c.measures for d in m.drills)])
    lines = [line(f"Drills of {c.playbook}: {len(c.drills)}"), "  each time in scenario time (and wall-clock, when the drill ran faster); ✔ target met, ✘ missed", ""]
    lines.append(f"  {'measure':<24}" + "".join(f"{'#' + str(r.incident):>{width}}" for r in c.drills))
    lines.append(f"  {'opened':<24}" + "".join(f"{local(r.opened_at, zone, '%m-%d %H:%M'):>{width}}" for r in c.drills))
    lines.append(f"  {'speed':<24}" + "".join(f"{f'{r.speed:g}×':>{width}}" for r in c.drills))
    lines.append(f"  {'duration':<24}" + "".join(f"{durations.scenario(r.wall_seconds, r.speed):>{width}}" for r in c.drills))
    for m in c.measures:
        cells = []
        for d in m.drills:
            mark = {"met": " ✔", "missed": " ✘", "not reached": " ✘"}.get(d.result or "", "")
            took = durations.scenario(d.wall_seconds, d.speed) if d.wall_seconds is not None else "—" if d.result else ""
            cells.append(f"{took + mark:>{width}}")
        lines.append(line(f"  {m.name:<24}" + "".join(cells)))
    lines.append(f"  {'targets met':<24}" + "".join(f"{f'{r.targets_met}/{r.targets_total}':>{width}}" for r in c.drills))
    lines += ["", "Corrective actions of earlier drills still open" if c.open_actions else "No corrective action of an earlier drill is open"]
    for a in c.open_actions:
        lead = line(f"  #{a.seq:<6} (drill #{a.incident}) {a.status:<12} {a.owner}, due {a.due}: ")
        lines.append(lead + entry(a.text, len(lead)))
    return "\n".join(lines)


def _incident(ctx: click.Context) -> int:
    return ctx.parent.meta["review_incident"]  # type: ignore[union-attr]


@review.command()
@click.argument("kind", type=click.Choice(["strength", "improvement"]))
@click.argument("text", type=TEXT)
@click.option("--target", type=click.Choice(["acknowledge_within", "fallback_within", "stabilise_within", "resolve_within"]),
              help="The playbook target it is about.")
@click.option("--step", "step_id", metavar="STEP", type=TEXT, help="The step it is about.")
@click.pass_context
def observe(ctx: click.Context, kind: str, text: str, target: str | None, step_id: str | None) -> None:
    """An evaluator's observation: a strength or an area for improvement, tied to a target or a step."""
    from warroom.cli.incidents import act, context

    act(commands.Observe(_incident(ctx), kind, text, target, step_id), context(ctx.obj))


@review.command()
@click.argument("text", type=TEXT)
@click.option("--owner", required=True, type=TEXT, help="Who is responsible.")
@click.option("--due", required=True, metavar="YYYY-MM-DD", type=TEXT, help="When it must be done.")
@click.pass_context
def action(ctx: click.Context, text: str, owner: str, due: str) -> None:
    """A corrective action of the improvement plan; prints its id (what action-status takes)."""
    from warroom.cli.incidents import act, context

    act(commands.AddAction(_incident(ctx), text, owner, due), context(ctx.obj))


@review.command("action-status")
@click.argument("action_id", metavar="ACTION", type=SEQ)
@click.argument("status", type=click.Choice(words(ActionStatus)))
@click.pass_context
def action_status(ctx: click.Context, action_id: int, status: str) -> None:
    """Track a corrective action: open, in-progress or done."""
    from warroom.cli.incidents import act, context

    act(commands.SetActionStatus(_incident(ctx), action_id, status), context(ctx.obj))


COMMANDS = [review]
