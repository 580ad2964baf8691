"""Watching suppliers for the long term: `warroom risks`; legal reporting clocks: `warroom report`."""

from __future__ import annotations

import click

from warroom import i18n
from warroom import words as vocabulary
from warroom.cli import Env, pass_env
from warroom.cli.language import Command, Group
from warroom.cli.output import echo, echo_json, widest
from warroom.cli.params import INCIDENT, TEXT
from warroom.i18n import N_, _
from warroom.text import line


@click.command(cls=Command, help=N_("Every supplier ranked by risk, highest first, each factor shown with its weight: crucial services "
                                    "that depend on it, criticality, fallbacks, contract and exit plan, jurisdiction, certificate, "
                                    "availability. The weights are [risk.weights] in warroom.toml."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: the weights, and every supplier with its rank, score and factors."))
@pass_env
def risks(env: Env, as_json: bool) -> None:
    from warroom.cli.incidents import reading
    from warroom.services import risk as risk_service
    from warroom.services.views import to_json

    with reading(env) as read:
        config, now = read.config, read.now
        ranked = risk_service.ranking(read.session, config, now)
    if as_json:
        echo_json({"at": to_json(now), "weights": config.risk.weights.model_dump(mode="json"), "suppliers": to_json(ranked)})
        return
    echo(_("Supplier risk, highest first (points = weight × count; weights from [risk.weights] in warroom.toml)"))
    crit = max(9, widest(vocabulary.CRITICALITY, ("vital", "important", "normal")))  # the column's width in either language
    for r in ranked:
        echo(f"{r.rank:>3}. {line(r.id):<20} {i18n.figure(r.score):>7}  {vocabulary.shown(r.criticality, vocabulary.CRITICALITY):<{crit}} {line(r.name)}")
        for f in r.factors:
            echo(f"       {f.factor:<25} {f.weight:>5g} × {f.count:<5g} = {f.points:>6g}  {line(f.why)}")
        if not r.factors:
            echo(_("       no risk factor applies"))



@click.group(cls=Group, help=N_("Legal reporting clocks of an incident (NIS2 early warning, notification, final report; CER): "
                                "`[[reporting]]` in warroom.toml and in playbooks. Draft one with `export ID --format report --obligation NAME`."))
def report() -> None:
    pass


@report.command("list", help=N_("Each reporting obligation of the incident: to whom, due when, and whether it was sent."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: each obligation with its recipient, start, due time and state."))
@pass_env
def report_list(env: Env, incident_id: int, as_json: bool) -> None:
    from warroom.cli.incidents import reading
    from warroom.clock import local
    from warroom.services import incidents, reporting
    from warroom.services.views import to_json

    with reading(env) as read:
        config = read.config
        clocks = reporting.of(read.session, incidents.get(read.session, incident_id), config, read.now)
    if as_json:
        echo_json(to_json(clocks))
        return
    zone = config.settings.timezone
    drill = vocabulary.shown("drill", vocabulary.MODE).upper()
    for c in clocks:
        due = local(c.due_at, zone, "%Y-%m-%d %H:%M") if c.due_at else _("when the {start} is logged").format(start=c.starts)
        mark = f"{drill} " if c.drill else ""
        never = _("  — never sent: the incident was closed") if c.state == "unsent" else ""
        state = vocabulary.shown(c.state, vocabulary.CLOCK_STATE)
        echo(f"{mark}{line(c.id):<28} {state:<8} " + _("due {when}  to {recipient}").format(when=due, recipient=line(c.recipient)) + never)
    if not clocks:
        echo(_("no reporting obligations (add [[reporting]] to warroom.toml or the playbook)"))


@report.command("sent", help=N_("Record that a report was sent: its clock stops (and no overdue escalation fires). Prints the event's seq."))
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("obligation", metavar="OBLIGATION", type=TEXT)
@click.option("--note", type=TEXT, help=N_("How and to whom it was sent (a reference number)."))
@pass_env
def report_sent(env: Env, incident_id: int, obligation: str, note: str | None) -> None:
    from warroom.cli.incidents import act, context
    from warroom.services import commands

    act(commands.RecordReportSent(incident_id, obligation, note), context(env))


COMMANDS = [risks, report]
