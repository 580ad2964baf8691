"""Watching suppliers for the long term: `warroom risks`."""

from __future__ import annotations

import click

from warroom.cli import Env, pass_env
from warroom.cli.output import echo, echo_json
from warroom.text import line


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON: the weights, and every supplier with its rank, score and factors.")
@pass_env
def risks(env: Env, as_json: bool) -> None:
    """Every supplier ranked by risk, highest first, each factor shown with its weight: crucial services
    that depend on it, criticality, fallbacks, contract and exit plan, jurisdiction, certificate,
    availability. The weights are [risk.weights] in warroom.toml."""
    from warroom.clock import SystemClock
    from warroom.services import library
    from warroom.services import risk as risk_service
    from warroom.services.views import to_json

    home = env.home.require()
    config = library.config(home)
    now = SystemClock().now()
    store = home.open_store()
    try:
        with store.read() as session:
            ranked = risk_service.ranking(session, config, now)
    finally:
        store.dispose()
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


COMMANDS = [risks]
