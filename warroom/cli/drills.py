"""Drill commands (DESIGN §6): `drill inject` for an ad-hoc inject, and the facilitator's MSEL:
`drill msel` to read the script, `drill fire|hold|skip` to run it by hand."""

from __future__ import annotations

import click

from warroom.cli import Env, pass_env
from warroom.cli.incidents import act, context, reading
from warroom.cli.output import echo, echo_json
from warroom.cli.params import INCIDENT, TEXT, Number
from warroom.services import commands
from warroom.services.views import to_json
from warroom.text import line

INJECT = Number("inject number")


@click.group()
def drill() -> None:
    """Run a drill: ad-hoc injects, and the facilitator's script (MSEL)."""


@drill.command()
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--message", type=TEXT, help="A scenario development to tell every coordinator (the timeline and their screens).")
@click.option("--fault", metavar="SUPPLIER=MODE", type=TEXT, help="Make a simulated supplier misbehave: up, degraded, down, hang, flap, minor, major.")
@pass_env
def inject(env: Env, incident_id: int, message: str | None, fault: str | None) -> None:
    """Fire an ad-hoc inject into a running drill; prints its event's seq. Exit 1 when the simulator
    did not take the fault (the failure is logged)."""
    act(commands.FireInject(incident_id, message, fault), context(env))


@drill.command()
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--json", "as_json", is_flag=True, help="JSON: incident, speed, opened_at, now, injects [{n, at, planned_at, message, fault, "
              "expect, state, actual_at, late_seconds, error}].")
@pass_env
def msel(env: Env, incident_id: int, as_json: bool) -> None:
    """The drill's script, for its facilitator only: every inject, planned and actual time, state."""
    from warroom.clock import local
    from warroom.services import actors, drills

    with reading(env) as w:
        view = drills.msel(w.session, incident_id=incident_id, actor=actors.current(w.config), now=w.now)
    if as_json:
        echo_json(to_json(view))
        return
    zone = w.config.settings.timezone
    from warroom import durations

    echo(f"MSEL of drill #{view.incident}" + (f" ({view.speed:g}× faster)" if view.speed != 1 else ""))
    for r in view.injects:
        number = f"{r.n:>3}" if r.n is not None else " ad"
        scenario = f"+{durations.format(r.at)}" if r.at is not None else "ad hoc"
        planned = local(r.planned_at, zone, "%H:%M:%S") if r.planned_at else "—"
        actual = local(r.actual_at, zone, "%H:%M:%S") if r.actual_at else "—"
        what = " — ".join(x for x in (r.message, f"fault {r.fault}" if r.fault else "", f"expect {r.expect}" if r.expect else "") if x)
        failed = f"  FAILED: {r.error}" if r.error else ""
        echo(line(f"{number} {scenario:>8} planned {planned} actual {actual} {r.state:<8} {what}{failed}"))


def _by_hand(command_type, verb: str):
    @click.argument("incident_id", metavar="ID", type=INCIDENT)
    @click.argument("n", metavar="INJECT", type=INJECT)
    @pass_env
    def command(env: Env, incident_id: int, n: int) -> None:
        act(command_type(incident_id, n), context(env))

    command.__doc__ = verb
    return command


drill.command("fire")(_by_hand(commands.FireScripted, "Fire scripted inject INJECT now (held, or early); the facilitator's."))
drill.command("hold")(_by_hand(commands.HoldInject, "Hold scripted inject INJECT: it fires only when fired by hand; the facilitator's."))
drill.command("skip")(_by_hand(commands.SkipInject, "Skip scripted inject INJECT: it never fires; the facilitator's."))

COMMANDS = [drill]
