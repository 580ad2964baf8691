"""Watching suppliers for the long term: `warroom risks`; legal reporting clocks: `warroom report`."""

from __future__ import annotations

import click

from warroom.cli import Env, pass_env
from warroom.cli.output import echo, echo_json
from warroom.cli.params import INCIDENT, TEXT
from warroom.text import line


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON: the weights, and every supplier with its rank, score and factors.")
@pass_env
def risks(env: Env, as_json: bool) -> None:
    """Every supplier ranked by risk, highest first, each factor shown with its weight: crucial services
    that depend on it, criticality, fallbacks, contract and exit plan, jurisdiction, certificate,
    availability. The weights are [risk.weights] in warroom.toml."""
    from warroom.cli.incidents import reading
    from warroom.services import risk as risk_service
    from warroom.services.views import to_json

    with reading(env) as read:
        config, now = read.config, read.now
        ranked = risk_service.ranking(read.session, config, now)
    if as_json:
        echo_json({"at": to_json(now), "weights": config.risk.weights.model_dump(mode="json"), "suppliers": to_json(ranked)})
        return
    echo("Supplier risk, highest first (points = weight × count; weights from [risk.weights] in warroom.toml)")
    for r in ranked:
        echo(f"{r.rank:>3}. {line(r.id):<20} {r.score:>7g}  {r.criticality:<9} {line(r.name)}")
        for f in r.factors:
            echo(f"       {f.factor:<25} {f.weight:>5g} × {f.count:<5g} = {f.points:>6g}  {line(f.why)}")
        if not r.factors:
            echo("       no risk factor applies")



@click.group()
def report() -> None:
    """Legal reporting clocks of an incident (NIS2 early warning, notification, final report; CER):
    `[[reporting]]` in warroom.toml and in playbooks. Draft one with `export ID --format report --obligation NAME`."""


@report.command("list")
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.option("--json", "as_json", is_flag=True, help="JSON: each obligation with its recipient, start, due time and state.")
@pass_env
def report_list(env: Env, incident_id: int, as_json: bool) -> None:
    """Each reporting obligation of the incident: to whom, due when, and whether it was sent."""
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
    for c in clocks:
        due = local(c.due_at, zone, "%Y-%m-%d %H:%M") if c.due_at else f"when the {c.starts} is logged"
        mark = "DRILL " if c.drill else ""
        never = "  — never sent: the incident was closed" if c.state == "unsent" else ""
        echo(f"{mark}{line(c.id):<28} {c.state:<8} due {due}  to {line(c.recipient)}{never}")
    if not clocks:
        echo("no reporting obligations (add [[reporting]] to warroom.toml or the playbook)")


@report.command("sent")
@click.argument("incident_id", metavar="ID", type=INCIDENT)
@click.argument("obligation", metavar="OBLIGATION", type=TEXT)
@click.option("--note", type=TEXT, help="How and to whom it was sent (a reference number).")
@pass_env
def report_sent(env: Env, incident_id: int, obligation: str, note: str | None) -> None:
    """Record that a report was sent: its clock stops (and no overdue escalation fires). Prints the event's seq."""
    from warroom.cli.incidents import act, context
    from warroom.services import commands

    act(commands.RecordReportSent(incident_id, obligation, note), context(env))


COMMANDS = [risks, report]
