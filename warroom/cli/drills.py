"""Drill commands (DESIGN §6): `drill inject` for an ad-hoc inject, and the facilitator's MSEL:
`drill msel` to read the script, `drill fire|hold|skip` to run it by hand."""

from __future__ import annotations

import click

from warroom import i18n
from warroom import words as vocabulary
from warroom.cli import Env, pass_env
from warroom.cli.incidents import act, context, reading
from warroom.cli.language import Group
from warroom.cli.output import echo, echo_json
from warroom.cli.params import INCIDENT, TEXT, Number
from warroom.i18n import N_, _
from warroom.services import commands
from warroom.services.views import to_json
from warroom.text import line

INJECT = Number(N_("inject number"), N_("inject numbers"), "an")


@click.group(cls=Group, help=N_("Run a drill: ad-hoc injects, and the facilitator's script (MSEL)."))
def drill() -> None:
    pass


@drill.command(help=N_("Fire an ad-hoc inject into a running drill; prints its event's seq. Exit 1 when the simulator "
                       "did not take the fault (the failure is logged)."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--message", type=TEXT, help=N_("A scenario development to tell every coordinator (the timeline and their screens)."))
@click.option("--fault", metavar="SUPPLIER=MODE", type=TEXT, help=N_("Make a simulated supplier misbehave: up, degraded, down, hang, flap, minor, major."))
@pass_env
def inject(env: Env, incident_id: int, message: str | None, fault: str | None) -> None:
    act(commands.FireInject(incident_id, message, fault), context(env))


@drill.command(help=N_("The drill's script, for its facilitator only: every inject, planned and actual time, state."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: incident, speed, opened_at, now, injects [{n, at, planned_at, message, fault, "
                                                         "expect, state, actual_at, late_seconds, error}]."))
@pass_env
def msel(env: Env, incident_id: int, as_json: bool) -> None:
    from warroom.clock import local
    from warroom.services import actors, drills

    with reading(env) as w:
        view = drills.msel(w.session, incident_id=incident_id, actor=actors.current(w.config), now=w.now)
    if as_json:
        echo_json(to_json(view))
        return
    zone = w.config.settings.timezone
    from warroom import durations

    echo(_("MSEL of drill #{incident}").format(incident=view.incident) + (_(" ({speed}× faster)").format(speed=i18n.figure(view.speed)) if view.speed != 1 else ""))
    states = max(8, *(len(vocabulary.shown(r.state, vocabulary.INJECT_STATE)) for r in view.injects)) if view.injects else 8
    for r in view.injects:
        number = f"{r.n:>3}" if r.n is not None else " ad"
        scenario = f"+{durations.format(r.at)}" if r.at is not None else _("ad hoc")
        planned = local(r.planned_at, zone, "%H:%M:%S") if r.planned_at else "—"
        actual = local(r.actual_at, zone, "%H:%M:%S") if r.actual_at else "—"
        what = " — ".join(x for x in (r.message, _("fault {fault}").format(fault=r.fault) if r.fault else "",
                                      _("expect {expect}").format(expect=r.expect) if r.expect else "") if x)
        failed = _("  FAILED: {error}").format(error=r.error) if r.error else ""
        state = vocabulary.shown(r.state, vocabulary.INJECT_STATE)
        echo(line(f"{number} {scenario:>8} " + _("planned {planned} actual {actual}").format(planned=planned, actual=actual)
                  + f" {state:<{states}} {what}{failed}"))


def _by_hand(command_type):
    @click.argument("incident_id", metavar="ID", type=INCIDENT)
    @click.argument("n", metavar="INJECT", type=INJECT)
    @pass_env
    def command(env: Env, incident_id: int, n: int) -> None:
        act(command_type(incident_id, n), context(env))

    return command


drill.command("fire", help=N_("Fire scripted inject INJECT now (held, or early); the facilitator's."))(_by_hand(commands.FireScripted))
drill.command("hold", help=N_("Hold scripted inject INJECT: it fires only when fired by hand; the facilitator's."))(_by_hand(commands.HoldInject))
drill.command("skip", help=N_("Skip scripted inject INJECT: it never fires; the facilitator's."))(_by_hand(commands.SkipInject))

COMMANDS = [drill]
